"""The index and Due Actions notes put together from rows kept between rebuilds.

The watcher (through vaultkit.incremental) keeps each row of the index and each line
of the Due Actions note, and renders again only those a change reaches. This module
knows the two notes' layout, as render/index.py and render/due.py write it, and
assembles the kept pieces into the same bytes. The rows themselves are always the
renderers' own: `index_rows` runs render_index over a few notes and takes its rows.
`incremental.Live.check` compares the result with a whole render on every start.

The notes are joined as UTF-8 bytes: a big vault's Due Actions note runs to 10 MB,
and its lines (with an emoji in most) join ten times faster as bytes than as text.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from vaultkit.config import Config
from vaultkit.model import Note, Problem
from vaultkit.render.due import SECTIONS, WEEK, due_preamble, section_notes
from vaultkit.render.index import counts_line, problems_section, render_index, tally
from vaultkit.render.markdown import (
    GENERATED_NOTICE,
    encoded,
    escape,
    finish_encoded,
    front_matter,
)
from vaultkit.timeline import Person, meeting_key
from vaultkit.vault import Vault

OrgKey = tuple[str, str]  # ("note", path) or ("name", the organisation as written)


def person_key(note: Note) -> tuple[str, str]:
    """Give the key the index orders people (and organisations) by."""
    return (note.name.casefold(), note.path)


@dataclass
class Table:
    """The rows of one index table in order: their sort keys, their lines, each row's key."""

    rows: dict[str, bytes]
    keys: list[Any] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)
    placed: dict[str, Any] = field(default_factory=dict)

    def fill(self, notes: Sequence[Note], key_of: Callable[[Note], Any], kind: str) -> None:
        """Put every row in order at once."""
        self.placed = {n.path: key_of(n) for n in notes if n.kind == kind}
        self.keys = sorted(self.placed.values())
        self.lines = [self.rows[k[1]] for k in self.keys]

    def reorder(self, path: str, note: Note | None, key_of: Callable[[Note], Any]) -> bool:
        """Take a note's row out and put it back where it now belongs (if it has one);
        give whether the table changed."""
        old, line = self.placed.pop(path, None), None
        if old is not None:
            at = bisect.bisect_left(self.keys, old)
            line = self.lines[at]
            del self.keys[at], self.lines[at]
        if note is None or path not in self.rows:
            self.rows.pop(path, None)
            return old is not None
        key = key_of(note)
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.lines.insert(at, self.rows[path])
        self.placed[path] = key
        return key != old or line != self.rows[path]


@dataclass
class Rows:
    """What render_index gave for a few notes: each table's row keys, rows and header."""

    people: list[tuple[str, str]]
    meetings: list[tuple[str, str]]
    orgs: list[tuple[OrgKey, str]]
    heads: dict[str, list[str]]


def index_rows(
    sub: Vault,
    people: Mapping[str, Person],
    today: date,
    cells: Mapping[str, str],
    org_of: Mapping[str, OrgKey | None],
) -> Rows:
    """Give the index rows of the notes of `sub` (links resolved in the whole vault)."""
    lines = render_index(sub, people, today, cells).decode("utf-8").split("\n")
    contacts = sorted((n for n in sub.notes if n.kind == "contact"), key=person_key)
    meetings = sorted((n for n in sub.notes if n.kind == "meeting"), key=meeting_key)
    meetings.reverse()
    orgs = sorted((n for n in sub.notes if n.kind == "org"), key=person_key)
    first: dict[str, str] = {}
    for note in sub.notes:  # in path order, as the index meets them
        org = org_of.get(note.path) if note.kind == "contact" else None
        if org is not None and org[0] == "name":
            first.setdefault(org[1], note.path)
    org_keys = [("note", n.path) for n in orgs] + [
        ("name", n) for n in sorted(first, key=str.casefold)
    ]
    heads: dict[str, list[str]] = {}

    def table(header: str, keys: list[Any], name: str) -> list[tuple[Any, str]]:
        at = next(i for i, line in enumerate(lines) if line.startswith(header))
        if not keys:
            return []
        heads[name] = lines[at + 2 : at + 4]
        return list(zip(keys, lines[at + 4 : at + 4 + len(keys)], strict=True))

    return Rows(
        table(f"## People ({len(contacts)})", [n.path for n in contacts], "People"),
        table(f"## Meetings ({len(meetings)})", [n.path for n in meetings], "Meetings"),
        table("## Organisations (", org_keys, "Organisations"),
        heads,
    )


def org_order(rows: Mapping[OrgKey, str], notes: Mapping[str, Note], members: Any) -> list[str]:
    """Give the organisation rows in the index's order: notes by name, then names as written
    (a name written two ways sorts by the first contact, in path order, to write it)."""
    named = sorted((k for k in rows if k[0] == "note"), key=lambda k: person_key(notes[k[1]]))
    loose = sorted(
        (k for k in rows if k[0] == "name"), key=lambda k: (k[1].casefold(), min(members[k]))
    )
    return [rows[k] for k in named + loose]


def problem_lines(
    problems: tuple[Problem, ...], rows: dict[Problem, str], heads: dict[str, list[str]]
) -> list[str]:
    """Give the Problems section, rendering only the problems not seen before."""
    if len(rows) > 2 * len(problems) + 100:
        rows.clear()
    new = tuple(dict.fromkeys(p for p in problems if p not in rows))
    if new:
        lines = problems_section(new)
        rows.update(zip(new, lines[len(lines) - len(new) :], strict=True))
        heads["Problems"] = lines[4:6]
    out = [f"## Problems ({len(problems)})", ""]
    if not problems:
        return [*out, "No problems found."]
    return [
        *out,
        tally(problems),
        "",
        *heads["Problems"],
        *(rows[p] for p in problems),
    ]


def index_note(
    vault: Vault,
    people: Table,
    meetings: Table,
    orgs: tuple[int, list[str]],
    problems: list[str],
    heads: Mapping[str, list[str]],
) -> bytes:
    """Give the index note's bytes from its kept rows; `orgs` is (how many organisation
    notes, the Organisations table's rows)."""
    contacts, met = len(people.lines), len(meetings.lines)
    count, org_rows = orgs
    out = encoded(
        *front_matter("index"),
        "",
        f"# {escape(vault.config.output.index)}",
        "",
        GENERATED_NOTICE,
        "",
        counts_line(contacts, met, count, len(vault.notes), len(vault.problems)),
        "",
        f"## People ({contacts})",
        "",
    )
    if contacts:
        out += [*encoded(*heads["People"]), *people.lines]
    else:
        out += encoded("No contact notes yet.")
    out += encoded("", f"## Meetings ({met})", "")
    if met:
        out += [*encoded(*heads["Meetings"]), *reversed(meetings.lines)]
    else:
        out += encoded("No meeting notes yet.")
    out += encoded("", f"## Organisations ({count})", "")
    if org_rows:
        out += encoded(*heads["Organisations"], *org_rows)
    else:
        out += encoded("No organisations yet.")
    out += encoded("", *problems)
    return finish_encoded(out)


UNDATED = date.max.toordinal() + 1


def due_rank(day: date | None) -> int:
    """Give a due date as a number that orders as Action.sort_key does: undated last."""
    return day.toordinal() if day is not None else UNDATED


def due_note(config: Config, today: date, dues: list[int], lines: list[bytes]) -> bytes:
    """Give the Due Actions note's bytes from every action's line, in Action.sort_key order;
    `dues` holds each action's `due_rank`, in the same order."""
    horizon = config.rules.horizon_days
    last = today + timedelta(days=horizon)

    def before(day: date) -> int:
        return bisect.bisect_left(dues, day.toordinal())

    undated = bisect.bisect_left(dues, UNDATED)
    bounds = [0, before(today), before(today + timedelta(days=1))]
    bounds.append(before(min(today + timedelta(days=WEEK), last) + timedelta(days=1)))
    bounds.append(max(bounds[-1], before(last + timedelta(days=1))))
    spans = [(bounds[i], bounds[i + 1]) for i in range(4)] + [(undated, len(dues))]
    shown = sum(b - a for a, b in spans)
    beyond = len(dues) - shown
    out = encoded(
        *due_preamble(
            config, today, shown, spans[0][1] - spans[0][0], spans[1][1] - spans[1][0], beyond
        )
    )
    notes_for = section_notes(today, horizon)
    for name, (start, end) in zip(SECTIONS, spans, strict=True):
        out += encoded("", f"## {name} ({end - start})", "")
        if name in notes_for and end > start:
            out += encoded(notes_for[name], "")
        out += lines[start:end] if end > start else encoded("Nothing.")
    return finish_encoded(out)
