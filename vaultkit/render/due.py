"""The Due Actions note: every action within the horizon, as Obsidian Tasks checkboxes."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date, timedelta

from vaultkit.config import Config
from vaultkit.model import Note
from vaultkit.printable import CONTROLS
from vaultkit.render.markdown import (
    GENERATED_NOTICE,
    encoded,
    escape,
    escape_keeping_links,
    finish_encoded,
    front_matter,
    link,
)
from vaultkit.rules import Action, next_action_per_person, within
from vaultkit.vault import Vault

SECTIONS = ("Overdue", "Today", "Next 7 days", "Later", "No date")
WEEK = 7
# What a name cannot hold to be written as a link to a note not made yet: link syntax or
# a control character.
_UNLINKABLE = re.compile(f"[\\[\\]|#^{CONTROLS}]")
_CELL_MAX = 60


def section_of(action: Action, today: date) -> str:
    """Give the section of the note an action belongs in (SECTIONS)."""
    if action.due is None:
        return "No date"
    if action.due < today:
        return "Overdue"
    if action.due == today:
        return "Today"
    if action.due <= today + timedelta(days=WEEK):
        return "Next 7 days"
    return "Later"


class _Text:
    """Escaped text and links, memoised: a big vault repeats them thousands of times."""

    def __init__(self, notes: Mapping[str, Note]) -> None:
        self.notes = notes
        self.escaped: dict[str, str] = {}
        self.links: dict[str, str] = {}

    def escape(self, text: str) -> str:
        found = self.escaped.get(text)
        if found is None:
            found = self.escaped[text] = escape(text)
        return found

    def note_link(self, path: str) -> str:
        found = self.links.get(path)
        if found is None:
            note = self.notes.get(path)
            found = link(note, in_table=False) if note is not None else escape(path)
            self.links[path] = found
        return found

    def subject_link(self, action: Action) -> str:
        if action.subject_path is not None and action.subject_path in self.notes:
            return self.note_link(action.subject_path)
        name = " ".join(action.subject.split())
        # A link to a note that does not exist yet: one click in Obsidian creates it.
        if name and not _UNLINKABLE.search(name):
            return f"[[{name}]]"
        return self.escape(name)


def action_line(action: Action, notes: Mapping[str, Note]) -> str:
    """Give an action as an Obsidian Tasks checkbox line, id and due date at the end."""
    return _line(action, _Text(notes))


def _line(action: Action, text: _Text) -> str:
    source = text.note_link(action.note)
    due = f" 📅 {action.due.isoformat()}" if action.due else ""
    if action.rule == "task":  # task texts are all different: escaping them directly is cheaper
        title = escape_keeping_links(action.title)
        return f"- [ ] {title} — open task in {source} 🆔 {action.id}{due}"
    what = f"{text.escape(action.title)} {text.subject_link(action)} — {text.escape(action.reason)}"
    if action.note != action.subject_path:  # else the subject's link already leads there
        what += f" ({source})"
    return f"- [ ] {what} 🆔 {action.id}{due}"


def due_preamble(
    config: Config, today: date, shown: int, overdue: int, due_today: int, beyond: int
) -> list[str]:
    """Give the Due Actions note's lines before its sections: front-matter, title, summary."""
    horizon = config.rules.horizon_days
    last = today + timedelta(days=horizon)
    summary = (
        f"As of {today.isoformat()}: {shown} actions, {overdue} overdue and {due_today} due today."
    )
    if beyond:
        summary += f" {beyond} more fall due after {last.isoformat()}: run `vaultkit due --all`."
    return [
        *front_matter("due", [("as_of", today.isoformat()), ("horizon_days", str(horizon))]),
        "",
        f"# {escape(config.output.due)}",
        "",
        GENERATED_NOTICE,
        "",
        summary,
    ]


def section_notes(today: date, horizon: int) -> dict[str, str]:
    """Give the line that opens a section of the Due Actions note, by section name."""
    last = today + timedelta(days=horizon)
    return {
        "Later": f"Due after {(today + timedelta(days=WEEK)).isoformat()}, "
        f"up to {last.isoformat()} (the {horizon}-day horizon).",
        "No date": "Open tasks without a 📅 date, and actions whose note has no usable date.",
    }


def render_due(vault: Vault, actions: Sequence[Action], today: date) -> bytes:
    """Give the bytes of the Due Actions note: the actions within the horizon as of `today`.

    `actions` come in `Action.sort_key` order, as `rules.due_actions` gives them.
    """
    config = vault.config
    horizon = config.rules.horizon_days
    text = _Text({n.path: n for n in vault.notes})
    shown = within(actions, today, horizon)
    sections: dict[str, list[Action]] = {name: [] for name in SECTIONS}
    for action in shown:
        sections[section_of(action, today)].append(action)
    out = encoded(
        *due_preamble(
            config,
            today,
            len(shown),
            len(sections["Overdue"]),
            len(sections["Today"]),
            len(actions) - len(shown),
        )
    )
    notes_for = section_notes(today, horizon)
    for name in SECTIONS:
        items = sections[name]
        out += encoded("", f"## {name} ({len(items)})", "")
        if name in notes_for and items:
            out += encoded(notes_for[name], "")
        # Each line encoded as it is made: a list of lines with emoji in them would
        # hold four bytes a character.
        out += [_line(a, text).encode("utf-8") for a in items] if items else encoded("Nothing.")
    return finish_encoded(out)


def next_action_cells(
    actions: Iterable[Action], people: Container[str] | None = None
) -> dict[str, str]:
    """Give each person's next action as an escaped index cell, keyed by their note's path.

    With `people`, only for those note paths (the index shows contacts, not meetings).
    """
    cells: dict[str, str] = {}
    for path, action in sorted(next_action_per_person(actions).items()):
        if people is not None and path not in people:
            continue
        what = action.title if action.rule == "task" else action.rule.replace("_", " ")
        if len(what) > _CELL_MAX:
            what = what[: _CELL_MAX - 1].rstrip() + "…"
        when = action.due.isoformat() if action.due else "no date"
        cells[path] = f"{escape(what)} · {when}"
    return cells
