"""vaultkit.toml's checks: a value's kind and range, a path that stays inside the vault,
and the line of the file an error names (config.py puts them together)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from vaultkit.errors import ConfigError
from vaultkit.printable import CONTROLS


def whole(
    value: Any,
    key: str,
    path: str,
    line: int | None = None,
    most: int | None = None,
    least: tuple[int, str] = (0, ""),
) -> int:
    """Give `value` if it is a whole number of 0 or more, at least `least` (a number and
    why) and at most `most`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{key} must be a whole number of 0 or more, not {value!r}", path, line)
    if value < least[0]:
        raise ConfigError(
            f"{key} must be at least {least[0]:,}{least[1]}, not {value:,}", path, line
        )
    if most is not None and value > most:
        raise ConfigError(f"{key} must be at most {most:,}, not {value:,}", path, line)
    return value


def text(value: Any, key: str, path: str, line: int | None = None) -> str:
    """Give `value` if it is text."""
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be text, not {value!r}", path, line)
    return value


def inside(value: str, key: str, path: str, line: int | None = None) -> None:
    """Refuse `value`, a vault-relative path, if it would lead out of the vault."""
    if "\0" in value:
        raise ConfigError(f"{key} must not hold a NUL character", path, line)
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "\\")) or ".." in parts or parts[0][1:2] == ":":
        raise ConfigError(
            f"{key} must stay inside the vault (a relative path without `..`), not {value!r}",
            path,
            line,
        )


CONTROL = re.compile(f"[{CONTROLS}]")  # C0, DEL and C1, as printable.py
MAX_NAME_BYTES = 255  # the longest file or folder name most file systems take


def setting(table: str, key: str) -> str:
    """Give the name of `table.key` in a message: the key quoted as in TOML unless bare."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return f"{table}.{key}"
    return f"{table}.{json.dumps(key, ensure_ascii=False)}"


def vault_path(value: str, key: str, path: str, line: int | None) -> list[str]:
    """Give the folder names of `value`, a path inside the vault written from its root
    (`./`, a leading, doubled or trailing `/`, `\\` for `/` allowed), refusing one that
    leads out of the vault or holds a control character (a NUL above all)."""
    value = value.strip("/")  # a leading / means the vault root
    inside(value, key, path, line)
    if CONTROL.search(value):
        raise ConfigError(f"{key} must not hold a control character, not {value!r}", path, line)
    return [p for p in value.replace("\\", "/").split("/") if p not in ("", ".")]


def short_names(parts: list[str], note: bool, key: str, path: str, line: int | None) -> None:
    """Refuse a path with a name longer than a file system takes (the last part, for a
    `note`, with `.md`)."""
    for i, part in enumerate(parts):
        file = note and i == len(parts) - 1
        size = len(f"{part}.md".encode() if file else part.encode())
        if size > MAX_NAME_BYTES:
            what = "a file name of at most 255 bytes with `.md`"
            if not file:
                what = "folder names of at most 255 bytes each"
            raise ConfigError(f"{key} must be {what}, not one of {size:,}", path, line)


def visible(parts: list[str], value: str, key: str, path: str, line: int | None, why: str) -> None:
    """Refuse a path with a hidden folder or file in it (a name starting with `.`)."""
    if any(p.startswith(".") for p in parts):
        raise ConfigError(
            f"{key} must not be hidden (a name starting with `.`), not {value!r}: {why}",
            path,
            line,
        )


def known_keys(
    table: dict[str, Any], name: str, known: Iterable[str], path: str, text: str | None
) -> None:
    """Refuse the first setting of `[name]` that is not one of `known`, naming its line."""
    for key in table:
        if key not in known:
            line = line_of(text, name, key) or table_line(text, f"{name}.{key}")
            raise ConfigError(
                f"unknown setting {setting(name, key)}; known: {', '.join(sorted(known))}",
                path,
                line,
            )


_HEADER = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?")


def table_line(text: str | None, table: str) -> int | None:
    """Give the line of vaultkit.toml's text that opens `table` (dotted for a table in a
    table): its `[table]` header, or a top-level `table = ...` or `table.key = ...`."""
    if text is None:
        return None
    top = re.compile(rf"\s*{_key(table)}\s*[=.]")
    current = ""
    for n, line in enumerate(text.split("\n"), 1):
        found = _HEADER.fullmatch(line.rstrip("\r"))
        if found:
            current = ".".join(p.strip().strip("\"'") for p in found.group(1).split("."))
            if current == table:
                return n
        elif current == "" and top.match(line):
            return n
    return None


def _key(name: str) -> str:
    """Give a regex for a TOML key, bare, quoted, or with escapes as json writes them."""
    forms = {re.escape(name), f'"{re.escape(name)}"', f"'{re.escape(name)}'"}
    forms.add(re.escape(json.dumps(name, ensure_ascii=False)))
    return f"(?:{'|'.join(sorted(forms))})"


def line_of(text: str | None, table: str, key: str) -> int | None:
    """Give the line of vaultkit.toml's text that sets `table.key` (under `[table]`, as
    `table.key = ...` or in an inline `table = {...}`), or None if it cannot be found."""
    if text is None:
        return None
    current = ""
    in_table = re.compile(rf"\s*{_key(key)}\s*=")
    dotted = re.compile(rf"\s*{_key(table)}\s*\.\s*{_key(key)}\s*=")
    inline = re.compile(rf"\s*{_key(table)}\s*=\s*\{{")
    for n, line in enumerate(text.split("\n"), 1):
        found = _HEADER.fullmatch(line.rstrip("\r"))
        if found:
            current = found.group(1).strip("\"'")
            continue
        at_top = current == "" and (dotted.match(line) or inline.match(line))
        if at_top or (current == table and in_table.match(line)):
            return n
    return None
