"""The index note: escaped, marked as generated, deterministic, written only when it changes."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import MakeVault, note
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import build as pipeline
from vaultkit.config import load_config
from vaultkit.errors import ConfigError, EditRefusedError
from vaultkit.render.markdown import escape

TODAY = date(2026, 3, 1)
INDEX = "CRM/CRM Index.md"

HOSTILE = [
    "a | b",
    "[[Injected]]",
    "<script>alert(1)</script>",
    "line one\nline two",
    "back\\slash\\",
    "`code` **bold** _it_ ~~s~~ ==hl== $x$ #tag ^block",
    "&lt;already&gt; & more",
    "<img src=x onerror=alert(1)>",
]

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def tables(text: str) -> list[list[list[str]]]:
    """Give each Markdown table of a note as rows of cells (split on unescaped bars)."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith("|"):
            current.append([c.strip() for c in _CELL_SPLIT.split(line)[1:-1]])
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def assert_safe(text: str) -> None:
    """No raw HTML, no table a user string can break."""
    assert "<" not in text.replace("&lt;", "")
    assert ">" not in "\n".join(
        line
        for line in text.split("\n")
        if not line.startswith(">")  # the callout
    )
    for table in tables(text):
        widths = {len(row) for row in table}
        assert len(widths) == 1, table
        assert set(table[1]) == {"---"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_escape(hostile: str) -> None:
    out = escape(hostile)
    assert "\n" not in out
    assert "<" not in out and ">" not in out
    assert not _CELL_SPLIT.search(out)  # every bar is escaped
    assert "[[" not in out and "]]" not in out
    assert not re.search(r"(?<!\\)(?:\\\\)*\\$", out)  # no lone trailing backslash


def test_hostile_strings_cannot_break_the_index(tmp_path: Path, make_vault: MakeVault) -> None:
    files = {}
    for i, text in enumerate(HOSTILE):
        quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        files[f"People/P{i}.md"] = note(
            f'type: contact\nrole: "{quoted}"\norg: "{quoted}"\nsource: "{quoted}"\n'
        )
        files[f"Orgs/O{i}.md"] = note(f'type: org\nindustry: "{quoted}"\n')
        files[f"Meetings/M{i}.md"] = note(
            f'type: meeting\ndate: 2026-01-0{i + 1}\nwith: ["[[P{i}]]", "{quoted}"]\n'
            f'mode: "{quoted}"\nstatus: "{quoted}"\n'
        )
    files["People/<img src=x onerror=alert(1)>.md"] = note("type: contact\n")
    files["People/Pipe | Name.md"] = note("type: contact\n")
    files["Meetings/<b>bold<b> & co.md"] = note("type: meeting\ndate: 2026-02-01\n")
    root = make_vault(tmp_path, files)
    pipeline.build(root, TODAY)
    text = (root / INDEX).read_text(encoding="utf-8")
    assert_safe(text)
    assert "[[Injected]]" not in text
    assert "\\[\\[Injected\\]\\]" in text
    assert "line one line two" in text
    assert "back\\\\slash\\\\" in text
    people = tables(text)[0]
    assert len(people) == 2 + len(HOSTILE) + 2


def test_index_sections(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            "People/Ann.md": note(
                'type: contact\norg: "[[Acme]]"\nrole: CTO\noutreach: [2026-01-02]\n'
            ),
            "People/Bob.md": note("type: contact\norg: Initech\nrole: Dev\n"),
            "Orgs/Acme.md": note("type: org\ntarget: true\nindustry: Health\n"),
            "Meetings/Call.md": note('type: meeting\ndate: 2026-01-10\nwith: ["[[Ann]]"]\n'),
            "Meetings/Later.md": note('type: meeting\ndate: 2026-04-10T09:30\nwith: ["[[Bob]]"]\n'),
            "Broken.md": note("type: contact\nreplied: 2026-02-30\n"),
        },
    )
    pipeline.build(root, TODAY)
    text = (root / INDEX).read_text(encoding="utf-8")
    people, meetings, orgs, problems = tables(text)
    assert [r[0] for r in people[2:]] == [
        "[[People/Ann\\|Ann]]",
        "[[People/Bob\\|Bob]]",
        "[[Broken]]",
    ]
    assert people[2][1:5] == ["[[Orgs/Acme\\|Acme]]", "CTO", "met", "2026-01-10"]
    assert people[3][1:4] == ["Initech", "Dev", "scheduled"]
    assert [r[0] for r in meetings[2:]] == ["2026-04-10 09:30", "2026-01-10"]  # newest first
    assert [r[4] for r in meetings[2:]] == ["scheduled", "done"]
    assert orgs[2][:2] == ["[[Orgs/Acme\\|Acme]]", "yes"]
    assert orgs[2][3] == "[[People/Ann\\|Ann]]"
    assert orgs[3][0] == "Initech (no note)" and orgs[3][3] == "[[People/Bob\\|Bob]]"
    assert problems[2][:3] == ["[[Broken]]", "3", "error"]
    assert "replied: 2026-02-30 is not a real date" in problems[2][3]


def test_plain_names_with_a_slash_are_shown_whole(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            "People/Ann.md": note("type: contact\norg: R/GA\n"),
            "People/Bob.md": note("type: contact\norg: '[[Agencies/R/GA|R/GA]]'\n"),
            "Meetings/M.md": note("type: meeting\ndate: 2026-01-05\nwith: [Ann, AC/DC Fan]\n"),
        },
    )
    pipeline.build(root, TODAY)
    people, meetings, orgs, _ = tables((root / INDEX).read_text(encoding="utf-8"))
    assert [r[1] for r in people[2:]] == ["R/GA", "R/GA"]
    assert meetings[2][2] == "[[People/Ann\\|Ann]], AC/DC Fan"
    assert [r[0] for r in orgs[2:]] == ["R/GA (no note)"]
    assert orgs[2][3] == "[[People/Ann\\|Ann]], [[People/Bob\\|Bob]]"


def test_generated_marker_and_notice(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n")})
    pipeline.build(root, TODAY)
    data = (root / INDEX).read_bytes()
    assert data.startswith(b"---\ngenerated_by: vaultkit\n")
    assert b"\r" not in data and data.endswith(b"\n") and not data.endswith(b"\n\n")
    assert b"Generated by vaultkit" in data


def test_byte_identical_for_the_same_vault_and_date(tmp_path: Path, make_vault: MakeVault) -> None:
    files = {
        f"People/P{i}.md": note(f"type: contact\nrole: r{i}\norg: '[[O{i % 3}]]'\n")
        for i in range(12)
    }
    files.update({f"Orgs/O{i}.md": note("type: org\n") for i in range(3)})
    files.update(
        {
            f"Meetings/M{i}.md": note(f"type: meeting\ndate: 2026-01-1{i}\nwith: ['[[P{i}]]']\n")
            for i in range(6)
        }
    )
    first = make_vault(tmp_path / "a", files)
    # The same files written in the reverse order: the directory order differs.
    second = make_vault(tmp_path / "b", dict(reversed(list(files.items()))))
    pipeline.build(first, TODAY)
    pipeline.build(second, TODAY)
    assert (first / INDEX).read_bytes() == (second / INDEX).read_bytes()
    again = pipeline.render_outputs(pipeline.read(first), TODAY).notes[INDEX]
    assert again == (first / INDEX).read_bytes()
    other_day = pipeline.render_outputs(pipeline.read(first), date(2026, 1, 12)).notes[INDEX]
    assert other_day != again  # the date matters: stages and statuses move


def test_second_build_writes_nothing(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n")})
    first = pipeline.build(root, TODAY)
    assert INDEX in first.written
    outputs = sorted(first.written)
    before = {rel: (root / rel).stat().st_mtime_ns for rel in outputs}
    inodes = {rel: (root / rel).stat().st_ino for rel in outputs}
    second = pipeline.build(root, TODAY)
    assert second.written == ()
    assert sorted(second.unchanged) == outputs
    assert {rel: (root / rel).stat().st_mtime_ns for rel in outputs} == before
    assert {rel: (root / rel).stat().st_ino for rel in outputs} == inodes  # not replaced
    (root / "People/Bob.md").write_text(note("type: contact\n"))
    third = pipeline.build(root, TODAY)
    assert INDEX in third.written


def test_generated_notes_are_never_read(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n")})
    first = pipeline.build(root, TODAY)
    assert first.vault is not None and len(first.written) >= 1
    assert [n.path for n in pipeline.read(root).notes] == ["People/Ann.md"]
    # A generated note moved elsewhere by the user is still not input.
    shutil.copy(root / INDEX, root / "Old Index.md")
    assert [n.path for n in pipeline.read(root).notes] == ["People/Ann.md"]
    assert b"1 note \xc2\xb7" in pipeline.render_outputs(pipeline.read(root), TODAY).notes[INDEX]


def test_hidden_and_cache_folders_do_not_reach_the_index(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    trap = note("type: contact\nrole: TRAP\n")
    root = make_vault(
        tmp_path,
        {
            "People/Ann.md": note("type: contact\n"),
            ".obsidian/Trap1.md": trap,
            ".git/Trap2.md": trap,
            ".trash/Trap3.md": trap,
            ".vaultkit/Trap4.md": trap,
        },
    )
    pipeline.build(root, TODAY)
    text = (root / INDEX).read_text(encoding="utf-8")
    assert "TRAP" not in text and "Trap" not in text
    assert "1 person · 0 meetings" in text


def test_folder_mapping_type_override_and_field_aliases(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(
        tmp_path,
        {
            "vaultkit.toml": (
                '[folders]\n"Contacts" = "contact"\n"Calls" = "meeting"\n'
                '[fields]\ncompany = "org"\ntitle = "role"\n'
            ),
            "Contacts/Ann.md": note("company: '[[Acme]]'\ntitle: CTO\n"),
            "Calls/First.md": note("date: 2026-01-05\nwith: ['[[Ann]]']\n"),
            "Journal/Bob.md": note("type: contact\ncompany: Initech\n"),
            "People/Not a person.md": note("type: note\n"),
            "Acme.md": note("type: org\n"),
        },
    )
    pipeline.build(root, TODAY)
    kinds = {n.path: n.kind for n in pipeline.read(root).notes}
    assert kinds == {
        "Contacts/Ann.md": "contact",
        "Calls/First.md": "meeting",
        "Journal/Bob.md": "contact",
        "People/Not a person.md": "note",
        "Acme.md": "org",
    }
    people = tables((root / INDEX).read_text(encoding="utf-8"))[0]
    assert people[2][:5] == ["[[Contacts/Ann\\|Ann]]", "[[Acme]]", "CTO", "met", "2026-01-05"]
    assert people[3][:2] == ["[[Journal/Bob\\|Bob]]", "Initech"]


def test_output_name_and_folder_are_configurable(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            "vaultkit.toml": '[output]\nfolder = "Views/CRM"\nindex = "People Index"\n',
            "People/Ann.md": note("type: contact\n"),
        },
    )
    result = pipeline.build(root, TODAY)
    assert "Views/CRM/People Index.md" in result.written
    assert not (root / INDEX).exists()
    assert "# People Index" in (root / "Views/CRM/People Index.md").read_text(encoding="utf-8")
    again = pipeline.build(root, TODAY)
    assert again.written == ()
    assert [n.path for n in pipeline.read(root).notes] == ["People/Ann.md"]


@pytest.mark.parametrize(
    ("files", "mine"),
    [
        # A note of the user's at the default path of a generated note.
        ({"CRM/Due Actions.md": "My own list of things to do.\n"}, "CRM/Due Actions.md"),
        # The settings name a generated note after one of the user's notes.
        (
            {"vaultkit.toml": '[output]\nfolder = "People"\nindex = "Ann"\n'},
            "People/Ann.md",
        ),
    ],
)
def test_build_never_overwrites_a_users_note(
    tmp_path: Path, make_vault: MakeVault, files: dict[str, str], mine: str
) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n", "Ann's notes.\n")})
    make_vault(root, files)
    before = {p: p.read_bytes() for p in root.rglob("*.md")}
    with pytest.raises(EditRefusedError, match="not a note vaultkit generated") as info:
        pipeline.build(root, TODAY)
    assert info.value.path == mine
    assert {p: p.read_bytes() for p in root.rglob("*.md")} == before  # nothing written


def test_build_rewrites_its_own_note_even_when_edited(
    tmp_path: Path, make_vault: MakeVault
) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n")})
    pipeline.build(root, TODAY)
    index = root / INDEX
    index.write_bytes(index.read_bytes().replace(b"\n", b"\r\n") + b"typed by hand\r\n")
    assert INDEX in pipeline.build(root, TODAY).written
    assert b"typed by hand" not in index.read_bytes()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[limits\nmax_file_bytes = 1\n", r"vaultkit\.toml:1: not valid TOML.*line 1"),
        ("colour = 1\n", r"unknown setting 'colour'"),
        ('[limits]\nmax_file_bytes = "big"\n', r"limits\.max_file_bytes must be a whole number"),
        (
            '[folders]\nPeople = "person"\n',
            r"folders\.People must be contact, meeting, org or note",
        ),
        ("[fields]\ncompany = 1\n", r"fields\.company must be text"),
        ('[rules]\ndisabled = ["nope"]\n', r"rules\.disabled must list rule names"),
        ('[output]\nindex = "X"\ndue = "X"\n', r"must differ"),
        (b"x = '\xff'\n", r"not UTF-8"),
        ('[output]\nfolder = "../outside"\n', r"output\.folder must stay inside the vault"),
        ('[output]\nindex = "../../Index"\n', r"output\.index must stay inside the vault"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, toml: str | bytes, message: str) -> None:
    (tmp_path / "vaultkit.toml").write_bytes(toml.encode() if isinstance(toml, str) else toml)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(tmp_path)
    assert info.value.exit_code == 2
    assert str(info.value).startswith("vaultkit.toml")


def test_escape_neutralises_obsidian_comment_markers() -> None:
    from vaultkit.render.markdown import escape

    assert "%%" not in escape("50%% done %% hidden")
    assert escape("100%") == "100&#37;"


def test_links_in_a_users_task_stay_links_and_the_rest_is_escaped() -> None:
    from vaultkit.render.markdown import escape_keeping_links

    assert escape_keeping_links("Send [[Kenji Watanabe]] my *CV* <b>") == (
        "Send [[Kenji Watanabe]] my \\*CV\\* &lt;b&gt;"
    )
    assert escape_keeping_links("[[a|b]] and [[x<y]]") == "[[a|b]] and \\[\\[x&lt;y\\]\\]"


# Characters escape() treats specially, mixed with ordinary text, spaces and links.
_ESCAPE_ALPHABET = st.sampled_from([*"ab Z1 \t\n\\`*_[]|#<>~=$^&%é📅", "[[Ann]]", "[[a|b]]"])


@given(st.lists(_ESCAPE_ALPHABET, max_size=30).map("".join))
@settings(max_examples=500, deadline=None)
def test_escaping_skips_only_text_with_nothing_to_escape(text: str) -> None:
    """escape and escape_keeping_links return tidied text unescaped only when escaping
    every part would have left it so."""
    from vaultkit.render import markdown

    tidy = " ".join(text.split())
    assert escape(text) == markdown._escape_all(tidy)
    assert markdown.escape_keeping_links(text) == markdown._escape_around_links(tidy)
