"""Files that are not what their names say: a FIFO, a folder where a file goes. Each is
a clear message or is read around; nothing hangs and no traceback reaches the user."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from vaultkit.cli import cli
from vaultkit.config import Config
from vaultkit.vault import is_note_path

ROOT = Path(__file__).resolve().parent.parent
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return shutil.copytree(
        ROOT / "sample_vault", tmp_path / "vault", ignore=shutil.ignore_patterns(".vaultkit", "CRM")
    )


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@needs_fifo
def test_a_fifo_named_like_a_note_is_reported_not_read(vault: Path) -> None:
    os.mkfifo(vault / "People" / "Pipe.md")
    result = run("check", str(vault))
    assert result.exit_code == 1
    assert "People/Pipe.md: error: cannot read: not a regular file" in result.output
    built = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert built.exit_code == 0
    assert "Ethan Walsh" in (vault / "CRM" / "CRM Index.md").read_text()


@needs_fifo
@pytest.mark.parametrize(
    "where", ["vaultkit.toml", ".vaultkit/notes.cache", ".vaultkit/last-build.json"]
)
def test_a_fifo_in_place_of_the_settings_or_the_cache_does_not_hang(
    vault: Path, where: str
) -> None:
    (vault / ".vaultkit").mkdir()
    os.mkfifo(vault / where)
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    if where == "vaultkit.toml":
        assert result.exit_code == 2
        assert "vaultkit.toml: cannot read: not a regular file" in result.output
    else:
        assert result.exit_code == 0, result.output


@needs_fifo
def test_a_fifo_in_place_of_the_lock_or_a_generated_note_is_a_clear_refusal(vault: Path) -> None:
    (vault / ".vaultkit").mkdir()
    os.mkfifo(vault / ".vaultkit" / "lock")
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert result.exit_code == 8
    assert "lock: cannot write the lock: not a regular file" in result.output
    os.unlink(vault / ".vaultkit" / "lock")
    (vault / "CRM").mkdir()
    os.mkfifo(vault / "CRM" / "Due Actions.md")
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert result.exit_code == 8
    assert "CRM/Due Actions.md: cannot write: not a regular file" in result.output


def test_a_folder_where_a_generated_note_goes_is_exit_8_in_one_line(vault: Path) -> None:
    (vault / "CRM" / "CRM Index.md").mkdir(parents=True)
    (vault / "CRM" / "CRM Index.md" / "keep").write_text("x")
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert result.exit_code == 8
    assert result.stderr == (
        "vaultkit: error: CRM/CRM Index.md: cannot write: a folder stands there; move it aside\n"
    )


def test_a_file_where_the_cache_folder_goes_is_exit_8_in_one_line(vault: Path) -> None:
    (vault / ".vaultkit").write_text("not a folder")
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert result.exit_code == 8, result.output
    assert result.output.count("\n") == 1
    assert ".vaultkit/lock: cannot write the lock" in result.output


@pytest.mark.parametrize(
    ("rel", "text", "message"),
    [
        (
            "People/Far.md",
            "---\ntype: contact\noutreach: [9999-12-28]\n---\n",
            "People/Far.md:3: error: outreach: 9999-12-28 is outside the years 1900–2199",
        ),
        (
            "Meetings/Old.md",
            '---\ntype: meeting\ndate: 0001-01-01\nstatus: scheduled\nwith: ["[[Far]]"]\n---\n',
            "Meetings/Old.md:3: error: date: 0001-01-01 is outside the years 1900–2199",
        ),
        (
            "People/Often.md",
            "---\ntype: contact\ncadence: 99999999999999999999\n---\n",
            "People/Often.md:3: error: cadence is too large: at most 36,500",
        ),
        (
            "People/Task.md",
            "---\ntype: contact\n---\n- [ ] call 📅 9999-12-31\n",
            "People/Task.md:4: error: task: 📅 9999-12-31 is not a real date",
        ),
    ],
)
def test_dates_and_day_counts_off_the_calendar_are_problems(
    vault: Path, rel: str, text: str, message: str
) -> None:
    (vault / rel).write_text(text, encoding="utf-8")
    checked = run("check", str(vault))
    assert message in checked.output
    for args in (("build", "-q"), ("due", "--all"), ("report",)):
        result = run(args[0], str(vault), "--today", "2026-11-25", *args[1:])
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[rules]\nfollow_up_after_days = 10000000000\n",
            "rules.follow_up_after_days must be at most 36,500",
        ),
        ("[rules]\nhorizon_days = 999999999\n", "rules.horizon_days must be at most 36,500"),
        ('[cache]\nfolder = "a\\u0000"\n', "cache.folder must not hold a NUL character"),
        ('[output]\nindex = "a\\u0000b"\n', "output.index must not hold a NUL character"),
    ],
)
def test_settings_past_sense_are_a_config_error(vault: Path, toml: str, message: str) -> None:
    (vault / "vaultkit.toml").write_text(toml)
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.skipif(sys.platform != "linux", reason="other file systems refuse such names")
def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_still_works(vault: Path) -> None:
    raw = os.fsencode(vault / "People") + b"/\xff.md"
    fd = os.open(raw, os.O_CREAT | os.O_WRONLY)
    os.write(fd, b"---\ntype: contact\noutreach: [2026-11-01]\n---\n")
    os.close(fd)
    checked = run("check", str(vault))
    assert "People/\\xff.md: error: the file name is not valid UTF-8" in checked.output
    for args in (("build", "-q"), ("due", "--all", "--json"), ("report",)):
        result = run(args[0], str(vault), "--today", "2026-11-25", *args[1:])
        assert result.exit_code == 0, result.output
    listed = run("index", str(vault), "--json")
    assert listed.exit_code == 0
    assert "People/\\\\xff.md" in listed.output  # JSON of the printable name
    assert is_note_path("People/" + os.fsdecode(b"\xff.md"), Config()) is False


def test_notes_built_to_make_patterns_backtrack_are_read_in_one_pass() -> None:
    """Inputs that took the old patterns minutes (each unclosed fence or run of blanks
    scanned again from every position); read line by line they take milliseconds."""
    from vaultkit.body import _without_code
    from vaultkit.config import Config
    from vaultkit.parse import parse_text

    config = Config()
    fences = parse_text("a.md", "---\ntype: contact\n---\n" + "```a\n" * 20_000 + "[[X]]\n", config)
    assert fences.body_links == ()  # inside an unclosed fence: code, not a link
    asked = "---\ntype: meeting\ndate: 2026-01-01\n---\n## Questions\n- a" + " " * 100_000 + "b  \n"
    meeting = parse_text("m.md", asked, config).meeting
    assert meeting is not None and meeting.questions == ("a" + " " * 100_000 + "b",)
    role = parse_text("r.md", "---\nrole: a" + " " * 60_000 + "b\n---\n", config)
    assert role.contact is None and role.extra["role"] == "a" + " " * 60_000 + "b"
    # Many closed fences read line by line blank what the pattern blanks.
    block = "text [[A]]\n```\n[[B]]\n```\n"
    many = block * 70
    assert _without_code(many).count("[[B]]") == 0
    assert _without_code(many).count("[[A]]") == 70
    assert _without_code(many).count("\n") == many.count("\n")


def test_a_cache_folder_that_holds_notes_is_refused(vault: Path) -> None:
    (vault / "vaultkit.toml").write_text('[cache]\nfolder = "People"\n')
    result = run("build", str(vault), "--today", "2026-11-25", "-q")
    assert result.exit_code == 2
    assert "vaultkit.toml:2: cache.folder must not be a folder of notes ('People')" in result.output
    assert not (vault / "People" / "lock").exists()


def test_utf16_without_a_byte_order_mark_is_reported(vault: Path) -> None:
    (vault / "People" / "Wide.md").write_bytes("---\ntype: contact\n---\n".encode("utf-16-le"))
    result = run("check", str(vault))
    assert "People/Wide.md: error: holds NUL bytes (UTF-16 without a byte-order mark?)" in (
        result.output
    )


def test_a_line_break_in_a_file_name_keeps_a_problem_on_one_line(vault: Path) -> None:
    (vault / "People" / "Two\nLines.md").write_text("---\ntype: [x\n---\n")
    result = run("check", str(vault))
    assert "People/Two\\nLines.md:2: error: front-matter is not valid YAML" in result.output


@pytest.mark.parametrize(
    "command",
    [["build"], ["report"], ["due"], ["graph", "stats"], ["watch"], ["due", "--ics", "ICS"]],
)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_a_today_no_rule_can_count_from_is_a_usage_error(
    vault: Path, command: list[str], day: str
) -> None:
    # The rules add up to 36,500 days to a date: these ended in OverflowError tracebacks.
    command = [str(vault / "x.ics") if c == "ICS" else c for c in command]
    result = run(*command, str(vault), "--today", day)
    assert result.exit_code == 2, result.output
    assert f"'{day}' is outside the years 1900–2199" in result.output
    assert not (vault / "CRM").exists() and not (vault / "x.ics").exists()


@pytest.mark.parametrize("days", ["36501", "3000000", "99999999999"])
def test_a_horizon_past_a_hundred_years_is_a_usage_error(vault: Path, days: str) -> None:
    result = run("due", str(vault), "--today", "2026-11-25", "--within", days)
    assert result.exit_code == 2, result.output
    assert "is not in the range 0<=x<=36500" in result.output


def test_the_last_years_still_work(vault: Path) -> None:
    for day in ("1900-01-01", "2199-12-31"):
        assert run("build", str(vault), "--today", day, "-q").exit_code == 0
        assert run("due", str(vault), "--today", day, "--within", "36500").exit_code == 0


# --- files named for output (-o, --ics) and a reader that goes away -----------------


def test_an_output_through_a_symlink_writes_the_file_it_points_to(
    vault: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    (tmp_path / "link.csv").symlink_to(real)
    result = run(
        "export", "csv", str(vault), "--today", "2026-11-25", "-o", str(tmp_path / "link.csv")
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link.csv").is_symlink()
    assert real.read_text().startswith("name,")


@needs_fifo
def test_an_output_to_a_fifo_is_streamed_into_it(vault: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = run("due", str(vault), "--today", "2026-11-25", "--ics", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert fifo.is_fifo()
    assert got and got[0].startswith(b"BEGIN:VCALENDAR\r\n")


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("file/x.csv", "cannot write: Not a directory"),
        ("", "cannot write: it is a folder; name a file"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_and_exit_8(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, said: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    monkeypatch.chdir(tmp_path)
    for command in (["export", "csv"], ["report"], ["graph", "export", "--format", "json"]):
        result = run(*command, str(vault), "--today", "2026-11-25", "-o", where)
        assert result.exit_code == 8, result.output
        assert result.stderr.endswith(f": {said}\n"), result.stderr
    ics = run("due", str(vault), "--today", "2026-11-25", "--ics", where)
    assert ics.exit_code == 8 and said in ics.stderr


def test_an_output_in_a_read_only_folder_is_exit_8(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = run("export", "json", str(vault), "--today", "2026-11-25", "-o", str(tmp_path / "x"))
    assert result.exit_code == 8, result.output
    assert result.stderr == f"vaultkit: error: {tmp_path / 'x'}: cannot write: Permission denied\n"


@pytest.mark.parametrize(
    "command",
    [
        ["export", "json"],
        ["report", "--since", "2000-01-01", "--format", "html"],
        ["graph", "export", "--format", "json"],
        ["due", "--all", "--json"],
    ],
)
@pytest.mark.skipif(not hasattr(fcntl, "F_SETPIPE_SZ"), reason="pipe sizes are set on Linux only")
def test_a_reader_that_goes_away_ends_the_command_with_141(
    sample_vault: Path, command: list[str]
) -> None:
    read_end, write_end = os.pipe()
    # A pipe of one page: the output cannot all fit in it before the reader goes away.
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vaultkit",
                *command,
                str(sample_vault),
                "--today",
                "2026-11-25",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(10)
    # The reader has gone, as `| head -c 10` goes.
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 141
    assert err == b""


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (
            "file-for-folder",
            "CRM/CRM Index.md: cannot write: CRM is a file, where a folder should be",
        ),
        ("folder", "CRM/Due Actions.md: cannot write: a folder stands there; move it aside"),
        (
            "fifo",
            "CRM/Due Actions.md: cannot write: not a regular file (a FIFO, a device or a "
            "socket?) stands there",
        ),
    ],
)
def test_what_stands_where_a_generated_note_goes_is_named(
    vault: Path, make: str, said: str
) -> None:
    if make == "file-for-folder":
        (vault / "CRM").write_text("x")
    elif make == "folder":
        (vault / "CRM" / "Due Actions.md").mkdir(parents=True)
    elif not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    else:
        (vault / "CRM").mkdir()
        os.mkfifo(vault / "CRM" / "Due Actions.md")
    result = run("build", str(vault), "--today", "2026-11-25")
    assert result.exit_code == 8, result.output
    assert said in result.stderr


def unreadable(monkeypatch: pytest.MonkeyPatch, folder: str) -> None:
    """Have os.scandir refuse `folder` as it would without the permission to list it (the
    tests run as root, whom no permission stops)."""
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith(os.sep + folder):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_folder_that_cannot_be_listed_is_a_problem_not_a_silence(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable(monkeypatch, "Orgs")
    checked = run("check", str(vault))
    said = "Orgs/: error: cannot read this folder (its permissions?), so none of its notes were"
    said += " read"
    assert said in checked.stdout.splitlines()
    built = run("build", str(vault), "--today", "2026-11-25")
    assert built.exit_code == 0, built.output
    index = (vault / "CRM" / "CRM Index.md").read_text(encoding="utf-8")
    assert "| Orgs/ |  | error | cannot read this folder" in index  # named, not linked
    assert "0 organisations" in built.stdout


@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="no /dev/stdout here")
def test_an_output_to_dev_stdout_on_a_pipe_is_written_to_the_pipe(sample_vault: Path) -> None:
    # /dev/stdout on a pipe leads to /proc/self/fd/1 and on to no file on disk.
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "export", "csv", str(sample_vault), "-o", "/dev/stdout"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"name,aliases,")
    assert done.stderr == b"wrote /dev/stdout\n"
