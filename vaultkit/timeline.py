"""What the notes say about each person: their meetings, stage and last interaction.

Derived once per build from the vault and `today`, and shared by the rules, the
index and the graph so that they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vaultkit.model import Note
from vaultkit.vault import Vault

STAGES = ("identified", "contacted", "responded", "scheduled", "met")


@dataclass(frozen=True)
class Person:
    """A contact note with the meetings that name it, and what follows from them."""

    note: Note
    meetings: tuple[Note, ...]
    referred_in: tuple[Note, ...]
    stage: str
    last_interaction: date | None

    @property
    def reached(self) -> bool:
        """Give whether I ever reached out: any outreach, reply or meeting."""
        c = self.note.contact
        return bool(self.meetings or (c and (c.outreach or c.replied)))


def meeting_key(note: Note) -> tuple[date, str]:
    """Give the key that orders meetings by date, then path (undated last)."""
    m = note.meeting
    return (m.date if m and m.date else date.max, note.path)


def people(vault: Vault, today: date) -> dict[str, Person]:
    """Give every contact note's Person, keyed by the note's path."""
    met: dict[str, list[Note]] = {}
    referred: dict[str, list[Note]] = {}
    for note in vault.notes:
        m = note.meeting
        if m is None:
            continue
        for links, into in ((m.with_, met), (m.referrals, referred)):
            seen: set[str] = set()
            for link in links:
                target = vault.resolve(link, note)
                if target is not None and target.kind == "contact" and target.path not in seen:
                    seen.add(target.path)
                    into.setdefault(target.path, []).append(note)
    out: dict[str, Person] = {}
    for note in vault.notes:
        if note.kind != "contact":
            continue
        meetings = tuple(sorted(met.get(note.path, ()), key=meeting_key))
        out[note.path] = Person(
            note,
            meetings,
            tuple(sorted(referred.get(note.path, ()), key=meeting_key)),
            stage_of(note, meetings, today),
            last_interaction(note, meetings, today),
        )
    return out


def stage_of(note: Note, meetings: tuple[Note, ...], today: date) -> str:
    """Give the derived pipeline stage of a contact (schema.md's five stages)."""
    live = [
        m.meeting
        for m in meetings
        if m.meeting and m.meeting.effective_status(today) != "cancelled"
    ]
    if any(m.held(today) for m in live):
        return "met"
    if any(m.effective_status(today) == "scheduled" for m in live):
        return "scheduled"
    c = note.contact
    if c and c.replied:
        return "responded"
    if c and c.outreach:
        return "contacted"
    return "identified"


def last_interaction(note: Note, meetings: tuple[Note, ...], today: date) -> date | None:
    """Give the latest past meeting, outreach, reply or report-back with this person."""
    days: list[date] = []
    c = note.contact
    if c:
        days.extend(c.outreach)
        if c.replied:
            days.append(c.replied)
    for m in meetings:
        rec = m.meeting
        if rec is None or rec.effective_status(today) == "cancelled":
            continue
        if rec.date and rec.held(today):
            days.append(rec.date)
        if rec.reported_back:
            days.append(rec.reported_back)
    past = [d for d in days if d <= today]
    return max(past) if past else None
