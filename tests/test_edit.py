"""Tests for vaultkit.edit: surgical front-matter edits that keep every other byte."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.edit import append_to_list, apply_edit, set_scalar
from vaultkit.errors import EditRefusedError

# An independent reader for the checks: PyYAML's safe loader with dates kept as text.
_Loader: Any = type("_Loader", (yaml.SafeLoader,), {})
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if not tag.endswith(":timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parts(text: str) -> tuple[str, str | None, str]:
    """Give (bom, front-matter text or None, body) of a note."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text[len(bom) :])
    fence = re.compile(r"---[ \t]*\r?\n?")
    if lines and fence.fullmatch(lines[0]):
        for i in range(1, len(lines)):
            if fence.fullmatch(lines[i]):
                return bom, "".join(lines[1:i]), "".join(lines[i + 1 :])
    return bom, None, text[len(bom) :]


def mapping(text: str) -> dict[Any, Any]:
    """Give the front-matter mapping of a note ({} without one)."""
    fm = parts(text)[1]
    data = yaml.load(fm, Loader=_Loader) if fm else None
    return data or {}


# ---------------------------------------------------------------- set_scalar examples


def test_set_replaces_only_the_value_and_keeps_the_comment() -> None:
    text = "---\ntype: contact\nstatus: active  # since March\nrole: 'Engineer'\n---\nBody\n"
    assert set_scalar(text, "status", "paused") == (
        "---\ntype: contact\nstatus: paused  # since March\nrole: 'Engineer'\n---\nBody\n"
    )


@pytest.mark.parametrize(
    ("line", "edited"),
    [
        ("role: 'Engineer'  # 'quoted'", "role: Staff engineer  # 'quoted'"),
        ('role: "Engineer" # "x"', 'role: Staff engineer # "x"'),
        ("role: Engineer", "role: Staff engineer"),
        ("role:", "role: Staff engineer"),
        ("role: # to fill", "role: Staff engineer # to fill"),
        ("role: ~", "role: Staff engineer"),
        ("'role': 'it''s'", "'role': Staff engineer"),
        ('role: "say \\"hi\\" \\\\"  # "q"', 'role: Staff engineer  # "q"'),
        ('"role" : [a, b]', '"role" : Staff engineer'),
    ],
)
def test_set_over_each_quoting_style(line: str, edited: str) -> None:
    text = f"---\nname: 'Jane'\n{line}\nemail: \"j@x.org\"\n---\n"
    assert set_scalar(text, "role", "Staff engineer") == (
        f"---\nname: 'Jane'\n{edited}\nemail: \"j@x.org\"\n---\n"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("2026-03-04", "2026-03-04"),
        ("Jane Doe", "Jane Doe"),
        ("2026-03-04T10:30", "2026-03-04T10:30"),
        ('say "hi"', 'say "hi"'),
        ("http://x.org/a", "http://x.org/a"),
        ("[[Jane Doe]]", '"[[Jane Doe]]"'),
        ("yes", '"yes"'),
        ("Off", '"Off"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("42", '"42"'),
        ("1e3", '"1e3"'),
        ("0x1F", '"0x1F"'),
        ("2026-02-30", '"2026-02-30"'),
        ("2026-03-04 10:00:00", '"2026-03-04 10:00:00"'),
        ("a: b", '"a: b"'),
        ("#tag", '"#tag"'),
        ("see #3", '"see #3"'),
        ("- item", '"- item"'),
        ("*bold*", '"*bold*"'),
        ("", '""'),
        (" padded", '" padded"'),
        ("two\nlines", '"two\\nlines"'),
        ('back\\slash "q"', 'back\\slash "q"'),
        ('"q" back\\slash', '"\\"q\\" back\\\\slash"'),
        ("bell\x07", '"bell\\x07"'),
        ("café", "café"),
    ],
)
def test_set_quotes_only_when_needed(value: str, written: str) -> None:
    out = set_scalar("---\ntype: note\n---\n", "field", value)
    assert out == f"---\ntype: note\nfield: {written}\n---\n"
    assert mapping(out)["field"] == value


def test_set_missing_key_goes_last_after_comments_and_nested_mappings() -> None:
    text = (
        "---\n# People note\ntype: contact\n\naddress:\n  city: Paris  # HQ\n  zip: '75001'\n"
        "# trailing comment\n---\n---\nA body with a rule above.\n---\n"
    )
    assert set_scalar(text, "org", "[[Acme]]") == (
        "---\n# People note\ntype: contact\n\naddress:\n  city: Paris  # HQ\n  zip: '75001'\n"
        '# trailing comment\norg: "[[Acme]]"\n---\n---\nA body with a rule above.\n---\n'
    )


def test_set_keeps_crlf_and_bom() -> None:
    text = "\ufeff---\r\ntype: contact\r\nstatus: active\r\n---\r\nBody\r\n"
    assert set_scalar(text, "replied", "2026-03-04") == (
        "\ufeff---\r\ntype: contact\r\nstatus: active\r\nreplied: 2026-03-04\r\n---\r\nBody\r\n"
    )
    assert set_scalar(text, "status", "paused") == (
        "\ufeff---\r\ntype: contact\r\nstatus: paused\r\n---\r\nBody\r\n"
    )


def test_set_adds_front_matter_when_there_is_none() -> None:
    assert set_scalar("# Jane\r\nmet at a fair\r\n", "type", "contact") == (
        "---\r\ntype: contact\r\n---\r\n# Jane\r\nmet at a fair\r\n"
    )
    assert set_scalar("\ufeffbody", "type", "contact") == "\ufeff---\ntype: contact\n---\nbody"
    assert set_scalar("", "type", "contact") == "---\ntype: contact\n---\n"


def test_set_into_empty_front_matter_and_closing_fence_at_eof() -> None:
    assert set_scalar("---\n---\n", "type", "org") == "---\ntype: org\n---\n"
    assert set_scalar("---\na: 1\n---", "b", "x") == "---\na: 1\nb: x\n---"


def test_set_same_value_leaves_text_alone() -> None:
    text = "---\nreplied: '2026-03-04'  # q\n---\n"
    assert set_scalar(text, "replied", "2026-03-04") is text


def test_set_true_string_over_bool_is_quoted() -> None:
    assert set_scalar("---\nreference: true\n---\n", "reference", "true") == (
        '---\nreference: "true"\n---\n'
    )


# ------------------------------------------------------------ append_to_list examples


def test_append_block_list_after_last_item_before_comments() -> None:
    text = (
        "---\noutreach:\n    -   2026-01-05  # first\n    -   '2026-01-12'\n"
        "# more to come\n\nstatus: active\n---\nbody\n"
    )
    assert append_to_list(text, "outreach", "2026-03-04") == (
        "---\noutreach:\n    -   2026-01-05  # first\n    -   '2026-01-12'\n    -   2026-03-04\n"
        "# more to come\n\nstatus: active\n---\nbody\n"
    )


def test_append_block_list_with_multiline_items_and_indentless_dashes() -> None:
    text = "---\nquestions:\n- What next?\n- |\n  Long\n  question\ntags: [a]\n---\n"
    assert append_to_list(text, "questions", "Why?") == (
        "---\nquestions:\n- What next?\n- |\n  Long\n  question\n- Why?\ntags: [a]\n---\n"
    )


def test_append_block_list_crlf() -> None:
    text = '---\r\nwith:\r\n  - "[[Jane Doe]]"\r\n---\r\n'
    assert append_to_list(text, "with", "[[Bob]]") == (
        '---\r\nwith:\r\n  - "[[Jane Doe]]"\r\n  - "[[Bob]]"\r\n---\r\n'
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("[a, b]", "[a, b, c]"),
        ("[a,b]", "[a,b,c]"),
        ("[ a , b ]", "[ a , b , c ]"),
        ("[a]", "[a, c]"),
        ("[ 'a' ]", "[ 'a', c ]"),
        ("[a, b,]", "[a, b, c]"),
        ("[]", "[c]"),
        ("[ ]", "[c]"),
        ("['x, y', \"[[Z]]\"]", "['x, y', \"[[Z]]\", c]"),
        ("[[one], two]", "[[one], two, c]"),
    ],
)
def test_append_flow_list_keeps_spacing(before: str, after: str) -> None:
    text = f"---\ntags: {before}  # kinds\nrole: x\n---\n"
    assert append_to_list(text, "tags", "c") == f"---\ntags: {after}  # kinds\nrole: x\n---\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("2026-03-01", "[2026-03-01, 2026-03-05]"),
        ("'2026-03-01'  # first", "['2026-03-01', 2026-03-05]  # first"),
        ('"2026-03-01"', '["2026-03-01", 2026-03-05]'),
        ("one, two", '["one, two", 2026-03-05]'),
        ("null", "[2026-03-05]"),
        ("~", "[2026-03-05]"),
        ('""', "[2026-03-05]"),
        ("42", "[42, 2026-03-05]"),
    ],
)
def test_append_to_scalar_makes_a_flow_list(before: str, after: str) -> None:
    text = f"---\noutreach: {before}\n---\n"
    assert append_to_list(text, "outreach", "2026-03-05") == f"---\noutreach: {after}\n---\n"


def test_append_to_bare_key_starts_a_block_list() -> None:
    text = "---\noutreach:  # none yet\nstatus: active\n---\n"
    assert append_to_list(text, "outreach", "2026-03-05") == (
        "---\noutreach:  # none yet\n  - 2026-03-05\nstatus: active\n---\n"
    )


def test_append_missing_key_adds_block_list_in_the_notes_style() -> None:
    assert append_to_list("---\ntype: contact\n---\n", "with", "[[Jane Doe]]") == (
        '---\ntype: contact\nwith:\n  - "[[Jane Doe]]"\n---\n'
    )
    text = "---\naliases:\n    -  JD\n---\n"
    assert append_to_list(text, "tags", "alumni") == (
        "---\naliases:\n    -  JD\ntags:\n    -  alumni\n---\n"
    )
    assert append_to_list("Body\n", "tags", "x") == "---\ntags:\n  - x\n---\nBody\n"


# ------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("func", "text", "key", "why"),
    [
        (set_scalar, "---\n{type: contact, role: x}\n---\n", "role", "flow mapping"),
        (set_scalar, "---\naddress:\n  city: Paris\n---\n", "city", "nested"),
        (append_to_list, "---\nx:\n  - tags: a\n---\n", "tags", "nested"),
        (append_to_list, "---\nx:\n- tags: a\n---\n", "tags", "nested"),
        (set_scalar, "---\nx: {a: 1, role: b}\n---\n", "role", "nested"),
        (set_scalar, "---\nrole: &r Eng\nalt: *r\n---\n", "role", "anchor"),
        (set_scalar, "---\nbase: &r Eng\nrole: *r\n---\n", "role", "anchor"),
        (set_scalar, "---\nrole: !!str 1\n---\n", "role", "tag"),
        (set_scalar, "---\nbase: &b {role: x}\n<<: *b\n---\n", "role", "cannot edit"),
        (set_scalar, "---\n? role\n: x\n---\n", "role", "cannot edit"),
        (set_scalar, "---\nnotes: |\n  a\n  b\n---\n", "notes", "multi-line"),
        (set_scalar, "---\nnotes: >-\n  a\n---\n", "notes", "multi-line"),
        (set_scalar, '---\nnotes: "a\n  b"\n---\n', "notes", "several lines"),
        (set_scalar, "---\nnotes: 'a\n  b'\n---\n", "notes", "several lines"),
        (set_scalar, "---\nnotes: a\n  b\n---\n", "notes", "several lines"),
        (set_scalar, "---\nnotes:\n  a b\n---\n", "notes", "several lines"),
        (append_to_list, "---\ntags: [a,\n  b]\n---\n", "tags", "several lines"),
        (set_scalar, "---\nrole: a\nrole: b\n---\n", "role", "more than once"),
        (set_scalar, "---\nrole: a\n'role': b\n---\n", "role", "more than once"),
        (set_scalar, "---\nrole: a\nBody\n", "role", "never closes"),
        (set_scalar, "---\n", "role", "never closes"),
        (set_scalar, "---\nrole:\n\t- a\n---\n", "role", "YAML"),
        (set_scalar, "---\nrole: [a, b\n---\n", "role", "YAML"),
        (set_scalar, "---\n- a\n- b\n---\n", "role", "not a mapping"),
        (set_scalar, "---\nJust text\n---\n", "role", "not a mapping"),
        (set_scalar, "---\n  role: a\n  x: b\n---\n", "x", "column 0"),
        (set_scalar, "---\nrole: a\rb: c\n---\n", "role", "lone CR"),
        (set_scalar, "---\nrole:\n  - a\n---\n", "role", "several lines"),
        (append_to_list, "---\nrole:\n  k: v\n---\n", "role", "mapping"),
        (append_to_list, "---\nrole: {k: v}\n---\n", "role", "mapping"),
        (set_scalar, "---\na: 1\n---\n", "yes", "plain words"),
        (set_scalar, "---\na: 1\n---\n", "my field", "plain words"),
    ],
)
def test_refusals_name_the_field(func: Any, text: str, key: str, why: str) -> None:
    with pytest.raises(EditRefusedError) as info:
        func(text, key, "new")
    assert repr(key) in info.value.message
    assert why in info.value.message


def test_refuses_a_value_utf8_cannot_store() -> None:
    with pytest.raises(EditRefusedError, match=r"'a'.*UTF-8"):
        set_scalar("---\na: 1\n---\n", "a", "\ud800")


def test_refusal_gives_the_line() -> None:
    with pytest.raises(EditRefusedError) as info:
        set_scalar("---\ntype: contact\nrole: a\nrole: b\n---\n", "role", "x")
    assert info.value.line == 4


# --------------------------------------------------------------------- apply_edit


def test_apply_edit_writes_atomically_and_keeps_mode(tmp_path: Path) -> None:
    note = tmp_path / "Jane.md"
    note.write_bytes("\ufeff---\r\ntype: contact\r\n---\r\nBody\r\n".encode())
    note.chmod(0o640)
    assert apply_edit(note, lambda t: set_scalar(t, "status", "paused")) is True
    expected = "\ufeff---\r\ntype: contact\r\nstatus: paused\r\n---\r\nBody\r\n"
    assert note.read_bytes() == expected.encode()
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Jane.md"]


def test_apply_edit_unchanged_does_not_write(tmp_path: Path) -> None:
    note = tmp_path / "Jane.md"
    note.write_text("---\nstatus: paused\n---\n")
    os.utime(note, ns=(1_000_000_000, 1_000_000_000))
    assert apply_edit(note, lambda t: set_scalar(t, "status", "paused")) is False
    assert note.stat().st_mtime_ns == 1_000_000_000


def test_apply_edit_refuses_when_file_changes_before_write(tmp_path: Path) -> None:
    note = tmp_path / "Jane.md"
    note.write_text("---\nstatus: active\n---\n")

    def other_writer() -> None:
        note.write_text("---\nstatus: active\nrole: x\n---\n")

    with pytest.raises(EditRefusedError, match="changed on disk") as info:
        apply_edit(note, lambda t: set_scalar(t, "status", "paused"), _before_write=other_writer)
    assert info.value.path == str(note)
    assert note.read_text() == "---\nstatus: active\nrole: x\n---\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Jane.md"]


def test_apply_edit_refuses_same_size_change_inside_change(tmp_path: Path) -> None:
    note = tmp_path / "Jane.md"
    note.write_text("---\nstatus: active\n---\n")
    before = note.stat().st_mtime_ns

    def change(text: str) -> str:
        note.write_text("---\nstatus: ACTIVE\n---\n")  # same size, maybe same mtime
        os.utime(note, ns=(before, before))
        return set_scalar(text, "status", "paused")

    with pytest.raises(EditRefusedError, match="changed on disk"):
        apply_edit(note, change)
    assert note.read_text() == "---\nstatus: ACTIVE\n---\n"


def test_apply_edit_refuses_non_utf8_and_adds_path_to_refusals(tmp_path: Path) -> None:
    note = tmp_path / "Old.md"
    note.write_bytes(b"---\nrole: caf\xe9\n---\n")
    with pytest.raises(EditRefusedError, match="UTF-8"):
        apply_edit(note, lambda t: set_scalar(t, "role", "x"))
    assert note.read_bytes() == b"---\nrole: caf\xe9\n---\n"
    note.write_text("---\nrole: |\n  x\n---\n")
    with pytest.raises(EditRefusedError) as info:
        apply_edit(note, lambda t: set_scalar(t, "role", "x"))
    assert (info.value.path, info.value.line) == (str(note), 2)


def test_apply_edit_refuses_text_utf8_cannot_store(tmp_path: Path) -> None:
    note = tmp_path / "Jane.md"
    note.write_text("body\n")
    with pytest.raises(EditRefusedError, match="UTF-8"):
        apply_edit(note, lambda t: t + "\ud800")
    assert note.read_text() == "body\n"


def test_apply_edit_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EditRefusedError, match="cannot read"):
        apply_edit(tmp_path / "Gone.md", lambda t: t + "x")


def test_apply_edit_writes_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.md"
    target.write_text("---\na: 1\n---\n")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert apply_edit(link, lambda t: set_scalar(t, "a", "2")) is True
    assert link.is_symlink()
    assert target.read_text() == '---\na: "2"\n---\n'


# ------------------------------------------------------------- property-based tests

NAMES = [
    "type",
    "org",
    "role",
    "status",
    "tags",
    "outreach",
    "with",
    "replied",
    "x_custom",
    "Rating",
    "my-field",
    "notes_2",
]
PLAIN = [
    "Acme",
    "Jane Doe",
    "2026-03-01",
    "42",
    "true",
    "3.5",
    "café au lait",
    "x#y",
    "http://x.org/a",
    "one, two",
    "it's",
    "~",
    "null",
    "a-b_c",
]
QUOTABLE = st.one_of(
    st.sampled_from(['say "hi"', "back\\slash\\", "it's", "a # b", "x: y", "''", '"']),
    st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=12),
)
WORD = st.sampled_from(["a", "Bob", "2026-01-02", "7", "yes", "x y", "é"])


def single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def double(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


SCALAR = st.one_of(st.sampled_from(PLAIN), QUOTABLE.map(single), QUOTABLE.map(double))
ITEM = st.one_of(WORD, QUOTABLE.map(single), QUOTABLE.map(double))
COMMENT = st.sampled_from(["", "  # note", " # 'x' \"y\" #"])


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Give a field layout kind and its lines (without line endings), key left as {k}."""
    kind = draw(st.sampled_from(["scalar", "flow", "block", "map", "null"]))
    tail = draw(COMMENT)
    if kind == "scalar":
        return kind, [f"{{k}}: {draw(SCALAR)}{tail}"]
    if kind == "null":
        return kind, ["{k}:" + tail]
    items = draw(st.lists(ITEM, max_size=4))
    if kind == "flow":
        sep, pad = draw(st.sampled_from([", ", ",", " , "])), draw(st.sampled_from(["", " "]))
        return kind, [f"{{k}}: [{pad}{sep.join(items)}{pad}]{tail}"]
    if kind == "block":
        items = items or ["first"]
        prefix = draw(st.sampled_from(["  - ", "- ", "    -   ", "  -  "]))
        return kind, ["{k}:" + tail] + [prefix + item for item in items]
    subs = draw(st.lists(st.sampled_from(["city", "zip", "note"]), min_size=1, unique=True))
    return kind, ["{k}:" + tail] + [f"  {sub}: {draw(SCALAR)}" for sub in subs]


@st.composite
def notes(draw: st.DrawFn) -> tuple[str, dict[str, str], str]:
    """Give a note's text, its fields' layout kinds and its line ending."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    names = draw(st.lists(st.sampled_from(NAMES), max_size=7, unique=True))
    kinds: dict[str, str] = {}
    lines = []
    for name in names:
        kind, field_lines = draw(layouts())
        kinds[name] = kind
        lines += [line.replace("{k}", name) for line in field_lines]
        lines += draw(st.lists(st.sampled_from(["", "# comment", "  # indented"]), max_size=2))
    body = draw(
        st.lists(
            st.one_of(
                st.sampled_from(["---", "", "# Title", "- [ ] task 📅 2026-03-20", "key: value"]),
                st.text(st.characters(exclude_characters="\r\n"), max_size=20),
            ),
            max_size=5,
        )
    )
    bom = draw(st.sampled_from(["", "\ufeff"]))
    body_text = nl.join(body) + draw(st.sampled_from(["", nl]))
    if not kinds and draw(st.booleans()):
        first = body_text.split(nl, 1)[0]
        if not re.fullmatch(r"---[ \t]*", first):  # a lone fence would look unterminated
            return bom + body_text, kinds, nl
    fm = "".join(line + nl for line in lines)
    return f"{bom}---{nl}{fm}---{nl}{body_text}", kinds, nl


VALUES = st.one_of(
    st.sampled_from(
        [
            "2026-03-04",
            "[[Jane Doe]]",
            "yes",
            "null",
            "",
            "a: b",
            "#x",
            "- y",
            "2026-02-30",
            "x # y",
            "'q'",
            '"dq"',
            "two\nlines",
            "café",
            "0x1F",
            "a, b",
            "[x]",
            "{y}",
            "&a",
            "*b",
            "!c",
            "|",
            ">",
            "?",
            ":",
            "-",
            "%",
            "@",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
)


def common_lines(a: list[str], b: list[str]) -> int:
    """Give the length of the longest common subsequence of two lists of lines."""
    row = [0] * (len(b) + 1)
    for x in a:
        diag = 0
        for j, y in enumerate(b):
            diag, row[j + 1] = row[j + 1], diag + 1 if x == y else max(row[j + 1], row[j])
    return row[-1]


def check_edit(before: str, after: str, nl: str, key: str, expected_value: Any) -> None:
    """Assert the four properties of a good edit of field `key`."""
    old, new = mapping(before), mapping(after)
    expected = {**old, key: expected_value}
    # (1) the result reads as the old mapping plus exactly the change, in the same order
    assert list(new) == list(expected)
    assert repr(new) == repr(expected)
    # (2) every original line but the edited one is kept, in order
    a = re.findall(r"[^\n]*\n|[^\n]+\Z", before.removeprefix("\ufeff"))
    b = re.findall(r"[^\n]*\n|[^\n]+\Z", after.removeprefix("\ufeff"))
    kept = common_lines(a, b)
    assert kept >= len(a) - 1
    assert len(b) - kept <= 4  # at most two fences and a key with one item were added
    # (3) the BOM and the body are untouched
    assert parts(after)[0] == parts(before)[0]
    assert parts(after)[2] == parts(before)[2]
    # (4) every line ending is in the note's style (LF for a note without any)
    if nl == "\r\n" and "\n" in before:
        assert after.count("\n") == after.count("\r\n")
    else:
        assert after.count("\r") == before.count("\r")


@given(notes(), st.data())
def test_set_scalar_property(note: tuple[str, dict[str, str], str], data: st.DataObject) -> None:
    text, kinds, nl = note
    editable = [k for k, kind in kinds.items() if kind in ("scalar", "flow", "null")]
    missing = [k for k in NAMES if k not in kinds]
    key = data.draw(st.sampled_from(editable + missing))
    value = data.draw(VALUES)
    check_edit(text, set_scalar(text, key, value), nl, key, value)


@given(notes(), st.data())
def test_append_to_list_property(
    note: tuple[str, dict[str, str], str], data: st.DataObject
) -> None:
    text, kinds, nl = note
    candidates = [k for k, kind in kinds.items() if kind != "map"]
    key = data.draw(st.sampled_from(candidates + [k for k in NAMES if k not in kinds]))
    value = data.draw(VALUES)
    old = mapping(text).get(key)
    expected = (
        [*old, value] if isinstance(old, list) else [value] if old in (None, "") else [old, value]
    )
    check_edit(text, append_to_list(text, key, value), nl, key, expected)


@given(notes(), st.sampled_from(NAMES))
def test_refuse_or_edit_never_breaks_a_note(
    note: tuple[str, dict[str, str], str], key: str
) -> None:
    # Fields written as nested mappings must be refused with the field named, never mangled.
    text, kinds, _ = note
    for func in (set_scalar, append_to_list):
        try:
            after = func(text, key, "v")
        except EditRefusedError as exc:
            assert kinds.get(key) in ("map", "block") and repr(key) in exc.message
            continue
        assert parts(after)[2] == parts(text)[2]
        got = mapping(after)[key]
        assert got == "v" if func is set_scalar else got[-1] == "v"
