"""The calendar feed: due actions and scheduled meetings as iCalendar.

The only module importing icalendar. Every UID is derived from the vault (an
action's id, a meeting note's path), so a calendar app that imports the file
again updates its entries instead of duplicating them; DTSTAMP is `today` at
midnight UTC, so the same vault and date give the same bytes. RFC 5545 allows no
control character in a text value but the line breaks it escapes: the note's text
goes in as `printable` gives it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from icalendar import Calendar, Event

from vaultkit.io import write_named
from vaultkit.links import link_name
from vaultkit.model import Note
from vaultkit.printable import printable
from vaultkit.rules import Action, DueView, join_names

PRODID = "-//vaultkit//due actions//EN"
DOMAIN = "vaultkit"
DEFAULT_MINUTES = 30  # a timed meeting without `duration`: the usual informational interview


def action_uid(action: Action) -> str:
    """Give the iCalendar UID of an action: its id at vaultkit."""
    return f"{action.id}@{DOMAIN}"


def meeting_uid(note: Note) -> str:
    """Give the iCalendar UID of a meeting: a short hash of its note's vault path."""
    digest = hashlib.sha1(note.path.encode("utf-8")).hexdigest()[:12]
    return f"meeting-{digest}@{DOMAIN}"


def _action_event(action: Action, stamp: datetime, due: date) -> Event:
    event = Event()
    event.add("uid", action_uid(action))
    event.add("dtstamp", stamp)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    summary = action.title if action.rule == "task" else f"{action.title} {action.subject}"
    event.add("summary", printable(summary))
    why, where = printable(action.reason), printable(action.note)
    event.add("description", f"{why}\nFrom: {where}\nvaultkit id: {action.id}")
    event.add("categories", [action.rule])
    event.add("transp", "TRANSPARENT")  # a reminder, not time taken
    return event


def _meeting_event(view: DueView, note: Note, stamp: datetime) -> Event | None:
    m = note.meeting
    if m is None or m.date is None:
        return None
    names: list[str] = []
    for link in m.with_:
        target = view.vault.resolve(link, note)
        name = target.name if target is not None else link_name(link)
        if name not in names:
            names.append(name)
    event = Event()
    event.add("uid", meeting_uid(note))
    event.add("dtstamp", stamp)
    if m.start is not None:
        # Floating local time: the notes carry no time zone, and the user means their own.
        event.add("dtstart", m.start)
        event.add("dtend", m.start + timedelta(minutes=m.duration or DEFAULT_MINUTES))
    else:
        event.add("dtstart", m.date)
        event.add("dtend", m.date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    summary = f"Meeting with {join_names(names)}" if names else note.name
    event.add("summary", printable(summary))
    details = [f"Note: {printable(note.path)}"]
    if m.mode:
        details.append(f"Mode: {printable(m.mode)}")
    if m.duration:
        details.append(f"Duration: {m.duration} minutes")
    event.add("description", "\n".join(details))
    event.add("categories", ["meeting"])
    event.add("status", "CONFIRMED" if m.confirmed else "TENTATIVE")
    return event


def render_ics(view: DueView) -> bytes:
    """Give the iCalendar bytes of a due view: its dated actions and its scheduled meetings."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "vaultkit due actions")
    stamp = datetime.combine(view.today, time(0), tzinfo=timezone.utc)
    for action in view.actions:
        if action.due is not None:  # a calendar entry needs a day; undated ones stay in the note
            cal.add_component(_action_event(action, stamp, action.due))
    for note in view.meetings:
        event = _meeting_event(view, note, stamp)
        if event is not None:
            cal.add_component(event)
    return bytes(cal.to_ical())


def write_ics(path: Path, view: DueView) -> None:
    """Write the due view's calendar to `path` (see io.write_named)."""
    write_named(path, render_ics(view))
