"""`vaultkit report`: the weekly review, in Markdown, text and HTML."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import MakeVault, fm

from vaultkit import graph
from vaultkit.build import read
from vaultkit.cli import cli
from vaultkit.errors import UsageError
from vaultkit.graph import build_graph
from vaultkit.report import conversion, funnel, parse_since, referred_on, review
from vaultkit.timeline import people

TODAY = "2026-03-20"  # the period --since 7d is 2026-03-14 .. 2026-03-20


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    files = {
        # Identified only; added this week, referred by Ann.
        "People/Ida.md": fm('type: contact\nreferred_by: "[[Ann]]"\ncreated: 2026-03-15'),
        # Contacted: one message on the period's first day, one the day before it.
        "People/Carl.md": fm("type: contact\noutreach: [2026-03-13, 2026-03-14]"),
        # Responded: a reply this week; added before the period.
        "People/Rae.md": fm(
            "type: contact\noutreach: [2026-03-01]\nreplied: 2026-03-16\ncreated: 2026-03-01"
        ),
        # Met this week and referred on (to Ida, to a person with no note, and to an org).
        "People/Ann.md": fm("type: contact\noutreach: [2026-02-01]\nreplied: 2026-02-02"),
        # Met long ago, thanked this week; reported back this week; no referral.
        "People/Mo <script>.md": fm("type: contact\noutreach: [2025-12-01]"),
        # Contacted long ago, never answered: an overdue follow-up.
        "People/Old.md": fm("type: contact\noutreach: [2026-02-01]"),
        "Orgs/Acme.md": fm("type: org"),
        "Meetings/Ann coffee.md": fm(
            'type: meeting\ndate: 2026-03-18\nwith: ["[[Ann]]"]\nmode: in-person\n'
            'referrals: ["[[Ida]]", "[[Zoe Unknown]]", "[[Acme]]"]\nthanked: 2026-03-19'
        ),
        "Meetings/Mo call.md": fm(
            'type: meeting\ndate: 2026-01-10\nwith: ["[[Mo <script>]]"]\n'
            "thanked: 2026-03-14\nreported_back: 2026-03-20"
        ),
        # A cancelled meeting in the period is neither held nor a response.
        "Meetings/Carl call.md": fm(
            'type: meeting\ndate: 2026-03-17\nwith: ["[[Carl]]"]\nstatus: cancelled'
        ),
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def section(text: str, title: str) -> str:
    """Give the Markdown section under `## title...` up to the next heading."""
    match = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, title
    return match.group(1)


def test_markdown_review_of_the_week(vault: Path) -> None:
    result = run("report", str(vault), "--today", TODAY)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Weekly review: 2026-03-14 to 2026-03-20\n")
    assert "1 meetings, 1 messages sent, 2 thank-yous, 1 reports back;" in text
    assert "## Meetings held (1)" in text and "| 2026-03-18 | Ann | in-person |" in text
    sent = section(text, "Messages sent")
    assert "2026-03-14 | Carl | message 2" in sent and "2026-03-13" not in sent
    assert "| 2026-03-16 | Rae |" in section(text, "Replies received")
    assert "## Thank-yous sent (2)" in text
    assert "| 2026-03-20 | Mo \\<script\\> |" not in text  # escaped as HTML entities
    assert "| 2026-03-20 | Mo &lt;script&gt; |" in section(text, "Reports back")
    new = section(text, "New people")
    assert "| 2026-03-15 | Ida | Ann |" in new and "Rae" not in new
    refs = section(text, "Referrals received")
    assert "| 2026-03-18 | Ida | Ann; not contacted yet |" in refs
    assert "| 2026-03-18 | Zoe Unknown | Ann; no note yet |" in refs and "Acme" not in refs
    overdue = section(text, "Overdue (1)")
    assert "| 2026-02-08 | Follow up with | Old |" in overdue
    coming = section(text, "Due in the next 7 days")
    assert "| 2026-03-21 | Follow up with | Carl |" in coming and "Thank" not in coming


def test_overdue_and_coming_actions(vault: Path) -> None:
    v = read(vault)
    r = review(v, date(2026, 3, 20), date(2026, 3, 14))
    assert all(a.due is not None and a.due < date(2026, 3, 20) for a in r.overdue)
    assert all(
        a.due is not None and date(2026, 3, 20) <= a.due <= date(2026, 3, 27) for a in r.coming
    )
    assert ("follow_up", "Carl", date(2026, 3, 21)) in [
        (a.rule, a.subject, a.due) for a in r.coming
    ]
    assert ("referral", "Ida") in [(a.rule, a.subject) for a in r.overdue + r.coming]


def test_funnel_counts_and_conversion(vault: Path) -> None:
    counts = funnel(read(vault), date(2026, 3, 20))
    # identified 6; contacted: Carl, Rae, Ann, Mo, Old; responded: Rae, Ann, Mo (a
    # meeting); met: Ann, Mo; referred on: Ann.
    assert counts == (
        ("identified", 6),
        ("contacted", 5),
        ("responded", 3),
        ("met", 2),
        ("referred on", 1),
    )
    assert conversion(counts) == [
        ("identified", 6, ""),
        ("contacted", 5, "83%"),
        ("responded", 3, "60%"),
        ("met", 2, "67%"),
        ("referred on", 1, "50%"),
    ]
    assert conversion((("identified", 0), ("contacted", 0))) == [
        ("identified", 0, ""),
        ("contacted", 0, "—"),
    ]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_every_value(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = run("report", str(vault), "--today", TODAY, "--format", "html", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    page = out.read_text()
    assert "<script>" not in page and "Mo &lt;script&gt;" in page
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "Mo <script>" in "".join(parser.text)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_text_format_and_a_longer_period(vault: Path) -> None:
    result = run(
        "report", str(vault), "--today", TODAY, "--since", "2026-03-01", "--format", "text"
    )
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("Weekly review: 2026-03-01 to 2026-03-20\n=====")
    assert "Messages sent (3)" in text  # Rae's 03-01, Carl's 03-13 and 03-14
    assert "|" not in text


def test_the_same_vault_and_day_give_the_same_bytes(vault: Path) -> None:
    first = run("report", str(vault), "--today", TODAY, "--format", "md").stdout
    assert run("report", str(vault), "--today", TODAY, "--format", "md").stdout == first


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("7d", "2026-03-14"),
        ("1", "2026-03-20"),
        ("2w", "2026-03-07"),
        ("1m", "2026-02-19"),
        ("2026-03-01", "2026-03-01"),
    ],
)
def test_parse_since(text: str, start: str) -> None:
    assert parse_since(text, date(2026, 3, 20)) == date.fromisoformat(start)


@pytest.mark.parametrize("text", ["0d", "last week", "2026-03-21", "2026-02-30"])
def test_parse_since_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        parse_since(text, date(2026, 3, 20))


def test_report_refuses_a_bad_period_on_the_command_line(vault: Path) -> None:
    result = run("report", str(vault), "--today", TODAY, "--since", "fortnight")
    assert result.exit_code == 2 and "--since" in result.stderr


# --- "referred on": the referral graph's definition ---------------------------------------


@pytest.fixture
def referrers(tmp_path: Path, make_vault: MakeVault) -> Path:
    """Give a vault with both kinds of referral, and the cases the old funnel miscounted."""
    met = "outreach: [2026-01-05]\nreplied: 2026-01-06"
    return make_vault(
        tmp_path / "refs",
        {
            # Met; the meeting's referrals name Ida: referred on.
            "People/Ann.md": fm(f"type: contact\n{met}"),
            "People/Ida.md": fm('type: contact\nreferred_by: "[[Ann]]"'),
            # Ida, never met, introduced Ole in turn: referred on (Ann's yield: 1).
            "People/Ole.md": fm('type: contact\nreferred_by: "[[Ida]]"'),
            # A friend never met who introduced Gus (referred_by only): referred on.
            "People/Fay.md": fm("type: contact\nsource: friend"),
            "People/Gus.md": fm('type: contact\nreferred_by: "[[Fay]]"'),
            # Met; the meeting named only an organisation: not an introduction.
            "People/Hal.md": fm(f"type: contact\n{met}"),
            "Orgs/Acme.md": fm("type: org"),
            # Met; the meeting named a person with no note yet: referred on.
            "People/Kai.md": fm(f"type: contact\n{met}"),
            # Met, but the meeting that named Nia was cancelled: not referred on.
            "People/Lee.md": fm(f"type: contact\n{met}"),
            "People/Nia.md": fm("type: contact"),
            # Named himself as his own referrer: ignored, as the graph ignores it.
            "People/Sam.md": fm('type: contact\nreferred_by: "[[Sam]]"'),
            "Meetings/Ann coffee.md": fm(
                'type: meeting\ndate: 2026-02-01\nwith: ["[[Ann]]"]\nreferrals: ["[[Ida]]"]'
            ),
            "Meetings/Hal coffee.md": fm(
                'type: meeting\ndate: 2026-02-02\nwith: ["[[Hal]]"]\nreferrals: ["[[Acme]]"]'
            ),
            "Meetings/Kai coffee.md": fm(
                'type: meeting\ndate: 2026-02-03\nwith: ["[[Kai]]"]\nreferrals: ["[[Zed]]"]'
            ),
            "Meetings/Lee coffee.md": fm(
                'type: meeting\ndate: 2026-02-04\nwith: ["[[Lee]]"]\nreferrals: ["[[Nia]]"]\n'
                "status: cancelled"
            ),
            "Meetings/Lee call.md": fm('type: meeting\ndate: 2026-02-05\nwith: ["[[Lee]]"]'),
        },
    )


def test_referred_on_is_who_introduced_someone_as_the_graph_counts_it(referrers: Path) -> None:
    vault, today = read(referrers), date(2026, 3, 20)
    by_person = people(vault, today)
    found = referred_on(vault, by_person, today)
    assert sorted(found) == ["People/Ann.md", "People/Fay.md", "People/Ida.md", "People/Kai.md"]
    assert dict(funnel(vault, today))["referred on"] == 4
    assert dict(funnel(vault, today))["met"] == 4  # Ann, Hal, Kai, Lee; Fay never met

    # The graph's own numbers agree: its introducers are the report's, and each
    # introducer's yield "referred on" counts the people they told who are introducers too.
    built = build_graph(vault, by_person, today)
    ids = built.ids
    contacts = {ids[p] for p in by_person}
    yields = graph.yields(built.graph)
    assert {y.introducer for y in yields} & contacts == {ids[p] for p in found}
    told, _ = graph.referrals(built.graph)
    reporting = {ids[p] for p in found}
    for y in yields:
        assert y.referred_on == sum(1 for v in told[y.introducer] if v in reporting)
    assert [y.referred_on for y in yields if y.introducer == "Ann"] == [1]


def test_the_report_shows_the_graphs_referred_on(referrers: Path) -> None:
    result = run("report", str(referrers), "--today", TODAY)
    assert result.exit_code == 0, result.output
    rows = section(result.stdout, "Funnel")
    assert "| met | 4 | 100&#37; |" in rows  # Ann, Hal, Kai, Lee
    # Ann, Fay, Ida and Kai; Fay and Ida never met me, so not every one is in the step before.
    assert "| referred on | 4 | 100&#37; |" in rows


def test_someone_suggested_at_a_meeting_with_them_is_no_referral_received(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "People/Ann.md": fm("type: contact"),
            "People/Bob.md": fm("type: contact"),
            "Meetings/m.md": fm(
                'type: meeting\ndate: 2026-03-18\nwith: ["[[Ann]]", "[[Bob]]"]\n'
                'referrals: ["[[bob]]", "[[Ghost|G.]]", "[[Cy]]"]'
            ),
            "Meetings/n.md": fm('type: meeting\ndate: 2026-03-18\nwith: ["[[Ghost]]"]'),
        },
    )
    result = run("report", str(root), "--today", TODAY, "--format", "text")
    assert result.exit_code == 0, result.output
    assert "Referrals received (2)" in result.stdout  # Ghost and Cy: Bob was met there
    assert "Bob — " not in result.stdout


def test_a_meeting_still_to_come_is_not_met_whatever_its_status(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "People/L.md": fm("type: contact"),
            "Meetings/m.md": fm('type: meeting\ndate: 2026-12-20\nstatus: done\nwith: ["[[L]]"]'),
        },
    )
    assert dict(funnel(read(root), date.fromisoformat(TODAY)))["met"] == 0


def test_shares_round_half_up() -> None:
    counts = (("identified", 8), ("contacted", 1), ("responded", 5), ("met", 8), ("x", 5))
    rates = [rate for _, _, rate in conversion(counts)]
    # 1/8 is 12.5% and 5/8 62.5%: a reader rounds them up, round() would give 12 and 62.
    assert rates == ["", "13%", "500%", "160%", "63%"]
