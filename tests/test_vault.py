"""Every bad input of issue 2 item 4: a located, readable problem, and the rest still builds."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeVault, note

from vaultkit import build as pipeline
from vaultkit import vault as vault_module
from vaultkit.config import Config
from vaultkit.model import Problem
from vaultkit.vault import conflict_copies, scan

TODAY = date(2026, 3, 1)
INDEX = "CRM/CRM Index.md"
GOOD = {
    "People/Good Person.md": note(
        'type: contact\norg: "[[Acme]]"\nrole: Engineer\noutreach: [2026-01-05]\n',
        "Met at a meetup.\n",
    ),
    "Orgs/Acme.md": note("type: org\n"),
}


ANY_LINE = -1  # where a YAML parser gives up depends on its version


@dataclass(frozen=True)
class Expect:
    """The problem a bad input must give: where, how bad, and what it says."""

    path: str
    line: int | None
    field: str | None
    severity: str
    code: str
    message: str  # a regular expression the message must contain

    def matches(self, p: Problem) -> bool:
        line = p.line if self.line == ANY_LINE and p.line else self.line
        return (
            (p.path, p.line, p.field, p.severity, p.code)
            == (self.path, line, self.field, self.severity, self.code)
        ) and re.search(self.message, p.message) is not None


def build_with(root: Path, *expected: Expect) -> pipeline.BuildResult:
    """Build the vault; check each expected problem, the good note and the index note."""
    result = pipeline.build(root, TODAY)
    assert result.vault is not None  # a first build always reads
    for want in expected:
        found = [p for p in result.problems if want.matches(p)]
        assert found, f"{want} not among:\n" + "\n".join(map(repr, result.problems))
    good = [n for n in result.vault.notes if n.path == "People/Good Person.md"]
    assert good and good[0].kind == "contact" and not good[0].problems
    assert good[0].contact is not None and good[0].contact.role == "Engineer"
    index = (root / INDEX).read_text(encoding="utf-8")
    assert "Good Person" in index and "Engineer" in index
    return result


def vault_with(make_vault: MakeVault, root: Path, files: dict[str, Any]) -> Path:
    return make_vault(root, {**GOOD, **files})


# --- front-matter that cannot be read ----------------------------------------------


BAD_FRONT_MATTER = [
    pytest.param(
        "type: contact\nrole: [unclosed\nemail: a@b.c\n",
        Expect("People/Bad.md", 3, None, "error", "yaml", "front-matter is not valid YAML"),
        id="malformed-yaml",
    ),
    pytest.param(
        "type: contact\n  role: x\n bad: indent\n",
        Expect("People/Bad.md", 3, None, "error", "yaml", "not valid YAML"),
        id="bad-indentation",
    ),
    pytest.param(
        "- type\n- contact\n",
        Expect("People/Bad.md", 2, None, "error", "not-mapping", "mapping of fields.*a list"),
        id="not-mapping-list",
    ),
    pytest.param(
        "just some words\n",
        Expect("People/Bad.md", 2, None, "error", "not-mapping", "but it is a single value"),
        id="not-mapping-scalar",
    ),
    pytest.param(
        "type: contact\nrole: a\nemail: x@y.z\nrole: b\n",
        Expect("People/Bad.md", 5, None, "error", "duplicate-key", r"'role' is given twice"),
        id="duplicate-key",
    ),
    pytest.param(
        'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
        + "".join(
            f"{k}: &{k} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, k in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        Expect("People/Bad.md", 2, None, "error", "alias-bomb", r"expands to more than"),
        id="billion-laughs",
    ),
    pytest.param(
        "type: contact\nrole: " + "[" * 10_000 + "\n",
        Expect("People/Bad.md", ANY_LINE, None, "error", "nesting", "nested too deeply"),
        id="deep-nesting",
    ),
]


@pytest.mark.parametrize(("front", "expected"), BAD_FRONT_MATTER)
def test_unreadable_front_matter(
    tmp_path: Path, make_vault: MakeVault, front: str, expected: Expect
) -> None:
    root = vault_with(
        make_vault, tmp_path, {"People/Bad.md": note(front, "Body [[Good Person]]\n")}
    )
    result = build_with(root, expected)
    bad = next(n for n in result.vault.notes if n.path == "People/Bad.md")
    # The note is still indexed (by its folder) and its body still read.
    assert bad.kind == "contact"
    assert [link.target for link in bad.links] == ["Good Person"]


@pytest.mark.parametrize(
    "text",
    ["---\ntype: contact\nrole: x\n\nNo end.\n", "---", "---\n", "--- \r\n", "\ufeff---"],
    ids=["fields", "only-dashes", "dashes-newline", "dashes-crlf", "dashes-bom"],
)
def test_unclosed_front_matter(tmp_path: Path, make_vault: MakeVault, text: str) -> None:
    root = vault_with(make_vault, tmp_path, {"People/Open.md": text})
    build_with(root, Expect("People/Open.md", 1, None, "error", "unclosed", "no closing ---"))


# --- schema fields with the wrong value --------------------------------------------


@pytest.mark.parametrize(
    ("field", "written", "kept"),
    [("role", "no", "no"), ("email", "yes", "yes"), ("source", "off", "off")],
)
def test_yaml_1_1_booleans_in_text_fields(
    tmp_path: Path, make_vault: MakeVault, field: str, written: str, kept: str
) -> None:
    front = f"type: contact\nphone: 555\n{field}: {written}\n"
    root = vault_with(make_vault, tmp_path, {"People/Norway.md": note(front)})
    result = build_with(
        root,
        Expect(
            "People/Norway.md",
            4,
            field,
            "warning",
            "yaml-1.1",
            rf"YAML reads `{written}` as (true|false); write {field}: \"{written}\"",
        ),
    )
    person = next(n for n in result.vault.notes if n.path == "People/Norway.md")
    assert getattr(person.contact, field) == kept  # the text as written is kept


CONTACT_DATES = ["replied", "snooze_until"]
MEETING_DATES = ["date", "confirmed", "thanked", "reported_back"]


@pytest.mark.parametrize(
    ("path", "front", "field", "line"),
    [
        *[
            ("People/Dated.md", f"type: contact\nrole: x\n{f}: 2026-02-30\n", f, 4)
            for f in CONTACT_DATES
        ],
        *[
            ("Meetings/Dated.md", f"type: meeting\nmode: video\n{f}: 2026-02-30\n", f, 4)
            for f in MEETING_DATES
        ],
        ("People/Dated.md", "type: contact\noutreach: [2026-01-05, 2026-02-30]\n", "outreach", 3),
        (
            "People/Dated.md",
            "type: contact\noutreach:\n  - 2026-01-05\n  - 2026-02-30\n",
            "outreach",
            3,
        ),
        ("Meetings/Dated.md", "type: meeting\ndate: 2026-02-30T10:00\n", "date", 3),
        ("Meetings/Dated.md", "type: meeting\ndate: 2026-01-10T25:00\n", "date", 3),
    ],
)
def test_impossible_dates(
    tmp_path: Path, make_vault: MakeVault, path: str, front: str, field: str, line: int
) -> None:
    root = vault_with(make_vault, tmp_path, {path: note(front)})
    result = build_with(
        root, Expect(path, line, field, "error", "bad-date", rf"^{field}: .* is not a real date")
    )
    dated = next(n for n in result.vault.notes if n.path == path)
    if field == "outreach":  # the good date of the list is kept
        assert dated.contact is not None and dated.contact.outreach == (date(2026, 1, 5),)


def test_a_date_that_is_not_a_date(tmp_path: Path, make_vault: MakeVault) -> None:
    root = vault_with(
        make_vault, tmp_path, {"People/Soon.md": note("type: contact\nreplied: soon\n")}
    )
    build_with(
        root,
        Expect("People/Soon.md", 3, "replied", "error", "bad-date", "'soon' is not a date"),
    )


@pytest.mark.parametrize(
    ("path", "front", "expected"),
    [
        (
            "People/Typed.md",
            'type: contact\ncadence: "often"\n',
            Expect("People/Typed.md", 3, "cadence", "error", "bad-type", "whole number, not often"),
        ),
        (
            "People/Typed.md",
            "type: contact\ncadence: -5\n",
            Expect("People/Typed.md", 3, "cadence", "error", "bad-type", "whole number, not -5"),
        ),
        (
            "Meetings/Typed.md",
            "type: meeting\ndate: 2026-01-10\nwith: {a: 1}\n",
            Expect("Meetings/Typed.md", 4, "with", "error", "bad-type", "link.*not a mapping"),
        ),
        (
            "Meetings/Typed.md",
            "type: meeting\ndate: 2026-01-10\nduration: 1.5\n",
            Expect(
                "Meetings/Typed.md", 4, "duration", "error", "bad-type", "whole number, not 1.5"
            ),
        ),
        (
            "Meetings/Typed.md",
            "type: meeting\ndate: 2026-01-10\nreference: maybe\n",
            Expect(
                "Meetings/Typed.md", 4, "reference", "error", "bad-type", "true or false, not maybe"
            ),
        ),
        (
            "People/Typed.md",
            "type: contact\nrole: [a, b]\n",
            Expect("People/Typed.md", 3, "role", "error", "bad-type", "text, not a list"),
        ),
        (
            "People/Typed.md",
            "type: contact\ntags: [ok, {a: 1}]\n",
            Expect("People/Typed.md", 3, "tags", "error", "bad-type", "each item should be text"),
        ),
        (
            "People/Typed.md",
            "type: contact\nstatus: asleep\n",
            Expect(
                "People/Typed.md", 3, "status", "warning", "bad-value", "'asleep' is not one of"
            ),
        ),
    ],
)
def test_wrong_field_types(
    tmp_path: Path, make_vault: MakeVault, path: str, front: str, expected: Expect
) -> None:
    root = vault_with(make_vault, tmp_path, {path: note(front)})
    build_with(root, expected)


def test_unknown_type(tmp_path: Path, make_vault: MakeVault) -> None:
    root = vault_with(make_vault, tmp_path, {"People/Robot.md": note("type: robot\n")})
    result = build_with(
        root,
        Expect("People/Robot.md", 2, "type", "warning", "unknown-type", "'robot' is not contact"),
    )
    robot = next(n for n in result.vault.notes if n.path == "People/Robot.md")
    assert robot.kind == "note"  # type: wins over the folder, and stays a plain note


# --- files that cannot be read ------------------------------------------------------


def test_non_utf8_file(tmp_path: Path, make_vault: MakeVault) -> None:
    data = b"---\ntype: contact\nrole: caf\xe9\n---\nbody\n"  # Latin-1
    root = vault_with(make_vault, tmp_path, {"People/Latin.md": data})
    result = build_with(
        root, Expect("People/Latin.md", 3, None, "error", "encoding", "not UTF-8.*save the file")
    )
    assert any(n.path == "People/Latin.md" for n in result.vault.notes)


def _root_can_read_anything(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        probe.read_bytes()
    except PermissionError:
        return False
    finally:
        probe.chmod(0o600)
    return True


def test_unreadable_file_chmod(tmp_path: Path, make_vault: MakeVault) -> None:
    if _root_can_read_anything(tmp_path):
        pytest.skip("running with privileges that read a chmod 000 file")
    root = vault_with(make_vault, tmp_path / "v", {"People/Locked.md": note("type: contact\n")})
    (root / "People/Locked.md").chmod(0)
    try:
        build_with(
            root, Expect("People/Locked.md", None, None, "error", "unreadable", "cannot read")
        )
    finally:
        (root / "People/Locked.md").chmod(0o600)


def test_unreadable_file(
    tmp_path: Path, make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file open() refuses whoever runs the test (root too): a socket named like a note.
    root = vault_with(make_vault, tmp_path, {})
    monkeypatch.chdir(root)  # a short path: socket names are limited to ~100 bytes
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("People/Locked.md")
        build_with(
            root, Expect("People/Locked.md", None, None, "error", "unreadable", "^cannot read: ")
        )


def test_file_over_the_size_cap(tmp_path: Path, make_vault: MakeVault) -> None:
    big = note("type: contact\n", "x" * 5000)
    root = vault_with(
        make_vault,
        tmp_path,
        {"vaultkit.toml": "[limits]\nmax_file_bytes = 4000\n", "People/Huge.md": big},
    )
    result = build_with(
        root,
        Expect("People/Huge.md", None, None, "error", "too-large", r"over the 4,000-byte limit"),
    )
    assert (
        "limits.max_file_bytes" in next(p for p in result.problems if p.code == "too-large").message
    )


# --- problems between notes ---------------------------------------------------------


def test_duplicate_note_names(tmp_path: Path, make_vault: MakeVault) -> None:
    root = vault_with(
        make_vault,
        tmp_path,
        {"People/Sam.md": note("type: contact\n"), "Archive/Sam.md": note(None, "old\n")},
    )
    result = build_with(
        root,
        Expect(
            "People/Sam.md", None, None, "warning", "duplicate-name", r"'Sam' \(Archive/Sam.md\)"
        ),
        Expect(
            "Archive/Sam.md", None, None, "warning", "duplicate-name", r"'Sam' \(People/Sam.md\)"
        ),
    )
    assert {n.path for n in result.vault.notes} >= {"People/Sam.md", "Archive/Sam.md"}


def test_dangling_links(tmp_path: Path, make_vault: MakeVault) -> None:
    front = 'type: contact\nreferred_by: "[[Nobody Here]]"\n'
    body = "Intro.\n\nAsk [[Ghost]] and [[Good Person]].\nAgain [[Ghost]].\n"
    root = vault_with(make_vault, tmp_path, {"People/Linker.md": note(front, body)})
    result = build_with(
        root,
        Expect(
            "People/Linker.md",
            3,
            "referred_by",
            "warning",
            "dangling-link",
            r"referred_by: \[\[Nobody Here\]\] points to no note",
        ),
        Expect("People/Linker.md", 7, None, "warning", "dangling-link", r"^\[\[Ghost\]\] points"),
    )
    ghosts = [p for p in result.problems if "Ghost" in p.message]
    assert len(ghosts) == 1  # one report per missing target, at its first mention


# --- sync-tool conflict copies ------------------------------------------------------


@pytest.mark.parametrize(
    "copy",
    [
        "People/Jane Doe.sync-conflict-20260101-123456-ABCDEFG.md",  # Syncthing
        "People/Jane Doe (Jane's conflicted copy 2026-01-01).md",  # Dropbox
        "People/Jane Doe (conflicted copy 2026-01-01 123456).md",  # Dropbox, older
        "People/Jane Doe (Conflicted copy Jane's MacBook 202601011234).md",  # Obsidian Sync
        "People/Jane Doe 2.md",  # iCloud
        "People/Jane Doe (1).md",  # Google Drive
        "People/Jane Doe (Conflict 2026-01-01 12-34).md",
    ],
)
def test_conflict_copies(tmp_path: Path, make_vault: MakeVault, copy: str) -> None:
    jane = note("type: contact\nrole: Designer\n")
    root = vault_with(make_vault, tmp_path, {"People/Jane Doe.md": jane, copy: jane})
    result = build_with(
        root,
        Expect(
            copy, None, None, "warning", "conflict-copy", r"conflict copy of People/Jane Doe\.md"
        ),
    )
    paths = [n.path for n in result.vault.notes]
    assert "People/Jane Doe.md" in paths and copy not in paths
    people = [n for n in result.vault.notes if n.kind == "contact"]
    assert sorted(n.name for n in people) == ["Good Person", "Jane Doe"]  # not counted twice
    assert not any(p.code == "duplicate-name" for p in result.problems)


@pytest.mark.parametrize(
    "path",
    [
        "Meetings/Meeting 2.md",  # no Meetings/Meeting.md
        "Meetings/Sprint 2.md",
        "Orgs/Room 101.md",
        "People/Sam.sync-conflicted.md",
        "Workshop (Conflict resolution).md",  # no Workshop.md: a name, not a copy
        "Meeting 2026.md",  # beside Meeting.md: a year, not an iCloud copy
    ],
)
def test_numbered_names_without_an_original_are_notes(
    tmp_path: Path, make_vault: MakeVault, path: str
) -> None:
    extra = {"Meeting.md": note(None, "a root note, not in Meetings/\n")}
    root = vault_with(make_vault, tmp_path, {path: note(None, "text\n"), **extra})
    result = build_with(root)
    assert path in [n.path for n in result.vault.notes]
    assert not any(p.code == "conflict-copy" for p in result.problems)


def test_conflict_copies_unit() -> None:
    stats = [
        vault_module.FileStat(p, 0, 1)
        for p in ["A.md", "A 2.md", "B 2.md", "x/C.md", "x/C (1).md", "x/C 2.md", "D.md"]
    ]
    assert conflict_copies(stats) == {
        "A 2.md": "A.md",
        "x/C (1).md": "x/C.md",
        "x/C 2.md": "x/C.md",
    }


# --- encodings and line endings that are fine --------------------------------------


def test_bom_and_crlf_notes_parse_normally(tmp_path: Path, make_vault: MakeVault) -> None:
    text = note(
        'type: contact\norg: "[[Acme]]"\nrole: Analyst\nreplied: 2026-02-30\n',
        "Line one.\nSee [[Nobody]].\n- [ ] call back 📅 2026-03-05\n",
    )
    crlf = text.replace("\n", "\r\n")
    root = vault_with(
        make_vault,
        tmp_path,
        {
            "People/Bom.md": "\ufeff" + text,
            "People/Crlf.md": crlf,
            "People/Both.md": b"\xef\xbb\xbf" + crlf.encode(),
        },
    )
    expected = []
    for name in ("Bom", "Crlf", "Both"):
        path = f"People/{name}.md"
        expected += [
            Expect(path, 5, "replied", "error", "bad-date", "not a real date"),
            Expect(path, 8, None, "warning", "dangling-link", r"\[\[Nobody\]\]"),
        ]
    result = build_with(root, *expected)
    for name in ("Bom", "Crlf", "Both"):
        parsed = next(n for n in result.vault.notes if n.name == name)
        assert parsed.kind == "contact" and parsed.contact is not None
        assert parsed.contact.role == "Analyst"
        assert [(t.text, t.line, t.due) for t in parsed.tasks] == [
            ("call back", 9, date(2026, 3, 5))
        ]
        assert {p.code for p in parsed.problems} == {"bad-date"}
        assert "type" not in parsed.extra and "\ufefftype" not in parsed.extra


# --- what is read, and what is not -------------------------------------------------


def test_scan_skips_hidden_tool_and_generated_folders(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    trap = note("type: contact\nrole: trap\n")
    root = make_vault(
        tmp_path,
        {
            **GOOD,
            ".obsidian/plugins/x.md": trap,
            ".git/Note.md": trap,
            ".trash/Deleted.md": trap,
            ".vaultkit/Cached.md": trap,
            "CRM/CRM Index.md": trap,
            "CRM/Due Actions.md": trap,
            "CRM/Kept.md": note(None, "a user's note beside the generated ones\n"),
            "Deep/er/and/deeper/Note.md": note(None, "deep\n"),
            "People/readme.txt": "not a note",
            "People/Upper.MD": note("type: contact\n"),
        },
    )
    paths = [s.path for s in scan(root, Config())]
    assert paths == sorted(paths)
    assert set(paths) == {
        "People/Good Person.md",
        "Orgs/Acme.md",
        "CRM/Kept.md",
        "Deep/er/and/deeper/Note.md",
        "People/Upper.MD",
    }


def test_custom_cache_folder_is_not_read(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            **GOOD,
            "vaultkit.toml": '[cache]\nfolder = "Tool Cache"\n',
            "Tool Cache/Stale.md": note("type: contact\n"),
        },
    )
    result = build_with(root)
    assert not any(n.path.startswith("Tool Cache/") for n in result.vault.notes)


def test_ignored_folders_are_not_read(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            **GOOD,
            "vaultkit.toml": 'ignore = ["Templates", "Archive/Old"]\n',
            "Templates/Contact.md": note("type: contact\nreplied: {{date}}\n"),
            "Archive/Old/Gone.md": note("type: contact\n"),
            "Archive/Kept.md": note("type: contact\n"),
        },
    )
    result = build_with(root)
    paths = {n.path for n in result.vault.notes}
    assert "Archive/Kept.md" in paths
    assert not paths & {"Templates/Contact.md", "Archive/Old/Gone.md"}


def test_many_bad_notes_at_once_still_build(tmp_path: Path, make_vault: MakeVault) -> None:
    files: dict[str, Any] = {
        f"People/Bad {i}.md": note(front)
        for i, front in enumerate(p.values[0] for p in BAD_FRONT_MATTER)
    }
    files["People/Bytes.md"] = b"\xff\xfe\x00garbage"
    files["People/Empty.md"] = ""
    files["People/Only dashes.md"] = "---\n"
    root = vault_with(make_vault, tmp_path, files)
    result = build_with(root)
    assert result.errors >= len(BAD_FRONT_MATTER)
    assert len(result.vault.notes) == len(GOOD) + len(files)


def test_parallel_read_gives_the_same_notes(
    tmp_path: Path, make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.cpu_count() == 1:
        pytest.skip("one core: always read serially")
    files = {
        f"People/P{i}.md": note(f"type: contact\nrole: r{i}\nreplied: 2026-02-3{i % 2}\n")
        for i in range(40)
    }
    root = vault_with(make_vault, tmp_path, files)
    serial = vault_module.read_notes(root, scan(root, Config()), Config())
    monkeypatch.setattr(vault_module, "PARALLEL_THRESHOLD", 1)
    parallel = vault_module.read_notes(root, scan(root, Config()), Config())
    assert parallel == serial
