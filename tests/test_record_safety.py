"""`done` and `log` never write into the wrong note, nor over what a user wrote.

Each case was found by an adversarial review: a name several notes share, an undated
meeting, text in a date field, a read-only or hard-linked note, a quoted field alias,
a day no note can hold, a block id after a task, `...` closing the front-matter, a note
that cannot be read, an unclosed quote, a BOM before a task, a link naming a folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import fm
from conftest import write_vault as write

from vaultkit.cli import cli

TODAY = "2026-03-20"
ANN = fm("type: contact\noutreach: [2026-03-01]")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def log(root: Path, name: str, what: str, *more: str) -> Result:
    return run("log", name, what, "--vault", str(root), "--today", TODAY, *more)


def done(root: Path, wanted: str, *more: str) -> Result:
    return run("done", wanted, "--vault", str(root), "--today", TODAY, *more)


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultkit" not in p.parts
    }


def action_id(root: Path, rule: str, subject: str, title: str = "") -> str:
    result = run("due", str(root), "--all", "--json", "--today", TODAY)
    assert result.exit_code == 0, result.output
    found = [
        a["id"]
        for a in json.loads(result.stdout)
        if (a["rule"], a["subject"]) == (rule, subject) and a["title"].startswith(title)
    ]
    assert len(found) == 1, found
    return found[0]


# --- the right note -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "name"),
    [
        ({"People/Ann.md": ANN, "Archive/Ann.md": ANN}, "Ann"),
        ({"People/Ann.md": ANN, "People/old/ann.md": ANN}, "ANN"),
        (
            {
                "People/Alex Smith.md": fm("type: contact\naliases: [Alex]"),
                "People/Alex Jones.md": fm("type: contact\naliases: [Alex]"),
            },
            "Alex",
        ),
    ],
    ids=["same-name", "case-variant", "shared-alias"],
)
def test_log_refuses_a_name_several_notes_share(
    tmp_path: Path, files: dict[str, str], name: str
) -> None:
    root = write(tmp_path / "v", files)
    before = snapshot(root)
    result = log(root, name, "outreach")
    assert result.exit_code == 2, result.output
    assert f"{name!r} names 2 notes (" in result.stderr
    assert "say which by its path" in result.stderr
    assert snapshot(root) == before
    # Said by its path, it is recorded in that note only.
    path = sorted(files)[0]
    chosen = log(root, path.removesuffix(".md"), "outreach")
    assert chosen.exit_code == 0, chosen.output
    assert {p for p, h in snapshot(root).items() if before.get(p) != h} == {path}


def test_log_thanked_goes_to_the_latest_dated_meeting_not_an_undated_one(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {
            "People/Ann.md": ANN,
            "Meetings/Old chat.md": fm('type: meeting\nwith: ["[[Ann]]"]'),
            "Meetings/Bad date.md": fm('type: meeting\ndate: 2026-02-30\nwith: ["[[Ann]]"]'),
            "Meetings/Lunch.md": fm('type: meeting\ndate: 2026-03-10\nwith: ["[[Ann]]"]'),
            "Meetings/Coffee.md": fm('type: meeting\ndate: 2026-02-10\nwith: ["[[Ann]]"]'),
        },
    )
    before = snapshot(root)
    result = log(root, "Ann", "thanked")
    assert result.exit_code == 0, result.output
    assert "Meetings/Lunch.md: thanked 2026-03-20" in result.stdout
    assert {p for p, h in snapshot(root).items() if before[p] != h} == {"Meetings/Lunch.md"}


def test_log_thanked_without_a_dated_meeting_says_so(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {"People/Ann.md": ANN, "Meetings/Old chat.md": fm('type: meeting\nwith: ["[[Ann]]"]')},
    )
    result = log(root, "Ann", "thanked")
    assert result.exit_code == 6
    assert "Ann has no past meeting with a date to record thanked on" in result.stderr


# --- never over what the user wrote ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("replied", "see email thread"),
        ("replied", "2026-02-30"),
        ("replied", "no"),
    ],
)
def test_log_never_writes_over_text_in_a_date_field(
    tmp_path: Path, field: str, written: str
) -> None:
    root = write(tmp_path / "v", {"People/Ann.md": fm(f"type: contact\n{field}: {written}")})
    before = snapshot(root)
    result = log(root, "Ann", "reply")
    assert result.exit_code == 5, result.output
    assert result.stderr.startswith("vaultkit: error: People/Ann.md:3: replied holds something")
    assert "nothing was written" in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("written", ["sent a card, by post", "no", "2026-02-30"])
def test_done_never_writes_over_text_in_a_date_field(tmp_path: Path, written: str) -> None:
    root = write(
        tmp_path / "v",
        {
            "People/Bob.md": fm("type: contact\noutreach: [2026-03-01]\nreplied: 2026-03-02"),
            "Meetings/Lunch.md": fm(
                f'type: meeting\ndate: 2026-03-10\nwith: ["[[Bob]]"]\nthanked: {written}'
            ),
        },
    )
    wanted = action_id(root, "thank", "Bob")
    before = snapshot(root)
    result = done(root, wanted)
    assert result.exit_code == 5, result.output
    assert "Meetings/Lunch.md:5: thanked holds something that is not a date" in result.stderr
    assert snapshot(root) == before


def test_the_same_day_with_a_time_is_already_recorded(tmp_path: Path) -> None:
    text = fm("type: contact\nreplied: 2026-03-18T16:45  # phoned back")
    root = write(tmp_path / "v", {"People/Ann.md": text})
    result = log(root, "Ann", "reply", "--date", "2026-03-18")
    assert result.exit_code == 0, result.output
    assert "already recorded" in result.stdout
    assert (root / "People/Ann.md").read_text() == text


@pytest.mark.parametrize("day", ["1800-01-01", "9999-12-31"])
def test_a_day_no_note_can_hold_is_refused_before_writing(tmp_path: Path, day: str) -> None:
    root = write(
        tmp_path / "v",
        {"People/Ann.md": fm("type: contact\noutreach: [2026-03-01]  # first try")},
    )
    before = snapshot(root)
    for result in (
        log(root, "Ann", "outreach", "--date", day),
        done(root, action_id(root, "follow_up", "Ann"), "--date", day),
    ):
        assert result.exit_code == 2, result.output
        assert f"{day}' is outside the years 1900–2199" in result.stderr
    assert snapshot(root) == before


def test_a_quoted_field_alias_is_appended_to_not_shadowed(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {
            "vaultkit.toml": '[fields]\ncontacted = "outreach"\n',
            "People/Ann.md": fm('type: contact\n"contacted": [2026-03-01, 2026-03-10]'),
        },
    )
    result = log(root, "Ann", "outreach")
    assert result.exit_code == 0, result.output
    text = (root / "People/Ann.md").read_text()
    assert '"contacted": [2026-03-01, 2026-03-10, 2026-03-20]' in text
    assert "outreach" not in text


# --- files an atomic rename would wrong -----------------------------------------------


def test_a_read_only_note_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "v", {"People/Ann.md": ANN})
    (root / "People/Ann.md").chmod(0o444)
    before = snapshot(root)
    result = log(root, "Ann", "outreach")
    assert result.exit_code == 5, result.output
    assert "People/Ann.md: the note is read-only; nothing was written" in result.stderr
    assert snapshot(root) == before


def test_a_hard_linked_note_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "v", {"People/Ann.md": ANN})
    os.link(root / "People/Ann.md", tmp_path / "elsewhere.md")
    result = log(root, "Ann", "outreach")
    assert result.exit_code == 5, result.output
    assert "the note has 2 hard links, which an edit would split" in result.stderr
    assert (tmp_path / "elsewhere.md").read_text() == ANN == (root / "People/Ann.md").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_an_edit_as_root_keeps_the_notes_owner(tmp_path: Path) -> None:
    root = write(tmp_path / "v", {"People/Ann.md": ANN})
    os.chown(root / "People/Ann.md", 1234, 5678)
    assert log(root, "Ann", "outreach").exit_code == 0
    found = (root / "People/Ann.md").stat()
    assert (found.st_uid, found.st_gid) == (1234, 5678)
    assert "2026-03-20" in (root / "People/Ann.md").read_text()


# --- notes written otherwise ----------------------------------------------------------


def test_a_ticked_task_keeps_its_block_id_last(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {"People/Ann.md": fm("type: contact", "- [ ] Send Ann the deck ^deck-1 \n- [ ] Other\n")},
    )
    wanted = action_id(root, "task", "Ann", "Send")
    due = run("due", str(root), "--json", "--today", TODAY)
    # The block id names the line; the action's text is what to do.
    assert "Send Ann the deck" in [a["title"] for a in json.loads(due.stdout)]
    result = done(root, wanted)
    assert result.exit_code == 0, result.output
    lines = (root / "People/Ann.md").read_text().splitlines()
    assert lines[3] == "- [x] Send Ann the deck ✅ 2026-03-20 ^deck-1"
    assert lines[4] == "- [ ] Other"


def test_a_task_on_the_first_line_after_a_bom_is_ticked(tmp_path: Path) -> None:
    root = write(tmp_path / "v", {"People/Ann.md": "\ufeff- [ ] Call Ann\n"})
    wanted = action_id(root, "task", "Ann")
    result = done(root, wanted)
    assert result.exit_code == 0, result.output
    assert (root / "People/Ann.md").read_bytes() == "\ufeff- [x] Call Ann ✅ 2026-03-20\n".encode()


def test_front_matter_closed_with_dots_is_edited(tmp_path: Path) -> None:
    text = "---\ntype: contact\noutreach: [2026-03-01]\n...\nBody\n\n---\n\nMore\n"
    root = write(tmp_path / "v", {"People/Ann.md": text})
    result = log(root, "Ann", "outreach")
    assert result.exit_code == 0, result.output
    expected = text.replace("[2026-03-01]", "[2026-03-01, 2026-03-20]")
    assert (root / "People/Ann.md").read_text() == expected


def test_an_unclosed_quote_is_named_where_it_opens(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {"People/Ann.md": fm('type: contact\nrole: "unclosed\nemail: a@b.c\nsource: friend')},
    )
    result = log(root, "Ann", "outreach")
    checked = run("check", str(root))
    assert result.exit_code == 5, result.output
    assert "People/Ann.md:3:" in result.stderr and "never closed" in result.stderr
    assert "People/Ann.md:3:" in checked.stdout


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"---\ntype: contact\n---\ncaf\xe9\n", "not UTF-8 text"), (b"x" * 3000, "over the")],
)
def test_log_on_a_note_that_cannot_be_read_says_why(
    tmp_path: Path, content: bytes, why: str
) -> None:
    root = write(
        tmp_path / "v",
        {"vaultkit.toml": "[limits]\nmax_file_bytes = 2000\n", "People/Ann.md": content},
    )
    result = log(root, "Ann", "outreach")
    assert result.exit_code == 5, result.output
    assert result.stderr.startswith("vaultkit: error: People/Ann.md")
    assert "nothing can be recorded in it:" in result.stderr and why in result.stderr


def test_done_on_a_missing_note_named_with_a_folder_says_what_to_do(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {
            "People/Bob.md": fm("type: contact\noutreach: [2026-03-01]\nreplied: 2026-03-02"),
            "Meetings/Lunch.md": fm(
                'type: meeting\ndate: 2026-03-10\nwith: ["[[Bob]]"]\n'
                'referrals: ["[[Jo/Ann Smith]]"]'
            ),
        },
    )
    before = snapshot(root)
    result = done(root, action_id(root, "missing_note", "Ann Smith"))
    assert result.exit_code == 2, result.output
    assert "the link [[Jo/Ann Smith]] names a folder: make the note at Jo/Ann Smith.md" in (
        result.stderr
    )
    assert snapshot(root) == before


def test_the_library_refuses_a_day_no_note_can_hold_too(tmp_path: Path) -> None:
    from datetime import date

    from vaultkit import record
    from vaultkit.errors import UsageError

    root = write(tmp_path / "v", {"People/Ann.md": ANN})
    before = snapshot(root)
    with pytest.raises(UsageError, match=r"1800-01-01 is outside the years 1900–2199"):
        record.log(root, "Ann", "outreach", date(2026, 3, 20), date(1800, 1, 1))
    assert snapshot(root) == before


def test_a_missing_note_named_with_a_folder_and_an_alias_is_refused_too(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {
            "People/Bob.md": fm("type: contact\noutreach: [2026-03-01]\nreplied: 2026-03-02"),
            "Meetings/Lunch.md": fm(
                'type: meeting\ndate: 2026-03-10\nwith: ["[[Bob]]"]\n'
                'referrals: ["[[Friends/Carol|Caz]]"]'
            ),
        },
    )
    before = snapshot(root)
    result = done(root, action_id(root, "missing_note", "Carol"))
    assert result.exit_code == 2, result.output
    assert "the link [[Friends/Carol]] names a folder" in result.stderr
    assert snapshot(root) == before


def test_a_field_alias_in_front_matter_closed_with_dots_is_the_field_written(
    tmp_path: Path,
) -> None:
    text = "---\ntype: contact\nheard_back: 2026-03-01\n...\nBody\n"
    root = write(
        tmp_path / "v",
        {"vaultkit.toml": '[fields]\nheard_back = "replied"\n', "People/Dan.md": text},
    )
    result = log(root, "Dan", "reply")
    assert result.exit_code == 0, result.output
    assert (root / "People/Dan.md").read_text() == text.replace("2026-03-01", "2026-03-20")


def test_unreadable_yaml_is_named_at_its_file_line(tmp_path: Path) -> None:
    # Line 6 of the file: the opening fence is line 1.
    text = "---\ntype: contact\nrole: a\nemail: a@b.c\nsource: friend\nlinkedin: [x\n---\n"
    root = write(tmp_path / "v", {"People/Ann.md": text})
    result = log(root, "Ann", "outreach")
    checked = run("check", str(root))
    assert result.exit_code == 5, result.output
    assert result.stderr.startswith("vaultkit: error: People/Ann.md:6: cannot edit field")
    # Said as check says it, lines and all.
    (said,) = [line for line in checked.stdout.splitlines() if line.startswith("People/Ann.md:")]
    assert said.startswith("People/Ann.md:6: error: front-matter is not valid YAML:")
    assert said.split(": error: ", 1)[1] in result.stderr
