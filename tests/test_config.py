"""vaultkit.toml: `cache.folder` stays inside the vault, and an error names its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MakeVault, note

from vaultkit.cli import cli
from vaultkit.config import Config, line_of, load_config, parse_config
from vaultkit.errors import ConfigError
from vaultkit.parse import parse_text

OUTSIDE = "must stay inside the vault (a relative path without `..`)"


@pytest.mark.parametrize(
    ("toml", "line", "message"),
    [
        ('[cache]\nfolder = "../cache"\n', 2, f"{OUTSIDE}, not '../cache'"),
        ('[cache]\nfolder = "/var/tmp/cache"\n', 2, f"{OUTSIDE}, not '/var/tmp/cache'"),
        ('[cache]\nfolder = "a/../../b"\n', 2, f"{OUTSIDE}, not 'a/../../b'"),
        ('[cache]\nfolder = "..\\\\cache"\n', 2, f"{OUTSIDE}, not '..\\\\cache'"),
        ('[cache]\nfolder = "C:/cache"\n', 2, f"{OUTSIDE}, not 'C:/cache'"),
        ('[cache]\nfolder = ""\n', 2, "must name a folder inside the vault, not ''"),
        ('[cache]\nfolder = "./"\n', 2, "must name a folder inside the vault, not './'"),
        ("[cache]\nfolder = 3\n", 2, "must be text, not 3"),
        # Found wherever TOML lets it be written.
        ('# mine\n[limits]\nmax_file_bytes = 9\n\n[ cache ]  # hm\n  "folder" = "/c"\n', 6, "/c"),
        ('ignore = []\ncache.folder = "/c"\n', 2, "/c"),
        ('\ncache = { folder = "/c" }\n', 2, "/c"),
    ],
)
def test_a_cache_folder_outside_the_vault_is_refused_with_its_line(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    (tmp_path / "vaultkit.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert (info.value.path, info.value.line) == ("vaultkit.toml", line)
    assert str(info.value).startswith(f"vaultkit.toml:{line}: cache.folder ")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("folder", "kept"),
    [(".vaultkit", ".vaultkit"), ("Tool Cache", "Tool Cache"), ("tools/.cache", "tools/.cache"),
     ("./.cache", ".cache"), ("Tools/", "Tools")],
)  # fmt: skip
def test_a_cache_folder_inside_the_vault_is_kept(tmp_path: Path, folder: str, kept: str) -> None:
    (tmp_path / "vaultkit.toml").write_text(f'[cache]\nfolder = "{folder}"\n', encoding="utf-8")
    assert load_config(tmp_path).cache_folder == kept


def test_an_output_path_outside_the_vault_names_its_line_too(tmp_path: Path) -> None:
    (tmp_path / "vaultkit.toml").write_text('[output]\nindex = "X"\nfolder = "../out"\n')
    with pytest.raises(ConfigError, match=r"^vaultkit\.toml:3: output\.folder must stay inside"):
        load_config(tmp_path)


def test_line_of_is_none_when_the_setting_is_not_written_as_expected() -> None:
    assert line_of(None, "cache", "folder") is None
    assert line_of("[output]\nfolder = 'x'\n", "cache", "folder") is None
    assert line_of("[cache]\nfolders = 'x'\n", "cache", "folder") is None
    assert line_of("[[cache]]\nfolder = 'x'\n", "cache", "folder") is None
    assert line_of("[cache]\r\nfolder = 'x'\r\n", "cache", "folder") == 2


def test_build_refuses_a_cache_folder_outside_the_vault_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(
        tmp_path / "vault",
        {
            "People/Ann.md": note("type: contact\n"),
            "vaultkit.toml": '[output]\nfolder = "CRM"\n\n[cache]\nfolder = "../cache"\n',
        },
    )
    for command in ("build", "check", "due"):
        result = CliRunner().invoke(cli, [command, str(root)])
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr == (
            "vaultkit: error: vaultkit.toml:5: cache.folder must stay inside the vault "
            "(a relative path without `..`), not '../cache'\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault"]  # no ../cache
    assert not (root / "CRM").exists()


@pytest.mark.parametrize(
    ("setting", "value"),
    [("folder", ".obsidian"), ("folder", "CRM/.hidden"), ("folder", ".git"), ("index", ".Index")],
)
def test_a_hidden_output_path_is_refused_by_every_command(
    tmp_path: Path, make_vault: MakeVault, setting: str, value: str
) -> None:
    root = make_vault(
        tmp_path / "vault",
        {
            "People/Ann.md": note("type: contact\n"),
            "vaultkit.toml": f'[output]\n{setting} = "{value}"\n',
        },
    )
    for command in ("build", "check"):
        result = CliRunner().invoke(cli, [command, str(root)])
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"vaultkit: error: vaultkit.toml:2: output.{setting} must not be hidden (a name "
            f"starting with `.`), not '{value}': Obsidian shows no hidden file or folder\n"
        )
    assert not (root / value).exists()


@pytest.mark.parametrize("folder", [".", "./", "./CRM", "CRM/."])
def test_an_output_folder_with_dots_is_the_folder_they_name(
    tmp_path: Path, make_vault: MakeVault, folder: str
) -> None:
    root = make_vault(
        tmp_path / "vault",
        {
            "People/Ann.md": note("type: contact\n"),
            "vaultkit.toml": f'[output]\nfolder = "{folder}"\n',
        },
    )
    where = "" if folder in (".", "./") else "CRM/"
    assert load_config(root).output.path("X") == f"{where}X.md"
    first = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert first.exit_code == 0, first.output
    assert (root / f"{where}CRM Index.md").is_file()
    again = CliRunner().invoke(cli, ["index", str(root), "--json"])
    assert again.exit_code == 0
    assert "CRM Index" not in again.stdout  # a generated note is never read as one of yours


@pytest.mark.parametrize(("setting", "value"), [("index", ""), ("due", " "), ("graph", "./")])
def test_an_output_note_without_a_name_is_refused(
    tmp_path: Path, make_vault: MakeVault, setting: str, value: str
) -> None:
    root = make_vault(
        tmp_path / "vault",
        {
            "People/Ann.md": note("type: contact\n"),
            "vaultkit.toml": f'[output]\n{setting} = "{value}"\n',
        },
    )
    result = CliRunner().invoke(cli, ["build", str(root)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"vaultkit: error: vaultkit.toml:2: output.{setting} must name a note, not {value!r}\n"
    )
    assert not (root / "CRM").exists()


def _refused(root: Path, toml: str) -> ConfigError:
    (root / "vaultkit.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert info.value.exit_code == 2
    return info.value


# --- [folders] ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ('"../outside"', f"folders.\"../outside\" {OUTSIDE}, not '../outside'"),
        ('"a/../../b"', f"folders.\"a/../../b\" {OUTSIDE}, not 'a/../../b'"),
        ('"C:/x"', f"folders.\"C:/x\" {OUTSIDE}, not 'C:/x'"),
        ('"x\\u0000y"', 'folders."x\\u0000y" must not hold a NUL character'),
        ('"x\\ny"', "folders.\"x\\ny\" must not hold a control character, not 'x\\ny'"),
        (
            '".hidden"',
            'folders.".hidden" must not be hidden (a name starting with `.`), '
            "not '.hidden': vaultkit reads no hidden folder",
        ),
        (
            '"People/.old"',
            'folders."People/.old" must not be hidden (a name starting with '
            "`.`), not 'People/.old': vaultkit reads no hidden folder",
        ),
        ('""', "folders.\"\" must name a folder, not ''"),
        ('"./"', "folders.\"./\" must name a folder, not './'"),
    ],
)
def test_a_folders_key_that_is_not_a_folder_of_the_vault_is_refused_with_its_line(
    tmp_path: Path, key: str, message: str
) -> None:
    error = _refused(tmp_path, f'ignore = []\n[folders]\n{key} = "contact"\n')
    assert str(error) == f"vaultkit.toml:3: {message}"


def test_folders_keys_are_the_folders_they_name() -> None:
    config = parse_config(
        {"folders": {"./People/": "meeting", "/Leads//Cold": "contact", "Ref\\Old": "note"}}
    )
    assert config.folders == {"People": "meeting", "Meetings": "meeting", "Orgs": "org",
                              "Leads/Cold": "contact", "Ref/Old": "note"}  # fmt: skip
    # A key naming a default folder in another case replaces it: one folder, your kind.
    config = parse_config({"folders": {"people": "meeting"}})
    assert config.folders == {"Meetings": "meeting", "Orgs": "org", "people": "meeting"}
    assert parse_text("People/Ann.md", "---\nx: 1\n---\n", config).kind == "meeting"


@pytest.mark.parametrize("second", ['people = "org"', '"./People" = "org"', '"People/" = "org"'])
def test_two_folders_keys_for_one_folder_are_refused(tmp_path: Path, second: str) -> None:
    error = _refused(tmp_path, f'[folders]\nPeople = "contact"\n{second}\n')
    assert error.line == 3
    assert error.message.endswith(
        "names the folder 'People' again (folders differing only in case or by `./` are one)"
    )


def test_a_kind_of_note_a_folder_cannot_hold_names_its_line(tmp_path: Path) -> None:
    error = _refused(tmp_path, '[folders]\n\nPeople = "person"\n')
    assert str(error) == "vaultkit.toml:3: folders.People must be contact, meeting, org or note"


def test_new_refuses_a_folder_outside_the_vault_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(tmp_path / "V", {"vaultkit.toml": '[folders]\n"../outside" = "contact"\n'})
    result = CliRunner().invoke(cli, ["new", "contact", "Zed Outside", "--vault", str(root)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        'vaultkit: error: vaultkit.toml:2: folders."../outside" must stay inside the vault '
        "(a relative path without `..`), not '../outside'\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["V"]
    assert sorted(p.name for p in root.iterdir()) == ["vaultkit.toml"]


def test_build_refuses_a_folder_with_a_nul_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = '[folders]\n"x\\u0000y" = "contact"\n'
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        'vaultkit: error: vaultkit.toml:2: folders."x\\u0000y" must not hold a NUL character\n'
    )
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]


# --- [fields] -----------------------------------------------------------------------

OWN = "is one of vaultkit's own fields: another name for it would hide it"
NOT_SCHEMA = "must name a field of vaultkit's schema (docs/schema.md)"


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ('type = "org"', 3, f"fields.type {OWN}"),
        ('org = "role"\nrole = "org"', 3, f"fields.org {OWN}"),
        ('org = "org"', 3, f"fields.org {OWN}"),
        ('generated_by = "org"', 3, f"fields.generated_by {OWN}"),
        ('company = "orgg"', 3, f"fields.company {NOT_SCHEMA}, not 'orgg' (did you mean 'org'?)"),
        ('company = ""', 3, f"fields.company {NOT_SCHEMA}, not ''"),
        ('mine = "generated_by"', 3, f"fields.mine {NOT_SCHEMA}, not 'generated_by'"),
        ('"" = "org"', 3, "fields.\"\" must name a field of your notes, not ''"),
        ('" " = "org"', 3, "fields.\" \" must name a field of your notes, not ' '"),
        ("company = 1", 3, "fields.company must be text, not 1"),
        ('company = "org"\n\nfirm = ["org"]', 5, "fields.firm must be text, not ['org']"),
    ],
)
def test_a_field_alias_that_would_hide_or_miss_a_field_is_refused_with_its_line(
    tmp_path: Path, table: str, line: int, message: str
) -> None:
    error = _refused(tmp_path, f"ignore = []\n[fields]\n{table}\n")
    assert str(error) == f"vaultkit.toml:{line}: {message}"


def test_several_names_for_one_field_are_read_the_first_in_alphabetical_order() -> None:
    config = parse_config({"fields": {"employer": "org", "company": "org", "title": "role"}})
    assert list(config.field_aliases.items()) == [
        ("company", "org"), ("employer", "org"), ("title", "role")
    ]  # fmt: skip
    both = parse_text("People/Ann.md", "---\nemployer: B\ncompany: A\n---\n", config)
    assert both.contact is not None and both.contact.org is not None
    assert both.contact.org.target == "A"
    assert both.extra == {"employer": "B"}
    one = parse_text("People/Bo.md", "---\nemployer: B\ntitle: Chef\n---\n", config)
    assert one.contact is not None and one.contact.org is not None
    assert (one.contact.org.target, one.contact.role, one.extra) == ("B", "Chef", {})


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("contact", "org role email phone linkedin source referred_by seniority outreach "
         "replied cadence status snooze_until"),
        ("meeting", "date with mode duration status confirmed questions referrals thanked "
         "reported_back reference"),
        ("org", "target website industry"),
    ],
)  # fmt: skip
def test_the_schema_fields_an_alias_may_name_are_the_ones_the_parser_reads(
    kind: str, names: str
) -> None:
    from vaultkit.config import SCHEMA_FIELDS

    every = {"type", "aliases", "tags", *names.split()}
    assert every <= SCHEMA_FIELDS
    front = "".join(f"{name}: x\n" for name in sorted(every - {"type"}))
    parsed = parse_text("Ann.md", f"---\ntype: {kind}\n{front}---\n", parse_config({}))
    assert parsed.extra == {}


def test_the_schema_fields_are_the_three_kinds_fields() -> None:
    from dataclasses import fields

    from vaultkit.config import SCHEMA_FIELDS
    from vaultkit.model import Contact, Meeting, Org

    # Every field of the records (`with_` is `with:`), but `start`, which a meeting's
    # `date:` gives; and the two every note has. A field added to a record fails here
    # until an alias may name it.
    records = {f.name.rstrip("_") for r in (Contact, Meeting, Org) for f in fields(r)}
    assert records - {"start"} | {"type", "aliases"} == SCHEMA_FIELDS


def test_build_refuses_an_alias_hiding_a_field_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = '[fields]\ncompany = "org"\ntype = "org"\n'
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    for command in (["build", "--today", "2026-11-25"], ["check"]):
        result = CliRunner().invoke(cli, [*command, str(root)])
        assert result.exit_code == 2, result.output
        assert result.stderr == f"vaultkit: error: vaultkit.toml:3: fields.type {OWN}\n"
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]


# --- unknown settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "line", "message"),
    [
        ("[limits]\nmax_file_byte = 10\n", 2, "limits.max_file_byte; known: max_file_bytes"),
        ("[graph]\nmax_nodes = 5\nmaxnodes = 5\n", 3, "graph.maxnodes; known: max_nodes"),
        ('[cache]\nfolders = "c"\n', 2, "cache.folders; known: folder"),
        ('[output]\nindx = "I"\n', 2, "output.indx; known: due, folder, graph, index"),
        ("[rules]\nhorizon_dayz = 3\n", 2, "rules.horizon_dayz; known: confirm_days_before, "
         "disabled, follow_up_after_days, horizon_days, keep_in_touch_days, max_attempts, "
         "prepare_days_before, referral_days_after, report_back_days_after, thank_days_after"),
        ("ignore = []\nlimits.size = 1\n", 2, "limits.size; known: max_file_bytes"),
        ('\ncache = { folder = "c", size = 1 }\n', 2, "cache.size; known: folder"),
        ("[graph]\n[graph.extra]\nx = 1\n", 2, "graph.extra; known: max_nodes"),
    ],
)  # fmt: skip
def test_an_unknown_setting_in_any_table_is_refused_with_its_line(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    assert str(_refused(tmp_path, toml)) == f"vaultkit.toml:{line}: unknown setting {message}"


def test_build_refuses_an_unknown_limit_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = "[limits]\nmax_file_byte = 10\n"
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "vaultkit: error: vaultkit.toml:2: unknown setting limits.max_file_byte; "
        "known: max_file_bytes\n"
    )
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]


# --- [output] names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ('index = "CRM Index\\n"', 2, "output.index must not hold a control character, "
         "not 'CRM Index\\n'"),
        ('due = "Due\\u001b[31m"', 2, "output.due must not hold a control character, "
         "not 'Due\\x1b[31m'"),
        ('graph = "G\\u0085"', 2, "output.graph must not hold a control character, "
         "not 'G\\x85'"),
        ('folder = "C\\tRM"', 2, "output.folder must not hold a control character, "
         "not 'C\\tRM'"),
        (f'index = "{"a" * 253}"', 2, "output.index must be a file name of at most 255 bytes "
         "with `.md`, not one of 256"),
        (f'graph = "{"é" * 127}"', 2, "output.graph must be a file name of at most 255 bytes "
         "with `.md`, not one of 257"),
        (f'folder = "CRM/{"b" * 256}"', 2, "output.folder must be folder names of at most "
         "255 bytes each, not one of 256"),
        ('index = "X"\ndue = "x"', 3, "output.due must differ from output.index, also in "
         "case (a file system that ignores case takes them for one file), not 'x'"),
        ('graph = "./Due Actions"', 2, "output.graph must differ from output.due, also in "
         "case (a file system that ignores case takes them for one file), not './Due Actions'"),
    ],
)  # fmt: skip
def test_an_output_name_no_file_system_takes_is_refused_with_its_line(
    tmp_path: Path, table: str, line: int, message: str
) -> None:
    assert str(_refused(tmp_path, f"[output]\n{table}\n")) == f"vaultkit.toml:{line}: {message}"


def load_config_text(root: Path, toml: str) -> Config:
    (root / "vaultkit.toml").write_text(toml, encoding="utf-8")
    return load_config(root)


def test_output_names_are_the_notes_they_name(tmp_path: Path) -> None:
    config = load_config_text(tmp_path, '[output]\nindex = "./Index"\ndue = "Lists//Due"\n')
    assert config.output.paths() == ("CRM/Index.md", "CRM/Lists/Due.md", "CRM/Referral Graph.md")
    # The most a name may be: 255 bytes with `.md` (126 two-byte letters and `.md`).
    assert load_config_text(tmp_path, f'[output]\nindex = "{"a" * 252}"\n').output.index
    assert load_config_text(tmp_path, f'[output]\ngraph = "{"é" * 126}"\n').output.graph
    folder = load_config_text(tmp_path, f'[output]\nfolder = "{"f" * 255}/CRM"\n').output.folder
    assert folder == f"{'f' * 255}/CRM"


def test_build_refuses_a_long_output_name_before_writing_any_note(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = f'[output]\ndue = "Due"\nindex = "{"i" * 300}"\n'
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "vaultkit: error: vaultkit.toml:3: output.index must be a file name of at most "
        "255 bytes with `.md`, not one of 303\n"
    )
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]


# --- [cache] folder -------------------------------------------------------------------

NOTES = "must not be a folder of notes"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[cache]\nfolder = "./People"\n', f"{NOTES} ('People'): name a folder of its own"),
        ('[cache]\nfolder = "people/"\n', f"{NOTES} ('People'): name a folder of its own"),
        ('[cache]\nfolder = "Orgs//."\n', f"{NOTES} ('Orgs'): name a folder of its own"),
        ('[cache]\nfolder = "./crm"\n', f"{NOTES} ('CRM'): name a folder of its own"),
        ('[cache]\nfolder = "Work"\n[folders]\n"Work/Leads" = "contact"\n',
         "must not hold a folder of notes ('Work/Leads'): name a folder of its own"),
        ('[cache]\nfolder = "Cache\\r"\n', "must not hold a control character, not 'Cache\\r'"),
    ],
)  # fmt: skip
def test_a_cache_folder_that_is_a_folder_of_notes_however_written_is_refused(
    tmp_path: Path, toml: str, message: str
) -> None:
    assert str(_refused(tmp_path, toml)) == f"vaultkit.toml:2: cache.folder {message}"


def test_a_cache_folder_is_the_folder_it_names() -> None:
    assert parse_config({"cache": {"folder": "./tools//cache/"}}).cache_folder == "tools/cache"


def test_build_refuses_the_cache_in_a_folder_of_notes_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = '[cache]\nfolder = "./People"\n'
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"vaultkit: error: vaultkit.toml:2: cache.folder {NOTES} ('People'): "
        "name a folder of its own\n"
    )
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == [
        "People", "People/Ann.md", "vaultkit.toml"
    ]  # fmt: skip


# --- TOML nested past reading -----------------------------------------------------------

DEEP = "not valid TOML: values nested too deeply (lists or tables inside one another)"


@pytest.mark.parametrize(
    "toml",
    ["x = " + "[" * 500 + "]" * 500 + "\n", "x = " + "{a = " * 500 + "}" * 500 + "\n"],
    ids=["lists", "inline tables"],
)
def test_toml_nested_too_deeply_is_a_config_error(tmp_path: Path, toml: str) -> None:
    assert str(_refused(tmp_path, "# deep\n" + toml)) == f"vaultkit.toml: {DEEP}"


def test_build_refuses_toml_nested_too_deeply_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = "[fields]\nx = " + "[" * 5000 + "]" * 5000 + "\n"
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"vaultkit: error: vaultkit.toml: {DEEP}\n"
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]


# --- every message names its line ---------------------------------------------------------

KNOWN = "known: cache, fields, folders, graph, ignore, limits, output, rules"
RULES = (
    "follow_up, no_answer, confirm, prepare, thank, referral, missing_note, report_back, "
    "keep_in_touch, task"
)


@pytest.mark.parametrize(
    ("toml", "line", "message"),
    [
        ("# mine\nx = 1\n", 2, f"unknown setting 'x'; {KNOWN}"),
        ("ignore = []\n\n[colours]\nx = 1\n", 3, f"unknown setting 'colours'; {KNOWN}"),
        ("\nrules = 3\n", 2, "[rules] must be a table, not 3"),
        ("[rules]\nhorizon_days = -1\n", 2,
         "rules.horizon_days must be a whole number of 0 or more, not -1"),
        ("[rules]\n\nmax_attempts = 99999999\n", 3, "rules.max_attempts must be at most 36,500, "
         "not 99,999,999"),
        ('[rules]\ndisabled = ["thank", "thnak"]\n', 2, f"rules.disabled must list rule names "
         f"from: {RULES}; not 'thnak' (did you mean 'thank'?)"),
        ('[rules]\ndisabled = "thank"\n', 2, f"rules.disabled must list rule names from: "
         f"{RULES}; not 'thank' (a list: [\"thank\"])"),
        ("[rules]\ndisabled = [1]\n", 2, f"rules.disabled must list rule names from: {RULES}; "
         "not 1"),
        ('[limits]\nmax_file_bytes = "big"\n', 2,
         "limits.max_file_bytes must be a whole number of 0 or more, not 'big'"),
        ("[limits]\nmax_file_bytes = 0\n", 2, "limits.max_file_bytes must be at least 1,000 "
         "(a note past the limit is not read), not 0"),
        ("[limits]\nmax_file_bytes = 999\n", 2, "limits.max_file_bytes must be at least 1,000 "
         "(a note past the limit is not read), not 999"),
        ("[graph]\nmax_nodes = true\n", 2,
         "graph.max_nodes must be a whole number of 0 or more, not True"),
        ('ignore = "Archive"\n', 1, "ignore must be a list of folder names, not 'Archive'"),
        ('ignore = ["Archive", 3]\n', 1, "ignore must be a list of folder names, not 3"),
        ('ignore = ["../x"]\n', 1, f"ignore {OUTSIDE}, not '../x'"),
        ('ignore = ["C:/Archive"]\n', 1, f"ignore {OUTSIDE}, not 'C:/Archive'"),
        ('ignore = [""]\n', 1, "ignore must name folders, not ''"),
        ('ignore = ["."]\n', 1, "ignore must name folders, not '.'"),
        ('ignore = ["A\\u0000"]\n', 1, "ignore must not hold a NUL character"),
        ('\nignore = [\n  "Archive",\n  "A\\n",\n]\n', 2,
         "ignore must not hold a control character, not 'A\\n'"),
    ],
)  # fmt: skip
def test_each_config_error_names_its_line(
    tmp_path: Path, toml: str, line: int, message: str
) -> None:
    assert str(_refused(tmp_path, toml)) == f"vaultkit.toml:{line}: {message}"


def test_ignore_entries_are_the_folders_they_name(tmp_path: Path, make_vault: MakeVault) -> None:
    config = parse_config({"ignore": ["./People", "/Orgs/", "Meetings\\\\Old", "Archive//"]})
    assert config.ignore == ("People", "Orgs", "Meetings/Old", "Archive")
    root = make_vault(
        tmp_path,
        {
            "People/Ann.md": note("type: contact\n"),
            "Leads/Bo.md": note("type: contact\n"),
            "vaultkit.toml": 'ignore = ["./People"]\n',
        },
    )
    result = CliRunner().invoke(cli, ["index", str(root), "--json"])
    assert result.exit_code == 0, result.output
    assert "Leads/Bo.md" in result.stdout and "People/Ann.md" not in result.stdout


def test_graph_max_nodes_zero_switches_the_map_off() -> None:
    assert parse_config({"graph": {"max_nodes": 0}}).graph_max_nodes == 0
    assert parse_config({"limits": {"max_file_bytes": 1000}}).max_file_bytes == 1000


def test_a_settings_file_that_is_a_link_to_nothing_is_a_config_error(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n")})
    (root / "vaultkit.toml").symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert str(info.value) == "vaultkit.toml: cannot read: a link to nothing"
    result = CliRunner().invoke(cli, ["build", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "vaultkit: error: vaultkit.toml: cannot read: a link to nothing\n"
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]


def test_build_names_the_line_of_a_wrong_rule_and_writes_nothing(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    toml = '[rules]\nhorizon_days = 10\ndisabled = ["thnak"]\n'
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n"), "vaultkit.toml": toml})
    for command in (["build", "--today", "2026-11-25"], ["check"], ["due"]):
        result = CliRunner().invoke(cli, [*command, str(root)])
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"vaultkit: error: vaultkit.toml:3: rules.disabled must list rule names from: "
            f"{RULES}; not 'thnak' (did you mean 'thank'?)\n"
        )
    assert sorted(p.name for p in root.iterdir()) == ["People", "vaultkit.toml"]
