"""Exporting the vault: people and meetings as CSV or JSON, people as vCard 4.

CSV is one table per file, so `people` (the default) and `meetings` are two
exports; JSON holds both (`{"people": [...], "meetings": [...]}`); vCard holds the
people's contact details. Every export is a pure function of the vault and
`today` (the stage and next action are as of that day) and sorted, so the same
vault gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from vaultkit.links import link_name
from vaultkit.model import Link, Note
from vaultkit.printable import printable
from vaultkit.rules import due_actions, next_action_per_person
from vaultkit.timeline import people
from vaultkit.vault import Vault
from vaultkit.vcard import card_text
from vaultkit.vcard import escape as vescape

PEOPLE_COLUMNS = (
    "name",
    "aliases",
    "org",
    "role",
    "email",
    "phone",
    "linkedin",
    "source",
    "referred_by",
    "seniority",
    "status",
    "stage",
    "first_outreach",
    "last_outreach",
    "replied",
    "meetings",
    "last_interaction",
    "next_action",
    "next_action_due",
    "tags",
    "path",
)
MEETING_COLUMNS = (
    "date",
    "time",
    "title",
    "with",
    "mode",
    "duration",
    "status",
    "confirmed",
    "questions",
    "referrals",
    "thanked",
    "reported_back",
    "reference",
    "path",
)
TABLES = ("people", "meetings")
# A cell a spreadsheet would run as a formula; a plain number or phone number is left alone.
_FORMULA = re.compile(r"[=@\t\r]|[+-](?![\d\s().-]*$)")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _names(vault: Vault, links: Sequence[Link], source: Note) -> list[str]:
    out: list[str] = []
    for link in links:
        target = vault.resolve(link, source)
        name = target.name if target is not None else link_name(link)
        if name not in out:
            out.append(name)
    return out


def people_rows(vault: Vault, today: date) -> list[dict[str, Any]]:
    """Give one record per contact: its fields and what follows from them as of `today`."""
    by_person = people(vault, today)
    nexts = next_action_per_person(due_actions(vault, by_person, today))
    rows: list[dict[str, Any]] = []
    for path in sorted(by_person, key=lambda p: (by_person[p].note.name.casefold(), p)):
        person = by_person[path]
        note = person.note
        c = note.contact
        assert c is not None
        action = nexts.get(path)
        rows.append(
            {
                "name": note.name,
                "aliases": list(note.aliases),
                "org": _names(vault, [c.org], note)[0] if c.org else None,
                "role": c.role,
                "email": c.email,
                "phone": c.phone,
                "linkedin": c.linkedin,
                "source": c.source,
                "referred_by": _names(vault, c.referred_by, note),
                "seniority": c.seniority,
                "status": c.status,
                "stage": person.stage,
                "first_outreach": _day(min(c.outreach)) if c.outreach else None,
                "last_outreach": _day(max(c.outreach)) if c.outreach else None,
                "replied": _day(c.replied),
                "meetings": len(person.meetings),
                "last_interaction": _day(person.last_interaction),
                "next_action": (action.title if action.rule == "task" else action.rule)
                if action
                else None,
                "next_action_due": _day(action.due) if action else None,
                "tags": list(c.tags),
                "path": note.path,
            }
        )
    return rows


def meeting_rows(vault: Vault, today: date) -> list[dict[str, Any]]:
    """Give one record per meeting note, by date (undated last), then path."""
    notes = [n for n in vault.notes if n.meeting is not None]
    notes.sort(key=lambda n: (n.meeting.date or date.max, n.path))  # type: ignore[union-attr]
    rows: list[dict[str, Any]] = []
    for note in notes:
        m = note.meeting
        assert m is not None
        rows.append(
            {
                "date": _day(m.date),
                "time": m.start.strftime("%H:%M") if m.start else None,
                "title": note.name,
                "with": _names(vault, m.with_, note),
                "mode": m.mode,
                "duration": m.duration,
                "status": m.effective_status(today),
                "confirmed": _day(m.confirmed),
                "questions": len(m.questions),
                "referrals": _names(vault, m.referrals, note),
                "thanked": _day(m.thanked),
                "reported_back": _day(m.reported_back),
                "reference": m.reference,
                "path": note.path,
            }
        )
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        # As `import csv` splits them: on `;`, which an item keeps as `\;` (and `\` as `\\`).
        value = "; ".join(str(v).replace("\\", "\\\\").replace(";", "\\;") for v in value)
    text = str(value)
    # A cell is one line without control characters; a formula is judged as written.
    return "'" + printable(text) if _FORMULA.match(text) else printable(text)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Give rows as CSV with a header line (lists joined with `; `, formulas defused, each
    cell on one line without control characters)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def export_csv(vault: Vault, today: date, table: str = "people") -> str:
    """Give the people (or meetings) of the vault as CSV."""
    if table == "meetings":
        return to_csv(meeting_rows(vault, today), MEETING_COLUMNS)
    return to_csv(people_rows(vault, today), PEOPLE_COLUMNS)


def export_json(vault: Vault, today: date) -> str:
    """Give the vault's people and meetings as one JSON document."""
    data = {
        "as_of": today.isoformat(),
        "people": people_rows(vault, today),
        "meetings": meeting_rows(vault, today),
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_vcard(vault: Vault, today: date) -> str:
    """Give every contact as a vCard 4.0 (name, nicknames, org, role, email, phone, ...)."""
    cards: list[str] = []
    for row in people_rows(vault, today):
        props: list[tuple[str, str]] = [("FN", vescape(row["name"]))]
        if row["aliases"]:
            props.append(("NICKNAME", ",".join(vescape(a) for a in row["aliases"])))
        if row["org"]:
            props.append(("ORG", vescape(row["org"])))
        for key, prop in (("role", "TITLE"), ("email", "EMAIL"), ("phone", "TEL;VALUE=text")):
            if row[key]:
                props.append((prop, vescape(row[key])))
        if row["linkedin"]:
            props.append(("URL", vescape(row["linkedin"])))
        if row["tags"]:
            props.append(("CATEGORIES", ",".join(vescape(t) for t in row["tags"])))
        uid = uuid.uuid5(uuid.NAMESPACE_URL, "vaultkit:" + row["path"])
        props.append(("UID", f"urn:uuid:{uid}"))
        cards.append(card_text(props))
    return "".join(cards)


def export(vault: Vault, kind: str, today: date, table: str = "people") -> str:
    """Give the vault exported as `kind`: csv, json or vcard."""
    if kind == "csv":
        return export_csv(vault, today, table)
    if kind == "json":
        return export_json(vault, today)
    return export_vcard(vault, today)
