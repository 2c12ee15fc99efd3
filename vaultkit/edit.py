"""Surgical edits to a user's note front-matter that keep every other byte as written.

Nothing here re-serialises YAML: an edit changes the text of one line (or inserts
lines), then the result is parsed again and must read as the old mapping plus exactly
the intended change, with the body untouched; anything else raises EditRefusedError.

Decisions:
- A value is written plain when YAML reads it back as the same string (dates such as
  `2026-03-04` included), else double-quoted: `"[[Jane Doe]]"`, `"yes"`, `"a: b"`.
- A new field goes last in the front-matter; a note without front-matter gets one.
- append_to_list on a missing field or a bare `key:` writes a block list, using the item
  indent and dash of the note's first block list (default `  - `, as Obsidian writes).
  On a one-line value it stays on that line: `[a, b]` gains an item, a scalar `x`
  becomes `[x, new]`, `null`/`~`/`""` become `[new]`.
- set_scalar returns the text unchanged when the field already reads as that string.
- apply_edit re-reads the file just before the rename; without a lock, a write landing
  between that check and os.replace would still be lost.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from vaultkit.errors import EditRefusedError
from vaultkit.io import replace_keeping
from vaultkit.yamlfm import FrontMatterError, read_fields_slow

_STR = "tag:yaml.org,2002:str"
# The validating loader keeps timestamps as strings, so dates compare as written.
_LOADER: Any = type("_TextDatesLoader", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {})
# libyaml and pure PyYAML disagree on some plain text; a new plain value must suit both.
_PURE_LOADER: Any = type("_PureTextDatesLoader", (yaml.SafeLoader,), {})
_LOADER.yaml_implicit_resolvers = _PURE_LOADER.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith(":timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# The stock resolver says what other readers would make of a plain value.
_RESOLVE: Any = yaml.resolver.Resolver().resolve

_FENCE = re.compile(r"---[ \t]*")
_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*")  # YAML's document end closes it too
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BLANK_OR_COMMENT = re.compile(r"[ \t]*(?:#.*)?")
_COL0_ITEM = re.compile(r"-(?:[ \t]|$)")
_ITEM = re.compile(r"( *)-( +)\S")
_QUOTED = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'""")  # '' is ' inside '...'
_PLAIN_END = re.compile(r"[ \t]+#|[ \t]*$")  # a comment, or trailing blanks
_TRAIL = re.compile(r"(?:[ \t]+#.*)?[ \t]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Number-like text (YAML 1.2 readers such as Obsidian's take 1e3 or 0o17 as numbers).
_NUMBERISH = re.compile(r"[-+.]?[0-9][0-9a-fA-FxXoO_.:eE+-]*|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)")
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_WHY = {
    "block": "the value is a multi-line block scalar (| or >)",
    "anchor": "the value has an anchor, alias or tag",
    "open": "the value goes on over several lines",
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


@dataclass
class _Doc:
    """A note split into BOM, fences, front-matter lines (each with its ending) and body."""

    bom: str
    fence: str  # for a note without front-matter, the fences an edit adds
    lines: list[str]
    close: str
    body: str
    nl: str

    def text(self, lines: list[str]) -> str:
        """Give the note with `lines` as its front-matter."""
        return self.bom + self.fence + "".join(lines) + self.close + self.body


@dataclass
class _Field:
    """Where a top-level field sits: its key line, the lines it spans and its value."""

    start: int
    content: str  # the key line without its line ending
    key_end: int
    vstart: int
    vend: int
    kind: str  # none, plain, quoted or flow
    inner: list[int]  # indexes of the value's lines below the key line that hold YAML


def _refuse(key: str, why: str, index: int | None = None) -> EditRefusedError:
    """Give the refusal for field `key`, located at front-matter line `index` if known."""
    # The opening fence is line 1, so front-matter line i is file line i + 2.
    line = None if index is None else index + 2
    return EditRefusedError(f"cannot edit field {key!r}: {why}", line=line)


def _split(text: str) -> list[str]:
    """Give the lines of text, each keeping its own ending (LF or CRLF)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _strip(line: str) -> str:
    """Give a line without its ending."""
    return line[:-2] if line.endswith("\r\n") else line.rstrip("\n")


def _is_yaml(line: str) -> bool:
    """Give whether a line holds YAML content (not blank, not only a comment)."""
    return _BLANK_OR_COMMENT.fullmatch(_strip(line)) is None


def _read(text: str, key: str) -> _Doc:
    """Give the note split into its parts, refusing layouts a line edit cannot handle."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    rest = text[len(bom) :]
    found = re.search(r"\r?\n", rest)
    nl = found.group() if found else "\n"  # new lines follow the note's first line ending
    lines = _split(rest)
    if not lines or not _FENCE.fullmatch(_strip(lines[0])):
        return _Doc(bom, "---" + nl, [], "---" + nl, rest, nl)
    for i in range(1, len(lines)):
        if _CLOSE.fullmatch(_strip(lines[i])):
            doc = _Doc(bom, lines[0], lines[1:i], lines[i], "".join(lines[i + 1 :]), nl)
            if _ODD_BREAK.search("".join(doc.lines)):
                # YAML would see line breaks that this line-based editor does not.
                raise _refuse(key, "the front-matter uses a lone CR or Unicode line breaks")
            return doc
    raise _refuse(key, "the front-matter opens with --- but never closes, so none can be added")


def _load(lines: list[str], key: str) -> dict[Any, Any]:
    """Give the front-matter as PyYAML reads it (dates as text), refusing non-mappings."""
    try:
        data = yaml.load("".join(lines), Loader=_LOADER)
    except yaml.YAMLError as exc:
        # Said as `check` says it: an unclosed quote is named where it opens, not at
        # the end of the front-matter where YAML notices it.
        try:
            read_fields_slow("".join(lines), 2)  # front-matter line 1 is file line 2
        except FrontMatterError as said:
            why = f"cannot edit field {key!r}: the {said}"
            raise EditRefusedError(why, line=said.line) from exc
        mark = getattr(exc, "problem_mark", None)
        why = f"the front-matter is not valid YAML: {getattr(exc, 'problem', None) or exc}"
        raise _refuse(key, why, None if mark is None else mark.line) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _refuse(key, "the front-matter is not a mapping of fields")
    return data


def _canon(value: Any) -> Any:
    """Give a comparable form of a parsed value that tells 1, 1.0 and True apart."""
    if isinstance(value, dict):
        return ("map", tuple((_canon(k), _canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", tuple(_canon(v) for v in value))
    return (type(value).__name__, repr(value))


def _flow_scan(s: str, i: int) -> tuple[int, list[int]] | None:
    """Give the end of the flow collection opening at s[i] (None if not on s), its commas."""
    depth, j, prev = 0, i, "["
    commas: list[int] = []
    while j < len(s):
        c = s[j]
        if c in "\"'" and prev in "[{,:?":  # a quote only opens a scalar at its start
            quoted = _QUOTED.match(s, j)
            if not quoted:
                return None
            j, prev = quoted.end(), c
            continue
        if c == "#" and s[j - 1] in " \t":
            return None  # a comment: the collection goes on below
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return j + 1, commas
        elif c == "," and depth == 1:
            commas.append(j)
        if c not in " \t":
            prev = c
        j += 1
    return None


def _value_span(s: str, i: int) -> tuple[int, int, str]:
    """Give where the value after a key's colon starts and ends, and what kind it is."""
    while i < len(s) and s[i] in " \t":
        i += 1
    if i == len(s) or s[i] == "#":
        return i, i, "none"
    c = s[i]
    if c in "|>":
        return i, len(s), "block"
    if c in "&*!":
        return i, len(s), "anchor"
    if c in "\"'":
        quoted = _QUOTED.match(s, i)
        return (i, quoted.end(), "quoted") if quoted else (i, len(s), "open")
    if c in "[{":
        scan = _flow_scan(s, i)
        return (i, scan[0], "flow") if scan else (i, len(s), "open")
    return i, _PLAIN_END.search(s, i).start(), "plain"  # type: ignore[union-attr]


def _key_pattern(key: str, nested: bool = False) -> re.Pattern[str]:
    """Give the pattern of `key:` (plain, 'single' or "double" quoted) opening a line.

    With `nested`, of `key:` as a key below the top level: indented, after a dash, or
    inside a flow mapping.
    """
    k = re.escape(key)
    lead = r"(?:^[ \t]*-[ \t]+|^[ \t]+|[{,][ \t]*)" if nested else ""
    return re.compile(rf"{lead}(?:{k}|\"{k}\"|'{k}')[ \t]*:(?=[ \t]|$)")


def _entries(lines: list[str]) -> list[tuple[int, int]]:
    """Give the (first, end) line indexes of each top-level entry of the front-matter."""
    starts = [
        i
        for i, line in enumerate(lines)
        if _is_yaml(line) and line[0] not in " \t" and not _COL0_ITEM.match(_strip(line))
    ]
    return list(zip(starts, [*starts[1:], len(lines)], strict=False))


def _find(doc: _Doc, key: str, mapping: dict[Any, Any]) -> _Field | None:
    """Give where top-level field `key` is written, None if absent; refuse odd layouts."""
    first = next((i for i, line in enumerate(doc.lines) if _is_yaml(line)), None)
    if first is not None and doc.lines[first].startswith("{"):
        raise _refuse(key, "the front-matter is a flow mapping { ... }", first)
    entries = _entries(doc.lines)
    if first is not None and (not entries or entries[0][0] != first):
        raise _refuse(key, "the front-matter does not start with a field at column 0", first)
    pattern = _key_pattern(key)
    hits = [(s, e) for s, e in entries if pattern.match(_strip(doc.lines[s]))]
    if len(hits) > 1:
        raise _refuse(key, "the field is written more than once", hits[1][0])
    if not hits:
        if key in mapping:
            raise _refuse(key, "the key is written in a form vaultkit cannot edit (merge, ? key)")
        nested = _key_pattern(key, nested=True)
        for i, line in enumerate(doc.lines):
            if nested.search(_strip(line)):
                raise _refuse(key, "the key is written inside a nested mapping", i)
        return None
    start, end = hits[0]
    if key not in mapping:
        raise _refuse(key, "YAML does not read this line as a top-level field", start)
    for i in range(start, end):
        if _is_yaml(doc.lines[i]) and re.match(r" *\t", doc.lines[i]):
            raise _refuse(key, "the value is indented with tabs", i)
    content = _strip(doc.lines[start])
    key_end = pattern.match(content).end()  # type: ignore[union-attr]
    vstart, vend, kind = _value_span(content, key_end)
    inner = [i for i in range(start + 1, end) if _is_yaml(doc.lines[i])]
    if kind in _WHY:
        raise _refuse(key, _WHY[kind], start)
    if kind != "none" and (inner or not _TRAIL.fullmatch(content[vend:])):
        raise _refuse(key, "the value goes on over several lines or past its end", start)
    return _Field(start, content, key_end, vstart, vend, kind, inner)


def _plain_ok(value: str, flow: bool) -> bool:
    """Give whether `value` can be written unquoted and still read as this very string."""
    if not value or value != value.strip() or value[0] in "-?:,[]{}#&*!|>'\"%@`":
        return False
    if "#" in value or ": " in value or value.endswith(":") or not value.isprintable():
        return False
    if _NUMBERISH.fullmatch(value) or (flow and any(c in value for c in ",[]{}")):
        return False
    if _RESOLVE(yaml.ScalarNode, value, (True, False)) != _STR:
        return False  # another reader would see a bool, number, null or timestamp
    line, want = (f"k: [{value}]", [value]) if flow else (f"k: {value}", value)
    try:  # the last word is YAML's own reading of the plain text
        return all(yaml.load(line, Loader=lo) == {"k": want} for lo in (_LOADER, _PURE_LOADER))
    except yaml.YAMLError:
        return False


def _render(value: str, key: str, flow: bool = False) -> str:
    """Give `value` as YAML text: plain if that is safe, else double-quoted with escapes."""
    if re.search("[\ud800-\udfff]", value):
        raise _refuse(key, "the new value holds characters UTF-8 cannot store")
    if _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return value  # a real date is written plain, as users write dates
        except ValueError:
            pass
    if _plain_ok(value, flow):
        return value
    return '"' + "".join(map(_escape, value)) + '"'


def _escape(c: str) -> str:
    """Give one character as written inside a double-quoted YAML scalar."""
    if c in _ESCAPES or c.isprintable():
        return _ESCAPES.get(c, c)
    code = ord(c)
    letter, width = ("x", 2) if code < 0x100 else ("u", 4) if code < 0x10000 else ("U", 8)
    return f"\\{letter}{code:0{width}x}"


def _locate(text: str, key: str) -> tuple[_Doc, dict[Any, Any], _Field | None]:
    """Give the note's parts, its front-matter as read, and where `key` is written."""
    if not _KEY_NAME.fullmatch(key) or _RESOLVE(yaml.ScalarNode, key, (True, False)) != _STR:
        raise _refuse(key, "field names must be plain words (letters, digits, _ and -)")
    doc = _read(text, key)
    old = _load(doc.lines, key)
    return doc, old, _find(doc, key, old)


def _verify(doc: _Doc, new_text: str, key: str, expected: dict[Any, Any]) -> str:
    """Give new_text once it reads as `expected` with the same BOM and body; else refuse."""
    try:
        after = _read(new_text, key)
        ok = (after.bom, after.body) == (doc.bom, doc.body)
        ok = ok and _canon(_load(after.lines, key)) == _canon(expected)
    except (EditRefusedError, RecursionError):
        ok = False
    if not ok:
        raise _refuse(key, "the edit would not read back as intended (layout not understood)")
    return new_text


def set_scalar(text: str, key: str, value: str) -> str:
    """Give `text` with top-level field `key` set to the scalar `value`, all else as written."""
    doc, old, field = _locate(text, key)
    lines = list(doc.lines)
    if field is None:
        lines.append(f"{key}: {_render(value, key)}{doc.nl}")
    else:
        if _canon(old[key]) == _canon(value):
            return text
        if field.inner:
            raise _refuse(
                key, "the value spans several lines (a list, mapping or long text)", field.start
            )
        c, eol = field.content, doc.lines[field.start][len(field.content) :]
        if field.kind == "none":  # `key:` or `key:  # comment`: the value goes after the colon
            c = f"{c[: field.key_end]} {_render(value, key)}{c[field.key_end :]}"
        else:
            c = c[: field.vstart] + _render(value, key) + c[field.vend :]
        lines[field.start] = c + eol
    return _verify(doc, doc.text(lines), key, {**old, key: value})


def _item_prefix(lines: list[str]) -> str:
    """Give the indent and dash of the note's first block list item, `  - ` if none."""
    previous = ""
    for line in lines:
        item = _ITEM.match(line)
        if item and re.fullmatch(r"[^\s#-].*:[ \t]*(?:#.*)?", _strip(previous)):
            return f"{item.group(1)}-{item.group(2)}"
        if _is_yaml(line):
            previous = line
    return "  - "


def _flow_append(flow: str, item: str) -> str:
    """Give the one-line flow list `flow` with `item` added, in the list's own spacing."""
    inner = flow[1:-1]
    core = inner.strip()
    if not core:
        return f"[{item}]"
    scan = _flow_scan(flow, 0)
    sep = ", "
    if scan and scan[1]:
        comma = scan[1][0]  # copy the spacing around the list's first comma
        before, after = flow[:comma], flow[comma + 1 :]
        sep = before[len(before.rstrip(" ")) :] + "," + after[: len(after) - len(after.lstrip(" "))]
    if core.endswith(","):
        core = core[:-1].rstrip()
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"[{lead}{core}{sep}{item}{trail}]"


def append_to_list(text: str, key: str, value: str) -> str:
    """Give `text` with `value` appended to the top-level list `key`, all else as written."""
    doc, old, field = _locate(text, key)
    lines, nl = list(doc.lines), doc.nl
    if field is None:
        lines += [f"{key}:{nl}", f"{_item_prefix(lines)}{_render(value, key)}{nl}"]
        return _verify(doc, doc.text(lines), key, {**old, key: [value]})
    current = old[key]
    if isinstance(current, dict):
        raise _refuse(key, "the value is a mapping, not a list", field.start)
    if field.kind == "none" and not field.inner:  # a bare `key:` becomes a block list
        lines.insert(field.start + 1, f"{_item_prefix(lines)}{_render(value, key)}{nl}")
        return _verify(doc, doc.text(lines), key, {**old, key: [value]})
    if field.kind == "none":
        item = _ITEM.match(lines[field.inner[0]])
        if not isinstance(current, list) or item is None:
            raise _refuse(key, "the value spans several lines and is not a block list", field.start)
        # Insert after the last item, leaving trailing comments and blank lines below it.
        lines.insert(
            field.inner[-1] + 1, f"{item.group(1)}-{item.group(2)}{_render(value, key)}{nl}"
        )
        return _verify(doc, doc.text(lines), key, {**old, key: [*current, value]})
    c = field.content
    written, item_text = c[field.vstart : field.vend], _render(value, key, flow=True)
    if isinstance(current, list):
        new, expected = _flow_append(written, item_text), [*current, value]
    elif current is None or current == "":  # an empty value becomes a one-item list
        new, expected = f"[{item_text}]", [value]
    else:  # a one-line scalar becomes a flow list [old, new], keeping the old text
        if field.kind == "plain" and re.search(r"[,\[\]{}]", written):
            if not isinstance(current, str):
                raise _refuse(key, "the old value cannot be moved into a list", field.start)
            written = _render(current, key, flow=True)
        new, expected = f"[{written}, {item_text}]", [current, value]
    lines[field.start] = c[: field.vstart] + new + c[field.vend :] + lines[field.start][len(c) :]
    return _verify(doc, doc.text(lines), key, {**old, key: expected})


def _fingerprint(path: Path) -> tuple[int, int, bytes, bytes]:
    """Give the file's mtime, size, content hash and bytes, read through one descriptor."""
    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        data = handle.read()
    return info.st_mtime_ns, info.st_size, hashlib.sha256(data).digest(), data


def apply_edit(
    path: Path,
    change: Callable[[str], str],
    *,
    _before_write: Callable[[], None] | None = None,
) -> bool:
    """Give whether the file was rewritten with change(its text), atomically and safely.

    The note is refused (nothing written) if it is not UTF-8, if `change` refuses, or if
    the file changed on disk between reading and writing. `_before_write` is a test hook.
    """
    real = Path(os.path.realpath(path))  # write through a symlink, keeping the link
    try:
        mtime, size, digest, data = _fingerprint(real)
        text = data.decode("utf-8")  # a BOM stays in the text as U+FEFF
    except UnicodeDecodeError as exc:
        raise EditRefusedError("the note is not UTF-8 text", path=str(path)) from exc
    except OSError as exc:
        raise EditRefusedError(f"cannot read the note ({exc.strerror})", path=str(path)) from exc
    try:
        new_text = change(text)
    except EditRefusedError as exc:
        if exc.path is None:
            raise EditRefusedError(exc.message, path=str(path), line=exc.line) from exc
        raise
    if new_text == text:
        return False
    try:
        new_data = new_text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EditRefusedError("the new text cannot be stored as UTF-8", path=str(path)) from exc
    if _before_write is not None:
        _before_write()
    try:
        if _fingerprint(real)[:3] != (mtime, size, digest):
            raise EditRefusedError(
                "the note changed on disk while it was being edited; nothing was written",
                path=str(path),
            )
        found = os.stat(real)
        _refuse_unsafe(found, str(path))
        replace_keeping(real, new_data, found)
    except OSError as exc:
        raise EditRefusedError(f"cannot write the note ({exc.strerror})", path=str(path)) from exc
    return True


def _refuse_unsafe(found: os.stat_result, path: str) -> None:
    """Refuse a note that the rename of an atomic write would wrong: one marked read-only
    (a rename needs only the folder's permission, so it would not be asked), and one with
    other hard links (they would keep the old text)."""
    if not found.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise EditRefusedError(
            "the note is read-only; nothing was written (make it writable to let vaultkit edit it)",
            path=path,
        )
    if found.st_nlink > 1:
        raise EditRefusedError(
            f"the note has {found.st_nlink} hard links, which an edit would split (the "
            "others would keep the old text); nothing was written",
            path=path,
        )
