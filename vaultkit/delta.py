"""A vault already read, after some of its files changed: what the watcher works from.

`update` gives the Vault that `vault.assemble` would give for the files as they are
now, at the cost of the change rather than of the vault: unchanged notes are reused
as they are, the link resolver's tables are patched, and problems are worked out
again only for the notes a change can touch (the changed notes, the notes whose
links look up a name that changed, the notes sharing a changed name).
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence

from vaultkit.aside import conflict_copies, copy_problem, set_aside
from vaultkit.body import link_parts
from vaultkit.links import Resolver, name_key
from vaultkit.model import Note, Problem
from vaultkit.vault import (
    FileStat,
    Vault,
    _dangling,
    read_notes,
)

Readers = Callable[[set[str]], Iterable[str]]
Stats = Sequence[FileStat] | Callable[[], Sequence[FileStat]]
Change = tuple[str, "Note | None", "Note | None"]  # path, the note before, the note after
_RESOLVER_FIELDS = {"notes", "by_name", "by_alias", "by_path", "_memo", "_anywhere"}
_MANY = 64  # more changes than this: rebuild the note list and resolver outright


def lookup_key(target: str) -> str:
    """Give the name key a link target is looked up by: its last path part, as a name key."""
    return name_key(target).rsplit("/", 1)[-1]


def provided_keys(note: Note) -> set[str]:
    """Give the name keys a link can find the note by: its name and its aliases."""
    return {name_key(note.name), *(name_key(a) for a in note.aliases)}


class KeyMemo:
    """The name keys already worked out, by link target and by body link as written:
    for a pass over a whole vault (some 400k links to some 50k names), then let go."""

    def __init__(self) -> None:
        self.by_target: dict[str, str] = {}
        self.by_raw: dict[str, str] = {}

    def target(self, target: str) -> str:
        """Give lookup_key(target), interned."""
        key = self.by_target.get(target)
        if key is None:
            key = self.by_target[target] = sys.intern(lookup_key(target))
        return key

    def raw(self, raw: str) -> str:
        """Give the lookup key of a body link as written ("" for one to no note)."""
        key = self.by_raw.get(raw)
        if key is None:
            parts = link_parts(raw)
            key = self.by_raw[raw] = "" if parts is None else self.target(parts[0])
        return key


def link_keys(note: Note, memo: KeyMemo | None = None) -> set[str]:
    """Give the name keys the note's links (front-matter and body) are looked up by."""
    memo = memo or KeyMemo()
    keys = {memo.target(link.target) for link in note.fm_links}
    keys.update(map(memo.raw, note.body_links))
    keys.discard("")
    return keys


def update(
    vault: Vault,
    stats: Stats,
    changed: Sequence[FileStat],
    removed: Iterable[str] = (),
    *,
    notes: Mapping[str, Note] | None = None,
    readers: Readers | None = None,
    consume: bool = False,
) -> Vault:
    """Give the vault after some of its files changed, every other note reused as it was.

    `stats` is the vault's scan as it is now (or a function giving it: it is needed only
    when paths came or went), `changed` the files added or changed
    since `vault` was read (read here unless `notes` holds them parsed) and `removed`
    the paths gone. `readers(keys)` gives the paths of the notes with a link looked up
    by one of those name keys (`link_keys`); without it every note is searched. With
    `consume`, the old vault is not used again, so its resolver's tables are taken over
    rather than copied (30k notes: 10 ms). The result is the Vault that `assemble`
    gives for the same files.
    """
    root, config = vault.root, vault.config
    parsed = {p: n for p, n in (notes or {}).items()}
    todo = [s for s in changed if s.path not in parsed]
    parsed.update((n.path, n) for n in read_notes(root, todo, config))
    gone = set(removed)
    old_copies = {p.path for p in vault.problems if p.code == "conflict-copy"}
    paths = [n.path for n in vault.notes] if len(changed) > _MANY else None
    grew = bool(gone) or any(
        s.path not in old_copies and _find(vault.notes, s.path, paths) is None for s in changed
    )
    listed: Sequence[FileStat] = () if not grew else stats() if callable(stats) else stats
    copies = conflict_copies(listed) if grew else None
    new_copies = set(copies) if copies is not None else old_copies
    flips = old_copies ^ new_copies
    back = [s for s in listed if s.path in flips - new_copies and s.path not in parsed]
    parsed.update((n.path, n) for n in read_notes(root, back, config))

    changes: list[Change] = []
    for path in sorted(set(parsed) | gone | flips):
        at = _find(vault.notes, path, paths)
        old = vault.notes[at] if at is not None else None
        new = None if path in gone or path in new_copies else parsed.get(path)
        if new is not None and set_aside(new) is not None:
            new = None  # set aside, as assemble sets it aside
        if old is not new:
            changes.append((path, old, new))
    kept = _apply(vault.notes, changes)
    resolver = _patch_resolver(vault.resolver, kept, changes, consume)

    moved_keys: set[str] = set()  # name keys whose set of notes changed
    clash_keys: set[str] = set()
    for _path, old, new in changes:
        before = provided_keys(old) if old is not None else set()
        after = provided_keys(new) if new is not None else set()
        moved_keys |= before ^ after if old is not None and new is not None else before | after
        if old is None or new is None:
            either = old if old is not None else new
            assert either is not None
            clash_keys.add(name_key(either.name))
    touched = {path for path, _, _ in changes} | flips | gone
    if moved_keys:
        found = readers(moved_keys) if readers else _readers(kept, moved_keys)
        touched.update(found)
    for key in clash_keys:
        touched.update(n.path for n in vault.resolver.by_name.get(key, ()))
        touched.update(n.path for n in resolver.by_name.get(key, ()))

    problems = [p for p in vault.problems if p.path not in touched]
    problems += _problems_of(vault, resolver, kept, touched, copies, new_copies)
    for path, note in parsed.items():
        if path not in gone and path not in new_copies:
            problems.extend(set_aside(note) or ())
    problems.sort(key=Problem.sort_key)
    return Vault(root, config, tuple(kept), tuple(problems), resolver, len(todo) + len(back))


def _find(notes: Sequence[Note], path: str, paths: list[str] | None = None) -> int | None:
    """Give the index of the note at `path` in path-ordered `notes` (or their `paths`), or None."""
    if paths is not None:
        at = bisect.bisect_left(paths, path)
    else:
        at = bisect.bisect_left(notes, path, key=_note_path)
    return at if at < len(notes) and notes[at].path == path else None


def _note_path(note: Note) -> str:
    return note.path


def _apply(notes: tuple[Note, ...], changes: list[Change]) -> list[Note]:
    """Give the path-ordered notes after the changes (path, old, new)."""
    if len(changes) > _MANY:
        merged = {n.path: n for n in notes}
        for path, _old, new in changes:
            if new is None:
                merged.pop(path, None)
            else:
                merged[path] = new
        return sorted(merged.values(), key=_note_path)
    kept = list(notes)
    for path, old, new in changes:
        at = bisect.bisect_left(kept, path, key=_note_path)
        if old is not None and new is not None:
            kept[at] = new
        elif old is not None:
            del kept[at]
        elif new is not None:
            kept.insert(at, new)
    return kept


def _patch_resolver(
    old: Resolver, kept: list[Note], changes: list[Change], consume: bool = False
) -> Resolver:
    """Give the Resolver of `kept`: the old one's tables with the changed notes swapped."""
    new = Resolver(())
    if len(changes) > _MANY or set(vars(new)) != _RESOLVER_FIELDS:
        return Resolver(kept)  # the tables are not the ones this knows how to patch
    new.notes = kept
    if consume:
        new.by_name, new.by_alias, new.by_path = old.by_name, old.by_alias, old.by_path
    else:
        new.by_name, new.by_alias = dict(old.by_name), dict(old.by_alias)
        new.by_path = dict(old.by_path)
    for _path, note, _new in changes:
        if note is not None:
            _drop(new.by_name, name_key(note.name), note)
            for alias in note.aliases:
                _drop(new.by_alias, name_key(alias), note)
            if new.by_path.get(name_key(note.path)) is note:
                del new.by_path[name_key(note.path)]
    for _path, _old, note in changes:
        if note is not None:
            _add(new.by_name, name_key(note.name), note)
            for alias in note.aliases:
                _add(new.by_alias, name_key(alias), note)
    for _path, old_note, note in changes:
        # by_path holds, for each path key, the last note in path order that has it.
        for each in (old_note, note):
            if each is None:
                continue
            key = name_key(each.path)
            same = [n for n in new.by_name.get(name_key(each.name), ()) if name_key(n.path) == key]
            if same:
                new.by_path[key] = same[-1]
            else:
                new.by_path.pop(key, None)
    return new


def _drop(table: dict[str, list[Note]], key: str, note: Note) -> None:
    rest = [n for n in table.get(key, ()) if n is not note]
    if rest:
        table[key] = rest
    else:
        table.pop(key, None)


def _add(table: dict[str, list[Note]], key: str, note: Note) -> None:
    notes = list(table.get(key, ()))
    notes.insert(bisect.bisect_right(notes, note.path, key=_note_path), note)
    table[key] = notes


def _readers(notes: Sequence[Note], keys: set[str]) -> list[str]:
    memo = KeyMemo()
    return [n.path for n in notes if not keys.isdisjoint(link_keys(n, memo))]


def _problems_of(
    vault: Vault,
    resolver: Resolver,
    kept: Sequence[Note],
    touched: set[str],
    copies: Mapping[str, str] | None,
    copy_paths: set[str],
) -> list[Problem]:
    """Give the problems of the touched paths, in the order `assemble` makes them.

    `copies` is None when the vault's paths are as they were, so its conflict copies too.
    """
    out: list[Problem] = []
    clashes: dict[str, list[Problem]] = {}
    for path in sorted(touched):
        if path in copy_paths:
            if copies is not None:
                out.append(copy_problem(path, copies[path]))
            else:  # a copy as before: its warning is as it was
                out.extend(p for p in vault.problems if p.path == path)
            continue
        at = _find(kept, path)
        if at is None:
            continue
        note = kept[at]
        out.extend(note.problems)
        key = name_key(note.name)
        if len(resolver.by_name.get(key, ())) > 1:
            if key not in clashes:
                clashes[key] = Resolver(resolver.by_name[key]).clashes()
            out.extend(p for p in clashes[key] if p.path == path)
        out.extend(_dangling([note], resolver))
    return out
