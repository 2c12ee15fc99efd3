"""vaultkit.toml's checks: a value's kind and range, a path that stays inside the vault,
and the line of the file an error names (config.py puts them together)."""

from __future__ import annotations

import re
from typing import Any

from vaultkit.errors import ConfigError


def whole(value: Any, key: str, path: str, most: int | None = None) -> int:
    """Give `value` if it is a whole number of 0 or more (and at most `most`)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{key} must be a whole number of 0 or more, not {value!r}", path)
    if most is not None and value > most:
        raise ConfigError(f"{key} must be at most {most:,}, not {value:,}", path)
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


def _key(name: str) -> str:
    """Give a regex for a TOML key, bare or quoted."""
    name = re.escape(name)
    return f"(?:{name}|\"{name}\"|'{name}')"


def line_of(text: str | None, table: str, key: str) -> int | None:
    """Give the line of vaultkit.toml's text that sets `table.key` (under `[table]`, as
    `table.key = ...` or in an inline `table = {...}`), or None if it cannot be found."""
    if text is None:
        return None
    current = ""
    header = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?")
    in_table = re.compile(rf"\s*{_key(key)}\s*=")
    dotted = re.compile(rf"\s*{_key(table)}\s*\.\s*{_key(key)}\s*=")
    inline = re.compile(rf"\s*{_key(table)}\s*=\s*\{{")
    for n, line in enumerate(text.split("\n"), 1):
        found = header.fullmatch(line.rstrip("\r"))
        if found:
            current = found.group(1).strip("\"'")
            continue
        at_top = current == "" and (dotted.match(line) or inline.match(line))
        if at_top or (current == table and in_table.match(line)):
            return n
    return None
