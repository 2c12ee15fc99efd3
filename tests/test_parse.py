"""A note's bytes to a Note: typed fields, kinds, body links, tasks; never an exception."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from conftest import note
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.config import Config, parse_config
from vaultkit.model import Link, Note
from vaultkit.parse import parse_bytes, parse_text

CONTACT = """\
type: contact
aliases: [Janie, JD]
org: "[[Acme Health]]"
role: Designer
email: jane@example.com
phone: 0123456
linkedin: https://www.linkedin.com/in/jane
source: referral
referred_by: ["[[Maria Lopez]]", "[[Tom|Tommy]]"]
seniority: senior
outreach:
  - 2026-01-20
  - 2026-01-05
replied: 2026-01-22
cadence: 60
status: paused
snooze_until: 2026-04-01
tags: [design, 2026]
favourite_colour: teal
"""

MEETING = """\
type: meeting
date: 2026-02-03T14:30
with: ["[[Jane Doe]]", "[[Sam]]"]
mode: video
duration: 45
status: done
confirmed: 2026-02-01
questions: [What do you do all day?]
referrals: ["[[Ann]]"]
thanked: 2026-02-04
reported_back: 2026-03-01
reference: true
"""


def parse(path: str, text: str | bytes, config: Config | None = None) -> Note:
    data = text.encode() if isinstance(text, str) else text
    return parse_bytes(path, data, config or Config())


def test_contact_fields_are_typed() -> None:
    n = parse("People/Jane Doe.md", note(CONTACT, "Body.\n"))
    assert (n.name, n.kind, n.aliases, n.problems) == ("Jane Doe", "contact", ("Janie", "JD"), ())
    c = n.contact
    assert c is not None
    assert c.org == Link("Acme Health", None, None, "org", 4, True)
    assert (c.role, c.email, c.phone, c.source, c.seniority) == (
        "Designer",
        "jane@example.com",
        "0123456",  # the digits as written, leading zero kept
        "referral",
        "senior",
    )
    assert [(x.target, x.alias) for x in c.referred_by] == [("Maria Lopez", None), ("Tom", "Tommy")]
    assert c.outreach == (date(2026, 1, 5), date(2026, 1, 20))  # sorted
    assert (c.replied, c.cadence, c.status, c.snooze_until) == (
        date(2026, 1, 22),
        60,
        "paused",
        date(2026, 4, 1),
    )
    assert c.tags == ("design", "2026")
    assert n.extra == {"favourite_colour": "teal"}  # unknown fields are kept
    assert n.meeting is None and n.org is None


def test_meeting_fields_are_typed() -> None:
    n = parse("Meetings/Coffee.md", note(MEETING, "## Questions\n- And the hard part?\n"))
    m = n.meeting
    assert m is not None and n.problems == ()
    assert (m.date, m.start) == (date(2026, 2, 3), datetime(2026, 2, 3, 14, 30))
    assert [x.target for x in m.with_] == ["Jane Doe", "Sam"]
    assert (m.mode, m.duration, m.status, m.reference) == ("video", 45, "done", True)
    assert (m.confirmed, m.thanked, m.reported_back) == (
        date(2026, 2, 1),
        date(2026, 2, 4),
        date(2026, 3, 1),
    )
    assert m.questions == ("What do you do all day?", "And the hard part?")
    assert [x.target for x in m.referrals] == ["Ann"]
    # front-matter links are links of the note too
    assert {x.target for x in n.links} >= {"Jane Doe", "Sam", "Ann"}


def test_org_fields() -> None:
    n = parse("x/Acme.md", note("type: org\ntarget: true\nindustry: Health\ntags: [a]\n"))
    assert n.kind == "org" and n.org is not None
    assert (n.org.target, n.org.industry, n.org.tags) == (True, "Health", ("a",))


def test_a_meeting_without_a_date_is_reported() -> None:
    n = parse("Meetings/Undated.md", note("type: meeting\nmode: phone\n"))
    assert [(p.code, p.severity) for p in n.problems] == [("missing-field", "warning")]


@pytest.mark.parametrize(
    ("path", "front", "kind"),
    [
        ("People/A.md", "role: x\n", "contact"),
        ("Meetings/2026/A.md", "", "meeting"),
        ("orgs/A.md", None, "org"),  # folder names match case-insensitively
        ("Journal/A.md", "role: x\n", "note"),
        ("A.md", None, "note"),
        ("People/A.md", "type: org\n", "org"),  # type: wins over the folder
        ("Journal/A.md", "type: Meeting\ndate: 2026-01-01\n", "meeting"),
        ("People/A.md", "type: note\n", "note"),
        ("Peoples/A.md", None, "note"),  # a folder, not a prefix of a name
    ],
)
def test_kind_from_type_or_folder(path: str, front: str | None, kind: str) -> None:
    assert parse(path, note(front, "text\n")).kind == kind


def test_folder_mapping_from_config() -> None:
    config = parse_config(
        {"folders": {"Contacts": "contact", "People": "note", "Work/Calls": "meeting"}}
    )
    assert parse("Contacts/A.md", "x", config).kind == "contact"
    assert parse("People/A.md", "x", config).kind == "note"
    assert parse("Work/Calls/A.md", note("date: 2026-01-01\n"), config).kind == "meeting"
    assert parse("Work/A.md", "x", config).kind == "note"


def test_field_aliases_from_config() -> None:
    config = parse_config({"fields": {"company": "org", "title": "role", "met_with": "with"}})
    n = parse("People/A.md", note("company: '[[Acme]]'\ntitle: CTO\n"), config)
    assert n.contact is not None
    assert (n.contact.org and n.contact.org.target, n.contact.role) == ("Acme", "CTO")
    assert "company" not in n.extra and "title" not in n.extra
    m = parse("Meetings/M.md", note("date: 2026-01-01\nmet_with: ['[[A]]']\n"), config)
    assert m.meeting is not None and [x.target for x in m.meeting.with_] == ["A"]
    # Where both are written, the canonical field wins and the alias stays an extra field.
    both = parse("People/B.md", note("org: '[[One]]'\ncompany: '[[Two]]'\n"), config)
    assert both.contact is not None and both.contact.org is not None
    assert both.contact.org.target == "One"


def test_tasks_and_due_dates() -> None:
    body = (
        "- [ ] write to Ann 📅 2026-03-20\n"
        "  * [x] done thing\n"
        "- [ ] no date\n"
        "- [ ] bad date 📅 2026-02-30\n"
        "- [] not a task\n"
        "```\n- [ ] in code\n```\n"
    )
    n = parse("People/A.md", note("type: contact\n", body))
    assert [(t.text, t.done, t.due, t.line) for t in n.tasks] == [
        ("write to Ann", False, date(2026, 3, 20), 4),
        ("done thing", True, None, 5),
        ("no date", False, None, 6),
        ("bad date", False, None, 7),
    ]


def test_questions_section() -> None:
    body = (
        "## Questions\n- One?\n* Two?\n1. Three?\n- [ ] a task, not a question\n"
        "## Notes\n- not one\n"
    )
    n = parse("Meetings/M.md", note("date: 2026-01-01\n", body))
    assert n.meeting is not None and n.meeting.questions == ("One?", "Two?", "Three?")


def test_line_numbers_with_bom_and_crlf() -> None:
    text = note("type: contact\nrole: x\nreplied: 2026-13-01\n", "a\n[[Link]]\n- [ ] t\n")
    for variant in (
        text,
        "\ufeff" + text,
        text.replace("\n", "\r\n"),
        "\ufeff" + text.replace("\n", "\r\n"),
    ):
        n = parse("People/A.md", variant)
        assert [(p.line, p.field) for p in n.problems] == [(4, "replied")]
        assert [(x.target, x.line) for x in n.links] == [("Link", 7)]
        assert [t.line for t in n.tasks] == [8]
        assert n.contact is not None and n.contact.role == "x"


def test_name_is_the_stem_whatever_the_case_of_md() -> None:
    assert parse("People/Upper.MD", note("type: contact\n")).name == "Upper"
    assert parse("People/Mixed.Md", b"\xff").name == "Mixed"  # not UTF-8: the same name
    assert parse("Jose\u0301.md", "").name == "Jos\u00e9"


def test_unknown_fields_are_kept_as_json_data() -> None:
    front = (
        "type: contact\nwhen: 2026-01-01\nat: 2026-01-01T10:00:00\nblob: !!binary aGk=\n"
        "nan: .nan\ninf: -.inf\nnum: 1.5\nset: !!set {f, e, d, c, b, a}\n"
        "pairs: !!omap [b: 1, a: 2]\nnested: {1: [x, {y: 2026-02-30}]}\n"
    )
    n = parse("People/A.md", note(front))
    assert n.extra == {
        "when": "2026-01-01",
        "at": "2026-01-01T10:00:00",
        "blob": "hi",
        "nan": "nan",
        "inf": "-inf",
        "num": 1.5,
        "set": ["a", "b", "c", "d", "e", "f"],  # sorted: the output is deterministic
        "pairs": [["b", 1], ["a", 2]],
        "nested": {"1": ["x", {"y": "2026-02-30"}]},
    }


def test_generated_notes_are_marked() -> None:
    assert parse("CRM/X.md", note("generated_by: vaultkit\nview: index\n")).generated
    assert not parse("CRM/Y.md", note("generated_by: someone else\n")).generated


@pytest.mark.parametrize(
    "text",
    [
        "",
        "---",
        "---\n",
        "---\n---",
        "----\ntype: contact\n----\n",
        "--- \ntype: contact\n--- \n",
        "---\n...\n",
        "\ufeff",
        "\r\n\r\n",
        "no front-matter at all, just [[A link]]",
    ],
)
def test_odd_shapes_parse(text: str) -> None:
    n = parse("People/Odd.md", text)
    assert n.name == "Odd"
    assert all(p.path == "People/Odd.md" for p in n.problems)


def test_front_matter_must_start_the_file() -> None:
    n = parse("People/A.md", "\n---\ntype: org\n---\n")
    assert n.kind == "contact"  # the folder decides: the block is body text


def test_non_utf8_reports_the_line() -> None:
    n = parse("A.md", b"---\nrole: x\n---\nline 4\nline 5 \x80\n")
    assert [(p.code, p.line, p.severity) for p in n.problems] == [("encoding", 5, "error")]


def test_parse_text_equals_parse_bytes() -> None:
    text = note(CONTACT, "Hi [[Ann]]\n")
    assert parse_text("People/J.md", text, Config()) == parse("People/J.md", text)


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.binary(max_size=400))
def test_parse_bytes_never_raises_on_bytes(data: bytes) -> None:
    n = parse_bytes("People/Any.md", data, Config())
    assert n.path == "People/Any.md"


@_SETTINGS
@given(st.binary(max_size=300))
def test_parse_bytes_never_raises_after_a_front_matter_marker(data: bytes) -> None:
    n = parse_bytes("Meetings/Any.md", b"---\n" + data + b"\n---\nbody\n", Config())
    assert all(p.severity in ("error", "warning") for p in n.problems)


_ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@_SETTINGS
@given(_ANY_TEXT, st.sampled_from(["", "---\n", "\ufeff---\r\n"]))
def test_parse_bytes_never_raises_on_text(text: str, start: str) -> None:
    n = parse_bytes("Orgs/Any.md", (start + text).encode("utf-8"), Config())
    assert n.name == "Any"
    assert all(p.path == "Orgs/Any.md" for p in n.problems)


_FIELD = st.sampled_from(
    [
        "type",
        "org",
        "role",
        "with",
        "date",
        "outreach",
        "cadence",
        "duration",
        "reference",
        "aliases",
        "tags",
        "referred_by",
        "status",
        "replied",
        "questions",
        "referrals",
        "target",
    ]
)
_VALUE = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "contact",
            "meeting",
            "org",
            "[[A]]",
            '"[[A]]"',
            "[[[A]]]",
            "{a: 1}",
            "[1, [2]]",
            "2026-02-30",
            "2026-01-01T10:00",
            "no",
            "1.5",
            "-3",
            "&x a",
            "*x",
            "!!binary aGk=",
            "!!set {a}",
            "!!omap [a: 1]",
            "[]",
            "{}",
            "|\n  block",
            "? x",
            "2026-01-01 25:61",
        ]
    ),
)


@_SETTINGS
@given(st.lists(st.tuples(_FIELD, _VALUE), max_size=6), st.text(max_size=80))
def test_parse_text_never_raises_on_schema_fields(fields: list[tuple[str, str]], body: str) -> None:
    front = "".join(f"{k}: {v}\n" for k, v in fields)
    for path in ("People/P.md", "Meetings/M.md", "Orgs/O.md"):
        n = parse_text(path, note(front, body), Config())
        assert all(p.path == path for p in n.problems)


def test_an_impossible_task_date_is_a_problem_not_a_silent_undated_task() -> None:
    from vaultkit.config import Config
    from vaultkit.parse import parse_bytes

    note = parse_bytes(
        "People/A.md",
        b"---\ntype: contact\n---\n- [ ] call \xf0\x9f\x93\x85 2026-02-30\n",
        Config(),
    )
    assert [(p.line, p.code) for p in note.problems] == [(4, "bad-date")]
    assert "2026-02-30" in note.problems[0].message
    assert note.tasks[0].due is None


_BODY_PIECES = st.sampled_from(
    [
        "[[Ann]]",
        "[[Ann|A]]",
        "[[Bo#Top]]",
        "[[]]",
        "[[x.png]]",
        "[[[Cy]]",
        "]]",
        "[[",
        "a",
        " ",
        "\n",
    ]
)


@given(st.lists(_BODY_PIECES, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_body_links_are_each_distinct_link_at_the_line_it_first_stands_on(body: str) -> None:
    """Every `[[...]]` of the body, once, in order of first appearance, with its file line."""
    import re

    got = parse_text("People/P.md", "---\ntype: contact\n---\n" + body, Config())
    expected: dict[str, int] = {}
    for match in re.finditer(r"\[\[[^\[\]\n]*\]\]", body):
        expected.setdefault(match.group(), 4 + body.count("\n", 0, match.start()))
    assert got.body_links == tuple(expected)
    assert got.body_link_lines == tuple(expected.values())
    shown = {link.target for link in got.links}
    assert "x.png" not in shown and "" not in shown  # attachments and [[]] lead to no note


@pytest.mark.parametrize(
    ("written", "target", "bracketed"),
    [
        (r'"[[Jane\nDoe]]"', "Jane Doe", True),
        (r'"[[Ref\rPerson|R.]]"', "Ref Person", True),
        (r'"Jane\tDoe"', "Jane Doe", False),
    ],
)
def test_a_link_broken_over_lines_by_a_yaml_escape_is_one_name(
    written: str, target: str, bracketed: bool
) -> None:
    parsed = parse_text("People/A.md", note(f"type: contact\nreferred_by: {written}\n"), Config())
    assert parsed.contact is not None
    (link,) = parsed.contact.referred_by
    assert (link.target, link.bracketed) == (target, bracketed)
