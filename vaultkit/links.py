"""Link resolution by Obsidian's rules: names, paths, aliases, and the tie-break.

A link matches a note's file stem case-insensitively (after NFC), then its
`aliases:`. `[[folder/Name]]` matches a vault path, or the end of one. Where
several notes share a name: an exact vault path first, then the linking note's
own folder, then the shortest path (then the path itself, so the choice is stable).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vaultkit.body import nfc
from vaultkit.model import Link, Note, Problem

_UNSET = object()


def link_name(link: Link) -> str:
    """Give the name a link that resolves to no note stands for: its target's last path part.

    Not the display text after `|`: `[[People/Carol|Caz]]` names Carol, as a note made for
    the link would be named, and as `due`, `check` and the graph name it.
    """
    return link.target.rsplit("/", 1)[-1].strip() or link.target


def who(link: Link, target: Note | None) -> str:
    """Give who a link names, to compare two links by: the path of the note it resolves to
    (`target`), else its name as names are compared."""
    return target.path if target is not None else name_key(link_name(link))


def name_key(text: str) -> str:
    """Give the form two names are compared in: NFC, case-folded, without `.md`."""
    text = nfc(text.strip())
    if text.lower().endswith(".md"):
        text = text[:-3]
    return text.casefold()


class Resolver:
    """Finds the note a link points to, for one set of notes."""

    def __init__(self, notes: Iterable[Note]) -> None:
        self.notes = sorted(notes, key=lambda n: n.path)
        self.by_name: dict[str, list[Note]] = {}
        self.by_alias: dict[str, list[Note]] = {}
        self.by_path: dict[str, Note] = {}
        for note in self.notes:
            self.by_name.setdefault(name_key(note.name), []).append(note)
            self.by_path[name_key(note.path)] = note
            for alias in note.aliases:
                self.by_alias.setdefault(name_key(alias), []).append(note)
        self._memo: dict[tuple[str, str], Note | None] = {}
        self._anywhere: dict[str, Note | None] = {}

    def resolve(self, link: Link | str, source: Note | str | None = None) -> Note | None:
        """Give the note `link` points to from `source`, or None for a dangling link."""
        target = link.target if isinstance(link, Link) else link
        # Most names are unique, so their answer does not depend on where the link is.
        found = self._anywhere.get(target, _UNSET)
        if found is not _UNSET:
            return found  # type: ignore[return-value]
        folder = ""
        if isinstance(source, Note):
            folder = source.folder
        elif isinstance(source, str):
            folder = source.rpartition("/")[0]
        memo_key = (target, folder)
        if memo_key in self._memo:
            return self._memo[memo_key]
        key = name_key(target)
        candidates = self._candidates(key)
        note = _pick(candidates, key, folder.casefold())
        if len(candidates) < 2:
            self._anywhere[target] = note
        else:
            self._memo[memo_key] = note
        return note

    def candidates(self, target: str) -> list[Note]:
        """Give every note a link to `target` could mean, before the tie-break picks one."""
        return list(self._candidates(name_key(target)))

    def _candidates(self, key: str) -> list[Note]:
        if not key:
            return []
        if "/" in key:
            exact = self.by_path.get(key.lstrip("/"))
            if exact is not None:
                return [exact]
            stem = key.rsplit("/", 1)[-1]
            suffix = "/" + key.lstrip("/")
            return [n for n in self.by_name.get(stem, ()) if name_key(n.path).endswith(suffix)]
        return self.by_name.get(key) or self.by_alias.get(key) or []

    def clashes(self) -> list[Problem]:
        """Give one warning per note whose name another note also has."""
        problems: list[Problem] = []
        for notes in self.by_name.values():
            if len(notes) < 2:
                continue
            paths = [n.path for n in notes]
            for note in notes:
                others = ", ".join(p for p in paths if p != note.path)
                problems.append(
                    Problem(
                        note.path,
                        None,
                        None,
                        "warning",
                        "duplicate-name",
                        f"another note has the name '{note.name}' ({others}); "
                        "links to it resolve by folder, then the shortest path",
                    )
                )
        return problems


def _pick(candidates: Sequence[Note], key: str, folder: str) -> Note | None:
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    for note in candidates:
        if name_key(note.path) == key:
            return note
    same_folder = [n for n in candidates if n.folder.casefold() == folder]
    if same_folder:
        return same_folder[0]
    return min(candidates, key=lambda n: (n.path.count("/"), len(n.path), n.path))
