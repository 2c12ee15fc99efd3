"""Front-matter text to a mapping of field → (value, line, raw text), safely and fast.

Most front-matter in a vault is simple: `key: value` lines, block lists and flow
lists of plain or quoted scalars. Those are read by a small line parser that gives
exactly what PyYAML's safe loader would; anything else falls back to PyYAML (the C
LibYAML loader where present), guarded against alias bombs and deep nesting.
Timestamps are left as text so that an impossible date is a reported problem for
its field rather than an exception for the whole note.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import yaml

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FRONT_MATTER_CHARS = 64_000
MAX_NODES = 20_000


class _Loader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader, with timestamps kept as the text written."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)

# Without LibYAML, PyYAML's pure-Python loader refuses tabs the C one reads (`a:\tb`,
# `a: x\ty`), and the line parser reads them as the C one does: front-matter with a
# tab then goes to the full parser, so that both paths always agree.
_TAB_TO_FULL = _BaseLoader is yaml.SafeLoader


class Field(NamedTuple):
    """One top-level front-matter field: its value, 1-based file line and raw scalar text.

    A named tuple rather than a dataclass: a vault's notes make hundreds of thousands,
    and they live only while their note is read.
    """

    value: Any
    line: int
    raw: str | None


class FrontMatterError(Exception):
    """The front-matter cannot be read; carries a 1-based file line and a code."""

    def __init__(self, message: str, line: int | None, code: str) -> None:
        super().__init__(message)
        self.line = line
        self.code = code


# --- the fast path ---------------------------------------------------------------

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_ITEM_LINE = re.compile(r"( *)-(?:[ \t]+(.*?))?[ \t]*$")
# Plain scalars the line parser may type itself; any other plain scalar that starts
# like a number, or holds YAML syntax, goes to PyYAML so both paths always agree.
# (`=` and `<<` are YAML 1.1's value and merge keys, which the safe loader refuses.)
# A `#` inside a word is text; one after white space (a comment) is gone by now.
_SAFE_PLAIN = re.compile(r"[^\-?:,\[\]{}#&*!|>'\"%@`\s0-9+.~=<][^\[\]{},]*")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9:.+\-Zz \t]*)?")
_NUMBERISH = re.compile(r"[-+.0-9]")
_BOOLS = {
    "yes": True,
    "Yes": True,
    "YES": True,
    "true": True,
    "True": True,
    "TRUE": True,
    "on": True,
    "On": True,
    "ON": True,
    "no": False,
    "No": False,
    "NO": False,
    "false": False,
    "False": False,
    "FALSE": False,
    "off": False,
    "Off": False,
    "OFF": False,
}
_NULLS = {"~", "null", "Null", "NULL", ""}
_BLOCK_STYLES = ("|", "|-", ">", ">-")
# Characters YAML refuses (controls) or reads as line breaks (CR, NEL, LS, PS) or
# treats specially (BOM): front-matter holding any of them goes to PyYAML.
_UNUSUAL_CHAR = re.compile(
    r"[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


class _Fallback(Exception):
    """The line parser met something it does not read exactly like PyYAML."""


_COMMENT = re.compile(r"[ \t]+#")
_QUOTED_THEN_COMMENT = re.compile(r"""("[^"\\]*"|'(?:[^']|'')*')[ \t]+#.*""")


def _uncomment(text: str) -> str:
    """Give a value's text without a trailing `# comment` (a `#` after white space)."""
    if text.startswith("#"):
        return ""
    if text[0] in "\"'":
        quoted = _QUOTED_THEN_COMMENT.fullmatch(text)
        return quoted.group(1) if quoted else text
    found = _COMMENT.search(text)
    return text[: found.start()] if found else text


def _scalar(text: str) -> tuple[Any, str]:
    """Give (value, raw) for one scalar as written, or raise _Fallback.

    Short texts are memoised: notes repeat their values (types, statuses, days) again
    and again, and every value given is immutable. Long ones, mostly one of a kind,
    are not: the watcher would keep them for its whole life.
    """
    return _short_scalar(text) if len(text) <= _MEMO_MAX else _read_scalar(text)


_MEMO_MAX = 64
_MAX_FAST_DEPTH = 8
_LONG_LINE = 2_000


def _read_scalar(text: str) -> tuple[Any, str]:
    """Give _scalar's answer, worked out."""
    if not text:
        return None, ""
    first = text[0]
    if first == '"':
        if len(text) < 2 or not text.endswith('"') or "\\" in text or '"' in text[1:-1]:
            raise _Fallback
        return text[1:-1], text[1:-1]
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or not text.endswith("'") or "'" in inner.replace("''", ""):
            raise _Fallback
        inner = inner.replace("''", "'")
        return inner, inner
    if " #" in text or ": " in text or text.endswith(":") or "\t#" in text:
        raise _Fallback
    if text in _NULLS:
        return None, text
    if text in _BOOLS:
        return _BOOLS[text], text
    if _NUMBERISH.match(text):
        if _INT.fullmatch(text):
            return int(text), text
        if _DATE_LIKE.fullmatch(text):
            return text, text  # a date or datetime: text on both paths (see _Loader)
        raise _Fallback
    if not _SAFE_PLAIN.fullmatch(text):
        raise _Fallback
    return text, text


_short_scalar = lru_cache(maxsize=1 << 14)(_read_scalar)


_FLOW_ITEM = re.compile(r"""[ \t]*("[^"\\]*"|'(?:[^']|'')*'|[^,"'\[\]{}]*?)[ \t]*(,|$)""")


def _flow_list(text: str) -> list[Any]:
    """Give the items of a one-line flow list of scalars, or raise _Fallback."""
    inner = text[1:-1]
    if not inner.strip():
        return []
    items: list[Any] = []
    pos = 0
    while pos < len(inner):
        match = _FLOW_ITEM.match(inner, pos)
        if match is None or match.end() == pos:
            raise _Fallback
        item, sep = match.group(1), match.group(2)
        if item == "":
            if sep == "" and items and match.end() == len(inner):
                break  # a trailing comma, as YAML allows
            raise _Fallback
        items.append(_scalar(item)[0])
        pos = match.end()
        if sep == "":
            if pos != len(inner):
                raise _Fallback
            break
    return items


def _block_scalar(lines: list[str], start: int, style: str) -> tuple[str, int]:
    """Give (value, next line index) of a `|`/`>` block scalar's lines, or raise _Fallback.

    Only the plainest blocks are read here: one indentation, no blank lines, no
    tabs, nothing after them but a line that is not blank. PyYAML reads the rest.
    """
    end = start
    first = lines[start] if start < len(lines) else ""
    indent = len(first) - len(first.lstrip(" "))
    if indent == 0 or not first.strip():
        raise _Fallback
    prefix = " " * indent
    while end < len(lines) and lines[end].startswith(prefix):
        line = lines[end]
        if "\t" in line or not line.strip():
            raise _Fallback
        if style[0] == ">" and (line[indent] == " " or line.endswith(" ")):
            raise _Fallback  # more-indented or trailing-space lines fold differently
        end += 1
    if end < len(lines) and not lines[end].strip() and any(rest for rest in lines[end:]):
        raise _Fallback  # a blank line may belong to the block: let PyYAML decide
    content = [line[indent:] for line in lines[start:end]]
    value = ("\n" if style[0] == "|" else " ").join(content)
    # Clip keeps the last line break, when the text has one after the block.
    clip = not style.endswith("-") and end < len(lines)
    return (value + "\n" if clip else value), end


def _mapping(
    lines: list[str], start: int, outer: int, depth: int = 1
) -> tuple[dict[str, Any], int]:
    """Give (mapping, next line index) of a block mapping indented deeper than `outer`
    columns, whose values are scalars or block mappings in turn."""
    if depth > _MAX_FAST_DEPTH:
        raise _Fallback  # PyYAML, with its own guards, reads anything nested deeper
    out: dict[str, Any] = {}
    indent = -1
    i = start
    while i < len(lines):
        line = lines[i]
        if "\t" in line and line.lstrip(" ").startswith("\t"):
            raise _Fallback  # as in _fast: PyYAML refuses most tab indentation
        if not line.strip(" \t") or line.lstrip(" ").startswith("#"):
            i += 1
            continue
        stripped = line.lstrip(" ")
        here = len(line) - len(stripped)
        if here <= outer or here < indent:
            break  # the line belongs to a mapping further out, which checks its indent
        if indent < 0:
            indent = here
        elif here != indent:
            raise _Fallback
        match = _KEY_LINE.fullmatch(stripped)
        if not match:
            raise _Fallback
        key, text = match.group(1), (match.group(2) or "").rstrip(" \t")
        if "#" in text:
            text = _uncomment(text)
        if key in out or key == "<<" or key in _BOOLS or key in _NULLS:
            raise _Fallback
        i += 1
        if not text:
            out[key], i = _mapping(lines, i, indent, depth + 1)  # nested, or PyYAML decides
            continue
        if text[0] in "[{|>":
            raise _Fallback
        out[key] = _scalar(text)[0]
    if not out:
        raise _Fallback
    return out, i


def _fast(lines: list[str], first_line: int) -> dict[str, Field] | None:
    """Give the fields of simple front-matter, or None when PyYAML must read it."""
    fields: dict[str, Field] = {}
    list_key: str | None = None
    items: list[Any] = []
    indent = ""
    i = 0
    count = len(lines)
    try:
        while i < count:
            line = lines[i]
            i += 1
            if "\t" in line and line.lstrip(" ").startswith("\t"):
                return None  # PyYAML refuses a tab in most indentation, even on a blank line
            if not line.strip(" \t") or line.lstrip(" \t").startswith("#"):
                continue
            if list_key is not None:
                item = _ITEM_LINE.fullmatch(line)
                if item and (not items or item.group(1) == indent):
                    if line[len(item.group(1)) + 1 :].lstrip(" ").startswith("\t"):
                        return None  # nor a tab after the dash of an item
                    indent = item.group(1)
                    text = item.group(2) or ""
                    items.append(_scalar(_uncomment(text) if "#" in text else text)[0])
                    continue
                if not items and line[0] == " " and not item:
                    mapping, i = _mapping(lines, i - 1, 0)
                    fields[list_key] = Field(mapping, fields[list_key].line, None)
                    list_key = None
                    continue
                if line[0] in " \t" or item:
                    return None
                if items:
                    fields[list_key] = Field(items, fields[list_key].line, None)
                list_key = None
            match = _KEY_LINE.fullmatch(line)
            if not match:
                return None
            key, text = match.group(1), match.group(2) or ""
            if "#" in text:
                text = _uncomment(text)
            if key in fields or key == "<<":
                return None  # duplicate keys are reported by the full parser
            if key in _BOOLS or key in _NULLS:
                return None  # YAML reads `on:` or `null:` as a boolean or null key
            lineno = first_line + i - 1
            if not text:
                list_key, items = key, []
                fields[key] = Field(None, lineno, "")
            elif text.startswith("["):
                if not text.endswith("]") or text.startswith("[["):
                    return None
                fields[key] = Field(_flow_list(text), lineno, None)
            elif text in _BLOCK_STYLES:
                value, i = _block_scalar(lines, i, text)
                fields[key] = Field(value, lineno, value)
            else:
                value, raw = _scalar(text)
                fields[key] = Field(value, lineno, raw)
        if list_key is not None and items:
            fields[list_key] = Field(items, fields[list_key].line, None)
    except _Fallback:
        return None
    return fields


# --- the full parser ------------------------------------------------------------


def _node_count(root: yaml.Node) -> int:
    """Give how many nodes the document has once every alias is expanded."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done or not children:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
            if sizes[id(node)] > MAX_NODES:
                return sizes[id(node)]
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _first_line(exc: BaseException) -> str:
    """Give an error's message as one line, without PyYAML's `in "<unicode string>"` trailer.

    A problem is printed as one `path:line: severity: message` line, and PyYAML's own
    positions count from the front-matter, not the file.
    """
    problem = getattr(exc, "problem", None)
    text = problem if isinstance(problem, str) and problem else str(exc)
    return text.strip().split("\n", 1)[0]


def _lone_quote_line(text: str, before: int) -> int | None:
    """Give the 0-based line, just above line `before` of `text`, that holds an odd
    quoted value it never closes, if there is one."""
    lines = text.split("\n")
    for at in range(min(before, len(lines)) - 1, max(before - 3, 0) - 1, -1):
        opens = _OPENS_QUOTED.match(lines[at])
        if opens and not _CLOSING_QUOTE.search(lines[at], opens.end()):
            return at
    return None


def _ran_on(text: str, exc: yaml.MarkedYAMLError) -> bool:
    """Give whether YAML met the error past the end of an unclosed quote or bracket:
    at the end of the text (nothing but blanks after), or on a line that starts the
    next field."""
    if "end of stream" in (exc.problem or ""):
        return True
    mark = exc.problem_mark
    if mark is None:
        return False
    lines = text.split("\n")
    rest = lines[mark.line :]
    return not "".join(rest).strip() or bool(_KEY_START.match(rest[0]))


_KEY_START = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*[ \t]*:(?:[ \t]|$)")
_CLOSING_QUOTE = re.compile(r'(?<!\\)"')

_OPENS_QUOTED = re.compile(r'[ \t]*(?:-[ \t]+|[^:#"\n]+:[ \t]+)"')  # `key: "` or `- "`


def _full(text: str, first_line: int) -> dict[str, Field]:
    """Give the fields of any front-matter PyYAML can read, or raise FrontMatterError."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the pure-Python reader checks the characters here
        at = getattr(exc, "position", None)
        line = first_line + text.count("\n", 0, at) if isinstance(at, int) else first_line
        raise FrontMatterError(
            f"front-matter is not valid YAML: {_first_line(exc)}", line, "yaml"
        ) from exc
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = first_line + mark.line if mark else first_line
            problem = exc.problem or str(exc)
            context = exc.context or ""
            if exc.context_mark is not None and ("quoted" in context or "flow" in context):
                opened = first_line + exc.context_mark.line
                what = "quote" if "quoted" in context else "[ or {"
                if opened != line and _ran_on(text, exc):
                    # An unclosed quote or bracket shows up lines later, often at the
                    # end of the front-matter: point at where it opens instead.
                    problem = f"the {what} on this line is never closed ({problem}, line {line})"
                    line = opened
                elif opened != line:
                    inside = "quoted text" if "quoted" in context else "[ ] or { }"
                    problem = f"{problem} (in the {inside} opened on line {opened})"
            elif exc.problem_mark is not None:
                # `a: "text` then `b: "more"`: the second quote closes the first, and the
                # error shows on the line after. Name the line with the lone quote.
                lone = _lone_quote_line(text, exc.problem_mark.line)
                if lone is not None:
                    problem = f"{problem}; is the quote on line {first_line + lone} closed?"
            if "nesting depth" in problem:
                raise FrontMatterError(
                    "front-matter is nested too deeply to be real data", line, "nesting"
                ) from exc
            raise FrontMatterError(
                f"front-matter is not valid YAML: {problem}", line, "yaml"
            ) from exc
        except yaml.YAMLError as exc:
            raise FrontMatterError(
                f"front-matter is not valid YAML: {_first_line(exc)}", first_line, "yaml"
            ) from exc
        except RecursionError as exc:  # the pure-Python composer has no depth limit
            raise FrontMatterError(
                "front-matter is nested too deeply to be real data", first_line, "nesting"
            ) from exc
        if root is None:
            return {}
        if not isinstance(root, yaml.MappingNode):
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            raise FrontMatterError(
                f"front-matter must be a mapping of fields, but it is {kind}",
                first_line,
                "not-mapping",
            )
        # Without an alias (`*name`) nothing can expand beyond the text's own size.
        if "*" in text and _node_count(root) > MAX_NODES:
            raise FrontMatterError(
                f"front-matter expands to more than {MAX_NODES} values (YAML aliases)",
                first_line,
                "alias-bomb",
            )
        fields: dict[str, Field] = {}
        for key_node, value_node in root.value:
            line = first_line + key_node.start_mark.line
            try:
                key = loader.construct_object(key_node, deep=True)
                value = loader.construct_object(value_node, deep=True)
            except RecursionError as exc:
                raise FrontMatterError(
                    "front-matter is nested too deeply to be real data", line, "nesting"
                ) from exc
            except (yaml.YAMLError, ValueError, TypeError) as exc:
                mark = getattr(exc, "problem_mark", None)
                raise FrontMatterError(
                    f"front-matter value cannot be read: {_first_line(exc)}",
                    first_line + mark.line if mark else line,
                    "yaml",
                ) from exc
            if not isinstance(key, str):
                key = str(key)
            if key in fields:
                raise FrontMatterError(
                    f"field '{key}' is given twice (lines {fields[key].line} and {line})",
                    line,
                    "duplicate-key",
                )
            raw = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
            fields[key] = Field(value, line, raw)
        return fields
    finally:
        loader.dispose()


def read_fields(text: str, first_line: int = 2) -> dict[str, Field]:
    """Give the top-level fields of front-matter text, or raise FrontMatterError.

    `first_line` is the file line on which the front-matter text starts, so that
    every line given back is a line of the file.
    """
    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise FrontMatterError(
            f"front-matter is longer than {MAX_FRONT_MATTER_CHARS} characters",
            first_line,
            "too-large",
        )
    lines = text.split("\n")
    # A line of thousands of characters goes to LibYAML too: the line parser's patterns
    # backtrack over long runs of blanks, which could take seconds.
    simple = not (
        _UNUSUAL_CHAR.search(text)
        or (_TAB_TO_FULL and "\t" in text)
        or max(map(len, lines)) > _LONG_LINE
    )
    fast = _fast(lines, first_line) if simple else None
    if fast is not None:
        return fast
    return _full(text, first_line)


def read_fields_slow(text: str, first_line: int = 2) -> dict[str, Field]:
    """Give the fields as the full PyYAML parser reads them (the fast path's reference, and
    what explains front-matter that edit.py cannot load)."""
    return _full(text, first_line)
