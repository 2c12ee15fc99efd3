"""Recording what was done: `done ACTION_ID` and `log NAME WHAT`, in the notes themselves.

Each fact goes into the note it belongs to, through edit.py (only the lines of
that field change; the write is atomic and abandoned if the file changed since
it was read):

| action (rule)             | what `done` records                                           |
|---------------------------|---------------------------------------------------------------|
| follow_up, no_answer      | the day appended to the contact's `outreach`                  |
| referral, keep_in_touch   | the day appended to the contact's `outreach`                  |
| confirm                   | `confirmed: day` on the meeting                               |
| thank                     | `thanked: day` on the meeting                                 |
| report_back               | `reported_back: day` on the meeting                           |
| missing_note              | a new contact note, `referred_by` the meeting's people        |
| task                      | the task's `- [ ]` ticked, ` ✅ day` added (that line only)     |
| prepare                   | refused: only you can write the questions (UsageError)        |

A day already recorded is not written twice, and a date already set is not
replaced (`replied` only moves on to a later reply). A thank-you or report-back
is a field of the meeting, so recording it for one person records it for all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vaultkit.build import read
from vaultkit.edit import append_to_list, apply_edit, set_scalar
from vaultkit.errors import EditRefusedError, NotFoundError, UsageError
from vaultkit.links import link_name, name_key
from vaultkit.model import FIRST_YEAR, LAST_YEAR, Note, Problem
from vaultkit.parse import front_matter_text, parse_text
from vaultkit.rules import Action, due_actions, join_names, open_tasks
from vaultkit.timeline import people
from vaultkit.vault import Vault, was_read
from vaultkit.workflow import new_contact

LOG_WHATS = ("outreach", "reply", "thanked", "reported-back")
MIN_ID_PREFIX = 4
_OPEN_TASK = re.compile(r"([ \t]*[-*+] \[) (\] )")
_BLOCK_ID = re.compile(r"[ \t]*( \^[A-Za-z0-9-]+)[ \t]*$")


@dataclass(frozen=True)
class Recorded:
    """What was recorded where: the note, the field (None for a task or a new note), the day."""

    path: str
    field: str | None
    day: date
    changed: bool
    created: bool = False
    what: str = ""

    def describe(self) -> str:
        """Give one line for the user: what was written, or that it was there already."""
        if self.created:
            return f"created {self.path}"
        if not self.changed:
            return f"{self.path}: {self.what} on {self.day} was already recorded; nothing changed"
        return f"{self.path}: {self.what} {self.day}"


def find_action(actions: tuple[Action, ...], wanted: str) -> Action:
    """Give the action whose id is `wanted`, or starts with it (at least 4 characters)."""
    wanted = wanted.strip().lower()
    exact = [a for a in actions if a.id == wanted]
    if exact:
        return exact[0]
    if len(wanted) >= MIN_ID_PREFIX:
        found = [a for a in actions if a.id.startswith(wanted)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UsageError(f"{wanted!r} is the start of {len(found)} action ids; give more of it")
    elif wanted and any(a.id.startswith(wanted) for a in actions):
        raise UsageError(
            f"{wanted!r} is too short: give at least {MIN_ID_PREFIX} characters of the id"
        )
    raise NotFoundError(
        f"no due action has the id {wanted!r}; list them with `vaultkit due --all --json`"
    )


def done(
    root: str | os.PathLike[str], wanted: str, today: date, day: date | None = None
) -> Recorded:
    """Give what was recorded for the due action `wanted` (an id from `vaultkit due`).

    The actions are those of the vault as of `today`; the day recorded is `day`,
    else `today`.
    """
    when = _day_to_record(day or today)
    vault = read(root)
    action = find_action(due_actions(vault, people(vault, today), today), wanted)
    rule = action.rule
    if rule in ("follow_up", "no_answer", "referral", "keep_in_touch"):
        return _outreach(vault, _note(vault, action.subject_path), when)
    if rule in ("confirm", "thank", "report_back"):
        field = {"confirm": "confirmed", "thank": "thanked", "report_back": "reported_back"}[rule]
        return _set(vault, _note(vault, action.note), field, when)
    if rule == "task":
        return _tick(vault, _note(vault, action.note), action, when)
    if rule == "missing_note":
        return _create_referral(vault, action, when)
    if rule == "prepare":
        raise UsageError(
            f"preparing is yours to do: write your questions in {action.note}, as bullets under "
            "`## Questions` or as a `questions:` list (the meeting template's question bank has "
            "ideas); the action goes once there is one"
        )
    raise UsageError(f"vaultkit cannot record a {rule} action")


def log(
    root: str | os.PathLike[str], name: str, what: str, today: date, day: date | None = None
) -> Recorded:
    """Give what was recorded about a person: outreach, reply, thanked or reported-back.

    outreach appends the day to the contact's `outreach`; reply sets `replied`;
    thanked and reported-back are set on the person's most recent past meeting.
    """
    if what not in LOG_WHATS:
        raise UsageError(f"{what!r} is not one of {', '.join(LOG_WHATS)}")
    when = _day_to_record(day or today)
    vault = read(root)
    note = _person(vault, name.strip(), what)
    if what == "outreach":
        return _outreach(vault, note, when)
    if what == "reply":
        return _set(vault, note, "replied", when)
    person = people(vault, today)[note.path]
    # Only a meeting with a date can be the latest: an undated one (or one whose date
    # is not a real day) might be years old.
    past = [
        m
        for m in person.meetings
        if m.meeting is not None and m.meeting.date is not None and m.meeting.held(today)
    ]
    if not past:
        raise NotFoundError(f"{note.name} has no past meeting with a date to record {what} on")
    latest = max(past, key=lambda m: (m.meeting.date, m.path))  # type: ignore[union-attr]
    field = "thanked" if what == "thanked" else "reported_back"
    return _set(vault, latest, field, when)


def _day_to_record(day: date) -> date:
    """Give `day`, refusing one a note could not hold (see parse.FIRST_YEAR)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UsageError(
            f"{day.isoformat()} is outside the years {FIRST_YEAR}–{LAST_YEAR}; nothing was written"
        )
    return day


def _person(vault: Vault, name: str, what: str) -> Note:
    """Give the one contact note `name` means, refusing a name that several notes share."""
    found = vault.resolver.candidates(name)
    if len(found) > 1:
        paths = ", ".join(n.path for n in found)
        example = found[0].path.removesuffix(".md")
        raise UsageError(
            f"{name!r} names {len(found)} notes ({paths}): say which by its path, as in "
            f"`vaultkit log '{example}' {what}`"
        )
    note = found[0] if found else None
    unread = _unread(note) if note is not None else None
    if note is not None and unread is not None:
        # Its kind is unknown, so "not a contact" would mislead: say why it was not read.
        raise EditRefusedError(f"nothing can be recorded in it: {unread.message}", note.path)
    if note is None or note.kind != "contact":
        what_is = "no note" if note is None else f"{note.path} is not a contact"
        raise NotFoundError(f"no person called {name!r} ({what_is})")
    return note


def _unread(note: Note) -> Problem | None:
    """Give the problem that kept a note's text from being read, if one did."""
    return next(
        (p for p in note.problems if p.code == "encoding" or (not was_read(note) and not p.line)),
        None,
    )


def _note(vault: Vault, path: str | None) -> Note:
    found = next((n for n in vault.notes if n.path == path), None)
    if found is None:
        raise NotFoundError(f"the note {path} is no longer in the vault")
    return found


def _key(vault: Vault, note: Note, canonical: str) -> str:
    """Give the field name the note uses for `canonical` (a configured alias, if written)."""
    front = front_matter_text(_read_text(vault.root / note.path))
    for alias, target in sorted(vault.config.field_aliases.items()):
        if target == canonical and _written(front, alias) and not _written(front, canonical):
            return alias
    return canonical


def _written(front: str, key: str) -> bool:
    """Give whether front-matter text sets `key` at its top level, plain or quoted."""
    return re.search(rf"""(?m)^(["']?){re.escape(key)}\1[ \t]*:""", front) is not None


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EditRefusedError(f"cannot read the note ({exc})", str(path)) from exc


def _edit(vault: Vault, note: Note, change: Callable[[str], str]) -> bool:
    try:
        return apply_edit(vault.root / note.path, change)
    except EditRefusedError as exc:
        raise EditRefusedError(exc.message, note.path, exc.line) from exc


def _outreach(vault: Vault, note: Note, when: date) -> Recorded:
    if note.contact is None:
        raise NotFoundError(f"{note.path} is not a contact note")
    if when in note.contact.outreach:
        return Recorded(note.path, "outreach", when, False, what="outreach")
    key = _key(vault, note, "outreach")
    changed = _edit(vault, note, lambda text: append_to_list(text, key, when.isoformat()))
    return Recorded(note.path, key, when, changed, what="outreach")


def _set(vault: Vault, note: Note, field: str, when: date) -> Recorded:
    record = note.contact if field == "replied" else note.meeting
    current = getattr(record, field, None)
    key = _key(vault, note, field)
    what = key.replace("_", " ")
    if current is None:
        # What the note holds there, if it is not a date, is the user's: never written over.
        held = next((p for p in note.problems if p.field in (field, key)), None)
        if held is not None:
            raise EditRefusedError(
                f"{key} holds something that is not a date ({held.message}); nothing was "
                "written (edit the note to change it)",
                note.path,
                held.line,
            )
    elif current == when:  # a time of day written with it stays
        return Recorded(note.path, key, when, False, what=what)
    elif field != "replied" or when < current:
        later = " a later day" if field == "replied" else ""
        raise UsageError(
            f"{field} is already{later} {current} in {note.path}; nothing was written "
            "(edit the note to change it)"
        )
    changed = _edit(vault, note, lambda text: set_scalar(text, key, when.isoformat()))
    return Recorded(note.path, key, when, changed, what=what)


def _tick(vault: Vault, note: Note, action: Action, when: date) -> Recorded:
    index = next(
        (i for i, _, _, known_id in open_tasks(note) if known_id == action.id),
        None,
    )
    if index is None:
        raise NotFoundError(f"the task of action {action.id} is no longer open in {note.path}")
    task = note.tasks[index]

    def change(text: str) -> str:
        # The file as it is now must still hold the same open task on the same line.
        if parse_text(note.path, text, vault.config).tasks[index : index + 1] != (task,):
            raise EditRefusedError("the task is no longer where it was; nothing was written")
        lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text)
        line = lines[task.line - 1]
        eol = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
        content = line[: len(line) - len(eol)]
        bom = "\ufeff" if task.line == 1 and content.startswith("\ufeff") else ""
        content = content[len(bom) :]
        match = _OPEN_TASK.match(content)
        if match is None:
            raise EditRefusedError("the task's line is not a `- [ ]` line", line=task.line)
        ticked = content[: match.end(1)] + "x" + content[match.end(1) + 1 :]
        # Obsidian's block id (`^abc123`) must stay last on the line, or links to it break.
        block = _BLOCK_ID.search(ticked)
        block_id = block.group(1) if block else ""
        ticked = ticked[: block.start()] if block else ticked.rstrip(" \t")
        lines[task.line - 1] = f"{bom}{ticked} ✅ {when.isoformat()}{block_id}{eol}"
        return "".join(lines)

    changed = _edit(vault, note, change)
    return Recorded(note.path, None, when, changed, what=f"ticked “{task.text}” on")


def _create_referral(vault: Vault, action: Action, when: date) -> Recorded:
    meeting = _note(vault, action.meeting)
    m = meeting.meeting
    for link in m.referrals if m is not None else ():
        if "/" in link.target and name_key(link_name(link)) == name_key(action.subject):
            # A new note in the people folder is not what [[folder/Name]] points to.
            raise UsageError(
                f"the link [[{link.target}]] names a folder: make the note at "
                f"{link.target}.md yourself, or link to [[{action.subject}]]"
            )
    by: list[str] = []
    for link in m.with_ if m is not None else ():
        target = vault.resolve(link, meeting)
        name = target.name if target is not None else link_name(link)
        if name not in by:
            by.append(name)
    made = new_contact(vault.root, action.subject, when, referred_by=by, source="referral")
    return Recorded(made.path, None, when, True, created=True, what=f"referred by {join_names(by)}")
