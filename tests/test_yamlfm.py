"""The front-matter reader: the fast line parser must read exactly what PyYAML reads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vaultkit import yamlfm
from vaultkit.yamlfm import FrontMatterError, read_fields, read_fields_slow

TRICKY = [
    "no",
    "No",
    "yes",
    "on",
    "OFF",
    "true",
    "False",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "1e3",
    "1.0e+3",
    "0x10",
    "0o17",
    "0b101",
    "012",
    "00",
    "0",
    "-0",
    "+1",
    "-7",
    "1_000",
    "12:30",
    "1:30:00",
    "190:20:30",
    "1.5",
    ".5",
    ".inf",
    "-.inf",
    ".nan",
    "- a",
    "-a",
    "-",
    "a: b",
    "a:b",
    "a:",
    ":a",
    "#x",
    "a #b",
    "a#b",
    "a # b",
    "=",
    "<<",
    "&a",
    "*a",
    "!x",
    "!!str x",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "? x",
    "?x",
    "x?",
    "2026-01-01",
    "2026-02-30",
    "2026-1-1",
    "2026-01-01T10:00",
    "2026-01-01 10:00",
    "2026-01-01T10:00:00",
    "2026-01-01 10:00:00 +1",
    "2026-01-01T10",
    "2026-13-45",
    "1999-12-31Z",
    "[[Jane Doe]]",
    "[[Jane Doe|Jane]]",
    "Jane Doe",
    "x, y",
    "x,y",
    "it's",
    "it''s",
    'say "hi"',
    "back\\slash",
    "tab\there",
    "",
    " ",
    "é",
    "e\u0301",
    "ß",
    "日本",
    "http://example.com/a?b=1#frag",
    "a{b}",
    "[x]",
    "{x: 1}",
    "a]",
    "a  b",
    "trailing ",
    "...",
    "---",
]

_text = st.text(
    alphabet=st.characters(
        categories=("L", "N", "P", "S", "Zs"),
        include_characters="\t:#-,'\"[]{}|>&*!%@`?~=<\\ ",
    ),
    max_size=12,
)
_any_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)


@st.composite
def scalar_text(draw: st.DrawFn) -> str:
    """Mostly the strings YAML is known to read surprisingly, then any text."""
    pick = draw(st.integers(0, 9))
    if pick < 6:
        return draw(st.sampled_from(TRICKY))
    if pick < 9:
        return draw(_text)
    return draw(_any_text)


def _single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _double(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def scalar(draw: st.DrawFn) -> str:
    """One scalar as it might be written: plain, single- or double-quoted."""
    text = draw(scalar_text())
    style = draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "single":
        return _single(text)
    if style == "double":
        return _double(text)
    return text


@st.composite
def value_lines(draw: st.DrawFn, key: str) -> list[str]:
    """The lines of one field: a scalar, a flow list, a block list or nothing."""
    sep = draw(st.sampled_from([": ", ": ", ":  ", " : ", ":\t"]))
    form = draw(
        st.sampled_from(["scalar", "scalar", "flow", "block", "empty", "mapping", "text_block"])
    )
    comment = draw(st.sampled_from(["", "", "", " # note", "\t# x", " #"]))
    if form == "scalar":
        return [f"{key}{sep}{draw(scalar())}{comment}"]
    if form == "flow":
        items = draw(st.lists(scalar(), max_size=4))
        joiner = draw(st.sampled_from([", ", ",", " , "]))
        trailing = draw(st.sampled_from(["", "", ","]))
        return [f"{key}{sep}[{joiner.join(items)}{trailing}]{comment}"]
    if form == "empty":
        return [f"{key}:{comment}"]
    if form == "mapping":
        return [f"{key}:{comment}", *draw(mapping_lines("", 1))]
    if form == "text_block":
        style = draw(st.sampled_from(["|", "|-", ">", ">-", "|+", ">2"]))
        lines = [f"{key}:{sep[1:] or ' '}{style}"]
        inner = draw(st.sampled_from(["  ", "    ", " "]))
        for text in draw(st.lists(scalar_text(), min_size=0, max_size=4)):
            here = inner if draw(st.integers(0, 5)) else draw(st.sampled_from(["", "   ", "\t"]))
            lines.append(f"{here}{text}")
        return lines
    indent = draw(st.sampled_from(["", "  ", "    "]))
    lines = [f"{key}:{comment}"]
    for item in draw(st.lists(scalar(), max_size=4)):
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "# between", "  # indented", "\t# tab"])))
        item_indent = indent if draw(st.integers(0, 9)) else draw(st.sampled_from(["", " ", "   "]))
        dash = draw(st.sampled_from(["- ", "- ", "- ", "-  ", "-\t", "- \t"]))
        note = draw(st.sampled_from(["", "", "", " # c", "  #c", "\t# c", "#c"]))
        lines.append(f"{item_indent}{dash}{item}{note}".rstrip(" ") if item else f"{item_indent}-")
    return lines


@st.composite
def mapping_lines(draw: st.DrawFn, outer: str, depth: int) -> list[str]:
    """The lines of a block mapping under a key indented `outer`: scalars, and now and
    then a mapping nested in turn, with the odd misplaced indent or comment."""
    lines: list[str] = []
    inner = outer + draw(st.sampled_from(["  ", "    ", " "]))
    sep = draw(st.sampled_from([": ", ": ", ":  ", " : ", ":\t"]))
    for sub in draw(st.lists(KEYS, min_size=1, max_size=3)):
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", f"{inner}# c", "  # c", " ", f"{outer}# c"])))
        here = inner if draw(st.integers(0, 9)) else draw(st.sampled_from(["", "   ", "\t", " "]))
        note = draw(st.sampled_from(["", "", " # c", "#c"]))
        if depth < 4 and draw(st.integers(0, 3)) == 0:
            lines.append(f"{here}{sub}:{note}")
            lines.extend(draw(mapping_lines(here, depth + 1)))
        elif depth > 1 and draw(st.integers(0, 15)) == 0:
            lines.append(f"{here}{sub}:{note}")  # nothing nested under it after all
        else:
            lines.append(f"{here}{sub}{sep}{draw(scalar())}{note}")
    return lines


KEYS = st.one_of(
    st.sampled_from(
        [
            *("type", "org", "role", "email", "outreach", "with", "date", "tags", "aliases"),
            *("on", "yes", "No", "null", "true", "Off", "y", "a-b", "_x", "key2", "Type"),
        ]
    ),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,6}", fullmatch=True),
)


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """Simple front-matter text of the kind users write, with its usual variations."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# a comment")
    for key in draw(st.lists(KEYS, max_size=6)):
        if draw(st.integers(0, 7)) == 0:
            lines.append(draw(st.sampled_from(["", "   ", "# c", "  # c", "\t", " \t# c", " \t"])))
        lines.extend(draw(value_lines(key)))
    if draw(st.integers(0, 9)) == 0:
        lines.append(draw(_text))  # a stray line: both readers must reject or agree
    text = "\n".join(lines)
    return text + "\n" if draw(st.booleans()) else text


def typed(value: Any) -> Any:
    """Give a value with its types made explicit (so that True != 1 and '1' != 1)."""
    if isinstance(value, dict):
        return ("dict", sorted((repr(k), typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def outcome(reader: Any, text: str) -> Any:
    try:
        fields = reader(text)
    except FrontMatterError:
        return "error"
    return {k: (typed(f.value), f.line, f.raw) for k, f in fields.items()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front_matter())
@example("on: 1")
@example("null: x\n")
@example("k: =")
@example("k: <<")
@example("k: a\x01b")
@example("k: a\rb")
@example("k: a\u2028b")
@example("k: [a, 'b, c', \"d\"]")
@example("a: 1\n\t# a comment after a tab")
@example("\t\na: 1")
@example("a:\n- x\n\t# c\n- y")
@example(" \t# c\ntype: no\n")
@example("a:\n-\tx")
@example("a:\n- \t")
def test_fast_path_reads_what_pyyaml_reads(text: str) -> None:
    slow = outcome(read_fields_slow, text)
    fast = outcome(read_fields, text)
    if slow == "error":
        assert fast == "error"
    else:
        assert fast == slow


def _plain_key(key: str) -> bool:
    """Give whether YAML 1.1 reads the key as text (not `no`, `on`, `null`...)."""
    return key.lower() not in ("y", "n", "yes", "no", "on", "off", "true", "false", "null")


class _PureLoader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, as yamlfm sets it up when LibYAML is missing."""


_PureLoader.add_constructor("tag:yaml.org,2002:timestamp", _PureLoader.construct_yaml_str)


@contextlib.contextmanager
def without_libyaml() -> Iterator[None]:
    """Run a block as on an install of PyYAML without LibYAML."""
    saved = yamlfm._Loader, yamlfm._TAB_TO_FULL
    yamlfm._Loader, yamlfm._TAB_TO_FULL = _PureLoader, True
    try:
        yield
    finally:
        yamlfm._Loader, yamlfm._TAB_TO_FULL = saved


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front_matter())
@example("a: x\ty")
@example("a:\t1")
@example("a:\n  b:\t1")
@example("a\t: 1")
def test_without_libyaml_the_fast_path_still_reads_what_pyyaml_reads(text: str) -> None:
    # The pure-Python loader refuses tabs that LibYAML reads: the paths must agree anyway.
    with without_libyaml():
        slow = outcome(read_fields_slow, text)
        fast = outcome(read_fields, text)
    assert fast == slow or (slow == "error" and fast == "error")


def test_without_libyaml_a_control_character_is_a_problem_on_its_line() -> None:
    with without_libyaml(), pytest.raises(FrontMatterError) as info:
        read_fields("type: contact\nrole: a\x1fb\n", 2)
    assert (info.value.code, info.value.line) == ("yaml", 3)
    assert "unacceptable character #x001f" in str(info.value)


@st.composite
def clean_mapping(draw: st.DrawFn, outer: str = "", depth: int = 1) -> list[str]:
    """The lines of a well-formed nested block mapping of plain and quoted scalars."""
    inner = outer + draw(st.sampled_from(["  ", "    ", " "]))
    lines: list[str] = []
    for sub in draw(
        st.lists(
            st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(_plain_key),
            min_size=1,
            max_size=3,
            unique=True,
        )
    ):
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", f"{inner}# c", "# c"])))
        if depth < 4 and draw(st.integers(0, 2)) == 0:
            lines.append(f"{inner}{sub}:" + draw(st.sampled_from(["", " # c"])))
            lines.extend(draw(clean_mapping(inner, depth + 1)))
        else:
            value = draw(st.sampled_from(["warm", "7972", "'Zoom'", '"a: b"', "me", "2026-01-02"]))
            lines.append(f"{inner}{sub}: {value}")
    return lines


@settings(max_examples=300, deadline=None)
@given(clean_mapping(), st.booleans())
def test_nested_mappings_take_the_fast_path(lines: list[str], after: bool) -> None:
    text = "\n".join(["type: contact", "custom:", *lines] + (["role: Lead"] if after else []))
    assert yamlfm._fast(text.split("\n"), 2) is not None
    assert outcome(read_fields, text) == outcome(read_fields_slow, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role: no", {"role": False}),
        ("role: 'no'", {"role": "no"}),
        ('email: "yes"', {"email": "yes"}),
        ("n: 12", {"n": 12}),
        ("t: 12:30", {"t": 750}),  # YAML 1.1 base 60
        ("x: 0x10", {"x": 16}),
        ("x: 1e3", {"x": "1e3"}),  # PyYAML needs a dot for a float
        ("d: 2026-02-30", {"d": "2026-02-30"}),  # dates stay text: checked per field
        ("e: ~", {"e": None}),
        ("e:", {"e": None}),
        ("l: [a, b]", {"l": ["a", "b"]}),
        ("l:\n  - a\n  - 2", {"l": ["a", 2]}),
        ("l:\n- a\n- b", {"l": ["a", "b"]}),
        ('w: "[[Jane Doe]]"', {"w": "[[Jane Doe]]"}),
        ("w: [[Jane Doe]]", {"w": [["Jane Doe"]]}),
        ("s: 'it''s'", {"s": "it's"}),
    ],
)
def test_values(text: str, expected: dict[str, Any]) -> None:
    fields = read_fields(text)
    assert {k: typed(f.value) for k, f in fields.items()} == {
        k: typed(v) for k, v in expected.items()
    }


def test_lines_are_file_lines() -> None:
    text = "# comment\ntype: contact\n\noutreach:\n  - 2026-01-01\nrole: x\n"
    fields = read_fields(text, first_line=2)
    assert {k: f.line for k, f in fields.items()} == {"type": 3, "outreach": 5, "role": 7}
    slow = read_fields_slow(text, first_line=2)
    assert {k: f.line for k, f in slow.items()} == {"type": 3, "outreach": 5, "role": 7}


def test_raw_text_of_a_scalar_is_kept() -> None:
    fields = read_fields("role: no\nphone: 0123\nsource: off\n")
    assert (fields["role"].value, fields["role"].raw) == (False, "no")
    assert fields["phone"].raw == "0123"
    assert fields["source"].raw == "off"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a: [1, 2\nb: 3\n", "yaml", 2),  # where the [ opens, not where it shows
        ("a: b: c\n", "yaml", 2),
        ("a: 1\na: 2\n", "duplicate-key", 3),
        ("- a\n- b\n", "not-mapping", 2),
        ("just text\n", "not-mapping", 2),
        ("42\n", "not-mapping", 2),
        ("k: =\n", "yaml", 2),
        ("k: !!python/object:os.system x\n", "yaml", 2),
    ],
)
def test_errors(text: str, code: str, line: int) -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields(text, first_line=2)
    assert info.value.code == code
    assert info.value.line == line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nk: !!python/object:os.system x\n", 3, "could not determine a constructor"),
        ("a: 1\nk: =\n", 3, "could not determine a constructor for the tag"),
        ("k:\n  - a\n  - !!int abc\n", 2, "invalid literal for int()"),  # at its field
        ("a: 1\nk: x\x01\n", 2, "control characters are not allowed"),
    ],
)
def test_error_messages_are_one_line(text: str, line: int, message: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields(text, first_line=2)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and "<unicode string>" not in str(info.value)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # An unclosed quote shows at the end of the front-matter: the error names its line.
        ("type: contact\nrole: 'Head of research\norg: x\n", 3, "the quote on this line is never"),
        ('a: 1\nb: "open\n', 3, "the quote on this line is never closed"),
        ("a: 1\ntags: [x, y\norg: z\n", 3, "the [ or { on this line is never closed"),
        ("a: {k: 1\nb: 2\n", 2, "the [ or { on this line is never closed"),
        # A second quote closes the first: the error shows a line later, naming the first.
        ('type: contact\nrole: "Head\norg: "[[Acme]]"\n', 4, "is the quote on line 3 closed?"),
    ],
)
def test_an_unclosed_quote_or_bracket_is_named_where_it_opens(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields(text, first_line=2)
    assert message in str(info.value), str(info.value)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # Closed, but wrong inside: the error stays where it is, naming where it opened.
        ('tags: [\n a,\n "b" c,\n d\n]\n', 4, "(in the [ ] or { } opened on line 2)"),
        ('role: "line one\n  line two \\q"\n', 3, "(in the quoted text opened on line 2)"),
        ("x: {a: 1,\n  b: 2 c: 3}\n", 3, "(in the [ ] or { } opened on line 2)"),
    ],
)
def test_a_closed_quote_or_bracket_is_not_called_unclosed(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields(text, first_line=2)
    assert message in str(info.value) and "never closed" not in str(info.value)
    assert info.value.line == line


@pytest.mark.parametrize(
    "text",
    [
        'screen: 27" wide\na: b: c\n',  # a `"` inside an unquoted value is text
        'nick: "Bob" # he is "Bobby\nb: 1\n\tc: 2\n',  # a quote in a comment
    ],
)
def test_a_quote_that_is_not_open_is_not_blamed(text: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields(text, first_line=2)
    assert "is the quote" not in str(info.value)


def test_duplicate_key_message_names_both_lines() -> None:
    with pytest.raises(FrontMatterError, match=r"'role' is given twice \(lines 3 and 5\)"):
        read_fields("type: contact\nrole: a\nx: 1\nrole: b\n")


def test_not_a_mapping_says_what_it_is() -> None:
    with pytest.raises(FrontMatterError, match="but it is a list"):
        read_fields("- a\n")
    with pytest.raises(FrontMatterError, match="but it is a single value"):
        read_fields("hello\n")


def test_empty_front_matter_has_no_fields() -> None:
    assert read_fields("") == {}
    assert read_fields("# only a comment\n") == {}
    assert read_fields_slow("") == {}


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(FrontMatterError) as info:
        read_fields("\n".join(lines))
    assert info.value.code == "alias-bomb"


def test_a_few_aliases_are_fine() -> None:
    fields = read_fields("base: &b [x, y]\ncopy: *b\n")
    assert fields["copy"].value == ["x", "y"]


@pytest.mark.parametrize("opener", ["[", "{"])
def test_deep_nesting_is_refused(opener: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields("k: " + opener * 10_000)
    assert info.value.code == "nesting"


def test_deep_block_nesting_completes() -> None:
    # The size cap bounds block nesting to a few hundred levels: read, or refused.
    text = "".join(" " * i + f"k{i}:\n" for i in range(340))
    try:
        fields = read_fields(text)
    except FrontMatterError as exc:
        assert exc.code == "nesting"
    else:
        assert list(fields) == ["k0"]


class _PurePythonLoader(yaml.SafeLoader):
    """The loader PyYAML gives where LibYAML is not installed."""


_PurePythonLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _PurePythonLoader.construct_yaml_str
)


@pytest.mark.parametrize(
    "text",
    [
        "k: " + "[" * 1_100,
        "k: " + "[" * 600 + "]" * 600,
        "".join(" " * i + f"k{i}:\n" for i in range(340)),
    ],
    ids=["unclosed", "closed", "block"],
)
def test_deep_nesting_without_libyaml_is_a_problem_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(yamlfm, "_Loader", _PurePythonLoader)
    with pytest.raises(FrontMatterError) as info:
        read_fields_slow(text)
    assert info.value.code == "nesting"


def test_oversized_front_matter_is_refused() -> None:
    with pytest.raises(FrontMatterError) as info:
        read_fields("k: " + "x" * (yamlfm.MAX_FRONT_MATTER_CHARS + 1))
    assert info.value.code == "too-large"


def test_unsafe_tags_are_never_constructed() -> None:
    with pytest.raises(FrontMatterError):
        read_fields("k: !!python/object/apply:os.system ['true']\n")
