"""`vaultkit init`, `new`, `done` and `log`, end to end through the command line."""

from __future__ import annotations

import hashlib
import json
import sys
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import fm
from conftest import write_vault as write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.build import read
from vaultkit.cli import cli
from vaultkit.config import Config, OutputConfig, RulesConfig, load_config, parse_config, tomllib
from vaultkit.errors import ConfigError, UsageError
from vaultkit.newfiles import safe_name
from vaultkit.parse import parse_link_text
from vaultkit.rules import action_id, due_actions
from vaultkit.timeline import people
from vaultkit.workflow import config_toml, init_config

TODAY = "2026-03-20"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Give the result of running the vaultkit command line."""
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def snapshot(root: Path) -> dict[str, str]:
    """Give every file under `root` (but the cache) with the SHA-256 of its bytes."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".vaultkit"):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """Give the paths added, removed or changed between two snapshots."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def actions(root: Path, today: str = TODAY) -> dict[tuple[str, str], str]:
    """Give the id of each due action as of `today`, keyed by (rule, subject)."""
    result = run("due", str(root), "--all", "--json", "--today", today)
    assert result.exit_code == 0, result.output
    return {(a["rule"], a["subject"]): a["id"] for a in json.loads(result.stdout)}


# --- init ------------------------------------------------------------------------


def test_init_makes_a_vault_that_builds_clean(tmp_path: Path) -> None:
    root = tmp_path / "crm"
    result = run("init", str(root))
    assert result.exit_code == 0, result.output
    for folder in ("People", "Meetings", "Orgs", "Templates"):
        assert (root / folder).is_dir()
    for rel in ("Templates/contact.md", "Templates/meeting.md", "Templates/org.md"):
        assert (root / rel).is_file()
    assert ".vaultkit/" in (root / ".gitignore").read_text().splitlines()
    assert (root / "Start here.md").read_text().startswith("# Start here")
    # Templates are ignored, so the new vault is one plain note and no problems.
    checked = run("check", str(root), "--json")
    assert checked.exit_code == 0 and json.loads(checked.stdout) == []
    index = json.loads(run("index", str(root), "--json").stdout)
    assert [n["path"] for n in index["notes"]] == ["Start here.md"]


def test_init_config_file_lists_every_option_and_parses_to_the_defaults(tmp_path: Path) -> None:
    run("init", str(tmp_path))
    text = (tmp_path / "vaultkit.toml").read_text()
    assert parse_config(tomllib.loads(text)) == init_config()
    assert init_config() == replace(Config(), ignore=("Templates",))
    lines = {line.split(" = ")[0] for line in text.splitlines() if " = " in line}
    for cls in (RulesConfig, OutputConfig):
        for name in cls.__dataclass_fields__:
            assert name in lines, name
    assert {"ignore", "max_file_bytes", "max_nodes", "People", "Meetings", "Orgs"} <= lines


def test_init_config_file_loads_and_says_the_cache_folder_stays_inside_the_vault(
    tmp_path: Path,
) -> None:
    assert run("init", str(tmp_path)).exit_code == 0
    assert load_config(tmp_path) == init_config()
    path = tmp_path / "vaultkit.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index('folder = ".vaultkit"', lines.index("[cache]"))
    comment = []
    for line in reversed(lines[:at]):
        if not line.startswith("#"):
            break
        comment.insert(0, line[1:].strip())
    said = " ".join(comment)
    assert "must stay inside the vault" in said and "vault root" in said
    assert "at the vault root" not in said
    # What the comment refuses, load_config refuses, naming the line.
    for bad in ("/var/cache/vk", "../cache", "a/../b", "", "."):
        edited = [f'folder = "{bad}"' if n == at else line for n, line in enumerate(lines)]
        path.write_text("\n".join(edited) + "\n", encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config(tmp_path)
        assert (info.value.line, info.value.message[:13]) == (at + 1, "cache.folder "), bad


def test_config_toml_round_trips_defaults_and_changed_settings() -> None:
    assert parse_config(tomllib.loads(config_toml(Config()))) == Config()
    changed_config = Config(
        folders={"People": "contact", "Meetings": "meeting", "Orgs": "org", "Contacts": "contact"},
        field_aliases={"company": "org", "first contact": "outreach"},
        rules=RulesConfig(horizon_days=14, max_attempts=5, disabled=frozenset({"prepare", "task"})),
        output=OutputConfig(folder="", index="Everyone", due="Todo", graph="Who led to whom"),
        cache_folder=".cache-x",
        max_file_bytes=12345,
        graph_max_nodes=7,
        ignore=("Archive", "Daily notes"),
    )
    assert parse_config(tomllib.loads(config_toml(changed_config))) == changed_config


def test_init_refuses_when_a_file_exists_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"vaultkit.toml": "# mine\n", "Notes/keep.md": "hello"})
    before = snapshot(tmp_path)
    result = run("init", str(tmp_path))
    assert result.exit_code == 2
    assert "vaultkit.toml" in result.stderr and "nothing was written" in result.stderr
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "People").exists()


def test_init_refuses_a_file_where_a_folder_goes_and_a_file_as_the_vault(tmp_path: Path) -> None:
    write(tmp_path, {"People": "not a folder"})
    before = snapshot(tmp_path)
    assert run("init", str(tmp_path)).exit_code == 2
    assert snapshot(tmp_path) == before
    assert run("init", str(tmp_path / "People")).exit_code == 2


def test_init_reuses_folders_and_extends_an_existing_gitignore(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "*.pdf", "People/Ann.md": fm("type: contact")})
    assert run("init", str(tmp_path)).exit_code == 0
    assert (tmp_path / ".gitignore").read_text().splitlines()[0] == "*.pdf"
    assert ".vaultkit/" in (tmp_path / ".gitignore").read_text().splitlines()
    assert (tmp_path / "People/Ann.md").read_text() == fm("type: contact")
    # A second init refuses (the files are there now), leaving the .gitignore alone.
    before = snapshot(tmp_path)
    assert run("init", str(tmp_path)).exit_code == 2
    assert snapshot(tmp_path) == before


# --- safe names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Jane Doe", "Jane Doe"),
        ("../../etc/passwd", "etc passwd"),
        ("/etc/passwd", "etc passwd"),
        ("C:\\Windows\\win.ini", "C Windows win.ini"),
        ("CON", "CON_"),
        ("nul.txt", "nul_.txt"),
        ("com1", "com1_"),
        ("LPT9 ", "LPT9_"),
        ("Conrad", "Conrad"),
        ("Jane [Janie] Doe #1 ^x | y", "Jane Janie Doe 1 x y"),
        ('a*b?c"d<e>f:g', "a b c d e f g"),
        ("  .hidden.  ", "hidden"),
        ("tab\there\nnew\x00line", "tab here new line"),
        ("Jose\u0301", "José"),
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe


@pytest.mark.parametrize("name", ["", "   ", "..", "/", "[[]]", "\x00\x01"])
def test_safe_name_refuses_a_name_with_nothing_usable(name: str) -> None:
    with pytest.raises(UsageError):
        safe_name(name)


def test_safe_name_keeps_to_255_bytes_without_splitting_a_character() -> None:
    name = safe_name("é" * 300)
    assert len((name + ".md").encode("utf-8")) <= 255
    assert set(name) == {"é"}


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=300))
def test_safe_name_properties(name: str) -> None:
    try:
        safe = safe_name(name)
    except UsageError:
        return
    assert safe == unicodedata.normalize("NFC", safe)
    assert len((safe + ".md").encode("utf-8")) <= 255
    assert not set(safe) & set('[]#^|\\/:*?"<>')
    assert safe == safe.strip(" .") and safe not in (".", "..")
    assert safe.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert safe_name(safe) == safe
    link = parse_link_text(f"[[{safe}]]")
    assert link is not None and link.target == safe.strip()


# --- new -------------------------------------------------------------------------


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """Give an initialised vault with one contact and one organisation."""
    root = tmp_path / "v"
    assert run("init", str(root)).exit_code == 0
    write(
        root,
        {
            "People/Bob Stone.md": fm("type: contact\naliases: [Bobby]\nemail: bob@example.com"),
            "Orgs/Acme Health.md": fm("type: org"),
        },
    )
    return root


def test_new_contact_writes_the_template_with_quoted_links(vault: Path) -> None:
    result = run(
        "new",
        "contact",
        "Jane Doe",
        "--org",
        "acme health",
        "--referred-by",
        "bobby",
        "--vault",
        str(vault),
        "--today",
        TODAY,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(vault / "People/Jane Doe.md")
    text = (vault / "People/Jane Doe.md").read_text()
    assert 'org: "[[Acme Health]]"\n' in text
    assert 'referred_by: "[[Bob Stone]]"\n' in text
    assert "source: referral\n" in text and f"created: {TODAY}\n" in text
    note = next(n for n in read(vault).notes if n.name == "Jane Doe")
    assert note.contact is not None and note.contact.source == "referral"
    assert run("check", str(vault)).exit_code == 0


def test_new_contact_with_an_unknown_org_writes_text_and_warns_of_unknown_people(
    vault: Path,
) -> None:
    result = run(
        "new",
        "contact",
        "Jane Doe",
        "--org",
        "Initech",
        "--referred-by",
        "Zed",
        "--source",
        "cold",
        "--vault",
        str(vault),
    )
    assert result.exit_code == 0
    text = (vault / "People/Jane Doe.md").read_text()
    assert "org: Initech\n" in text and 'referred_by: "[[Zed]]"' in text
    assert "source: cold\n" in text
    assert "no note for 'Zed'" in result.stderr


def test_new_contact_keeps_an_unsafe_name_as_an_alias(vault: Path) -> None:
    result = run("new", "contact", "Ana: the [best]", "--vault", str(vault))
    assert result.exit_code == 0
    text = (vault / "People/Ana the best.md").read_text()
    assert 'aliases: ["Ana: the [best]"]' in text
    assert read(vault).resolve("Ana: the [best]") is not None


@pytest.mark.parametrize("name", ["Bob Stone", "bob stone", "BOBBY", "Acme Health"])
def test_new_contact_refuses_a_name_that_exists(vault: Path, name: str) -> None:
    before = snapshot(vault)
    result = run("new", "contact", name, "--vault", str(vault))
    assert result.exit_code == 2 and "exists already" in result.stderr
    assert snapshot(vault) == before


def test_new_contact_refuses_a_name_a_sync_tool_would_hide(vault: Path) -> None:
    before = snapshot(vault)
    result = run("new", "contact", "Bob Stone 2", "--vault", str(vault))
    assert result.exit_code == 2 and "sync tool" in result.stderr
    assert snapshot(vault) == before


def test_new_uses_the_vaults_template_else_the_packaged_one(vault: Path, tmp_path: Path) -> None:
    write(
        vault,
        {"Templates/contact.md": "---\ntype: contact\nmood: curious  # mine\n---\nHi {{title}}\n"},
    )
    assert run("new", "contact", "Jane", "--vault", str(vault), "--today", TODAY).exit_code == 0
    assert (vault / "People/Jane.md").read_text() == (
        "---\ntype: contact\nmood: curious  # mine\n---\nHi Jane\n"
    )
    bare = write(tmp_path / "bare", {"People/Ann.md": fm("type: contact")})
    assert run("new", "contact", "Jane", "--vault", str(bare), "--today", TODAY).exit_code == 0
    assert "## How we are connected" in (bare / "People/Jane.md").read_text()


def test_new_refuses_a_template_that_cannot_be_filled(vault: Path) -> None:
    write(vault, {"Templates/contact.md": "---\ntype: contact\norg: |\n  block\n---\n"})
    before = snapshot(vault)
    result = run("new", "contact", "Jane", "--org", "Acme Health", "--vault", str(vault))
    assert result.exit_code == 2 and "Templates/contact.md" in result.stderr
    assert snapshot(vault) == before


def test_new_meeting_has_the_question_bank_and_still_asks_to_prepare(vault: Path) -> None:
    result = run(
        "new",
        "meeting",
        "Coffee with Bob",
        "--date",
        "2026-03-30T09:30",
        "--with",
        "bob stone",
        "--with",
        "Carla",
        "--vault",
        str(vault),
    )
    assert result.exit_code == 0, result.output
    path = vault / "Meetings/2026-03-30 Coffee with Bob.md"
    assert result.stdout.strip() == str(path)
    text = path.read_text()
    assert 'with: ["[[Bob Stone]]", "[[Carla]]"]' in text
    assert "date: 2026-03-30T09:30\n" in text
    for theme in (
        "Their path",
        "A day in the role",
        "What matters to do it well",
        "The organisation",
        "Where the field is heading",
        "Getting in",
        "Who else",
    ):
        assert f"### {theme}\n" in text
    assert "no note for 'Carla'" in result.stderr
    due = actions(vault)
    assert ("prepare", "Bob Stone") in due and ("confirm", "Bob Stone") in due


@pytest.mark.parametrize("when", ["2026-02-30", "tomorrow", "2026-03-01T25:00"])
def test_new_meeting_refuses_a_bad_date(vault: Path, when: str) -> None:
    before = snapshot(vault)
    result = run("new", "meeting", "X", "--date", when, "--vault", str(vault))
    assert result.exit_code == 2
    assert snapshot(vault) == before


def test_new_never_overwrites(vault: Path) -> None:
    assert run("new", "org", "Initech", "--vault", str(vault)).exit_code == 0
    (vault / "Orgs/Initech.md").write_text("mine")
    assert run("new", "org", "initech", "--vault", str(vault)).exit_code == 2
    assert (vault / "Orgs/Initech.md").read_text() == "mine"


def test_new_edit_opens_the_editor_on_the_new_note(vault: Path, tmp_path: Path) -> None:
    log = tmp_path / "editor.log"
    editor = tmp_path / "editor.py"
    editor.write_text(f"import sys\nopen({str(log)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    env = {"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""}
    result = run("new", "contact", "Jane", "--vault", str(vault), "--edit", env=env)
    assert result.exit_code == 0, result.output
    assert log.read_text().splitlines() == [str(vault / "People/Jane.md")]


# --- done and log ----------------------------------------------------------------


def rules_vault(root: Path) -> Path:
    """Write a vault with one action of each rule `done` records, as of TODAY."""
    return write(
        root,
        {
            "People/Ann.md": fm("type: contact\noutreach: [2026-03-01]  # first try"),
            "People/Bob.md": fm("type: contact\noutreach:\n  - 2026-03-01\nreplied: 2026-03-02"),
            "People/Cat.md": fm(
                "type: contact\nemail: cat@example.com\r\nreplied: 2026-01-01",
                "- [ ] Send Cat the deck 📅 2026-03-25\r\n- [ ] Send Cat the deck\r\n",
            )
            .replace("\n", "\r\n")
            .replace("\r\r\n", "\r\n"),
            "People/Dee.md": fm('type: contact\nreferred_by: "[[Bob]]"'),
            "People/Eve.md": fm("type: contact\noutreach: [2025-10-01]\nreplied: 2025-10-02"),
            "Meetings/Bob lunch.md": fm(
                'type: meeting\ndate: 2026-03-10\nwith: ["[[Bob]]"]\n'
                'referrals: ["[[Dee]]", "[[Gil Nobody]]"]\n# keep this comment',
                "Notes\n",
            ),
            "Meetings/Eve call.md": fm(
                'type: meeting\ndate: 2025-10-05\nwith: ["[[Eve]]"]\n'
                "thanked: 2025-10-06\nreported_back: 2025-11-01"
            ),
            "Meetings/Bob again.md": fm('type: meeting\ndate: 2026-03-28\nwith: ["[[Bob]]"]'),
        },
    )


@pytest.mark.parametrize(
    ("rule", "subject", "path", "lines"),
    [
        ("follow_up", "Ann", "People/Ann.md", ["outreach: [2026-03-01, 2026-03-19]  # first try"]),
        ("keep_in_touch", "Eve", "People/Eve.md", ["outreach: [2025-10-01, 2026-03-19]"]),
        ("referral", "Dee", "People/Dee.md", ["outreach:", "  - 2026-03-19"]),
        ("thank", "Bob", "Meetings/Bob lunch.md", ["thanked: 2026-03-19"]),
        ("report_back", "Bob", "Meetings/Bob lunch.md", ["reported_back: 2026-03-19"]),
        ("confirm", "Bob", "Meetings/Bob again.md", ["confirmed: 2026-03-19"]),
    ],
)
def test_done_records_the_fact_in_that_note_only(
    tmp_path: Path, rule: str, subject: str, path: str, lines: list[str]
) -> None:
    root = rules_vault(tmp_path)
    wanted = actions(root)[(rule, subject)]
    before = snapshot(root)
    old = (root / path).read_text()
    result = run("done", wanted, "--vault", str(root), "--today", TODAY, "--date", "2026-03-19")
    assert result.exit_code == 0, result.output
    assert path in result.stdout
    assert changed(before, snapshot(root)) == {path}
    new = (root / path).read_text()
    for line in lines:
        assert line in new.splitlines()
    removed = set(old.splitlines()) - set(new.splitlines())
    assert all(r.split(":")[0] in ("outreach", "thanked") for r in removed), removed
    assert (rule, subject) not in actions(root) or rule in ("follow_up", "keep_in_touch")


def test_done_a_follow_up_twice_the_same_day_writes_once(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    wanted = actions(root)[("follow_up", "Ann")]
    args = ("done", wanted, "--vault", str(root), "--today", TODAY)
    assert run(*args).exit_code == 0
    before = snapshot(root)
    result = run(*args)
    assert result.exit_code == 0 and "already recorded" in result.stdout
    assert snapshot(root) == before


def test_done_ticks_only_the_task_line_in_a_crlf_note(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    ids = json.loads(
        run("due", str(root), "--all", "--json", "--today", TODAY, "--rule", "task").stdout
    )
    assert len(ids) == 2
    second = next(a["id"] for a in ids if a["due"] is None)  # the undated twin
    old = (root / "People/Cat.md").read_bytes()
    before = snapshot(root)
    assert run("done", second, "--vault", str(root), "--today", TODAY).exit_code == 0
    assert changed(before, snapshot(root)) == {"People/Cat.md"}
    new = (root / "People/Cat.md").read_bytes()
    old_lines, new_lines = old.split(b"\r\n"), new.split(b"\r\n")
    diff = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert len(diff) == 1
    assert new_lines[diff[0]] == "- [x] Send Cat the deck ✅ 2026-03-20".encode()
    assert old_lines[diff[0] - 1] == new_lines[diff[0] - 1]  # the dated twin stays open


def test_done_missing_note_creates_the_contact_referred_by_the_meetings_person(
    tmp_path: Path,
) -> None:
    root = rules_vault(tmp_path)
    wanted = actions(root)[("missing_note", "Gil Nobody")]
    before = snapshot(root)
    result = run("done", wanted, "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 0 and "created People/Gil Nobody.md" in result.stdout
    assert changed(before, snapshot(root)) == {"People/Gil Nobody.md"}
    text = (root / "People/Gil Nobody.md").read_text()
    assert 'referred_by: "[[Bob]]"' in text and "source: referral" in text
    assert ("referral", "Gil Nobody") in actions(root)


def test_done_refuses_prepare_an_unknown_id_and_an_unsafe_note(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    write(root, {"People/Fay.md": fm("type: contact\noutreach: &sent [2026-03-02]")})
    due = actions(root)
    before = snapshot(root)
    prepare = run("done", due[("prepare", "Bob")], "--vault", str(root), "--today", TODAY)
    assert prepare.exit_code == 2 and "## Questions" in prepare.stderr
    unknown = run("done", "0123456789ab", "--vault", str(root), "--today", TODAY)
    assert unknown.exit_code == 6
    unsafe = run("done", due[("follow_up", "Fay")], "--vault", str(root), "--today", TODAY)
    assert unsafe.exit_code == 5 and "People/Fay.md" in unsafe.stderr
    assert snapshot(root) == before


def test_done_accepts_a_unique_id_prefix(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    wanted = actions(root)[("thank", "Bob")]
    result = run("done", wanted[:6], "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 0 and "thanked" in result.stdout


def test_done_says_an_id_start_is_too_short(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    wanted = actions(root)[("thank", "Bob")]
    result = run("done", wanted[:2], "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 2
    assert "give at least 4 characters of the id" in result.stderr


@pytest.mark.parametrize(
    ("name", "what", "path", "line"),
    [
        ("ann", "outreach", "People/Ann.md", "outreach: [2026-03-01, 2026-03-18]  # first try"),
        ("Cat", "reply", "People/Cat.md", "replied: 2026-03-18"),
        ("Bob", "thanked", "Meetings/Bob lunch.md", "thanked: 2026-03-18"),
        ("Bob", "reported-back", "Meetings/Bob lunch.md", "reported_back: 2026-03-18"),
    ],
)
def test_log_records_in_the_right_note_only(
    tmp_path: Path, name: str, what: str, path: str, line: str
) -> None:
    root = rules_vault(tmp_path)
    before = snapshot(root)
    result = run("log", name, what, "--vault", str(root), "--today", TODAY, "--date", "2026-03-18")
    assert result.exit_code == 0, result.output
    assert changed(before, snapshot(root)) == {path}
    assert line in (root / path).read_text().replace("\r\n", "\n").splitlines()


def test_log_refusals(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    before = snapshot(root)
    args = ("--vault", str(root), "--today", TODAY)
    assert run("log", "Nobody", "outreach", *args).exit_code == 6
    assert run("log", "Bob lunch", "outreach", *args).exit_code == 6  # a meeting, not a person
    assert run("log", "Dee", "thanked", *args).exit_code == 6  # never met
    eve = run("log", "Eve", "thanked", *args)  # thanked on another day already
    assert eve.exit_code == 2 and "already 2025-10-06" in eve.stderr
    older = run("log", "Bob", "reply", *args, "--date", "2026-02-01")
    assert older.exit_code == 2
    assert run("log", "Bob", "wave", *args).exit_code == 2
    assert snapshot(root) == before


def test_done_and_log_use_the_vault_from_the_environment(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    result = run("log", "Ann", "reply", "--today", TODAY, env={"VAULTKIT_VAULT": str(root)})
    assert result.exit_code == 0, result.output
    assert "replied: 2026-03-20" in (root / "People/Ann.md").read_text()


def test_done_ids_match_the_rules_for_tasks(tmp_path: Path) -> None:
    root = rules_vault(tmp_path)
    v = read(root)
    found = {a.id for a in due_actions(v, people(v, date(2026, 3, 20)), date(2026, 3, 20))}
    assert action_id("task", "People/Cat.md", "People/Cat.md", "Send Cat the deck") in found


# --- the round trip: only the recorded field's lines change -------------------------

# Words that YAML reads as text both plain and quoted, in block and flow context.
_WORD = st.from_regex(r"[a-jXYZ](?:[a-j XYZ-]{0,10}[a-jXYZ])?", fullmatch=True)
_DAY = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 3, 1)).map(date.isoformat)


@st.composite
def other_entries(draw: st.DrawFn) -> list[str]:
    """Give front-matter entries (each its lines, LF-ended) other than the edited field."""
    menu = {
        "role": st.sampled_from(
            [
                "role: 'O''Brien & Co'",
                'role: "Dr. \\"J\\" Doe"',
                "role: plain text  # a comment",
                "role: ~",
            ]
        ),
        "tags": st.lists(_WORD, max_size=3).map(
            lambda ws: (
                "tags: [" + ", ".join(f'"{w}"' if i % 2 else w for i, w in enumerate(ws)) + "]"
            )
        ),
        "aliases": st.lists(_WORD, min_size=1, max_size=3).map(
            lambda ws: "aliases:\n" + "".join(f"    - '{w}'\n" for w in ws).rstrip("\n")
        ),
        "comment": st.just("# a comment line: with colon"),
        "x_custom": st.sampled_from(
            [
                "x_custom: {a: 1, b: [2, 3]}",
                "x_custom:\n  nested: yes",
                "x_custom: 'quoted # not a comment'",
            ]
        ),
        "blank": st.just(""),
    }
    keys = draw(st.lists(st.sampled_from(sorted(menu)), unique=True, max_size=len(menu)))
    return [draw(menu[k]) + "\n" for k in keys]


@st.composite
def contact_notes(draw: st.DrawFn) -> tuple[list[str], int | None, str]:
    """Give (front-matter entries, index of the outreach entry or None, body)."""
    entries = ["type: contact\n", *draw(other_entries())]
    days = draw(st.lists(_DAY, max_size=3, unique=True))
    target = draw(st.sampled_from(["absent", "flow", "block", "bare", "scalar", "commented"]))
    entry = {
        "absent": None,
        "flow": "outreach: [" + ", ".join(days) + "]\n",
        "block": "outreach:\n" + "".join(f"  - {d}\n" for d in days),
        "bare": "outreach:\n",
        "scalar": f"outreach: {days[0]}\n" if days else "outreach:\n",
        "commented": "outreach:   # sent so far\n"
        + "".join(f"- '{d}'  # ok\n" for d in days)
        + "  # trailing comment\n",
    }[target]
    index = None
    if entry is not None:
        index = draw(st.integers(min_value=1, max_value=len(entries)))
        entries.insert(index, entry)
    body = draw(st.sampled_from(["", "Body\n", "---\nnot: front-matter\n", "- [ ] a task\n"]))
    return entries, index, body


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(contact_notes(), st.booleans(), st.booleans())
def test_log_outreach_keeps_every_other_byte(
    tmp_path_factory: pytest.TempPathFactory,
    note: tuple[list[str], int | None, str],
    crlf: bool,
    use_done: bool,
) -> None:
    entries, index, body = note
    nl = "\r\n" if crlf else "\n"

    def eol(text: str) -> str:
        return text.replace("\n", nl)

    root = tmp_path_factory.mktemp("prop")
    text = eol("---\n" + "".join(entries) + "---\n" + body)
    write(root, {"People/Pat.md": text, "People/Other.md": eol("---\ntype: contact\n---\n")})
    before = snapshot(root)
    day = "2026-03-15"
    if use_done:
        v = read(root)
        wanted = [
            a.id
            for a in due_actions(v, people(v, date.fromisoformat(TODAY)), date.fromisoformat(TODAY))
            if a.subject == "Pat" and a.rule in ("follow_up", "no_answer")
        ]
        if not wanted:
            return  # nothing to follow up: log covers this note
        result = run("done", wanted[0], "--vault", str(root), "--today", TODAY, "--date", day)
    else:
        result = run("log", "Pat", "outreach", "--vault", str(root), "--date", day)
    assert result.exit_code == 0, result.output
    assert changed(before, snapshot(root)) == {"People/Pat.md"}
    new = (root / "People/Pat.md").read_bytes().decode()
    if index is None:
        head, tail = eol("---\n" + "".join(entries)), eol("---\n" + body)
    else:
        head = eol("---\n" + "".join(entries[:index]))
        tail = eol("".join(entries[index + 1 :]) + "---\n" + body)
    assert new.startswith(head) and new.endswith(tail)
    assert len(new) > len(head) + len(tail) - 1
    middle = new[len(head) : len(new) - len(tail)]
    assert ("\r\n" in middle) == crlf or "\n" not in middle
    parsed = next(n for n in read(root).notes if n.name == "Pat")
    assert parsed.contact is not None and day in [d.isoformat() for d in parsed.contact.outreach]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    other_entries(),
    st.sampled_from(
        [None, "thanked:\n", "thanked: ~\n", "thanked:   # not yet\n", "thanked: null  # x\n"]
    ),
    st.booleans(),
)
def test_done_thank_keeps_every_other_byte(
    tmp_path_factory: pytest.TempPathFactory, others: list[str], field: str | None, crlf: bool
) -> None:
    nl = "\r\n" if crlf else "\n"
    entries = ["type: meeting\n", "date: 2026-03-10\n", 'with: ["[[Pat]]"]\n', *others]
    if field is not None:
        entries.insert(2, field)
    text = ("---\n" + "".join(entries) + "---\n## Notes\n- [ ] x\n").replace("\n", nl)
    root = tmp_path_factory.mktemp("thank")
    write(root, {"Meetings/Call.md": text, "People/Pat.md": "---\ntype: contact\n---\n"})
    before = snapshot(root)
    wanted = action_id("thank", "Meetings/Call.md", "People/Pat.md")
    result = run("done", wanted, "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert changed(before, snapshot(root)) == {"Meetings/Call.md"}
    new = (root / "Meetings/Call.md").read_bytes().decode()
    old_lines, new_lines = text.splitlines(keepends=True), new.splitlines(keepends=True)
    if field is None:
        close = "".join(entries).count("\n") + 1  # the closing fence's index
        assert new_lines == [*old_lines[:close], f"thanked: {TODAY}{nl}", *old_lines[close:]]
    else:
        assert len(new_lines) == len(old_lines)
        diff = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
        assert diff == [3]
        assert new_lines[3].startswith(f"thanked: {TODAY}") and new_lines[3].endswith(nl)


def test_the_pre_commit_hook_runs_check_and_fails_on_errors(tmp_path: Path) -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "vaultkit-check")
    assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    program, command = hook["entry"].split()
    assert program == "vaultkit"
    write(tmp_path, {"People/Ann.md": fm("type: contact\nreplied: 2026-02-30")})
    assert run(command, str(tmp_path)).exit_code == 1
    write(tmp_path, {"People/Ann.md": fm("type: contact\nreplied: 2026-02-28")})
    assert run(command, str(tmp_path)).exit_code == 0


def test_done_on_a_task_is_abandoned_if_the_note_changed_since_it_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaultkit import record

    root = rules_vault(tmp_path)
    wanted = json.loads(
        run("due", str(root), "--all", "--json", "--today", TODAY, "--rule", "task").stdout
    )[0]["id"]
    stale = read(root)
    path = root / "People/Cat.md"
    # Someone adds a line above the task after vaultkit read the vault.
    changed_text = path.read_bytes().replace(b"---\r\n- [ ]", b"---\r\nNew line\r\n- [ ]", 1)
    path.write_bytes(changed_text)
    monkeypatch.setattr(record, "read", lambda root: stale)
    result = run("done", wanted, "--vault", str(root), "--today", TODAY)
    assert result.exit_code == 5 and "no longer where it was" in result.stderr
    assert path.read_bytes() == changed_text
