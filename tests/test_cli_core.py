"""`vaultkit build`, `check` and `index` through click, as a user or a script runs them."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import MakeVault, note
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import build as pipeline
from vaultkit.cli import cli

TODAY = "2026-03-01"
LINE = re.compile(
    r"^(?P<path>[^:\n]+\.md)(?::(?P<line>\d+))?: (?P<sev>error|warning): (?P<msg>.+)$"
)

GOOD = {
    "People/Ann.md": note('type: contact\norg: "[[Acme]]"\nrole: CTO\n'),
    "Orgs/Acme.md": note("type: org\n"),
    "Meetings/Call.md": note('type: meeting\ndate: 2026-01-10\nwith: ["[[Ann]]"]\n'),
}
WARNING_ONLY = {"People/Warn.md": note("type: contact\nrole: no\n", "See [[Nobody]].\n")}
WITH_ERROR = {"People/Bad.md": note("type: contact\nreplied: 2026-02-30\n")}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def assert_one_clean_line(result: Result, code: int, pattern: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert re.search(pattern, lines[0]), lines[0]


# --- build ---------------------------------------------------------------------


def test_build_prints_a_summary_and_writes(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WITH_ERROR})
    result = run("build", str(root), "--today", TODAY)
    assert result.exit_code == 0  # problems do not fail a build
    out = result.stdout
    assert re.search(
        r"^4 notes: 2 people, 1 meeting, 1 organisation; .*1 problem \(1 error\)$", out, re.M
    )
    assert "wrote CRM/CRM Index.md" in out
    assert (root / "CRM/CRM Index.md").is_file()
    again = run("build", str(root), "--today", TODAY)
    assert again.exit_code == 0
    assert "wrote" not in again.stdout
    assert re.search(r"^unchanged: .*CRM/CRM Index\.md", again.stdout, re.M)


def test_build_quiet_prints_nothing(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WITH_ERROR})
    for flag in ("--quiet", "-q"):
        result = run("build", str(root), "--today", TODAY, flag)
        assert (result.exit_code, result.output) == (0, "")
    assert (root / "CRM/CRM Index.md").is_file()


def test_build_today_must_be_a_date(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, GOOD)
    result = run("build", str(root), "--today", "2026-02-30")
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--today" in result.output
    assert "'2026-02-30' is not a real date" in result.output
    result = run("build", str(root), "--today", "yesterday")
    assert "'yesterday' is not a date in the form YYYY-MM-DD" in result.output
    result = run("log", "Ann", "outreach", "--vault", str(root), "--date", "2026-13-01")
    assert (result.exit_code, "'2026-13-01' is not a real date" in result.output) == (2, True)


# --- check ---------------------------------------------------------------------


def test_check_lists_problems_and_fails_on_errors(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WARNING_ONLY, **WITH_ERROR})
    result = run("check", str(root))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["path"], m["line"], m["sev"]) for m in parsed if m] == [
        ("People/Bad.md", "3", "error"),
        ("People/Warn.md", "3", "warning"),
        ("People/Warn.md", "5", "warning"),
    ]
    assert lines[0] == "People/Bad.md:3: error: replied: 2026-02-30 is not a real date"
    assert result.stderr.strip() == "3 problems (1 error)"


def test_check_gives_one_line_per_problem(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            "People/A.md": note("type: contact\nk: !!python/object:os.system x\n"),
            "People/B.md": note("type: contact\nk: x\x01\n"),
            "People/C.md": note("type: contact\nrole: [unclosed\n"),
            "People/D.md": note('type: contact\nrole: "bad \\q escape"\n'),
        },
    )
    result = run("check", str(root))
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert all(LINE.match(line) for line in lines), lines
    assert not any("<unicode string>" in line for line in lines)
    assert [line.split(":")[1] for line in lines] == ["3", "2", "3", "3"]  # C: where [ opens


def test_check_passes_with_only_warnings(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WARNING_ONLY})
    result = run("check", str(root))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert all(": warning: " in line for line in result.stdout.splitlines())


def test_check_clean_vault(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, GOOD)
    result = run("check", str(root))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "0 problems (0 errors)\n")


def test_check_problem_without_a_line(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, "People/Ann 2.md": GOOD["People/Ann.md"]})
    result = run("check", str(root))
    assert result.exit_code == 0
    assert result.stdout.startswith("People/Ann 2.md: warning: looks like a sync conflict copy")


def test_check_json(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WARNING_ONLY, **WITH_ERROR})
    result = run("check", str(root), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data[0] == {
        "path": "People/Bad.md",
        "line": 3,
        "field": "replied",
        "severity": "error",
        "code": "bad-date",
        "message": "replied: 2026-02-30 is not a real date",
    }
    assert [p["code"] for p in data] == ["bad-date", "yaml-1.1", "dangling-link"]
    assert result.stderr == ""  # nothing but JSON for a script
    assert run("check", str(make_vault(tmp_path / "ok", GOOD)), "--json").stdout == "[]\n"


# --- index --json ----------------------------------------------------------------


def test_index_json(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WITH_ERROR, "Notes/Plain.md": note(None, "hi\n")})
    result = run("index", str(root), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"notes", "problems"}
    by_path = {n["path"]: n for n in data["notes"]}
    assert sorted(by_path) == [
        "Meetings/Call.md",
        "Notes/Plain.md",
        "Orgs/Acme.md",
        "People/Ann.md",
        "People/Bad.md",
    ]
    ann = by_path["People/Ann.md"]
    assert (ann["name"], ann["kind"], ann["contact"]["role"]) == ("Ann", "contact", "CTO")
    assert ann["contact"]["org"]["target"] == "Acme"
    call = by_path["Meetings/Call.md"]["meeting"]
    assert call["date"] == "2026-01-10" and call["with"][0]["target"] == "Ann"
    assert by_path["Notes/Plain.md"]["kind"] == "note"
    assert [(p["path"], p["code"]) for p in data["problems"]] == [("People/Bad.md", "bad-date")]
    plain = run("index", str(root))
    assert plain.exit_code == 0
    assert "contact  People/Ann.md" in plain.stdout


def test_index_json_is_strict_json(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {"People/A.md": note("type: contact\nscore: .nan\nbig: .inf\n")})

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    data = json.loads(run("index", str(root), "--json").stdout, parse_constant=refuse)
    assert data["notes"][0]["extra"] == {"score": "nan", "big": "inf"}


def test_index_json_is_deterministic(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WITH_ERROR, **WARNING_ONLY})
    assert run("index", str(root), "--json").stdout == run("index", str(root), "--json").stdout


# --- where the vault is ---------------------------------------------------------


def test_vault_from_the_environment(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WITH_ERROR})
    result = run("check", env={"VAULTKIT_VAULT": str(root)})
    assert result.exit_code == 1 and "People/Bad.md:3: error:" in result.stdout
    built = run("build", "--today", TODAY, env={"VAULTKIT_VAULT": str(root)})
    assert built.exit_code == 0 and (root / "CRM/CRM Index.md").is_file()
    # An argument wins over the environment.
    other = make_vault(tmp_path / "other", GOOD)
    assert run("check", str(other), env={"VAULTKIT_VAULT": str(root)}).exit_code == 0


def test_vault_defaults_to_the_current_folder(
    tmp_path: Path, make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path, {**GOOD, **WITH_ERROR})
    monkeypatch.chdir(root)
    monkeypatch.delenv("VAULTKIT_VAULT", raising=False)
    result = run("check")
    assert result.exit_code == 1 and "People/Bad.md:3: error:" in result.stdout


def test_missing_vault_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "no such vault"
    for command in ("build", "check", "index"):
        result = run(command, str(missing))
        assert_one_clean_line(result, 2, r"^vaultkit: error: .*no such vault: no such folder$")
    result = run("check", env={"VAULTKIT_VAULT": str(missing)})
    assert_one_clean_line(result, 2, "no such folder")


def test_a_file_is_not_a_vault(tmp_path: Path) -> None:
    file = tmp_path / "notes.md"
    file.write_text("x")
    result = run("check", str(file))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_bad_config_is_one_clear_line(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, "vaultkit.toml": "[limits]\nmax_file_bytes = -1\n"})
    for command in ("build", "check", "index"):
        result = run(command, str(root))
        assert_one_clean_line(
            result, 2, r"^vaultkit: error: vaultkit\.toml:2: limits\.max_file_bytes must be"
        )
    assert not (root / "CRM").exists()
    broken = make_vault(tmp_path / "b", {**GOOD, "vaultkit.toml": "[output\n"})
    assert_one_clean_line(run("build", str(broken)), 2, r"vaultkit\.toml:1: not valid TOML")


def test_an_internal_error_is_one_line_without_traceback(
    tmp_path: Path, make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path, GOOD)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "read", broken)
    monkeypatch.delenv("VAULTKIT_DEBUG", raising=False)
    result = run("check", str(root))
    assert_one_clean_line(result, 70, r"internal error: RuntimeError: boom .*VAULTKIT_DEBUG")


def test_python_dash_m_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vaultkit", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    for command in ("build", "check", "index"):
        assert re.search(rf"^  {command}\s", result.stdout, re.M)
    assert result.stderr == ""


def test_no_colour_when_piped(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {**GOOD, **WARNING_ONLY, **WITH_ERROR})
    result = subprocess.run(
        [sys.executable, "-m", "vaultkit", "check", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "People/Bad.md:3: error: replied" in result.stdout
    assert "\x1b[" not in result.stdout + result.stderr
    forced = CliRunner().invoke(cli, ["check", str(root)], color=True)
    assert "\x1b[31merror\x1b[0m" in forced.stdout  # the colour a terminal gets


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("vaultkit, version ")


def test_a_process_ends_with_its_commands_exit_code_and_all_its_output(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    """main() ends the process without the interpreter's teardown: the exit code and
    every line of output must still come through, and every note be on disk."""
    root = make_vault(tmp_path, {**GOOD, **WARNING_ONLY, **WITH_ERROR})

    def vaultkit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vaultkit", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    built = vaultkit("build", str(root), "--today", "2026-03-01")
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[-1].startswith("done in ")
    index = root / "CRM" / "CRM Index.md"
    assert index.read_bytes().endswith(b"\n") and b"generated_by: vaultkit" in index.read_bytes()
    checked = vaultkit("check", str(root))
    assert checked.returncode == 1
    assert "People/Bad.md:3: error: replied" in checked.stdout
    assert vaultkit("no-such-command").returncode == 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is a POSIX notion")
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    """`vaultkit due --all | head -1`: the closed pipe ends the command with 141 and no
    traceback or 'internal error' on stderr."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from generate_vault import generate

    generate(tmp_path, 400, seed=3)  # some thousands of actions: more than a pipe holds
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "due", str(tmp_path), "--all", "--today", "2026-11-25"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # the first action, then the reader goes away
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == b""
    proc.stderr.close()


def test_a_broken_pipe_inside_a_command_is_an_internal_error(
    tmp_path: Path, make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a closed output pipe ends a command quietly; any other is reported."""
    root = make_vault(tmp_path, GOOD)

    def broken(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(pipeline, "read", broken)
    monkeypatch.delenv("VAULTKIT_DEBUG", raising=False)
    assert_one_clean_line(run("check", str(root)), 70, r"internal error: BrokenPipeError")


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell closes the descriptor")
def test_a_command_started_with_stderr_or_stdout_closed_still_succeeds(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(tmp_path, GOOD)
    vaultkit = f"{shlex.quote(sys.executable)} -m vaultkit"
    for redirect in ("2>&-", ">&-"):
        done = subprocess.run(
            f"{vaultkit} due {shlex.quote(str(root))} --today 2026-03-01 {redirect}",
            shell=True,
            capture_output=redirect == "2>&-",
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, redirect


_JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


@given(_JSON)
@settings(max_examples=400, deadline=None)
def test_json_is_printed_in_pieces_exactly_as_one_dump(data: object) -> None:
    """print_json writes a list (or iterator) an item at a time: the text must be
    json.dumps', byte for byte, whatever the data."""
    import json

    from vaultkit.cli.base import json_pieces

    whole = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    assert "".join(json_pieces(data)) == whole
    if isinstance(data, dict):
        streamed = {k: iter(v) if isinstance(v, list) else v for k, v in data.items()}
        assert "".join(json_pieces(streamed)) == whole
    if isinstance(data, list):
        assert "".join(json_pieces(iter(data))) == whole
