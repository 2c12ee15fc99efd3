"""Importing contacts: LinkedIn's connections export, vCard files, any CSV.

Every reader turns its file into rows of contact fields, each with the line of the
file it starts on; a row that cannot be read is reported with that line and
skipped, and a value that cannot be read in a row that can (LinkedIn's impossible
"Connected On" date) is left out with a warning. importer.import_rows then writes
the notes.

A file is UTF-8, or the encoding its byte-order mark names: Excel's "CSV UTF-8"
(UTF-8 with a BOM) and "Unicode Text" (UTF-16 with a BOM, tab-separated) both read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from vaultkit.errors import ExportError, UsageError
from vaultkit.importer import ImportResult, Problem, Row, import_rows

__all__ = ["ImportResult", "import_file", "read_csv", "read_linkedin", "read_vcards"]
from vaultkit.model import SOURCES
from vaultkit.vcard import list_values, parse_cards, text_values

FIELDS = (
    "name",
    "first_name",
    "last_name",
    "aliases",
    "org",
    "role",
    "email",
    "phone",
    "linkedin",
    "source",
    "seniority",
    "referred_by",
    "tags",
    "notes",
)
LIST_FIELDS = ("aliases", "referred_by", "tags")
DELIMITERS = ("\t", ";", ",")
# Column names (lower case, spaces and dashes as _) mapped to a field without --map.
SYNONYMS = {
    "full_name": "name",
    "display_name": "name",
    "given_name": "first_name",
    "surname": "last_name",
    "family_name": "last_name",
    "e_mail": "email",
    "email_address": "email",
    "company": "org",
    "organisation": "org",
    "organization": "org",
    "employer": "org",
    "title": "role",
    "position": "role",
    "job_title": "role",
    "mobile": "phone",
    "telephone": "phone",
    "phone_number": "phone",
    "linkedin_url": "linkedin",
    "nickname": "aliases",
    "categories": "tags",
    "note": "notes",
}
LINKEDIN_HEADER = ("First Name", "Last Name")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- reading files ---------------------------------------------------------------


# Byte-order marks, longest first: UTF-32's LE mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode(data: bytes) -> str:
    """Give a file's text: UTF-8, or the encoding its byte-order mark names (UTF-8,
    UTF-16 as Excel's "Unicode Text" saves it, UTF-32); ExportError for bytes that are
    not text."""
    encoding, label, body = "utf-8", "UTF-8", data
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            encoding, label, body = codec, name, data[len(bom) :]
            break
    if body.startswith(b"PK\x03\x04"):
        raise ExportError("not text but a zip file (an Excel workbook?): save it as CSV")
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        at = exc.start + len(data) - len(body)
        nor = ", nor UTF-16 with a byte-order mark" if data is body else ""
        raise ExportError(f"not {label} text (byte {at}){nor}") from exc
    if "\x00" in text:
        at = text.index("\x00")
        raise ExportError(
            f"not text: it holds NUL characters (character {at}); if it is UTF-16, "
            "save it with its byte-order mark (Excel's Unicode Text) or as UTF-8"
        )
    return text


@contextlib.contextmanager
def _cells_up_to(text: str) -> Iterator[None]:
    """Let csv read cells as long as `text` inside the block, then put its limit back."""
    # csv stops at a cell over 131,072 characters, which would stop the whole import
    # at one long cell; read whole, the row is judged alone (importer.too_large). The
    # limit is the whole process's, hence put back.
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(len(text) + 1, 2**31 - 1)))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _records(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Give (line the record starts on, cells) for each CSV record, blank lines skipped."""
    with _cells_up_to(text):  # all read at once, so the limit is raised only meanwhile
        return iter(list(_each_record(text, delimiter)))


def _each_record(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ExportError(f"line {reader.line_num}: not valid CSV ({exc})") from exc
        if any(c.strip() for c in cells):
            yield start, cells


def linkedin_day(text: str) -> str:
    """Give LinkedIn's `12 Mar 2024` (or an ISO date) as YYYY-MM-DD; ValueError otherwise."""
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})", text)
    if _ISO.fullmatch(text):
        year, month, day = (int(p) for p in text.split("-"))
    elif match is not None and match.group(2).lower() in _MONTHS:
        day, month = int(match.group(1)), _MONTHS[match.group(2).lower()]
        year = int(match.group(3))
    else:
        raise ValueError(f"{text!r} is not a date like 12 Mar 2024")
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def read_linkedin(text: str) -> tuple[list[Row], list[Problem]]:
    """Give the rows of LinkedIn's Connections.csv (after its "Notes:" preamble)."""
    records = _records(text)
    header: list[str] | None = None
    for _, cells in records:
        if all(h in [c.strip() for c in cells] for h in LINKEDIN_HEADER):
            header = [c.strip() for c in cells]
            break
    if header is None:
        raise ExportError(
            "not a LinkedIn connections export: no header line starting `First Name,Last Name,...`"
        )
    col = {name: i for i, name in enumerate(header)}
    rows: list[Row] = []
    bad: list[Problem] = []
    for line, cells in records:
        if len(cells) != len(header):
            bad.append(Problem(line, "", f"has {len(cells)} fields; the header has {len(header)}"))
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[col[name]].strip() if name in col else ""

        values: dict[str, Any] = {
            "first_name": cell("First Name"),
            "last_name": cell("Last Name"),
            "email": cell("Email Address"),
            "org": cell("Company"),
            "role": cell("Position"),
            "source": "online",
        }
        url = cell("URL")
        if url:
            values["linkedin"] = url
        warnings: list[tuple[str, str]] = []
        if cell("Connected On"):
            try:
                values["connected"] = linkedin_day(cell("Connected On"))
            except ValueError as exc:  # the person is real; only the day is lost
                warnings.append(("Connected On", f"{exc}; imported without `connected:`"))
        rows.append(Row(line, values, tuple(warnings)))
    return rows, bad


def column_map(header: Sequence[str], mapping: Mapping[str, str]) -> dict[int, str]:
    """Give field by column index: columns named like a field, then `mapping` (COLUMN=FIELD)."""
    names = [h.strip() for h in header]
    out: dict[int, str] = {}
    for i, column in enumerate(names):
        key = re.sub(r"[\s-]+", "_", column.casefold())
        found = key if key in FIELDS else SYNONYMS.get(key)
        if found:
            out[i] = found
    for column, target in mapping.items():
        if target not in (*FIELDS, "-"):
            raise UsageError(
                f"--map {column}={target}: the field must be one of {', '.join(FIELDS)}"
            )
        matches = [i for i, n in enumerate(names) if n.casefold() == column.strip().casefold()]
        if not matches:
            raise UsageError(
                f"--map {column}=...: no column {column!r} (columns: {_listed(names)})"
            )
        for i in matches:
            if target == "-":
                out.pop(i, None)
            else:
                out[i] = target
    taken: dict[str, int] = {}
    for i, target in sorted(out.items()):
        if target in taken and target not in (*LIST_FIELDS, "notes"):
            raise UsageError(
                f"columns {names[taken[target]]!r} and {names[i]!r} both give {target}; "
                f"map one elsewhere with --map {names[i]}=-"
            )
        taken.setdefault(target, i)
    if not ({"name", "first_name", "last_name"} & set(out.values())):
        raise UsageError(
            f"no column gives the person's name (columns: {_listed(names)}); "
            "map one with --map COLUMN=name, or two with --map COLUMN=first_name "
            "--map COLUMN=last_name"
        )
    return out


def _listed(names: Sequence[str]) -> str:
    """Give a header's column names for a message, each quoted (a blank one shows)."""
    return ", ".join(repr(n) for n in names)


def delimiter_of(text: str) -> str:
    """Give the delimiter of a CSV file: of tab, semicolon and comma, the one that splits
    its header line into the most columns; on a tie the one least likely in plain text
    (a tab, then a semicolon), so `Name<tab>City, State` is two columns."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    with _cells_up_to(header):
        counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of a tie


def read_csv(
    text: str, mapping: Mapping[str, str], source: str | None
) -> tuple[list[Row], list[Problem]]:
    """Give the rows of any CSV with a header line, its columns mapped to contact fields."""
    records = _records(text, delimiter_of(text))
    first = next(records, None)
    if first is None:
        raise ExportError("the CSV file is empty")
    header = first[1]
    columns = column_map(header, mapping)
    rows: list[Row] = []
    bad: list[Problem] = []
    for line, cells in records:
        if len(cells) != len(header):
            bad.append(Problem(line, "", f"has {len(cells)} fields; the header has {len(header)}"))
            continue
        values: dict[str, Any] = {}
        for i, target in sorted(columns.items()):
            cell = cells[i].strip()
            if not cell:
                continue
            if target in LIST_FIELDS:
                items = list_items(cell, ";," if target == "tags" else ";")
                values[target] = [*values.get(target, []), *items]
            elif target == "notes" and "notes" in values:
                values["notes"] += "\n\n" + cell
            else:
                values[target] = cell
        if source and "source" not in values:
            values["source"] = source
        if values.get("referred_by") and "source" not in values:
            values["source"] = "referral"  # schema.md: referral goes with referred_by
        rows.append(Row(line, values))
    return rows, bad


def read_vcards(text: str, source: str | None) -> tuple[list[Row], list[Problem]]:
    """Give a row for each card of a .vcf file (vCard 2.1, 3.0 or 4.0)."""
    cards, errors = parse_cards(text)
    bad = [Problem(e.line, "", str(e)) for e in errors]
    rows: list[Row] = []
    for card in cards:
        values: dict[str, Any] = {}
        name = " ".join((text_values(card, "FN") or [""])[0].split())
        if not name and card.structured.get("N"):
            parts = card.structured["N"][0] + ["", "", ""]
            name = " ".join(p for p in (parts[3], parts[1], parts[2], parts[0], parts[4]) if p)
        values["name"] = name
        org = card.structured.get("ORG")
        if org and org[0][0].strip():
            values["org"] = org[0][0].strip()
        for prop, key in (("TITLE", "role"), ("EMAIL", "email"), ("TEL", "phone")):
            found = [v for v in text_values(card, prop) if v]
            if found:
                values[key] = found[0]
        urls = [v for v in text_values(card, "URL") if "linkedin.com" in v.lower()]
        if urls:
            values["linkedin"] = urls[0]
        for prop, key in (("NICKNAME", "aliases"), ("CATEGORIES", "tags")):
            items = list_values(card, prop)
            if items:
                values[key] = items
        notes = [v for v in text_values(card, "NOTE") if v]
        if notes:
            values["notes"] = "\n\n".join(notes)
        if source:
            values["source"] = source
        rows.append(Row(card.line, values))
    return rows, bad


def import_file(
    root: str | os.PathLike[str],
    kind: str,
    data: bytes,
    today: date,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str | None = None,
    dry_run: bool = False,
    name: str | None = None,
) -> ImportResult:
    """Give the result of importing a file's bytes: kind is linkedin, vcard or csv.

    `name` (the file's name, as the user gave it) names the file in an error about
    its content or columns (an ExportError, or a UsageError: no column gives the
    name, a --map that names no column)."""
    if source is not None and source not in SOURCES:
        raise UsageError(f"--source must be one of {', '.join(SOURCES)}")
    if kind not in ("linkedin", "vcard", "csv"):
        raise UsageError(f"cannot import {kind!r}: linkedin, vcard or csv")
    try:
        text = decode(data)
        if kind == "linkedin":
            rows, bad = read_linkedin(text)
            if source:
                rows = [replace(r, values={**r.values, "source": source}) for r in rows]
            label = "LinkedIn"
        elif kind == "vcard":
            rows, bad = read_vcards(text, source)
            label = "a vCard file"
        else:
            rows, bad = read_csv(text, mapping or {}, source)
            label = "a CSV file"
    except (ExportError, UsageError) as exc:
        if exc.path is not None or not name:
            raise
        raise type(exc)(exc.message, name, exc.line) from exc
    return import_rows(root, rows, bad, today, label=label, dry_run=dry_run)


def list_items(cell: str, separators: str) -> list[str]:
    """Give the items of a CSV list cell: split on the separators (`;`, or `;,`), except
    where a backslash keeps one (`\\;`, as `vaultkit export csv` writes an item holding it)."""
    item = _LIST_ITEM_TAGS if "," in separators else _LIST_ITEM
    found = (_UNESCAPE.sub(r"\1", m.group(0)).strip() for m in item.finditer(cell))
    return [i for i in found if i]


_LIST_ITEM = re.compile(r"(?:\\.|[^;\\]|\\$)+")
_LIST_ITEM_TAGS = re.compile(r"(?:\\.|[^;,\\]|\\$)+")
_UNESCAPE = re.compile(r"\\([\\;,])")
