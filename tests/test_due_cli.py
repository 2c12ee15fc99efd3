"""Tests for `vaultkit due` and the Due Actions note (render.due, build.render_outputs)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import fm
from conftest import write_vault as write

from vaultkit import build as pipeline
from vaultkit.cli import cli
from vaultkit.config import RULE_NAMES
from vaultkit.render.due import next_action_cells
from vaultkit.rules import Action, action_id

TODAY = "2026-03-20"
DUE_NOTE = "CRM/Due Actions.md"
INDEX_NOTE = "CRM/CRM Index.md"


def vault(root: Path) -> Path:
    """Write a vault with one action in each section of the note, as of TODAY (2026-03-20)."""
    return write(
        root,
        {
            # Overdue: follow up, due 03-08.
            "People/Ann.md": fm("type: contact\naliases: [Annie]\noutreach: [2026-03-01]"),
            # Today: a referral named in no meeting.
            "People/Bob.md": fm('type: contact\nreferred_by: "[[Ann]]"'),
            # Next 7 days: prepare for a meeting on 03-24, due 03-21.
            "People/Cat.md": fm("type: contact\noutreach: [2026-03-02]\nreplied: 2026-03-03"),
            "Meetings/Cat call.md": fm(
                'type: meeting\ndate: 2026-03-24\nwith: ["[[Cat]]"]\nconfirmed: 2026-03-19'
            ),
            # Later, and the horizon's last day (03-20 + 30 = 04-19).
            "People/Dan.md": fm("type: contact", "- [ ] Send Dan the deck 📅 2026-04-10\n"),
            "People/Eve.md": fm("type: contact", "- [ ] Call Eve 📅 2026-04-19\n"),
            # Beyond the horizon.
            "People/Fay.md": fm("type: contact", "- [ ] Write to Fay 📅 2026-04-20\n"),
            # No date.
            "People/Gus.md": fm("type: contact", "- [ ] Ask Gus <b>about</b> [[Acme]]_now\n"),
        },
    )


def run(*args: str) -> Result:
    """Give the result of running the vaultkit command line."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def due_json(*args: str) -> list[dict[str, Any]]:
    """Give the parsed `vaultkit due --json` output for the arguments."""
    result = run("due", *args, "--json")
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def brief(data: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """Give (rule, subject, due) of each JSON action."""
    return [(a["rule"], a["subject"], a["due"]) for a in data]


WITHIN_HORIZON = [
    ("follow_up", "Ann", "2026-03-08"),
    ("referral", "Bob", "2026-03-20"),
    ("prepare", "Cat", "2026-03-21"),
    ("task", "Dan", "2026-04-10"),
    ("task", "Eve", "2026-04-19"),
    ("task", "Gus", None),
]


# ---------------------------------------------------------------- the due command


def test_json_output(tmp_path: Path) -> None:
    root = vault(tmp_path)
    data = due_json(str(root), "--today", TODAY)
    assert brief(data) == WITHIN_HORIZON
    ann = data[0]
    assert {"id", "rule", "subject", "note", "due", "reason"} <= set(ann)
    assert ann == {
        "id": action_id("follow_up", "People/Ann.md", "People/Ann.md"),
        "rule": "follow_up",
        "title": "Follow up with",
        "subject": "Ann",
        "subject_path": "People/Ann.md",
        "note": "People/Ann.md",
        "due": "2026-03-08",
        "reason": "No reply since you wrote on 1 Mar — 1st follow-up",
        "since": "2026-03-01",
        "meeting": None,
    }
    for action in data:
        assert (root / action["note"]).is_file()  # vault-relative paths
        assert re.fullmatch(r"[0-9a-f]{12}", action["id"])


def test_all_lifts_the_horizon(tmp_path: Path) -> None:
    data = due_json(str(vault(tmp_path)), "--today", TODAY, "--all")
    assert brief(data) == [*WITHIN_HORIZON[:5], ("task", "Fay", "2026-04-20"), WITHIN_HORIZON[5]]


@pytest.mark.parametrize(
    ("days", "subjects"),
    [
        ("0", ["Ann", "Bob", "Gus"]),  # overdue, today and undated always show
        ("1", ["Ann", "Bob", "Cat", "Gus"]),
        ("30", ["Ann", "Bob", "Cat", "Dan", "Eve", "Gus"]),
        ("31", ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus"]),
    ],
)
def test_within(tmp_path: Path, days: str, subjects: list[str]) -> None:
    data = due_json(str(vault(tmp_path)), "--today", TODAY, "--within", days)
    assert [a["subject"] for a in data] == subjects


def test_the_horizon_comes_from_the_config(tmp_path: Path) -> None:
    root = vault(tmp_path)
    (root / "vaultkit.toml").write_text("[rules]\nhorizon_days = 1\n", encoding="utf-8")
    assert [a["subject"] for a in due_json(str(root), "--today", TODAY)] == [
        "Ann",
        "Bob",
        "Cat",
        "Gus",
    ]


def test_rule_filter_repeats(tmp_path: Path) -> None:
    root = str(vault(tmp_path))
    data = due_json(root, "--today", TODAY, "--rule", "task", "--rule", "referral")
    assert [a["rule"] for a in data] == ["referral", "task", "task", "task"]
    assert due_json(root, "--today", TODAY, "--rule", "thank") == []
    bad = CliRunner().invoke(cli, ["due", root, "--rule", "thanks"])
    assert bad.exit_code == 2
    assert "thanks" in bad.output


@pytest.mark.parametrize("name", ["Ann", "ann", "ANNIE", "People/Ann"])
def test_person_filter_by_name_alias_or_path(tmp_path: Path, name: str) -> None:
    data = due_json(str(vault(tmp_path)), "--today", TODAY, "--person", name)
    assert brief(data) == [("follow_up", "Ann", "2026-03-08")]


def test_an_unknown_person_exits_6(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["due", str(vault(tmp_path)), "--person", "Nobody"])
    assert result.exit_code == 6
    assert "Nobody" in result.output


def test_fail_if_overdue(tmp_path: Path) -> None:
    root = str(vault(tmp_path))
    late = run("due", root, "--today", TODAY, "--fail-if-overdue")
    assert late.exit_code == 3
    assert late.stdout  # the list is still printed
    # Due today is not overdue.
    assert (
        run("due", root, "--today", TODAY, "--rule", "referral", "--fail-if-overdue").exit_code == 0
    )
    assert run("due", root, "--today", "2026-03-07", "--fail-if-overdue").exit_code == 0
    assert run("due", root, "--today", TODAY).exit_code == 0


def test_piped_output_is_tab_separated(tmp_path: Path) -> None:
    root = vault(tmp_path)
    result = run("due", str(root), "--today", TODAY)
    lines = result.stdout.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        [due or "", rule, subject] for rule, subject, due in WITHIN_HORIZON
    ]
    first = lines[0].split("\t")
    assert first[3:] == [
        "No reply since you wrote on 1 Mar — 1st follow-up",
        "People/Ann.md",
        action_id("follow_up", "People/Ann.md", "People/Ann.md"),
    ]
    assert lines[-1].split("\t")[3] == "Ask Gus <b>about</b> [[Acme]]_now"  # a task shows its text


def test_terminal_output_is_an_aligned_table(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("vaultkit.cli.due.is_terminal", lambda: True)
    result = run("due", str(vault(tmp_path)), "--today", TODAY)
    lines = result.stdout.splitlines()
    header, rows, summary = lines[0], lines[1:-1], lines[-1]
    assert header.split() == ["DUE", "RULE", "SUBJECT", "WHAT", "ID"]
    column = header.index("SUBJECT")
    assert [row[column:].split()[0] for row in rows] == [s for _, s, _ in WITHIN_HORIZON]
    assert rows[-1].startswith("no date ")
    assert summary == "6 actions: 1 overdue, 1 due today; 1 more after 2026-04-19 (use --all)"


def test_terminal_output_with_nothing_due(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("vaultkit.cli.due.is_terminal", lambda: True)
    write(tmp_path, {"People/Ann.md": fm("type: contact")})
    result = run("due", str(tmp_path), "--today", TODAY)
    assert result.stdout.splitlines() == [
        "Nothing due by 2026-04-19.",
        "0 actions: 0 overdue, 0 due today",
    ]


# ---------------------------------------------------------------- the Due Actions note


def note_of(root: Path, today: str = TODAY) -> str:
    """Give the Due Actions note's text after a build."""
    pipeline.build(root, date.fromisoformat(today))
    return (root / DUE_NOTE).read_text(encoding="utf-8")


def test_the_note_sections_and_lines(tmp_path: Path) -> None:
    root = vault(tmp_path)
    text = note_of(root)
    assert text.startswith("---\ngenerated_by: vaultkit\nview: due\nas_of: 2026-03-20\n")
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Overdue (1)",
        "## Today (1)",
        "## Next 7 days (1)",
        "## Later (2)",
        "## No date (1)",
    ]
    ann_id = action_id("follow_up", "People/Ann.md", "People/Ann.md")
    assert (
        f"- [ ] Follow up with [[People/Ann|Ann]] — No reply since you wrote on 1 Mar — "
        f"1st follow-up 🆔 {ann_id} 📅 2026-03-08"
    ) in text.splitlines()
    assert (
        "- [ ] Prepare questions for [[People/Cat|Cat]] — No questions written for the meeting "
        "on 24 Mar ([[Meetings/Cat call|Cat call]]) 🆔 "
    ) in text
    assert "Call Eve — open task in [[People/Eve|Eve]]" in text  # the horizon's last day
    assert "Fay" not in text.split("## Overdue")[1]  # beyond the horizon
    assert "1 more fall due after 2026-04-19: run `vaultkit due --all`." in text
    # User text is escaped: no HTML, no links the user did not mean.
    gus = next(line for line in text.splitlines() if "Gus" in line)
    assert gus.startswith("- [ ] Ask Gus &lt;b&gt;about&lt;/b&gt; [[Acme]]\\_now — open task")
    assert not gus.endswith(")") and "📅" not in gus


def test_a_missing_note_links_to_the_note_to_create(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "People/Bob.md": fm("type: contact"),
            "Meetings/m.md": fm(
                'type: meeting\ndate: 2026-03-18\nwith: ["[[Bob]]"]\nthanked: 2026-03-18\n'
                'reported_back: 2026-03-19\nreferrals: ["[[Dana Lee]]", "[[Odd|name]]"]'
            ),
        },
    )
    lines = note_of(tmp_path).splitlines()
    assert any(line.startswith("- [ ] Create a note for [[Dana Lee]] — ") for line in lines)
    assert any(line.startswith("- [ ] Create a note for [[Odd]] — ") for line in lines)


def test_the_note_is_byte_stable_and_rewritten_only_on_change(tmp_path: Path) -> None:
    root = vault(tmp_path)
    first = pipeline.build(root, date.fromisoformat(TODAY))
    assert DUE_NOTE in first.written
    data = (root / DUE_NOTE).read_bytes()
    second = pipeline.build(root, date.fromisoformat(TODAY))
    assert second.written == ()
    assert (root / DUE_NOTE).read_bytes() == data
    # Without the build cache: the notes are read and rendered again, to the same bytes, and
    # the generated note is not read back as input (its checkboxes would be tasks).
    third = pipeline.build(root, date.fromisoformat(TODAY), use_cache=False)
    assert third.written == ()
    assert first.outputs is not None and third.outputs is not None
    assert third.outputs.actions == first.outputs.actions
    # The same notes elsewhere give the same bytes: nothing depends on where the vault is.
    other = vault(tmp_path / "copy")
    assert (
        pipeline.render_outputs(pipeline.read(other), date.fromisoformat(TODAY)).notes[DUE_NOTE]
        == data
    )
    # Another day is another note.
    tomorrow = pipeline.build(root, date.fromisoformat("2026-03-21"))
    assert DUE_NOTE in tomorrow.written


def test_the_output_settings_move_and_rename_the_note(tmp_path: Path) -> None:
    root = vault(tmp_path)
    (root / "vaultkit.toml").write_text(
        '[output]\nfolder = "Views"\ndue = "Todo"\n[rules]\nhorizon_days = 0\n', encoding="utf-8"
    )
    pipeline.build(root, date.fromisoformat(TODAY))
    text = (root / "Views/Todo.md").read_text(encoding="utf-8")
    assert "\n# Todo\n" in text
    assert "## Later (0)\n\nNothing." in text
    assert "horizon_days: 0" in text


def test_the_index_shows_each_persons_next_action(tmp_path: Path) -> None:
    root = vault(tmp_path)
    pipeline.build(root, date.fromisoformat(TODAY))
    index = (root / INDEX_NOTE).read_text(encoding="utf-8")
    rows = {
        line.split(" | ")[0]: line.rstrip(" |").rsplit(" | ", 1)[1]
        for line in index.splitlines()
        if line.startswith("| [[People/")
    }
    assert rows["| [[People/Ann\\|Ann]]"] == "follow up · 2026-03-08"
    assert rows["| [[People/Fay\\|Fay]]"] == "Write to Fay · 2026-04-20"
    assert rows["| [[People/Gus\\|Gus]]"].startswith("Ask Gus &lt;b&gt;")
    assert rows["| [[People/Gus\\|Gus]]"].endswith(" · no date")


def test_next_action_cells_only_for_the_people_asked() -> None:
    actions = [
        Action("1", "task", "Read <the> paper", "m", "Meetings/m.md", "Meetings/m.md", None, ""),
        Action("2", "follow_up", "Follow up with", "Ann", "People/Ann.md", "x.md", None, ""),
        Action("3", "thank", "Thank", "Ann", "People/Ann.md", "x.md", None, ""),
    ]
    assert next_action_cells(actions) == {
        "Meetings/m.md": "Read &lt;the&gt; paper · no date",
        "People/Ann.md": "follow up · no date",
    }
    assert next_action_cells(actions, {"People/Ann.md"}) == {"People/Ann.md": "follow up · no date"}
    long = Action("4", "task", "x" * 80, "Ann", "People/Ann.md", "People/Ann.md", None, "")
    assert next_action_cells([long])["People/Ann.md"] == "x" * 59 + "… · no date"


# ---------------------------------------------------------------- the sample vault


@pytest.mark.parametrize("horizon", [(), ("--all",)], ids=["note", "all"])
def test_the_sample_vault_fires_every_rule(horizon: tuple[str, ...], sample_vault: Path) -> None:
    data = due_json(str(sample_vault), *horizon, "--today", "2026-11-25")
    assert {a["rule"] for a in data} == set(RULE_NAMES)
    assert len({a["id"] for a in data}) == len(data)
    # Both kinds of referral: named in a meeting, and only referred_by in the contact.
    referrals = [a for a in data if a["rule"] == "referral"]
    assert any(a["meeting"] for a in referrals)
    assert any(a["note"] == a["subject_path"] for a in referrals)


def test_the_sample_vault_json_agrees_with_its_note(sample_vault: Path) -> None:
    today = date(2026, 11, 25)
    everything = due_json(str(sample_vault), "--all", "--today", today.isoformat())
    shown = due_json(str(sample_vault), "--today", today.isoformat())
    outputs = pipeline.render_outputs(pipeline.read(sample_vault), today)  # pure: writes nothing
    text = outputs.notes[DUE_NOTE].decode("utf-8")
    in_note = re.findall(r"^- \[ \] .*🆔 ([0-9a-f]{12})(?: 📅 (\S+))?$", text, re.M)
    assert in_note == [(a["id"], a["due"] or "") for a in shown]
    assert [a["id"] for a in everything if a["id"] in {i for i, _ in in_note}] == [
        i for i, _ in in_note
    ]
    beyond = len(everything) - len(shown)
    assert beyond > 0
    assert f" {beyond} more fall due after 2026-12-25" in text
    assert [a.id for a in outputs.actions] == [a["id"] for a in everything]
