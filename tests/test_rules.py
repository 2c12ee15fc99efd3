"""Tests for vaultkit.rules: every due-action rule, every suppression, and the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import fm
from conftest import write_vault as write

from vaultkit.build import read
from vaultkit.config import RULE_NAMES
from vaultkit.rules import (
    Action,
    action_id,
    due_actions,
    join_names,
    next_action_per_person,
    ordinal,
    overdue,
    short_date,
    within,
)
from vaultkit.timeline import people

TODAY = date(2026, 3, 20)


def contact(front: str = "", body: str = "") -> str:
    """Give a contact note's text."""
    return fm(f"type: contact\n{front}", body)


def meeting(front: str, body: str = "") -> str:
    """Give a meeting note's text."""
    return fm(f"type: meeting\n{front}", body)


def actions_of(root: Path, today: date = TODAY) -> tuple[Action, ...]:
    """Give the due actions of the vault at `root`."""
    vault = read(root)
    return due_actions(vault, people(vault, today), today)


def triples(actions: tuple[Action, ...], rules: tuple[str, ...] = RULE_NAMES) -> list[tuple]:
    """Give (rule, subject, due) of the actions of the given rules, in order."""
    return [(a.rule, a.subject, a.due) for a in actions if a.rule in rules]


D = date.fromisoformat


# ------------------------------------------------------------------ one case per rule


@dataclass
class Case:
    """A vault, the rules looked at, and the (rule, subject, due) they must give."""

    files: dict[str, str]
    expected: list[tuple[str, str, date | None]]
    rules: tuple[str, ...] = ()
    toml: str = ""
    today: date = TODAY
    reason: str = ""
    extra: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "follow_up: one message, no reply": Case(
        {"People/Ann.md": contact("outreach: [2026-03-10]")},
        [("follow_up", "Ann", D("2026-03-17"))],
        reason="No reply since you wrote on 10 Mar — 1st follow-up",
    ),
    "follow_up: the second message makes the next one the 2nd follow-up": Case(
        {"People/Ann.md": contact("outreach: [2026-03-01, 2026-03-08]")},
        [("follow_up", "Ann", D("2026-03-15"))],
        reason="No reply since you wrote on 8 Mar — 2nd follow-up",
    ),
    "follow_up: an old reply starts a new thread": Case(
        {"People/Ann.md": contact("outreach: [2026-01-05, 2026-03-10]\nreplied: 2026-01-06")},
        [("follow_up", "Ann", D("2026-03-17"))],
        reason="No reply since you wrote on 10 Mar — 1st follow-up",
    ),
    "follow_up: a reply after the last message": Case(
        {"People/Ann.md": contact("outreach: [2026-03-01]\nreplied: 2026-03-02")},
        [],
        rules=("follow_up", "no_answer"),
    ),
    "follow_up: a reply the same day": Case(
        {"People/Ann.md": contact("outreach: [2026-03-01]\nreplied: 2026-03-01")},
        [],
        rules=("follow_up", "no_answer"),
    ),
    "follow_up: a meeting since the last message": Case(
        {
            "People/Ann.md": contact("outreach: [2026-03-01]"),
            "Meetings/m.md": meeting('date: 2026-03-25\nwith: ["[[Ann]]"]'),
        },
        [],
        rules=("follow_up", "no_answer"),
    ),
    "follow_up: a meeting the same day as the last message": Case(
        {
            "People/Ann.md": contact("outreach: [2026-02-01, 2026-03-01]"),
            "Meetings/m.md": meeting('date: 2026-03-01\nwith: ["[[Ann]]"]'),
        },
        [],
        rules=("follow_up", "no_answer"),
    ),
    "follow_up: a meeting before the last message is an older thread": Case(
        {
            "People/Ann.md": contact("outreach: [2026-01-05, 2026-02-01, 2026-03-01]"),
            "Meetings/m.md": meeting('date: 2026-01-20\nwith: ["[[Ann]]"]'),
        },
        [("follow_up", "Ann", D("2026-03-08"))],
        reason="No reply since you wrote on 1 Mar — 2nd follow-up",
    ),
    "follow_up: a cancelled meeting is no answer": Case(
        {
            "People/Ann.md": contact("outreach: [2026-03-01]"),
            "Meetings/m.md": meeting('date: 2026-03-25\nwith: ["[[Ann]]"]\nstatus: cancelled'),
        },
        [("follow_up", "Ann", D("2026-03-08"))],
    ),
    "follow_up: follow_up_after_days": Case(
        {"People/Ann.md": contact("outreach: [2026-03-10]")},
        [("follow_up", "Ann", D("2026-03-13"))],
        toml="[rules]\nfollow_up_after_days = 3\n",
    ),
    "no_answer: three messages and silence": Case(
        {"People/Ann.md": contact("outreach: [2026-02-01, 2026-02-08, 2026-02-15]")},
        [("no_answer", "Ann", D("2026-02-22"))],
        rules=("follow_up", "no_answer"),
        reason="No reply to 3 messages, the last on 15 Feb — pause, or try another channel",
    ),
    "no_answer: max_attempts": Case(
        {"People/Ann.md": contact("outreach: [2026-02-01, 2026-02-08]")},
        [("no_answer", "Ann", D("2026-02-15"))],
        rules=("follow_up", "no_answer"),
        toml="[rules]\nmax_attempts = 2\n",
    ),
    "confirm: a scheduled meeting not confirmed": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]\nquestions: [Why?]'),
        },
        [("confirm", "Ann", D("2026-03-28"))],
        rules=("confirm", "prepare"),
        reason="Meeting on 30 Mar is not confirmed",
    ),
    "confirm: confirmed": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting(
                'date: 2026-03-30\nwith: ["[[Ann]]"]\nquestions: [Why?]\nconfirmed: 2026-03-19'
            ),
        },
        [],
        rules=("confirm", "prepare"),
    ),
    "confirm: confirm_days_before": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]'),
        },
        [("confirm", "Ann", D("2026-03-25"))],
        rules=("confirm",),
        toml="[rules]\nconfirm_days_before = 5\n",
    ),
    "prepare: no questions written": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]\nconfirmed: 2026-03-19'),
        },
        [("prepare", "Ann", D("2026-03-27"))],
        rules=("confirm", "prepare"),
        reason="No questions written for the meeting on 30 Mar",
    ),
    "prepare: a Questions section in the body counts": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting(
                'date: 2026-03-30\nwith: ["[[Ann]]"]\nconfirmed: 2026-03-19',
                "## Questions\n- What is a typical day?\n",
            ),
        },
        [],
        rules=("confirm", "prepare"),
    ),
    "prepare: prepare_days_before": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]'),
        },
        [("prepare", "Ann", D("2026-03-29"))],
        rules=("prepare",),
        toml="[rules]\nprepare_days_before = 1\n",
    ),
    "thank: met, not thanked": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]'),
        },
        [("thank", "Ann", D("2026-03-11"))],
        rules=("thank", "confirm", "prepare"),
        reason="Met on 10 Mar; no thank-you noted",
    ),
    "thank: thanked": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]\nthanked: 2026-03-10'),
        },
        [],
        rules=("thank",),
    ),
    "thank: status done on a future date still wants thanks": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-25\nwith: ["[[Ann]]"]\nstatus: done'),
        },
        [("thank", "Ann", D("2026-03-26"))],
        rules=("thank", "confirm", "prepare"),
    ),
    "thank: thank_days_after": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]'),
        },
        [("thank", "Ann", D("2026-03-13"))],
        rules=("thank",),
        toml="[rules]\nthank_days_after = 3\n",
    ),
    "referral: named in a meeting, never reached out to": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]'),
        },
        [("referral", "Cat", D("2026-03-08"))],
        rules=("referral", "missing_note"),
        reason="Suggested by Bob on 1 Mar; not contacted yet — "
        "say “Bob suggested I speak with you”",
    ),
    "referral: the earliest meeting that names them": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact(),
            "Meetings/late.md": meeting(
                'date: 2026-03-05\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]'
            ),
            "Meetings/early.md": meeting(
                'date: 2026-02-20\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]'
            ),
        },
        [("referral", "Cat", D("2026-02-27"))],
        rules=("referral",),
    ),
    "referral: already reached out to": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact("outreach: [2026-03-19]"),
            "Meetings/m.md": meeting('date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]'),
        },
        [],
        rules=("referral", "missing_note"),
    ),
    "referral: a reply counts as reached": Case(
        {"People/Cat.md": contact('referred_by: "[[Bob]]"\nreplied: 2026-03-01')},
        [],
        rules=("referral",),
    ),
    "referral: referral_days_after": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]'),
        },
        [("referral", "Cat", D("2026-03-15"))],
        rules=("referral",),
        toml="[rules]\nreferral_days_after = 14\n",
    ),
    "referral: referred_by and named by no meeting: due today": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact('referred_by: "[[Bob]]"'),
        },
        [("referral", "Cat", TODAY)],
        rules=("referral",),
        reason="Referred by Bob; not contacted yet — say “Bob suggested I speak with you”",
    ),
    "referral: referred_by and named by a meeting: the meeting's rule": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact('referred_by: "[[Bob]]"'),
            "Meetings/m.md": meeting('date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]'),
        },
        [("referral", "Cat", D("2026-03-08"))],
        rules=("referral",),
    ),
    "referral: named only by a cancelled meeting falls back to referred_by": Case(
        {
            "People/Bob.md": contact(),
            "People/Cat.md": contact('referred_by: "[[Bob]]"'),
            "Meetings/m.md": meeting(
                'date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Cat]]"]\nstatus: cancelled'
            ),
        },
        [("referral", "Cat", TODAY)],
        rules=("referral",),
    ),
    "missing_note: a referral link to no note": Case(
        {
            "People/Bob.md": contact(),
            "Meetings/m.md": meeting(
                'date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Dan Smith|Dan]]"]'
            ),
        },
        [("missing_note", "Dan Smith", D("2026-03-08"))],
        rules=("referral", "missing_note"),
        reason="Suggested by Bob on 1 Mar; no note yet — create it",
    ),
    "missing_note: one action for a name two meetings give": Case(
        {
            "People/Bob.md": contact(),
            "Meetings/a.md": meeting('date: 2026-03-03\nwith: ["[[Bob]]"]\nreferrals: ["[[Dan]]"]'),
            "Meetings/b.md": meeting('date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[dan]]"]'),
        },
        [("missing_note", "dan", D("2026-03-08"))],
        rules=("missing_note",),
    ),
    "missing_note / referral: a link to an org or plain note names no one": Case(
        {
            "People/Bob.md": contact(),
            "Orgs/Acme.md": fm("type: org"),
            "Plain.md": "Just a note.\n",
            "Meetings/m.md": meeting(
                'date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Acme]]", "[[Plain]]"]'
            ),
        },
        [],
        rules=("referral", "missing_note"),
    ),
    "report_back: met, not reported back": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]\nthanked: 2026-03-10'),
        },
        [("report_back", "Ann", D("2026-04-09"))],
        rules=("report_back", "thank"),
        reason="Met on 10 Mar; tell them how their advice was used",
    ),
    "report_back: reported back": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting(
                'date: 2026-03-10\nwith: ["[[Ann]]"]\nreported_back: 2026-03-19'
            ),
        },
        [],
        rules=("report_back",),
    ),
    "report_back: report_back_days_after": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]'),
        },
        [("report_back", "Ann", D("2026-03-24"))],
        rules=("report_back",),
        toml="[rules]\nreport_back_days_after = 14\n",
    ),
    "keep_in_touch: default cadence from the last interaction": Case(
        {
            "People/Ann.md": contact("outreach: [2026-01-02]\nreplied: 2026-01-03"),
            "Meetings/m.md": meeting(
                'date: 2026-01-10\nwith: ["[[Ann]]"]\n'
                "thanked: 2026-01-11\nreported_back: 2026-02-01"
            ),
        },
        [("keep_in_touch", "Ann", D("2026-05-02"))],
        rules=("keep_in_touch", "thank", "report_back"),
        reason="Last in touch on 1 Feb; every 90 days",
    ),
    "keep_in_touch: the contact's cadence": Case(
        {
            "People/Ann.md": contact("cadence: 30"),
            "Meetings/m.md": meeting('date: 2026-01-10\nwith: ["[[Ann]]"]'),
        },
        [("keep_in_touch", "Ann", D("2026-02-09"))],
        rules=("keep_in_touch",),
        reason="Last in touch on 10 Jan; every 30 days",
    ),
    "keep_in_touch: keep_in_touch_days": Case(
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-01-10\nwith: ["[[Ann]]"]'),
        },
        [("keep_in_touch", "Ann", D("2026-01-20"))],
        rules=("keep_in_touch",),
        toml="[rules]\nkeep_in_touch_days = 10\n",
    ),
    "keep_in_touch: never met": Case(
        {
            "People/Ann.md": contact("outreach: [2026-01-02]\nreplied: 2026-01-03"),
            "Meetings/m.md": meeting('date: 2026-04-10\nwith: ["[[Ann]]"]'),
        },
        [],
        rules=("keep_in_touch",),
    ),
    "task: open tasks in a contact and a meeting note; done tasks give nothing": Case(
        {
            "People/Ann.md": contact(
                "", "- [ ] Send the deck 📅 2026-03-22\n- [x] Old thing 📅 2026-03-01\n"
            ),
            "Meetings/m.md": meeting(
                'date: 2026-03-10\nwith: ["[[Ann]]"]', "* [ ] Read her paper\n- [X] Done too\n"
            ),
        },
        [
            ("task", "Ann", D("2026-03-22")),
            ("task", "m", None),
        ],
        rules=("task",),
    ),
    "task: a task in a plain or org note is no action": Case(
        {
            "Plain.md": "- [ ] Not a CRM task 📅 2026-03-22\n",
            "Orgs/Acme.md": fm("type: org", "- [ ] Research them\n"),
        },
        [],
        rules=("task",),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    write(tmp_path, case.files)
    if case.toml:
        (tmp_path / "vaultkit.toml").write_text(case.toml, encoding="utf-8")
    rules = case.rules or (name.split(":")[0],)
    actions = actions_of(tmp_path, case.today)
    assert triples(actions, rules) == case.expected
    if case.reason:
        assert next(a.reason for a in actions if a.rule in rules) == case.reason


def test_every_rule_has_a_case() -> None:
    named = {name.split(":")[0] for name in CASES}
    assert set(RULE_NAMES) <= named


# ---------------------------------------------------------------- suppressions

# For each rule that can concern a contact: a vault where it fires for Ann.
FIRING: dict[str, dict[str, str]] = {
    "follow_up": {"People/Ann.md": contact("outreach: [2026-03-10]\n{extra}")},
    "no_answer": {
        "People/Ann.md": contact("outreach: [2026-02-01, 2026-02-08, 2026-02-15]\n{extra}")
    },
    "confirm": {
        "People/Ann.md": contact("{extra}"),
        "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]\nquestions: [Why?]'),
    },
    "prepare": {
        "People/Ann.md": contact("{extra}"),
        "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]\nconfirmed: 2026-03-19'),
    },
    "thank": {
        "People/Ann.md": contact("{extra}"),
        "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]\nreported_back: 2026-03-19'),
    },
    "report_back": {
        "People/Ann.md": contact("{extra}"),
        "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]\nthanked: 2026-03-11'),
    },
    "keep_in_touch": {
        "People/Ann.md": contact("{extra}"),
        "Meetings/m.md": meeting(
            'date: 2025-10-10\nwith: ["[[Ann]]"]\nthanked: 2025-10-11\nreported_back: 2025-11-01'
        ),
    },
    "referral": {
        "People/Bob.md": contact(),
        "People/Ann.md": contact("{extra}"),
        "Meetings/m.md": meeting('date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Ann]]"]'),
    },
    "referral (referred_by)": {"People/Ann.md": contact('referred_by: "[[Bob]]"\n{extra}')},
    "task": {"People/Ann.md": contact("{extra}", "- [ ] Call Ann 📅 2026-03-21\n")},
}
SUPPRESSIONS = [
    ("status: active", True),
    ("status: paused", False),
    ("status: declined", False),
    ("status: closed", False),
    ("snooze_until: 2026-03-21", False),
    ("snooze_until: 2026-03-20", True),  # the snooze ends on its day
    ("snooze_until: 2026-03-01", True),
    ("", True),
]


@pytest.mark.parametrize(("extra", "fires"), SUPPRESSIONS)
@pytest.mark.parametrize("case", sorted(FIRING))
def test_contact_suppressions(tmp_path: Path, case: str, extra: str, fires: bool) -> None:
    write(tmp_path, {p: t.replace("{extra}", extra) for p, t in FIRING[case].items()})
    about_ann = [a.rule for a in actions_of(tmp_path) if a.subject == "Ann"]
    if fires:
        assert case.split(" ")[0] in about_ann
    else:
        assert about_ann == []


def test_every_contact_rule_has_a_suppression_case() -> None:
    assert {c.split(" ")[0] for c in FIRING} == set(RULE_NAMES) - {"missing_note"}


def test_a_cancelled_meeting_gives_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact("outreach: [2026-03-01]\nreplied: 2026-03-02"),
            "Meetings/past.md": meeting(
                'date: 2026-03-10\nwith: ["[[Ann]]"]\nstatus: cancelled\nreferrals: ["[[Zed]]"]',
                "- [ ] Rebook 📅 2026-03-21\n",
            ),
            "Meetings/next.md": meeting(
                'date: 2026-03-30\nwith: ["[[Ann]]"]\nstatus: cancelled\n',
            ),
        },
    )
    assert actions_of(tmp_path) == ()


def test_a_paused_person_in_a_shared_meeting_gets_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact("status: paused"),
            "People/Bob.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]", "[[Bob]]"]'),
        },
    )
    assert triples(actions_of(tmp_path), ("thank",)) == [("thank", "Bob", D("2026-03-11"))]


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_each_rule_can_be_switched_off(tmp_path: Path, rule: str) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact('referred_by: "[[Bob]]"', "- [ ] Call Ann\n"),
            "People/Bob.md": contact("outreach: [2026-03-10]"),
            "People/Cat.md": contact(),
            "People/Old.md": contact("outreach: [2026-01-01, 2026-01-08, 2026-01-15]"),
            "Meetings/past.md": meeting(
                'date: 2026-01-10\nwith: ["[[Ann]]"]\nreferrals: ["[[Cat]]", "[[Nobody]]"]'
            ),
            "Meetings/next.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]'),
        },
    )
    before = {a.rule for a in actions_of(tmp_path)}
    assert before == set(RULE_NAMES)  # the vault fires every rule...
    (tmp_path / "vaultkit.toml").write_text(f'[rules]\ndisabled = ["{rule}"]\n', "utf-8")
    after = {a.rule for a in actions_of(tmp_path)}
    assert after == set(RULE_NAMES) - {rule}  # ...and exactly one is switched off


# ---------------------------------------------------------------- edges


def test_a_datetime_meeting(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-30T14:30\nwith: ["[[Ann]]"]'),
        },
    )
    actions = actions_of(tmp_path)
    assert triples(actions) == [
        ("prepare", "Ann", D("2026-03-27")),
        ("confirm", "Ann", D("2026-03-28")),
    ]
    assert actions[0].reason == "No questions written for the meeting on 30 Mar at 14:30"
    assert actions[0].since == D("2026-03-30")
    assert actions[0].meeting == "Meetings/m.md"


def test_a_datetime_meeting_today_is_done_until_tomorrow(tmp_path: Path) -> None:
    # Without a status, a meeting on today's date counts as done (date > today is scheduled).
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-20T18:00\nwith: ["[[Ann]]"]'),
        },
    )
    assert triples(actions_of(tmp_path), ("thank", "confirm")) == [
        ("thank", "Ann", D("2026-03-21"))
    ]


@pytest.mark.parametrize(
    "date_line",
    ["", "date: 2026-02-30", "date: next tuesday", "date: [1, 2]"],
    ids=["missing", "impossible", "not-a-date", "a-list"],
)
def test_a_meeting_without_a_usable_date(tmp_path: Path, date_line: str) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact('outreach: [2026-03-01]\nreferred_by: "[[Bob]]"'),
            "People/Cat.md": contact(),
            "Meetings/m.md": meeting(
                f'{date_line}\nwith: ["[[Ann]]"]\nstatus: scheduled\n'
                'referrals: ["[[Cat]]", "[[Dan]]"]'
            ),
            "Meetings/done.md": meeting(f'{date_line}\nwith: ["[[Ann]]"]'),
        },
    )
    actions = actions_of(tmp_path)
    assert triples(actions) == [
        # Done and not in the future, the undated meeting is a meeting held: Ann is met,
        # and kept in touch with from her last dated interaction (outreach on 1 Mar).
        ("keep_in_touch", "Ann", D("2026-05-30")),
        ("confirm", "Ann", None),
        ("prepare", "Ann", None),
        ("thank", "Ann", None),
        ("referral", "Cat", None),
        ("missing_note", "Dan", None),
        ("report_back", "Ann", None),
    ]
    # A meeting of unknown date may be the answer: no follow-up is asked for.
    assert "with no date (fix the date)" in actions[1].reason
    if date_line:
        assert any(p.code == "bad-date" for p in read(tmp_path).problems)


def test_a_bad_outreach_date_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"People/Ann.md": contact("outreach: [2026-02-30, 2026-03-10]")})
    assert triples(actions_of(tmp_path)) == [("follow_up", "Ann", D("2026-03-17"))]


def test_a_meeting_with_several_people_gives_one_action_each(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "People/Bob.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]", "[[Bob]]", "[[Zed]]"]'),
        },
    )
    thanks = [a for a in actions_of(tmp_path) if a.rule == "thank"]
    assert [(a.subject, a.subject_path) for a in thanks] == [
        ("Ann", "People/Ann.md"),
        ("Bob", "People/Bob.md"),
        ("Zed", None),  # a person without a note still needs thanking
    ]
    assert len({a.id for a in thanks}) == 3
    assert {a.note for a in thanks} == {"Meetings/m.md"}


def test_a_meeting_with_nobody_named_is_its_own_subject(tmp_path: Path) -> None:
    write(tmp_path, {"Meetings/m.md": meeting("date: 2026-03-10\nthanked: 2026-03-11")})
    assert triples(actions_of(tmp_path)) == [("report_back", "m", D("2026-04-09"))]


def test_two_meetings_give_two_thank_actions(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "Meetings/a.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]'),
            "Meetings/b.md": meeting('date: 2026-03-12\nwith: ["[[Ann]]"]'),
        },
    )
    thanks = [(a.note, a.due) for a in actions_of(tmp_path) if a.rule == "thank"]
    assert thanks == [("Meetings/a.md", D("2026-03-11")), ("Meetings/b.md", D("2026-03-13"))]


def test_aliases_and_case_in_with_and_referrals(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann Smith.md": contact("aliases: [Annie]"),
            "People/Cat Jones.md": contact("aliases: [Kitty]"),
            "People/Dan Ode.md": contact(),
            "Meetings/m.md": meeting(
                'date: 2026-03-10\nwith: ["[[ann smith]]", "[[Annie]]", "[[ANNIE|her]]"]\n'
                'referrals: ["[[kitty]]", "[[DAN ODE]]"]'
            ),
        },
    )
    actions = actions_of(tmp_path)
    assert triples(actions, ("thank", "referral", "missing_note")) == [
        ("thank", "Ann Smith", D("2026-03-11")),
        ("referral", "Cat Jones", D("2026-03-17")),
        ("referral", "Dan Ode", D("2026-03-17")),
    ]
    # Reached through the alias: Ann met, so no referral for her even if named.
    assert all(a.subject_path != "People/Ann Smith.md" or a.rule != "referral" for a in actions)


def test_cycles_of_referred_by(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/A.md": contact('referred_by: "[[B]]"'),
            "People/B.md": contact('referred_by: ["[[C]]", "[[A]]"]'),
            "People/C.md": contact('referred_by: "[[A]]"'),
            "People/Self.md": contact('referred_by: "[[Self]]"'),
        },
    )
    assert triples(actions_of(tmp_path)) == [
        ("referral", "A", TODAY),
        ("referral", "B", TODAY),
        ("referral", "C", TODAY),
        ("referral", "Self", TODAY),
    ]
    b = next(a for a in actions_of(tmp_path) if a.subject == "B")
    assert b.reason.startswith("Referred by C and A;")


def test_a_referrer_without_a_note_is_named_as_written(tmp_path: Path) -> None:
    write(tmp_path, {"People/Cat.md": contact("referred_by: Aunt Linda")})
    (action,) = actions_of(tmp_path)
    assert action.reason.startswith("Referred by Aunt Linda;")


def test_a_referral_to_a_plain_note_person_is_ignored_but_a_typed_one_counts(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "People/Bob.md": contact(),
            "Misc/Eve.md": "A plain note about Eve, no type.\n",
            "Misc/Fay.md": contact(),  # type: contact outside People/
            "Meetings/m.md": meeting(
                'date: 2026-03-01\nwith: ["[[Bob]]"]\nreferrals: ["[[Eve]]", "[[Fay]]"]'
            ),
        },
    )
    assert triples(actions_of(tmp_path), ("referral", "missing_note")) == [
        ("referral", "Fay", D("2026-03-08"))
    ]


def test_task_ids_are_distinct_and_do_not_follow_the_line(tmp_path: Path) -> None:
    body = "- [ ] Call\n- [ ] Write\n- [ ] Call\n"
    write(tmp_path, {"People/Ann.md": contact("", body)})
    first = [a.id for a in actions_of(tmp_path)]
    assert len(set(first)) == 3
    write(tmp_path, {"People/Ann.md": contact("", "Some new text.\n\n" + body)})
    assert [a.id for a in actions_of(tmp_path)] == first


def test_a_task_without_text(tmp_path: Path) -> None:
    write(tmp_path, {"People/Ann.md": contact("", "- [ ] 📅 2026-03-25\n")})
    (action,) = actions_of(tmp_path)
    assert (action.title, action.due, action.subject) == ("(untitled task)", D("2026-03-25"), "Ann")


# ---------------------------------------------------------------- ids, order, helpers


def test_ids_are_stable_and_depend_on_rule_note_and_subject(tmp_path: Path) -> None:
    assert action_id("thank", "Meetings/m.md", "People/Ann.md") == action_id(
        "thank", "Meetings/m.md", "People/Ann.md"
    )
    assert len(action_id("thank", "a", "b")) == 12
    ids = {
        action_id("thank", "Meetings/m.md", "People/Ann.md"),
        action_id("report_back", "Meetings/m.md", "People/Ann.md"),
        action_id("thank", "Meetings/n.md", "People/Ann.md"),
        action_id("thank", "Meetings/m.md", "People/Bob.md"),
    }
    assert len(ids) == 4
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting('date: 2026-03-10\nwith: ["[[Ann]]"]'),
        },
    )
    thank = next(a for a in actions_of(tmp_path) if a.rule == "thank")
    assert thank.id == action_id("thank", "Meetings/m.md", "People/Ann.md")
    # The id does not depend on the day: the same action tomorrow keeps it.
    later = next(a for a in actions_of(tmp_path, TODAY + timedelta(days=3)) if a.rule == "thank")
    assert later.id == thank.id


def test_order_is_due_then_rule_then_subject_with_undated_last(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Zed.md": contact("outreach: [2026-03-10]"),
            "People/Amy.md": contact("outreach: [2026-03-10]", "- [ ] Undated\n"),
            "People/Bob.md": contact("", "- [ ] Due 📅 2026-03-17\n- [ ] Also undated\n"),
        },
    )
    assert triples(actions_of(tmp_path)) == [
        ("follow_up", "Amy", D("2026-03-17")),
        ("follow_up", "Zed", D("2026-03-17")),
        ("task", "Bob", D("2026-03-17")),
        ("task", "Amy", None),
        ("task", "Bob", None),
    ]


def test_within_overdue_and_the_horizon_edges() -> None:
    def act(due: date | None, n: str) -> Action:
        return Action(n, "task", n, n, None, "x.md", due, "")

    actions = [
        act(TODAY - timedelta(days=1), "late"),
        act(TODAY, "today"),
        act(TODAY + timedelta(days=30), "last-day"),
        act(TODAY + timedelta(days=31), "beyond"),
        act(None, "undated"),
    ]
    assert [a.id for a in within(actions, TODAY, 30)] == ["late", "today", "last-day", "undated"]
    assert [a.id for a in within(actions, TODAY, 0)] == ["late", "today", "undated"]
    assert [a.id for a in overdue(actions, TODAY)] == ["late"]


def test_next_action_per_person(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact("outreach: [2026-03-10]", "- [ ] Later 📅 2026-04-01\n"),
            "People/Bob.md": contact("", "- [ ] Undated\n"),
            "Meetings/m.md": meeting("date: 2026-03-10\nwith: [Nobody]"),
        },
    )
    actions = actions_of(tmp_path)
    nxt = next_action_per_person(actions)
    assert {p: (a.rule, a.due) for p, a in nxt.items()} == {
        "People/Ann.md": ("follow_up", D("2026-03-17")),
        "People/Bob.md": ("task", None),
    }


def test_text_helpers() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip
    assert short_date(D("2026-03-03"), TODAY) == "3 Mar"
    assert short_date(D("2025-12-31"), TODAY) == "31 Dec 2025"
    assert join_names([]) == ""
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B", "C"]) == "A, B and C"


def test_actions_are_a_pure_function_of_vault_and_day(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact("outreach: [2026-03-10]"),
            "Meetings/m.md": meeting('date: 2026-03-30\nwith: ["[[Ann]]"]'),
        },
    )
    vault = read(tmp_path)
    first = due_actions(vault, people(vault, TODAY), TODAY)
    again = due_actions(vault, people(vault, TODAY), TODAY)
    assert first == again
    assert first != due_actions(vault, people(vault, D("2026-04-05")), D("2026-04-05"))


def test_actions_come_in_sort_key_order_with_the_keys_action_gives(tmp_path: Path) -> None:
    """due_actions sorts with memoised key parts: its order must be Action.sort_key's."""
    import sys

    from vaultkit.rules import Action, _sort_key_memo

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from generate_vault import generate

    generate(tmp_path, 150, seed=11)
    vault = read(tmp_path)
    today = date(2026, 11, 25)
    actions = due_actions(vault, people(vault, today), today)
    assert len({a.rule for a in actions}) >= 8 and any(a.due is None for a in actions)
    assert list(actions) == sorted(actions, key=Action.sort_key)
    key = _sort_key_memo()
    assert [key(a) for a in actions] == [a.sort_key() for a in actions]


def test_parsing_gives_each_open_task_the_id_of_its_action(tmp_path: Path) -> None:
    """Task ids are worked out when a note is parsed (on every core, and cached); a task
    made by hand, without one, gets the same id from the rules."""
    from dataclasses import replace

    from vaultkit.ids import action_id

    body = "- [ ] Call  Ann\n- [x] Write\n- [ ] Call Ann\n- [ ] \n"
    write(tmp_path, {"People/Ann.md": contact("", body)})
    vault = read(tmp_path)
    (ann,) = vault.notes
    path = "People/Ann.md"
    assert [t.id for t in ann.tasks] == [
        action_id("task", path, path, "Call Ann"),
        None,  # done: no action
        action_id("task", path, path, "Call Ann\0" + "2"),  # the same text again
        action_id("task", path, path, "(untitled task)"),
    ]
    today = date(2026, 3, 1)
    ids = sorted(a.id for a in due_actions(vault, people(vault, today), today) if a.rule == "task")
    assert ids == sorted(t.id for t in ann.tasks if t.id)
    bare = replace(ann, tasks=tuple(replace(t, id=None) for t in ann.tasks))
    hand = replace(vault, notes=(bare,))
    again = due_actions(hand, people(hand, today), today)
    assert sorted(a.id for a in again if a.rule == "task") == ids


def test_someone_suggested_at_a_meeting_with_them_is_no_referral(tmp_path: Path) -> None:
    """Named in both `with:` and `referrals:`: met there, so nobody to reach on their word
    (the referral graph ignores it as a self-referral too)."""
    from click.testing import CliRunner

    from vaultkit.cli import cli

    write(
        tmp_path,
        {
            "People/Ann.md": contact("outreach: [2026-01-01]\nreplied: 2026-01-02"),
            "Meetings/m.md": meeting(
                'date: 2026-03-10\nwith: ["[[Ghost]]", "[[ann]]"]\n'
                'referrals: ["[[ghost|G.]]", "[[Ann]]", "[[Other One]]"]'
            ),
        },
    )
    assert triples(actions_of(tmp_path), ("referral", "missing_note")) == [
        ("missing_note", "Other One", D("2026-03-17")),
    ]
    due = CliRunner().invoke(cli, ["due", str(tmp_path), "--all", "--today", "2026-03-20"])
    assert due.exit_code == 0
    rows = [line.split("\t")[1:3] for line in due.stdout.splitlines()]
    assert ["missing_note", "Other One"] in rows and ["thank", "Ghost"] in rows
    assert not [r for r in rows if r[0] in ("referral", "missing_note") and r[1] != "Other One"]


@pytest.mark.parametrize("written", ['questions: ""', 'questions: [""]', "questions: []"])
def test_an_empty_question_is_no_question_written(tmp_path: Path, written: str) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting(
                f'date: 2026-03-25\nwith: ["[[Ann]]"]\nconfirmed: 2026-03-09\n{written}'
            ),
        },
    )
    assert triples(actions_of(tmp_path), ("prepare",)) == [("prepare", "Ann", D("2026-03-22"))]


def test_questions_under_sub_headings_of_the_questions_section_count(tmp_path: Path) -> None:
    body = "## Questions\n### Their path\n- How did you start?\n\n## Notes\n- not a question\n"
    write(
        tmp_path,
        {
            "People/Ann.md": contact(),
            "Meetings/m.md": meeting(
                'date: 2026-03-25\nwith: ["[[Ann]]"]\nconfirmed: 2026-03-09', body
            ),
            "Meetings/n.md": meeting(
                'date: 2026-03-26\nwith: ["[[Ann]]"]\nconfirmed: 2026-03-09',
                "## Questions\n\n## Notes\n- not a question\n",
            ),
        },
    )
    vault = read(tmp_path)
    m = next(n for n in vault.notes if n.path == "Meetings/m.md").meeting
    assert m is not None and m.questions == ("How did you start?",)
    assert triples(actions_of(tmp_path), ("prepare",)) == [("prepare", "Ann", D("2026-03-23"))]


def test_one_attempt_is_one_message(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "vaultkit.toml": "[rules]\nmax_attempts = 1\n",
            "People/Ann.md": contact("outreach: [2026-03-01]"),
        },
    )
    (action,) = [a for a in actions_of(tmp_path) if a.rule == "no_answer"]
    assert action.reason.startswith("No reply to 1 message, the last on 1 Mar")


def test_a_done_meeting_without_a_date_makes_its_person_met(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Ann.md": contact("outreach: [2026-01-01]"),
            "Meetings/Call Ann.md": meeting(
                'with: ["[[Ann]]"]\nthanked: 2026-01-10\nreported_back: 2026-01-20'
            ),
        },
    )
    vault = read(tmp_path)
    assert people(vault, TODAY)["People/Ann.md"].stage == "met"
    assert triples(actions_of(tmp_path), ("keep_in_touch",)) == [
        ("keep_in_touch", "Ann", D("2026-04-20"))
    ]
