"""Writing imported contacts: one note per new person, never a duplicate, never half a note.

`import_rows` takes the rows a reader (interop.py) gave and writes one contact note
per new person (source, org, role, email, ... in the front-matter), never one for a
person the vault already has (same name, alias or email, compared case-insensitively
in NFC) or that an earlier row already gave. Notes are created whole, never over an
existing file (newfiles.create_files).

A row is malformed (left out) when it cannot make a note, or would make one vaultkit
could not read back (front-matter over yamlfm's limit, a file over the vault's
limits.max_file_bytes). A value a reader had to leave out of a note it still makes (an
impossible date, say) is a warning on that row, given with the result only when the
row's note is created.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vaultkit.aside import conflict_copies
from vaultkit.build import read
from vaultkit.errors import UsageError
from vaultkit.links import name_key
from vaultkit.model import SENIORITIES, SOURCES
from vaultkit.newfiles import create_files, link_text, safe_name
from vaultkit.vault import FileStat, Vault
from vaultkit.workflow import kind_folder
from vaultkit.yamlfm import MAX_FRONT_MATTER_CHARS

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PLAIN = re.compile(r"[^\W\d_][\w .@&()'+,-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Row:
    """One person read from a file: the line it starts on, its contact fields, and
    (field of the file, why) for each value the reader had to leave out."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Problem:
    """A row left out: its line, the name if known, and why."""

    line: int
    name: str
    reason: str


@dataclass(frozen=True)
class RowWarning:
    """A value left out of a note that was still made: its row's line, the person, the
    field of the file (a column, say) and why."""

    line: int
    name: str
    field: str
    message: str


@dataclass(frozen=True)
class Created:
    """A contact note an import writes (or, on a dry run, would write)."""

    line: int
    name: str
    path: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: notes created, rows skipped as known, rows malformed, and
    warnings about values left out of the notes created."""

    created: tuple[Created, ...]
    skipped: tuple[Problem, ...]
    malformed: tuple[Problem, ...]
    dry_run: bool
    warnings: tuple[RowWarning, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """Give the result as JSON-ready data."""
        return {
            "dry_run": self.dry_run,
            "created": [vars(c) for c in self.created],
            "skipped": [vars(p) for p in self.skipped],
            "malformed": [vars(p) for p in self.malformed],
            "warnings": [vars(w) for w in self.warnings],
        }


def yaml_scalar(text: str) -> str:
    """Give text as a YAML scalar that reads back as the same string: plain if safe, else quoted."""
    if _ISO.fullmatch(text):
        return text
    if _PLAIN.fullmatch(text) and text == text.rstrip() and text.lower() not in _YAML_WORDS:
        return text
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        else:
            code = ord(c)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    return '"' + "".join(out) + '"'


_ORDER = (
    "aliases",
    "org",
    "role",
    "email",
    "phone",
    "linkedin",
    "source",
    "referred_by",
    "seniority",
    "tags",
    "connected",
    "created",
)


def front_matter(values: Mapping[str, Any]) -> str:
    """Give the front-matter text (between the `---` lines) for one imported contact's fields."""
    lines = ["type: contact"]
    for key in _ORDER:
        value = values.get(key)
        if not value:
            continue
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {yaml_scalar(v)}" for v in value]
        else:
            lines.append(f"{key}: {yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def contact_text(values: Mapping[str, Any], imported: str) -> str:
    """Give the note text for one imported contact's fields."""
    lines = ["---", front_matter(values) + "---", imported]
    if values.get("notes"):
        lines += ["", "## Notes", "", values["notes"].replace("\r\n", "\n")]
    return "\n".join(lines) + "\n"


def too_large(values: Mapping[str, Any], data: bytes, max_bytes: int) -> str | None:
    """Give why a contact's note would be too large for vaultkit to read back, or None.

    A note vaultkit writes must be one it can read: the same limits as the reader
    (yamlfm's front-matter limit, the vault's limits.max_file_bytes), so that a long
    cell never becomes a note reported as unreadable on every build."""
    longest = max(
        (k for k in values if values[k]), key=lambda k: len(str(values[k])), default="name"
    )
    hint = f" (its {longest} is {len(str(values[longest])):,} characters)"
    front = len(front_matter(values))
    if front > MAX_FRONT_MATTER_CHARS:
        return (
            f"its front-matter would be {front:,} characters, over the "
            f"{MAX_FRONT_MATTER_CHARS:,} vaultkit reads{hint}"
        )
    if len(data) > max_bytes:
        return (
            f"its note would be {len(data):,} bytes, over the vault's {max_bytes:,}-byte "
            f"limit (limits.max_file_bytes){hint}"
        )
    return None


def name_of(values: Mapping[str, Any]) -> str:
    name = values.get("name") or " ".join(
        p for p in (values.get("first_name", ""), values.get("last_name", "")) if p
    )
    return " ".join(str(name).split())


def _check(values: dict[str, Any]) -> str | None:
    """Give why a row's values cannot make a note, or None (and tidy the values)."""
    email = values.get("email", "")
    if email and not _EMAIL.fullmatch(email):
        return f"email {email!r} is not an address"
    for key, allowed in (("source", SOURCES), ("seniority", SENIORITIES)):
        if values.get(key) and values[key] not in allowed:
            return f"{key} {values[key]!r} is not one of {', '.join(allowed)}"
    return None


class _Known:
    """Who the vault (and this import so far) already has, by name, alias and email."""

    def __init__(self, vault: Vault) -> None:
        self.people: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.orgs: dict[str, str] = {}
        for note in vault.notes:
            self.notes.setdefault(name_key(note.name), note.path)
            if note.kind == "org":
                self.orgs.setdefault(name_key(note.name), note.name)
                for alias in note.aliases:
                    self.orgs.setdefault(name_key(alias), note.name)
            if note.kind != "contact":
                continue
            keys = [("name", note.name), *(("alias", a) for a in note.aliases)]
            for why, text in keys:
                self.people.setdefault(name_key(text), f"{note.path} (same {why})")
            email = note.contact.email if note.contact else None
            if email:
                self.people.setdefault("@" + email.strip().casefold(), f"{note.path} (same email)")

    def keys(self, name: str, stem: str, values: Mapping[str, Any]) -> list[str]:
        keys = [name_key(name), name_key(stem), *(name_key(a) for a in values.get("aliases", []))]
        if values.get("email"):
            keys.append("@" + values["email"].casefold())
        return keys

    def match(self, keys: Iterable[str]) -> str | None:
        return next((self.people[k] for k in keys if k in self.people), None)


def import_rows(
    root: str | os.PathLike[str],
    rows: Sequence[Row],
    malformed: Sequence[Problem],
    today: date,
    *,
    label: str,
    dry_run: bool = False,
) -> ImportResult:
    """Give what importing `rows` into the vault did (or would do, on a dry run)."""
    vault = read(root)
    known = _Known(vault)
    folder = kind_folder(vault.root, vault.config, "contact")
    bad = list(malformed)
    skipped: list[Problem] = []
    planned: list[tuple[Created, bytes]] = []
    imported = f"Imported from {label} on {today.isoformat()}."
    warned: dict[int, list[RowWarning]] = {}
    for row in rows:
        values = dict(row.values)
        name = name_of(values)
        if not name:
            bad.append(Problem(row.line, "", "no name"))
            continue
        why = _check(values)
        try:
            stem = safe_name(name)
        except UsageError as exc:
            why = why or exc.message
        if why:
            bad.append(Problem(row.line, name, why))
            continue
        keys = known.keys(name, stem, values)
        same = known.match(keys)
        if same is not None:
            skipped.append(Problem(row.line, name, f"already in the vault: {same}"))
            continue
        other = known.notes.get(name_key(stem))
        if other is not None:
            skipped.append(Problem(row.line, name, f"a note named {stem!r} exists: {other}"))
            continue
        if stem != name:
            values["aliases"] = [name, *values.get("aliases", [])]
        org = values.get("org")
        if org and name_key(org) in known.orgs:
            values["org"] = link_text(known.orgs[name_key(org)])
        values["referred_by"] = [link_text(n) for n in values.get("referred_by", [])]
        values["created"] = today.isoformat()
        data = contact_text(values, imported).encode("utf-8")
        why = too_large(values, data, vault.config.max_file_bytes)
        if why:
            bad.append(Problem(row.line, name, why))
            continue
        rel = f"{folder}/{stem}.md" if folder else f"{stem}.md"
        for key in keys:
            known.people.setdefault(key, f"row {row.line} of this file")
        known.notes[name_key(stem)] = rel
        planned.append((Created(row.line, name, rel), data))
        warned[row.line] = [RowWarning(row.line, name, f, why) for f, why in row.warnings]
    # A name a sync tool would take for a copy of another note would never be read.
    stats = [FileStat(n.path, 0, 0) for n in vault.notes]
    copies = conflict_copies([*stats, *(FileStat(c.path, 0, 0) for c, _ in planned)])
    keep = []
    for created, text in planned:
        if created.path in copies:
            skipped.append(
                Problem(
                    created.line,
                    created.name,
                    f"looks like a sync copy of {copies[created.path]}; give a fuller name",
                )
            )
        else:
            keep.append((created, text))
    if not dry_run:
        existed = set(create_files(vault.root, [(c.path, t) for c, t in keep]))
        skipped += [
            Problem(c.line, c.name, f"{c.path} appeared meanwhile")
            for c, _ in keep
            if c.path in existed
        ]
        keep = [(c, t) for c, t in keep if c.path not in existed]
    return ImportResult(
        tuple(c for c, _ in keep),
        tuple(sorted(skipped, key=lambda p: p.line)),
        tuple(sorted(bad, key=lambda p: p.line)),
        dry_run,
        tuple(w for c, _ in keep for w in warned[c.line]),
    )
