"""Tests for the calendar feed (vaultkit.ics, `vaultkit due --ics`), read back with icalendar."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from conftest import fm
from conftest import write_vault as write
from icalendar import Calendar

from vaultkit.cli import cli
from vaultkit.ics import meeting_uid
from vaultkit.model import Note

TODAY = "2026-03-20"


def vault(root: Path) -> Path:
    """Write a vault with timed, all-day, cancelled, past and far-off meetings and some actions."""
    contact = "type: contact\noutreach: [2026-03-01]\nreplied: 2026-03-02"
    return write(
        root,
        {
            "People/Ann.md": fm("type: contact\noutreach: [2026-03-01]"),
            "People/Cat.md": fm(contact),
            "People/Dan.md": fm(contact),
            "People/Eve.md": fm(contact),
            "People/Gus.md": fm("type: contact", "- [ ] Undated task\n"),
            "People/Zed.md": fm(contact),
            "Meetings/timed.md": fm(
                "type: meeting\ndate: 2026-03-24T14:30\nduration: 25\nmode: video\n"
                'with: ["[[Cat]]"]'
            ),
            "Meetings/allday.md": fm(
                'type: meeting\ndate: 2026-03-30\nwith: ["[[Dan]]", "[[Cat]]"]\n'
                "confirmed: 2026-03-19\nquestions: [Why?]"
            ),
            "Meetings/noduration.md": fm(
                'type: meeting\ndate: 2026-03-26T09:00\nwith: ["[[Eve]]"]\nquestions: [How?]'
            ),
            "Meetings/cancelled.md": fm(
                'type: meeting\ndate: 2026-03-25\nwith: ["[[Zed]]"]\nstatus: cancelled'
            ),
            "Meetings/past.md": fm(
                'type: meeting\ndate: 2026-03-10\nwith: ["[[Zed]]"]\nthanked: 2026-03-10\n'
                "reported_back: 2026-03-12"
            ),
            "Meetings/far.md": fm(
                'type: meeting\ndate: 2026-06-01\nwith: ["[[Zed]]"]\nconfirmed: 2026-03-01\n'
                "questions: [When?]"
            ),
        },
    )


def run_due(root: Path, out: Path, *args: str) -> list[dict[str, Any]]:
    """Run `due --ics out --json` and give the JSON actions it printed."""
    result = CliRunner().invoke(
        cli,
        ["due", str(root), "--today", TODAY, "--ics", str(out), "--json", *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def events(path: Path) -> dict[str, Any]:
    """Give the VEVENTs of an iCalendar file, keyed by UID."""
    cal = Calendar.from_ical(path.read_bytes())
    found = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(found) == len(cal.walk("VEVENT"))  # UIDs are unique
    return found


def uid_of(path: str) -> str:
    """Give the UID of the meeting note at `path`."""
    return meeting_uid(Note(path=path, name=Path(path).stem))


def test_actions_and_scheduled_meetings_are_in_the_feed(tmp_path: Path) -> None:
    out = tmp_path / "feed" / "due.ics"
    actions = run_due(vault(tmp_path / "v"), out)
    found = events(out)
    dated = [a for a in actions if a["due"] is not None]
    assert len(dated) < len(actions)  # the undated task is left out of the calendar
    meetings = {
        uid_of("Meetings/timed.md"),
        uid_of("Meetings/allday.md"),
        uid_of("Meetings/noduration.md"),
    }
    assert set(found) == {f"{a['id']}@vaultkit" for a in dated} | meetings
    for action in dated:
        event = found[f"{action['id']}@vaultkit"]
        day = date.fromisoformat(action["due"])
        assert event.decoded("DTSTART") == day
        assert event.decoded("DTEND") == day + timedelta(days=1)
        assert action["rule"] in str(event["CATEGORIES"].to_ical().decode())
        assert action["reason"] in str(event["DESCRIPTION"])


def test_meeting_times(tmp_path: Path) -> None:
    out = tmp_path / "due.ics"
    run_due(vault(tmp_path / "v"), out)
    found = events(out)
    timed = found[uid_of("Meetings/timed.md")]
    assert timed.decoded("DTSTART") == datetime(2026, 3, 24, 14, 30)
    assert timed.decoded("DTEND") == datetime(2026, 3, 24, 14, 55)
    assert str(timed["SUMMARY"]) == "Meeting with Cat"
    assert str(timed["STATUS"]) == "TENTATIVE"
    default = found[uid_of("Meetings/noduration.md")]
    assert default.decoded("DTEND") - default.decoded("DTSTART") == timedelta(minutes=30)
    allday = found[uid_of("Meetings/allday.md")]
    assert allday.decoded("DTSTART") == date(2026, 3, 30)
    assert allday.decoded("DTEND") == date(2026, 3, 31)
    assert str(allday["SUMMARY"]) == "Meeting with Dan and Cat"
    assert str(allday["STATUS"]) == "CONFIRMED"


def test_cancelled_past_and_far_meetings_are_left_out_unless_all(tmp_path: Path) -> None:
    root = vault(tmp_path / "v")
    out = tmp_path / "due.ics"
    run_due(root, out)
    uids = set(events(out))
    for path in ("Meetings/cancelled.md", "Meetings/past.md", "Meetings/far.md"):
        assert uid_of(path) not in uids
    run_due(root, out, "--all")
    uids = set(events(out))
    assert uid_of("Meetings/far.md") in uids
    assert uid_of("Meetings/cancelled.md") not in uids
    assert uid_of("Meetings/past.md") not in uids


def test_the_person_filter_applies_to_meetings(tmp_path: Path) -> None:
    out = tmp_path / "due.ics"
    actions = run_due(vault(tmp_path / "v"), out, "--person", "dan")
    assert actions == []  # Dan's meeting is confirmed and prepared
    assert set(events(out)) == {uid_of("Meetings/allday.md")}


def test_the_feed_is_deterministic_and_its_uids_are_stable(tmp_path: Path) -> None:
    root = vault(tmp_path / "v")
    out = tmp_path / "due.ics"
    run_due(root, out)
    first = out.read_bytes()
    first_uids = set(events(out))
    for event in events(out).values():
        assert event.decoded("DTSTAMP") == datetime(2026, 3, 20, tzinfo=timezone.utc)
    run_due(root, out)
    assert out.read_bytes() == first
    assert sorted(p.name for p in out.parent.iterdir()) == ["due.ics", "v"]  # no temp files left
    # Editing a note's text keeps the UIDs of its actions: calendars update, not duplicate.
    ann = root / "People/Ann.md"
    ann.write_text(ann.read_text(encoding="utf-8") + "\nWrote again by phone.\n", "utf-8")
    run_due(root, out)
    assert set(events(out)) == first_uids
    assert out.read_bytes() == first


def test_the_calendar_header(tmp_path: Path) -> None:
    out = tmp_path / "due.ics"
    run_due(vault(tmp_path / "v"), out)
    cal = Calendar.from_ical(out.read_bytes())
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//vaultkit//due actions//EN"
