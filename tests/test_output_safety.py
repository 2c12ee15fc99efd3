"""What a note holds never breaks an output: control characters, link display text, plurals.

A note can carry any character: a body line holds raw bytes, and a YAML escape
("\\e", "\\u0000", "\\n") writes any control into a field. None of them reaches a
text output (docs/schema.md, "Control characters"): the terminal and TSV, `check`,
the generated notes, the calendar, vCard, CSV and the report; JSON escapes them itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import MakeVault, fm

from vaultkit.cli import cli
from vaultkit.model import Problem

TODAY = "2026-11-25"
# Every C0 control but line feed, DEL and every C1 control: none may reach a text output.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

HOSTILE = {
    # A task with a screen-clearing escape sequence and a bell; a role with ESC and BEL;
    # an organisation link with ESC in its name (no note: the name itself is shown).
    "People/Jane.md": fm(
        'type: contact\nrole: "Boss\\e[31m\\a"\norg: "[[Ac\\eme]]"\noutreach: [2026-11-01]',
        "- [ ] T \x1b[2J\x1b[31mRED\x07 📅 2026-11-26\n",
    ),
    # A NUL in a field; a carriage return inside a link.
    "People/Nul.md": fm('type: contact\nrole: "\\u0000nul"\nreferred_by: "[[Ref\\rPerson]]"'),
    # A line feed inside a link, DEL and a C1 control (CSI, U+009B) in names.
    "Meetings/M1.md": fm(
        'type: meeting\ndate: 2026-11-20\nwith: ["[[Jane\\nDoe]]", "[[Jane]]", "[[Pal\\x7fo]]"]\n'
        'referrals: ["[[Zed\\x9bQ]]"]'
    ),
    # A scheduled meeting: a calendar entry named after its people.
    "Meetings/M2.md": fm(
        'type: meeting\ndate: 2026-11-28\nwith: ["[[Jane]]", "[[Bell\\aBoy]]"]\nmode: "vid\\teo"'
    ),
}


def run(*args: str, color: bool = False) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, color=color)


@pytest.fixture
def hostile(tmp_path: Path, make_vault: MakeVault) -> Path:
    return make_vault(tmp_path / "v", HOSTILE)


def controls(text: str, allowed: str = "") -> list[str]:
    """Give the control characters in text, but those allowed (tab, carriage return)."""
    return [c for c in CONTROL.findall(text) if c not in allowed]


# --- 1. control characters ------------------------------------------------------------


def test_due_on_a_terminal_sends_no_escape_sequence_or_bell(
    hostile: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr("vaultkit.cli.due.is_terminal", lambda: True)
    result = run("due", str(hostile), "--today", TODAY, "--all", color=True)
    assert result.exit_code == 0, result.output
    # Our own colours are SGR sequences; the note's screen clear and bell are gone.
    ours = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    assert controls(ours) == []
    assert "\x1b[2J" not in result.output
    task = next(line for line in ours.splitlines() if "RED" in line)
    assert "T \ufffd[2J\ufffd[31mRED\ufffd" in task


def test_due_piped_gives_one_tab_separated_line_per_action(hostile: Path) -> None:
    result = run("due", str(hostile), "--today", TODAY, "--all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and all(len(line.split("\t")) == 6 for line in lines)
    assert controls(result.stdout, allowed="\t") == []
    assert any("T \ufffd[2J\ufffd[31mRED\ufffd\t" in line for line in lines)


def test_calendar_summary_has_no_control_characters(hostile: Path, tmp_path: Path) -> None:
    ics = tmp_path / "due.ics"
    result = run("due", str(hostile), "--today", TODAY, "--all", "--ics", str(ics))
    assert result.exit_code == 0, result.output
    text = ics.read_bytes().decode("utf-8")
    assert controls(text.replace("\r\n", "\n")) == []
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:T \ufffd[2J\ufffd[31mRED\ufffd\r\n" in unfolded
    assert "SUMMARY:Meeting with Jane and Bell\ufffdBoy\r\n" in unfolded
    assert "Mode: vid eo" in unfolded


def test_vcard_has_no_control_characters(hostile: Path) -> None:
    result = run("export", "vcard", str(hostile), "--today", TODAY)
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode("utf-8")
    assert controls(text.replace("\r\n", "\n")) == []
    assert "TITLE:Boss\ufffd[31m\ufffd\r\n" in text
    assert "ORG:Ac\ufffdme\r\n" in text
    assert "TITLE:\ufffdnul\r\n" in text


def test_csv_export_has_no_control_characters(hostile: Path) -> None:
    for table in ("people", "meetings"):
        result = run("export", "csv", str(hostile), "--today", TODAY, "--table", table)
        assert result.exit_code == 0, result.output
        assert controls(result.stdout.replace("\r\n", "\n")) == [], table
    people = run("export", "csv", str(hostile), "--today", TODAY).stdout
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(people))}
    assert rows["Nul"]["role"] == "\ufffdnul"
    assert rows["Nul"]["referred_by"] == "Ref Person"


def test_generated_notes_have_no_control_characters(hostile: Path) -> None:
    result = run("build", str(hostile), "--today", TODAY)
    assert result.exit_code == 0, result.output
    for name in ("CRM Index", "Due Actions", "Referral Graph"):
        text = (hostile / "CRM" / f"{name}.md").read_text(encoding="utf-8")
        assert controls(text) == [], name
    index = (hostile / "CRM" / "CRM Index.md").read_text(encoding="utf-8")
    assert "| \ufffdnul |" in index
    assert "Boss\ufffd\\[31m\ufffd" in index


def test_problems_are_one_line_each(hostile: Path) -> None:
    result = run("build", str(hostile), "--today", TODAY)
    assert result.exit_code == 0, result.output
    index = (hostile / "CRM" / "CRM Index.md").read_text(encoding="utf-8")
    rows = [line for line in index.splitlines() if "| warning |" in line]
    assert (
        "| [[People/Nul]] | 4 | warning | referred\\_by: \\[\\[Ref Person\\]\\] points to" in index
    )
    assert any("Jane Doe" in row for row in rows) and controls(index) == []
    # The `check` line: path:line: severity: message, on one line.
    problem = Problem("People/A\x1bB.md", 4, "with", "warning", "x", "with: [[Jane\nDoe\x07]]")
    assert problem.format() == "People/A\ufffdB.md:4: warning: with: [[Jane Doe\ufffd]]"
    assert Problem("A\nB.md", None, None, "error", "x", "a\r\nb").format() == "A\\nB.md: error: a b"
    checked = run("check", str(hostile))
    assert controls(checked.stdout) == []
    assert "People/Nul.md:4: warning: referred_by: [[Ref Person]] points to no note" in (
        checked.stdout.splitlines()
    )


def test_report_has_no_control_characters(hostile: Path) -> None:
    for fmt in ("md", "text", "html"):
        result = run("report", str(hostile), "--today", TODAY, "--since", "30d", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert controls(result.stdout) == [], fmt
        assert "T \ufffd" in result.stdout, fmt


def test_graph_commands_print_no_control_characters(hostile: Path) -> None:
    stats = run("graph", "stats", str(hostile), "--today", TODAY)
    assert stats.exit_code == 0, stats.output
    assert controls(stats.stdout) == [] and controls(stats.stderr) == []
    assert "Ref Person" in stats.stdout
    path = run("graph", "path", "Nul", str(hostile), "--today", TODAY)
    assert path.exit_code == 0, path.output
    assert controls(path.stdout) == [] and "me → Ref Person → Nul" in path.stdout
    for fmt in ("dot", "mermaid", "graphml", "gexf"):
        out = run("graph", "export", str(hostile), "--today", TODAY, "--format", fmt)
        assert out.exit_code == 0, out.output
        assert controls(out.stdout) == [], fmt


def test_json_keeps_the_text_as_written(hostile: Path) -> None:
    # JSON escapes controls itself (\u001b): a program reading it gets the note's text.
    result = run("export", "json", str(hostile), "--today", TODAY)
    people = {p["name"]: p for p in json.loads(result.stdout)["people"]}
    assert people["Jane"]["role"] == "Boss\x1b[31m\x07"


# --- 2. an unresolved link is named by its target, not its display text ---------------


@pytest.fixture
def aliased(tmp_path: Path, make_vault: MakeVault) -> Path:
    return make_vault(
        tmp_path / "v",
        {
            "People/Bob.md": fm("type: contact\noutreach: [2026-10-01]"),
            "Meetings/Coffee.md": fm(
                'type: meeting\ndate: 2026-11-02\nwith: ["[[Bob]]", "[[Pipe | Person]]"]\n'
                'referrals: ["[[Bob]]", "[[People/Carol|Caz]]"]'
            ),
            "Meetings/Next.md": fm('type: meeting\ndate: 2026-11-30\nwith: ["[[Dee|Dee D.]]"]'),
        },
    )


def test_export_names_an_unresolved_link_by_its_target(aliased: Path) -> None:
    data = json.loads(run("export", "json", str(aliased), "--today", TODAY).stdout)
    coffee = next(m for m in data["meetings"] if m["title"] == "Coffee")
    assert coffee["with"] == ["Bob", "Pipe"]
    assert coffee["referrals"] == ["Bob", "Carol"]
    table = run("export", "csv", str(aliased), "--today", TODAY, "--table", "meetings").stdout
    rows = {r["title"]: r for r in csv.DictReader(io.StringIO(table))}
    assert rows["Coffee"]["with"] == "Bob; Pipe"
    assert rows["Coffee"]["referrals"] == "Bob; Carol"


def test_report_names_an_unresolved_referral_by_its_target(aliased: Path) -> None:
    result = run("report", str(aliased), "--today", TODAY, "--since", "2026-10-30")
    assert result.exit_code == 0, result.output
    referrals = result.stdout.split("## Referrals received", 1)[1].split("\n## ", 1)[0]
    assert "| 2026-11-02 | Carol | Bob and Pipe; no note yet |" in referrals
    assert "| 2026-11-02 | Bob and Pipe |" in result.stdout  # the meeting held: with whom
    assert "Caz" not in result.stdout


def test_calendar_names_an_unresolved_person_by_the_target(aliased: Path, tmp_path: Path) -> None:
    ics = tmp_path / "due.ics"
    assert run("due", str(aliased), "--today", TODAY, "--ics", str(ics)).exit_code == 0
    assert "SUMMARY:Meeting with Dee\r\n" in ics.read_bytes().decode("utf-8")


# --- 3. words -------------------------------------------------------------------------


def test_index_header_counts_one_in_the_singular(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "People/Ann.md": fm('type: contact\norg: "[[Acme]]"'),
            "Orgs/Acme.md": fm("type: org"),
            "Meetings/Call.md": fm('type: meeting\ndate: 2026-11-02\nwith: ["[[Ann]]", "[[Zed]]"]'),
        },
    )
    assert run("build", str(root), "--today", TODAY).exit_code == 0
    index = (root / "CRM" / "CRM Index.md").read_text(encoding="utf-8")
    assert "1 person · 1 meeting · 1 organisation · 3 notes · 1 problem\n" in index


def test_graph_names_the_kind_of_a_wrong_note_with_its_article(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "People/Ann.md": fm('type: contact\nreferred_by: "[[Acme]]"'),
            "Orgs/Acme.md": fm("type: org"),
        },
    )
    result = run("graph", "stats", str(root), "--today", TODAY)
    assert "referred_by: [[Acme]] is an org note, not a person;" in result.stderr


def test_a_referral_at_a_meeting_still_to_come_is_not_told_as_past(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "People/Ann.md": fm("type: contact\noutreach: [2026-11-01]"),
            "People/Bo.md": fm("type: contact"),
            "Meetings/Past.md": fm(
                'type: meeting\ndate: 2026-11-02\nwith: ["[[Ann]]"]\nreferrals: ["[[Bo]]"]'
            ),
            "Meetings/Future.md": fm(
                'type: meeting\ndate: 2026-12-31\nwith: ["[[Bo]]"]\nreferrals: ["[[Acme]]"]'
            ),
        },
    )
    result = run("graph", "path", "Acme", str(root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "  2. Ann suggested Bo when you met on 2026-11-02" in result.stdout
    assert "  3. Bo is to suggest Acme at the meeting on 2026-12-31 (still to come)" in (
        result.stdout
    )


def test_csv_export_round_trips_through_csv_import(tmp_path: Path, make_vault: MakeVault) -> None:
    # List cells are joined with "; ", as `import csv` splits them (tags on "," too).
    root = make_vault(
        tmp_path / "v",
        {
            "People/Ann.md": fm(
                'type: contact\naliases: ["Annie, the first", "A. B.", "x; y", "back\\\\slash;"]\n'
                'role: "Lead; data"\n'
                'referred_by: ["[[Bo]]", "[[Cy]]"]\ntags: [alpha, beta]\nemail: ann@x.org'
            ),
            "People/Bo.md": fm("type: contact"),
            "People/Cy.md": fm("type: contact"),
        },
    )
    exported = tmp_path / "people.csv"
    exported.write_bytes(run("export", "csv", str(root), "--today", TODAY).stdout_bytes)
    fresh = make_vault(tmp_path / "fresh", {"Welcome.md": "hello\n"})
    result = run("import", "csv", str(exported), "--vault", str(fresh))
    assert result.exit_code == 0, result.output
    data = json.loads(run("index", str(fresh), "--json").stdout)
    ann = next(n for n in data["notes"] if n["name"] == "Ann")
    assert ann["aliases"] == ["Annie, the first", "A. B.", "x; y", "back\\slash;"]
    assert ann["contact"]["role"] == "Lead; data"
    assert [link["target"] for link in ann["contact"]["referred_by"]] == ["Bo", "Cy"]
    assert ann["contact"]["tags"] == ["alpha", "beta"]
