"""Fixes from a review sweep: imports that made unreadable notes, CSV rows of the wrong
width, `init` and `.gitignore`, unwritable folders, and `new meeting --with` a non-person."""

from __future__ import annotations

import csv
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import write_vault as write

from vaultkit.build import read
from vaultkit.cli import cli
from vaultkit.yamlfm import MAX_FRONT_MATTER_CHARS

TODAY = "2026-03-20"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """Give an initialised vault with one contact and one organisation."""
    root = tmp_path / "v"
    assert run("init", str(root)).exit_code == 0
    return write(
        root,
        {
            "People/Bob Stone.md": "---\ntype: contact\n---\n",
            "Orgs/Acme Health.md": "---\ntype: org\n---\n",
        },
    )


def do_import(root: Path, kind: str, path: Path, *extra: str) -> Result:
    return run("import", kind, str(path), "--vault", str(root), "--today", TODAY, *extra)


def files_of(root: Path) -> list[str]:
    """Give every file and folder under `root`, cache left out, as sorted vault paths."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if ".vaultkit" not in p.relative_to(root).parts
    )


def problems_of(root: Path) -> list[str]:
    """Give the problems vaultkit finds reading the vault (the notes it cannot read)."""
    return [f"{p.path}: {p.message}" for n in read(root).notes for p in n.problems]


# --- A. an import never writes a note vaultkit cannot read --------------------------


def test_a_csv_cell_too_long_for_front_matter_is_a_malformed_row(
    vault: Path, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "name,role\nAnn Lee," + "x" * 100_000 + "\nBo Ray,Engineer\n", encoding="utf-8"
    )
    result = do_import(vault, "csv", people)
    assert result.exit_code == 0, result.output
    assert "1 created, 0 skipped (already known), 1 malformed" in result.stdout
    assert f"{people}: malformed line 2, Ann Lee: " in result.stderr
    assert f"over the {MAX_FRONT_MATTER_CHARS:,}" in result.stderr and "role" in result.stderr
    assert not (vault / "People/Ann Lee.md").exists()
    assert (vault / "People/Bo Ray.md").exists()
    assert problems_of(vault) == []


def test_a_vcard_note_over_the_vaults_file_limit_is_a_malformed_card(
    vault: Path, tmp_path: Path
) -> None:
    cards = tmp_path / "big.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy Dee\r\nNOTE:"
        + "y" * 2_100_000
        + "\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Di Eve\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    result = do_import(vault, "vcard", cards)
    assert result.exit_code == 0, result.output
    assert "1 created, 0 skipped (already known), 1 malformed" in result.stdout
    assert f"{cards}: malformed line 1, Cy Dee: " in result.stderr
    assert "2,000,000-byte limit (limits.max_file_bytes)" in result.stderr
    assert not (vault / "People/Cy Dee.md").exists()
    assert (vault / "People/Di Eve.md").exists()
    assert problems_of(vault) == []


def test_an_import_follows_the_vaults_own_file_limit(vault: Path, tmp_path: Path) -> None:
    toml = vault / "vaultkit.toml"
    toml.write_text(
        toml.read_text().replace("max_file_bytes = 2_000_000", "max_file_bytes = 5_000")
    )
    people = tmp_path / "people.csv"
    people.write_text(
        "name,notes\nAnn Lee," + "n" * 6_000 + "\nBo Ray," + "n" * 3_000 + "\n",
        encoding="utf-8",
    )
    dry = do_import(vault, "csv", people, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    malformed = json.loads(dry.stdout)["malformed"]
    assert [(m["line"], m["name"]) for m in malformed] == [(2, "Ann Lee")]
    assert "5,000-byte limit" in malformed[0]["reason"]
    result = do_import(vault, "csv", people)
    assert "1 created, 0 skipped (already known), 1 malformed" in result.stdout
    assert not (vault / "People/Ann Lee.md").exists()
    assert problems_of(vault) == []


# --- B. CSV rows of the wrong width, cells over csv's field limit ----------------


def test_a_csv_row_with_fewer_fields_than_the_header_is_malformed(
    vault: Path, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "name,role,email\nAnn Lee,Designer\nBo Ray,Engineer,bo@example.org\n"
        "Cy Dee,Analyst,cy@example.org,extra\n",
        encoding="utf-8",
    )
    result = do_import(vault, "csv", people)
    assert result.exit_code == 0, result.output
    assert "1 created, 0 skipped (already known), 2 malformed" in result.stdout
    assert f"{people}: malformed line 2: has 2 fields; the header has 3\n" in result.stderr
    assert f"{people}: malformed line 4: has 4 fields; the header has 3\n" in result.stderr
    assert not (vault / "People/Ann Lee.md").exists()
    assert (vault / "People/Bo Ray.md").exists()


def test_a_csv_cell_over_pythons_field_limit_is_one_malformed_row(
    vault: Path, tmp_path: Path
) -> None:
    limit = csv.field_size_limit()
    people = tmp_path / "people.csv"
    people.write_text(
        "name,role,notes\n"
        f'Ann Lee,"{"x" * 140_000}",\n'
        f'Bo Ray,Engineer,"{"long notes " * 15_000}"\n'
        "Cy Dee,Analyst,\n",
        encoding="utf-8",
    )
    result = do_import(vault, "csv", people)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 skipped (already known), 1 malformed" in result.stdout
    assert f"{people}: malformed line 2, Ann Lee: its front-matter would be" in result.stderr
    # A cell over csv's own limit is read whole: notes that long belong in the body.
    assert ("long notes " * 15_000).strip() in (vault / "People/Bo Ray.md").read_text()
    assert (vault / "People/Cy Dee.md").exists()
    assert csv.field_size_limit() == limit  # the reader's limit is the caller's again
    assert problems_of(vault) == []


# --- C. init and an existing .gitignore ------------------------------------------

BLOCK = "# vaultkit's cache: rebuilt whenever it is missing\n.vaultkit/\n"


def test_init_writes_through_a_gitignore_that_is_a_link(tmp_path: Path) -> None:
    shared = write(tmp_path / "dotfiles", {"gitignore": "*.log\n"}) / "gitignore"
    root = tmp_path / "v"
    root.mkdir()
    (root / ".gitignore").symlink_to(shared)
    result = run("init", str(root))
    assert result.exit_code == 0, result.output
    assert "extended .gitignore" in result.stdout
    assert (root / ".gitignore").is_symlink()
    assert (root / ".gitignore").resolve() == shared.resolve()
    assert shared.read_text() == "*.log\n" + BLOCK


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("*.log\r\n", "*.log\r\n" + BLOCK.replace("\n", "\r\n")),
        ("*.log\r\nbuild/", "*.log\r\nbuild/\r\n" + BLOCK.replace("\n", "\r\n")),
        ("*.log\nbuild/", "*.log\nbuild/\n" + BLOCK),
    ],
    ids=["crlf", "crlf-no-last-line-break", "lf-no-last-line-break"],
)
def test_init_extends_a_gitignore_in_its_own_line_endings(
    tmp_path: Path, old: str, new: str
) -> None:
    root = write(tmp_path / "v", {".gitignore": old})
    assert run("init", str(root)).exit_code == 0
    assert (root / ".gitignore").read_bytes() == new.encode()


@pytest.mark.parametrize(
    "gitignore",
    [pytest.param(b"caf\xe9/\n", id="latin-1"), pytest.param(None, id="a-folder")],
)
def test_init_with_a_gitignore_it_cannot_read_writes_nothing(
    tmp_path: Path, gitignore: bytes | None
) -> None:
    root = tmp_path / "v"
    if gitignore is None:
        (root / ".gitignore").mkdir(parents=True)
    else:
        write(root, {".gitignore": gitignore})
    before = files_of(root)
    result = run("init", str(root))
    assert result.exit_code == 2
    assert "cannot read .gitignore" in result.stderr and ".vaultkit/" in result.stderr
    assert files_of(root) == before
    # Once the .gitignore is put right, init is not refused for files of its own.
    if gitignore is None:
        (root / ".gitignore").rmdir()
    else:
        (root / ".gitignore").unlink()
    assert run("init", str(root)).exit_code == 0


def test_init_with_a_gitignore_link_to_nothing_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    (root / ".gitignore").symlink_to(tmp_path / "missing")
    result = run("init", str(root))
    assert result.exit_code == 2
    assert f"a link to {tmp_path / 'missing'}, which does not exist" in result.stderr
    assert files_of(root) == [".gitignore"] and not (tmp_path / "missing").exists()


# --- D. a folder vaultkit cannot write in: one line, exit 8, nothing half-written --


def denied(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make creating a file in `folder` fail as a chmod 555 folder does for a user (tests
    run as root, whom permissions do not stop)."""
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs["dir"]) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))
        return real(*args, **kwargs)

    monkeypatch.setattr("vaultkit.newfiles.tempfile.mkstemp", mkstemp)


def assert_write_error(result: Result, where: Path) -> None:
    """One line naming `where`, exit 8: no internal error, no traceback."""
    assert result.exit_code == 8, result.output
    assert result.stderr.startswith(f"vaultkit: error: {where}")
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr


def test_new_contact_in_a_folder_it_cannot_write_is_exit_8(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied(monkeypatch, vault / "People")
    before = files_of(vault)
    result = run("new", "contact", "Zed Zed", "--vault", str(vault))
    assert_write_error(result, vault / "People/Zed Zed.md")
    assert "Permission denied" in result.stderr
    assert files_of(vault) == before


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes in a chmod 555 folder",
)
def test_new_contact_in_a_read_only_folder_is_exit_8(vault: Path) -> None:
    (vault / "People").chmod(0o555)
    try:
        result = run("new", "contact", "Zed Zed", "--vault", str(vault))
    finally:
        (vault / "People").chmod(0o755)
    assert_write_error(result, vault / "People/Zed Zed.md")
    assert not (vault / "People/Zed Zed.md").exists()


def test_new_org_where_a_file_stands_for_the_folder_is_exit_8(vault: Path) -> None:
    (vault / "Orgs/Acme Health.md").unlink()
    (vault / "Orgs").rmdir()
    (vault / "Orgs").write_text("not a folder")
    before = files_of(vault)
    result = run("new", "org", "Initech", "--vault", str(vault))
    assert_write_error(result, vault / "Orgs")
    assert "is a file, not a folder" in result.stderr and "Orgs/Initech.md" in result.stderr
    assert files_of(vault) == before


def test_import_into_a_folder_it_cannot_write_writes_no_note(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name\nAnn Lee\nBo Ray\n", encoding="utf-8")
    before = files_of(vault)
    denied(monkeypatch, vault / "People")
    assert_write_error(do_import(vault, "csv", people), vault / "People/")
    monkeypatch.undo()
    (vault / "People/Bob Stone.md").unlink()
    (vault / "People").rmdir()
    (vault / "People").write_text("not a folder")
    assert_write_error(do_import(vault, "csv", people), vault / "People")
    assert files_of(vault) == sorted({*before, "People"} - {"People/Bob Stone.md"})


def test_done_that_creates_a_note_where_it_cannot_is_exit_8(tmp_path: Path) -> None:
    root = write(
        tmp_path / "v",
        {
            "Contacts/Bob.md": "---\ntype: contact\n---\n",
            "Meetings/Bob lunch.md": '---\ntype: meeting\ndate: 2026-03-10\nwith: ["[[Bob]]"]\n'
            'referrals: ["[[Gil Nobody]]"]\n---\n',
            "People": "not a folder",
        },
    )
    due = run("due", str(root), "--all", "--json", "--today", TODAY)
    wanted = [a["id"] for a in json.loads(due.stdout) if a["rule"] == "missing_note"]
    assert len(wanted) == 1, due.output
    before = files_of(root)
    result = run("done", wanted[0], "--vault", str(root), "--today", TODAY)
    assert_write_error(result, root / "People")
    assert files_of(root) == before


def test_init_where_it_cannot_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"file": "a file, not a folder"})
    result = run("init", str(tmp_path / "file/v"))
    assert result.exit_code == 8, result.output
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    # Folders made before a file could not be written are taken away again.
    root = tmp_path / "v"
    denied(monkeypatch, root / "Templates")
    assert_write_error(run("init", str(root)), root / "Templates/")
    assert not root.exists()
    root.mkdir()
    write(root, {"notes.md": "mine"})
    assert_write_error(run("init", str(root)), root / "Templates/")
    assert files_of(root) == ["notes.md"]
    monkeypatch.undo()
    assert run("init", str(root)).exit_code == 0


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes in a chmod 555 folder",
)
def test_init_into_a_read_only_folder_is_exit_8(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    root.chmod(0o555)
    try:
        result = run("init", str(root))
    finally:
        root.chmod(0o755)
    assert result.exit_code == 8 and "internal error" not in result.stderr
    assert files_of(root) == []


# --- E. `new meeting --with` (and --referred-by) naming a note that is not a person --


def test_new_meeting_with_an_organisation_or_a_meeting_warns_and_names_it(vault: Path) -> None:
    write(vault, {"Meetings/Kickoff.md": "---\ntype: meeting\ndate: 2026-03-01\n---\n"})
    result = run(
        "new", "meeting", "Panel", "--date", "2026-03-30", "--vault", str(vault),
        "--with", "acme health", "--with", "Kickoff", "--with", "Bob Stone",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "vaultkit: warning: 'Acme Health' is an organisation (Orgs/Acme Health.md), not a "
        "person: `with:` lists people, and vaultkit would take it for one\n"
        "vaultkit: warning: 'Kickoff' is a meeting (Meetings/Kickoff.md), not a "
        "person: `with:` lists people, and vaultkit would take it for one\n"
    )
    assert result.stdout == f"{vault / 'Meetings/2026-03-30 Panel.md'}\n"
    text = (vault / "Meetings/2026-03-30 Panel.md").read_text()
    assert '"[[Acme Health]]"' in text and '"[[Bob Stone]]"' in text


def test_new_contact_referred_by_an_organisation_warns(vault: Path) -> None:
    result = run("new", "contact", "Cy Dee", "--referred-by", "Acme Health", "--vault", str(vault))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "vaultkit: warning: 'Acme Health' is an organisation (Orgs/Acme Health.md), not a "
        "person: `referred_by:` lists people, and vaultkit would take it for one\n"
    )
    assert (vault / "People/Cy Dee.md").exists()
