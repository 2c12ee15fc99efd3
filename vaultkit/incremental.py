"""The generated notes kept up to date change by change: what the watcher renders.

`Live` holds a vault and the pieces the index and Due Actions notes are made of,
each kept by the note it comes from: each person's timeline, the due actions each
note gives, each row of the index, each line of the Due Actions note. `apply`
takes the changed files and works out again only the pieces a change can reach:

- the changed notes, and every note with a link that looks up one of their names
  (it may now find another note, or none, or the same note saying something else);
- the contacts those notes link to in their front-matter, before and after (their
  timeline may have changed), and every note linking to those contacts (a referral
  rule looks at every meeting that names the person);
- every note with a dangling front-matter link to the same name (a missing note is
  reported once, from the earliest meeting naming it).

The renderers stay the one source of every row and line: a piece is made by running
them (timeline.people, rules.due_actions, render_index, action_line) over the few
notes it concerns with the whole vault's link resolver. This module only knows which
notes a piece depends on and where it goes in the note; `Live.check` compares the
result with `build.render_outputs`, and a Live that disagrees falls back to it.
"""

from __future__ import annotations

import bisect
import logging
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from vaultkit import delta
from vaultkit.links import link_name, name_key
from vaultkit.model import Note, Problem
from vaultkit.render import pieces
from vaultkit.render.due import action_line, next_action_cells
from vaultkit.render.pieces import OrgKey, Table, person_key
from vaultkit.rules import Action, due_actions
from vaultkit.timeline import Person, meeting_key, people
from vaultkit.vault import FileStat, Vault

log = logging.getLogger("vaultkit.incremental")
FULL_SHARE = 0.2  # a change reaching more than this share of the notes: work it all out again


@dataclass(frozen=True)
class Related:
    """What a note's front-matter links find: notes, missing names, its organisation."""

    targets: frozenset[str]
    missing: frozenset[str]
    org: OrgKey | None
    meeting: bool


@dataclass
class Applied:
    """What one `apply` did: notes changed, pieces worked out again, and what it means."""

    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reached: int = 0
    full: bool = False
    graph: bool = False


class Live:
    """A vault with the pieces of its index and Due Actions notes, kept up to date.

    With `consume` (the default) an old vault's link tables are updated in place: keep
    no reference to `live.vault` across an `apply` (a forked child's copy is safe).
    """

    def __init__(self, vault: Vault, today: date, *, consume: bool = True) -> None:
        self.vault = vault
        self.consume = consume
        self.today = today
        self.fallback = False
        self.graph_signatures: dict[str, int] = {}  # the hash of what the graph reads
        self._full()

    # --- the whole vault ---------------------------------------------------------------

    def _full(self) -> None:
        """Work every piece out from the vault as it is."""
        vault, today = self.vault, self.today
        self.stale: set[str] = {"index", "due"}  # the notes whose pieces changed
        self.rendered: dict[str, Any] = {}
        self.by_path = {n.path: n for n in vault.notes}
        self.readers: dict[str, list[str]] = {}  # name key: the notes with a link to it
        self.fm_readers: dict[str, list[str]] = {}  # the same, front-matter links only
        self.targets: dict[str, tuple[str, ...]] = {}
        self.linkers: dict[str, set[str]] = {}
        self.missing: dict[str, tuple[str, ...]] = {}
        self.namers: dict[str, set[str]] = {}
        self.org_of: dict[str, OrgKey | None] = {}
        self.members: dict[OrgKey, set[str]] = {}
        self.meetings: set[str] = set()  # the notes with a meeting's fields
        memo = delta.KeyMemo()  # for this pass only: the watcher keeps no more than it needs
        for note in vault.notes:
            self._index(note, memo=memo)
        del memo
        for note in vault.notes:
            self._relate(note, note.path)
        self.people = people(vault, today)
        actions = due_actions(vault, self.people, today)
        self.by_source: dict[str, list[Action]] = {}
        self.by_subject: dict[str, list[Action]] = {}
        for action in actions:
            self.by_source.setdefault(action.note, []).append(action)
            if action.subject_path is not None:
                self.by_subject.setdefault(action.subject_path, []).append(action)
        self.cells = next_action_cells(actions)
        self.lines = [action_line(a, self.by_path).encode("utf-8") for a in actions]
        self.dues = [pieces.due_rank(a.due) for a in actions]
        self.actions = list(actions)
        self.heads: dict[str, list[str]] = {}
        self.person_rows: dict[str, bytes] = {}
        self.meeting_rows: dict[str, bytes] = {}
        self.org_rows: dict[OrgKey, str] = {}
        self._rows(vault.notes, [*self.members, *(("note", n.path) for n in vault.notes)])
        self.people_table = Table(self.person_rows)
        self.people_table.fill(vault.notes, person_key, "contact")
        self.meetings_table = Table(self.meeting_rows)
        self.meetings_table.fill(vault.notes, meeting_key, "meeting")
        self.problem_rows: dict[Problem, str] = {}
        self._problems()
        self.graph_signatures = {n.path: _hash(self._signature(n)) for n in vault.notes}

    def _index(self, note: Note, drop: bool = False, memo: delta.KeyMemo | None = None) -> None:
        """Add (or drop) a note's link lookups to the readers tables. Keys are interned and
        readers kept in lists: a vault of 30k notes has some 350k links to some 60k names."""
        memo = memo or delta.KeyMemo()
        keys = delta.link_keys(note, memo)
        front = {memo.target(link.target) for link in note.fm_links}
        for table, wanted in ((self.readers, keys), (self.fm_readers, front)):
            for key in wanted:
                paths = table.setdefault(key, [])
                if not drop:
                    paths.append(note.path)
                elif note.path in paths:
                    paths.remove(note.path)

    def _relate(self, note: Note | None, path: str) -> Related:
        """Work out what a note's front-matter links find now; give what they found before."""
        before = Related(
            frozenset(self.targets.pop(path, ())),
            frozenset(self.missing.pop(path, ())),
            self.org_of.pop(path, None),
            path in self.meetings,
        )
        self.meetings.discard(path)
        for old in before.targets:
            self.linkers[old].discard(path)
        for key in before.missing:
            self.namers[key].discard(path)
        if before.org is not None:
            self.members[before.org].discard(path)
        if note is None:
            return before
        if note.meeting is not None:
            self.meetings.add(path)
        found: set[str] = set()
        missing: set[str] = set()
        for link in note.fm_links:
            hit = self.vault.resolve(link, note)
            if hit is not None:
                found.add(hit.path)
            else:  # keyed both ways a rule may group a missing name by
                missing.add(delta.lookup_key(link.target))
                missing.add(name_key(link_name(link)))
        if found:
            self.targets[path] = tuple(found)
        if missing:
            self.missing[path] = tuple(sys.intern(k) for k in missing)
        for each in found:
            self.linkers.setdefault(each, set()).add(path)
        for key in missing:
            self.namers.setdefault(key, set()).add(path)
        c = note.contact if note.kind == "contact" else None
        if c is not None and c.org is not None:
            at = self.vault.resolve(c.org, note)
            org: OrgKey = ("note", at.path) if at is not None else ("name", _written(c.org))
            self.org_of[path] = org
            self.members.setdefault(org, set()).add(path)
        return before

    # --- a change ----------------------------------------------------------------------

    def apply(
        self,
        stats: delta.Stats,
        changed: Sequence[FileStat],
        removed: Collection[str] = (),
        notes: Mapping[str, Note] | None = None,
    ) -> Applied:
        """Take the changed and removed files (as delta.update does) and bring every piece
        up to date; `stats` (or a function giving it) is the vault's scan as it is now."""
        old = self.vault
        new = delta.update(
            old,
            stats,
            changed,
            removed,
            notes=notes,
            readers=self._readers_of,
            consume=self.consume,
        )
        self.vault = new
        old_copies = {p.path for p in old.problems if p.code == "conflict-copy"}
        new_copies = {p.path for p in new.problems if p.code == "conflict-copy"}
        candidates = {s.path for s in changed} | set(removed) | (old_copies ^ new_copies)
        done = Applied()
        swaps: list[tuple[Note | None, Note | None]] = []
        for path in sorted(candidates):
            before, after = self.by_path.get(path), _get(new, path)
            if before is not after:
                swaps.append((before, after))
                (done.changed if after is not None else done.removed).append(path)
        if self.fallback:
            self.by_path = {n.path: n for n in new.notes}
            done.graph = bool(swaps)
        elif len(swaps) > FULL_SHARE * max(len(new.notes), 1):
            self._full()
            done.full, done.graph, done.reached = True, True, len(new.notes)
        elif swaps:
            try:
                self._apply(swaps, done)
            except Exception:  # a renderer changed under this module: render whole notes
                log.exception("the quick renderer failed; rendering whole notes from now on")
                self.fallback, done.graph = True, True
        if new.problems != old.problems and not done.full:
            self._problems()
        return done

    def set_today(self, today: date) -> None:
        """Work every piece out again for another day."""
        self.today = today
        if not self.fallback:
            self._full()

    def _readers_of(self, keys: set[str], table: dict[str, list[str]] | None = None) -> set[str]:
        found: set[str] = set()
        for key in keys:
            found.update((self.readers if table is None else table).get(key, ()))
        return found

    def _apply(self, swaps: list[tuple[Note | None, Note | None]], done: Applied) -> None:
        names: set[str] = set()
        changed: set[str] = set()
        contacts: set[str] = set()  # the people whose timeline may have changed
        orgs: set[OrgKey] = set()
        for before, after in swaps:
            either = after if after is not None else before
            assert either is not None
            path = either.path
            for note in (before, after):
                if note is not None:
                    names |= delta.provided_keys(note)
                    if note.kind == "contact":
                        contacts.add(path)
            changed.add(path)
            orgs.add(("note", path))
            if before is not None:
                self._index(before, drop=True)
                del self.by_path[path]
            if after is not None:
                self._index(after)
                self.by_path[path] = after
        # The notes whose links may now find something else, or the same note changed.
        # Only front-matter links matter here: what a body links to is shown nowhere.
        near = changed | self._readers_of(names, self.fm_readers)
        missing: set[str] = set()
        for path in near:
            was = self._relate(self.by_path.get(path), path)
            now = frozenset(self.targets.get(path, ()))
            # A person's timeline is made of the meetings that link to them.
            moved = path in changed or was != self._related(path)
            linked = (was.targets if was.meeting and moved else set()) | (
                now if path in self.meetings and moved else set()
            )
            contacts |= {t for t in linked if self._contact(t)}
            if moved:
                missing |= was.missing.union(self.missing.get(path, ()))
            for org in (was.org, self.org_of.get(path)):
                if org is not None:
                    orgs.add(org)
        dirty = near | contacts
        for path in contacts:
            dirty |= self._meetings_linking(path)
        for key in missing:
            dirty |= self.namers.get(key, set()) & self.meetings
        done.reached = len(dirty)
        self._people({p for p in dirty if p in self.people or self._contact(p)})
        subjects = self._actions(dirty)
        self._rows([self.by_path[p] for p in sorted(dirty | subjects) if p in self.by_path], orgs)
        self._orders(dirty | subjects)
        for path in dirty:
            note = self.by_path.get(path)
            signature = _hash(self._signature(note)) if note is not None else None
            if self.graph_signatures.get(path) != signature:
                done.graph = True
                if signature is None:
                    del self.graph_signatures[path]
                else:
                    self.graph_signatures[path] = signature

    def _related(self, path: str) -> Related:
        return Related(
            frozenset(self.targets.get(path, ())),
            frozenset(self.missing.get(path, ())),
            self.org_of.get(path),
            path in self.meetings,
        )

    def _meetings_linking(self, path: str) -> set[str]:
        return self.linkers.get(path, set()) & self.meetings

    def _problems(self) -> None:
        """Render the Problems section again, reusing the row of every problem seen before."""
        lines = pieces.problem_lines(self.vault.problems, self.problem_rows, self.heads)
        if lines != getattr(self, "problem_lines", None):
            self.problem_lines = lines
            self.stale.add("index")

    def _contact(self, path: str) -> bool:
        note = self.by_path.get(path)
        return note is not None and note.kind == "contact"

    def _people(self, paths: set[str]) -> None:
        """Work out again the timeline of each of these contacts (and forget the others)."""
        wanted = {p for p in paths if self._contact(p)}
        for path in paths - wanted:
            self.people.pop(path, None)
        if not wanted:
            return
        around = set(wanted)
        for path in wanted:
            around |= self._meetings_linking(path)
        found = people(self._sub(around), self.today)
        for path in wanted:
            self.people[path] = found[path]

    def _actions(self, dirty: set[str]) -> set[str]:
        """Work out again the actions that come from the dirty notes; give the subjects
        whose actions changed."""
        around = set(dirty)
        for path in dirty:
            note = self.by_path.get(path)
            if note is None:
                continue
            # The referral rules look at every meeting naming the same person or name.
            reach = {path} if note.kind == "contact" else set()
            if path in self.meetings:
                reach |= {t for t in self.targets.get(path, ()) if self._contact(t)}
                for key in self.missing.get(path, ()):
                    around |= self.namers.get(key, set()) & self.meetings
            for target in reach:
                around |= self._meetings_linking(target)
        fresh: dict[str, list[Action]] = {}
        for action in due_actions(self._sub(around), self.people, self.today):
            if action.note in dirty:
                fresh.setdefault(action.note, []).append(action)
        subjects: set[str] = set()
        for path in dirty:
            old = self.by_source.pop(path, [])
            new = fresh.get(path, [])
            if old == new:
                if new:
                    self.by_source[path] = new
                continue
            for action in old:
                self._unplace(action)
                subjects.add(action.subject_path or "")
            for action in new:
                self._place(action)
                subjects.add(action.subject_path or "")
            if new:
                self.by_source[path] = new
        subjects.discard("")
        for subject in subjects:
            mine = sorted(self.by_subject.get(subject, ()), key=Action.sort_key)
            cell = next_action_cells(mine).get(subject)
            if cell is None:
                self.cells.pop(subject, None)
            else:
                self.cells[subject] = cell
        return subjects

    # The actions are kept in Action.sort_key order without their keys (70k keys are 12 MB):
    # a bisection works out the dozen keys it compares with.

    def _place(self, action: Action) -> None:
        self.stale.add("due")
        at = bisect.bisect_right(self.actions, action.sort_key(), key=Action.sort_key)
        self.actions.insert(at, action)
        notes = {
            p: self.by_path[p] for p in (action.note, action.subject_path) if p in self.by_path
        }
        self.lines.insert(at, action_line(action, notes).encode("utf-8"))
        self.dues.insert(at, pieces.due_rank(action.due))
        if action.subject_path is not None:
            self.by_subject.setdefault(action.subject_path, []).append(action)

    def _unplace(self, action: Action) -> None:
        self.stale.add("due")
        at = bisect.bisect_left(self.actions, action.sort_key(), key=Action.sort_key)
        while self.actions[at] != action:
            at += 1
        del self.actions[at], self.lines[at], self.dues[at]
        if action.subject_path is not None:
            self.by_subject[action.subject_path].remove(action)

    def _sub(self, paths: Iterable[str]) -> Vault:
        """Give the vault cut down to some notes, links still resolved in the whole vault."""
        notes = tuple(self.by_path[p] for p in sorted(paths) if p in self.by_path)
        return replace(self.vault, notes=notes, problems=())

    # --- the index note's rows ---------------------------------------------------------

    def _rows(self, notes: Sequence[Note], orgs: Iterable[OrgKey]) -> None:
        """Render again the index rows of some notes and of some organisations."""
        shown: set[OrgKey] = set()
        before: dict[OrgKey, str] = {}
        for org in orgs:
            if org in self.org_rows:
                before[org] = self.org_rows.pop(org)
            named = org[0] == "name" and bool(self.members.get(org))
            if named or (org[0] == "note" and _kind(self, org[1]) == "org"):
                shown.add(org)
        for note in notes:
            if note.kind != "contact":
                self.person_rows.pop(note.path, None)
            if note.kind != "meeting":
                self.meeting_rows.pop(note.path, None)
        picked = {n.path for n in notes if n.kind in ("contact", "meeting")}
        for org in shown:
            if org[0] == "note":
                picked.add(org[1])
            picked |= self.members.get(org, set())  # an organisation's row names them all
        if not picked:
            return
        found = pieces.index_rows(
            self._sub(picked), self.people, self.today, self.cells, self.org_of
        )
        self.heads.update(found.heads)
        self.person_rows.update((key, row.encode("utf-8")) for key, row in found.people)
        self.meeting_rows.update((key, row.encode("utf-8")) for key, row in found.meetings)
        self.org_rows.update((key, row) for key, row in found.orgs if key in shown)
        if any(before.get(key) != self.org_rows.get(key) for key in before.keys() | shown):
            self.stale.add("index")

    def _orders(self, paths: Iterable[str]) -> None:
        """Put the rows of these notes in their places in the People and Meetings tables."""
        for path in paths:
            note = self.by_path.get(path)
            if self.people_table.reorder(path, note, person_key):
                self.stale.add("index")
            if self.meetings_table.reorder(path, note, meeting_key):
                self.stale.add("index")

    # --- the notes ---------------------------------------------------------------------

    def render(self) -> dict[str, bytes]:
        """Give the bytes of the index and Due Actions notes, keyed by vault path (a note
        none of whose pieces changed since the last call is not joined again)."""
        if self.fallback:
            return self.reference()
        vault = self.vault
        output = vault.config.output
        count = sum(1 for key in self.org_rows if key[0] == "note")
        header = (count, len(vault.notes), len(vault.problems))
        if "index" in self.stale or header != self.rendered.get("header"):
            orgs = pieces.org_order(self.org_rows, self.by_path, self.members)
            self.rendered.pop("index", None)
            self.rendered["index"] = pieces.index_note(
                vault,
                self.people_table,
                self.meetings_table,
                (count, orgs),
                self.problem_lines,
                self.heads,
            )
            self.rendered["header"] = header
        if "due" in self.stale:
            self.rendered.pop("due", None)  # let the old note go before the new one is made
            self.rendered["due"] = pieces.due_note(vault.config, self.today, self.dues, self.lines)
        self.stale.clear()
        return {
            output.path(output.index): self.rendered["index"],
            output.path(output.due): self.rendered["due"],
        }

    def reference(self) -> dict[str, bytes]:
        """Give the index and Due Actions notes as a build makes them: all at once."""
        from vaultkit.build import render_outputs

        return render_outputs(self.vault, self.today, graph=False).notes

    def check(self) -> list[str]:
        """Give the paths of the notes this renders otherwise than a build; after a
        disagreement it renders them as a build does (slowly, but right)."""
        if self.fallback:
            return []
        theirs = self.reference()
        try:
            ours = self.render()
        except Exception:
            log.exception("the quick renderer failed")
            ours = {}
        wrong = sorted(p for p in theirs if ours.get(p) != theirs[p])
        self.fallback = bool(wrong)
        return wrong

    def graph_people(self) -> Mapping[str, Person]:
        """Give every contact's timeline, as the referral graph needs it."""
        return people(self.vault, self.today) if self.fallback else self.people

    def _signature(self, note: Note) -> Any:
        """Give what the referral graph reads of a note: a change in it redraws the graph."""
        resolved = tuple(sorted(self.targets.get(note.path, ())))
        kinds = tuple(_kind(self, t) for t in resolved)
        head = (note.kind, note.name, note.path, resolved, kinds)
        if note.contact is not None:
            p = self.people.get(note.path)
            person = (p.stage, p.reached, p.last_interaction) if p else None
            return (*head, note.contact, person)
        if note.meeting is not None:
            m = note.meeting
            return (*head, m.date, m.status, m.with_, m.referrals)
        return (*head, note.org)


def _hash(signature: Any) -> int:
    try:
        return hash(signature)
    except TypeError:  # a record grew an unhashable field
        return hash(repr(signature))


def _get(vault: Vault, path: str) -> Note | None:
    at = delta._find(vault.notes, path)
    return vault.notes[at] if at is not None else None


def _kind(live: Live, path: str) -> str:
    note = live.by_path.get(path)
    return note.kind if note is not None else ""


def _written(link: Any) -> str:
    return str(link.shown if link.bracketed else link.target)
