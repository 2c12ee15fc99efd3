"""The Due Actions note: every action within the horizon, as Obsidian Tasks checkboxes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from vaultkit.model import Note
from vaultkit.render.markdown import GENERATED_NOTICE, escape, finish, front_matter, link
from vaultkit.rules import Action, next_action_per_person, within
from vaultkit.vault import Vault

SECTIONS = ("Overdue", "Today", "Next 7 days", "Later", "No date")
WEEK = 7
_UNLINKABLE = set("[]|#^")
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


def _subject_link(action: Action, notes: Mapping[str, Note]) -> str:
    note = notes.get(action.subject_path) if action.subject_path else None
    if note is not None:
        return link(note, in_table=False)
    name = " ".join(action.subject.split())
    # A link to a note that does not exist yet: one click in Obsidian creates it.
    if name and not _UNLINKABLE.intersection(name):
        return f"[[{name}]]"
    return escape(name)


def _note_link(path: str, notes: Mapping[str, Note]) -> str:
    note = notes.get(path)
    return link(note, in_table=False) if note is not None else escape(path)


def action_line(action: Action, notes: Mapping[str, Note]) -> str:
    """Give an action as an Obsidian Tasks checkbox line, ids and due date at the end."""
    source = _note_link(action.note, notes)
    if action.rule == "task":
        text = f"{escape(action.title)} — open task in {source}"
    else:
        text = f"{escape(action.title)} {_subject_link(action, notes)} — {escape(action.reason)}"
        if action.note != action.subject_path:  # else the subject's link already leads there
            text += f" ({source})"
    due = f" 📅 {action.due.isoformat()}" if action.due else ""
    return f"- [ ] {text} 🆔 {action.id}{due}"


def render_due(vault: Vault, actions: Sequence[Action], today: date) -> bytes:
    """Give the bytes of the Due Actions note: the actions within the horizon as of `today`."""
    config = vault.config
    horizon = config.rules.horizon_days
    notes = {n.path: n for n in vault.notes}
    shown = sorted(within(actions, today, horizon), key=Action.sort_key)
    sections: dict[str, list[Action]] = {name: [] for name in SECTIONS}
    for action in shown:
        sections[section_of(action, today)].append(action)
    last = today + timedelta(days=horizon)
    beyond = len(actions) - len(shown)
    summary = (
        f"As of {today.isoformat()}: {len(shown)} actions, "
        f"{len(sections['Overdue'])} overdue and {len(sections['Today'])} due today."
    )
    if beyond:
        summary += f" {beyond} more fall due after {last.isoformat()}: run `vaultkit due --all`."
    out = [
        *front_matter("due", [("as_of", today.isoformat()), ("horizon_days", str(horizon))]),
        "",
        f"# {escape(config.output.due)}",
        "",
        GENERATED_NOTICE,
        "",
        summary,
    ]
    notes_for = {
        "Later": f"Due after {(today + timedelta(days=WEEK)).isoformat()}, "
        f"up to {last.isoformat()} (the {horizon}-day horizon).",
        "No date": "Open tasks without a 📅 date, and actions whose note has no usable date.",
    }
    for name in SECTIONS:
        items = sections[name]
        out += ["", f"## {name} ({len(items)})", ""]
        if name in notes_for and items:
            out += [notes_for[name], ""]
        out += [action_line(a, notes) for a in items] if items else ["Nothing."]
    return finish(out)


def next_action_cells(actions: Iterable[Action]) -> dict[str, str]:
    """Give each person's next action as an escaped index cell, keyed by their note's path."""
    cells: dict[str, str] = {}
    for path, action in sorted(next_action_per_person(actions).items()):
        what = action.title if action.rule == "task" else action.rule.replace("_", " ")
        if len(what) > _CELL_MAX:
            what = what[: _CELL_MAX - 1].rstrip() + "…"
        when = action.due.isoformat() if action.due else "no date"
        cells[path] = f"{escape(what)} · {when}"
    return cells
