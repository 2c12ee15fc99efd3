"""A note's bytes to a Note record: front-matter typed by the schema, links, tasks.

A pure function of the file's path, bytes and the config: no I/O here. Whatever is
wrong with a note becomes a Problem on it; parsing never raises.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from vaultkit.body import WIKILINK, nfc, scan_body
from vaultkit.config import MAX_DAYS, Config
from vaultkit.ids import open_task_texts, task_id
from vaultkit.model import (
    CONTACT_STATUSES,
    FIRST_YEAR,
    LAST_YEAR,
    MEETING_MODES,
    MEETING_STATUSES,
    SENIORITIES,
    SOURCES,
    Contact,
    Link,
    Meeting,
    Note,
    Org,
    Problem,
    Severity,
    Task,
)
from vaultkit.yamlfm import Field, FrontMatterError, read_fields

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)

GENERATED_KEY = "generated_by"


def note_name(path: str) -> str:
    """Give a note's name: its file stem (scan takes `.md` in any case), in NFC."""
    file = path.rsplit("/", 1)[-1]
    return nfc(file[:-3] if file.lower().endswith(".md") else file)


def parse_link_text(text: str, field: str | None = None, line: int | None = None) -> Link | None:
    """Give the Link a front-matter value stands for: `[[T#h|a]]` or a plain name."""
    # Memoised for names (a vault names the same people note after note), not for
    # long text, which the watcher would otherwise keep for its whole life.
    if len(text) <= 200:
        return _short_link(text, field, line)
    parts = _read_link_text(text)
    return None if parts is None else Link(parts[0], parts[1], parts[2], field, line, parts[3])


@functools.lru_cache(maxsize=1 << 15)
def _short_link(text: str, field: str | None, line: int | None) -> Link | None:
    """Give parse_link_text's Link for a short text, one object for every note that
    writes the same link on the same line: notes name the same organisation and
    people again and again, and a shared record is pickled into the cache once."""
    parts = _read_link_text(text)
    return None if parts is None else Link(parts[0], parts[1], parts[2], field, line, parts[3])


def _read_link_text(text: str) -> tuple[str, str | None, str | None, bool] | None:
    """Give (target, alias, heading, bracketed) for a front-matter link value."""
    text = text.strip()
    if "\n" in text or "\r" in text or "\t" in text:
        # A YAML escape (`"[[Jane\nDoe]]"`) can break a name over lines; no file name or
        # link holds a line break, and the name is one line wherever it is shown.
        text = " ".join(text.split())
    if not text:
        return None
    match = WIKILINK.fullmatch(text)
    if match:
        target = nfc(match.group(1).strip())
        if not target:
            return None
        return sys.intern(target), _opt(match.group(3)), _opt(match.group(2)), True
    return sys.intern(nfc(text)), None, None, False


def _opt(text: str | None) -> str | None:
    return text.strip() or None if text else None


class _Reader:
    """Turns raw front-matter fields into typed values, collecting problems."""

    def __init__(self, path: str, fields: dict[str, Field]) -> None:
        self.path = path
        self.fields = fields
        self.problems: list[Problem] = []
        self.used: set[str] = set()

    def problem(self, key: str | None, severity: Severity, code: str, message: str) -> None:
        line = self.fields[key].line if key and key in self.fields else None
        self.problems.append(Problem(self.path, line, key, severity, code, message))

    def get(self, key: str) -> Field | None:
        self.used.add(key)
        found = self.fields.get(key)
        return None if found is None or found.value is None else found

    def text(self, key: str) -> str | None:
        found = self.get(key)
        if found is None:
            return None
        value = found.value
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            self.problem(
                key,
                "warning",
                "yaml-1.1",
                f"{key}: YAML reads `{found.raw}` as {str(value).lower()}; "
                f'write {key}: "{found.raw}" if you mean the text',
            )
            return found.raw or str(value)
        if isinstance(value, (int, float)):
            return found.raw if found.raw is not None else str(value)
        self.problem(key, "error", "bad-type", f"{key} should be text, not {_kind(value)}")
        return None

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.text(key)
        if value is not None and value in allowed:
            return sys.intern(value)  # a handful of words, repeated in every note
        if value is not None:
            self.problem(
                key,
                "warning",
                "bad-value",
                f"{key}: '{value}' is not one of {', '.join(allowed)}",
            )
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        found = self.get(key)
        if found is None:
            return ()
        values = found.value if isinstance(found.value, list) else [found.value]
        out: list[str] = []
        for value in values:
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                # Interned: tags and questions come from a handful, note after note.
                out.append(sys.intern(nfc(str(value))))
            elif value is not None:
                self.problem(
                    key, "error", "bad-type", f"{key}: each item should be text, not {_kind(value)}"
                )
        return tuple(out)

    def whole(self, key: str) -> int | None:
        found = self.get(key)
        if found is None:
            return None
        value = found.value
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DAYS:
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_DAYS:
            self.problem(key, "error", "bad-type", f"{key} is too large: at most {MAX_DAYS:,}")
            return None
        self.problem(
            key,
            "error",
            "bad-type",
            f"{key} should be a whole number, not {found.raw or _kind(found.value)}",
        )
        return None

    def flag(self, key: str) -> bool | None:
        found = self.get(key)
        if found is None:
            return None
        if isinstance(found.value, bool):
            return found.value
        self.problem(
            key,
            "error",
            "bad-type",
            f"{key} should be true or false, not {found.raw or _kind(found.value)}",
        )
        return None

    def _date(self, key: str, value: Any) -> tuple[date, datetime | None] | None:
        if isinstance(value, datetime):
            return value.date(), value
        if isinstance(value, date):
            return value, None
        if not isinstance(value, str):
            self.problem(
                key, "error", "bad-date", f"{key} should be a date YYYY-MM-DD, not {_kind(value)}"
            )
            return None
        got = _day_of(value)
        if not isinstance(got, str):
            return got
        if got == "form":
            message = f"{key}: '{value}' is not a date (write YYYY-MM-DD)"
        elif got == "range":
            message = f"{key}: {value} is outside the years {FIRST_YEAR}–{LAST_YEAR}"
        else:
            message = f"{key}: {value} is not a real date"
        self.problem(key, "error", "bad-date", message)
        return None

    def day(self, key: str) -> date | None:
        found = self.get(key)
        if found is None:
            return None
        got = self._date(key, found.value)
        return got[0] if got else None

    def moment(self, key: str) -> tuple[date | None, datetime | None]:
        found = self.get(key)
        if found is None:
            return None, None
        got = self._date(key, found.value)
        return got if got else (None, None)

    def days(self, key: str) -> tuple[date, ...]:
        found = self.get(key)
        if found is None:
            return ()
        values = found.value if isinstance(found.value, list) else [found.value]
        out = [got[0] for v in values if v is not None and (got := self._date(key, v))]
        return tuple(sorted(out))

    def links(self, key: str) -> tuple[Link, ...]:
        found = self.get(key)
        if found is None:
            return ()
        values = found.value if isinstance(found.value, list) else [found.value]
        out: list[Link] = []
        for value in values:
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
                value = value[0]
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
                # Unquoted [[Name]]: YAML read a list inside a list.
                self.problem(
                    key,
                    "warning",
                    "unquoted-link",
                    f'{key}: write links in quotes, "[[{value[0]}]]", or YAML reads a list',
                )
                value = f"[[{value[0]}]]"
            if isinstance(value, str):
                link = parse_link_text(value, key, found.line)
                if link:
                    out.append(link)
            elif value is not None:
                self.problem(
                    key,
                    "error",
                    "bad-type",
                    f'{key} should be a link like "[[Name]]", not {_kind(value)}',
                )
        return tuple(out)

    def link(self, key: str) -> Link | None:
        found = self.links(key)
        return found[0] if found else None


# Dates a CRM can mean; outside them a date is a slip (and date sums would overflow).


@functools.lru_cache(maxsize=1 << 14)
def _day_of(text: str) -> tuple[date, datetime | None] | str:
    """Give (day, moment) for a date as written, else what is wrong: "form" or "real".

    Memoised: a vault's notes share their days, and one date object a day keeps
    thousands of notes (and their cache) smaller.
    """
    match = _DATE.fullmatch(text.strip())
    if not match:
        return "form"
    y, m, d, hh, mm, ss = match.groups()
    try:
        day = date(int(y), int(m), int(d))
        when = datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss or 0)) if hh else None
    except ValueError:
        return "real"
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return "range"  # a slip; and the rules' date sums would run off the calendar
    return day, when


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{value}'"


def _contact(r: _Reader) -> Contact:
    return Contact(
        org=r.link("org"),
        role=_interned(r.text("role")),
        email=r.text("email"),
        phone=r.text("phone"),
        linkedin=r.text("linkedin"),
        source=r.choice("source", SOURCES),
        referred_by=r.links("referred_by"),
        seniority=r.choice("seniority", SENIORITIES),
        outreach=r.days("outreach"),
        replied=r.day("replied"),
        cadence=r.whole("cadence"),
        status=r.choice("status", CONTACT_STATUSES) or "active",
        snooze_until=r.day("snooze_until"),
        tags=r.text_list("tags"),
    )


def _interned(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _meeting(r: _Reader, body_questions: tuple[str, ...]) -> Meeting:
    day, start = r.moment("date")
    if day is None and "date" not in r.fields:
        r.problem(None, "warning", "missing-field", "meeting has no date:")
    return Meeting(
        date=day,
        start=start,
        with_=r.links("with"),
        mode=r.choice("mode", MEETING_MODES),
        duration=r.whole("duration"),
        status=r.choice("status", MEETING_STATUSES),
        confirmed=r.day("confirmed"),
        # An empty entry (a template's `questions: ""`) is no question written.
        questions=tuple(q for q in r.text_list("questions") if q.strip()) + body_questions,
        referrals=r.links("referrals"),
        thanked=r.day("thanked"),
        reported_back=r.day("reported_back"),
        reference=r.flag("reference"),
    )


def _org(r: _Reader) -> Org:
    return Org(
        target=bool(r.flag("target")),
        website=r.text("website"),
        industry=r.text("industry"),
        tags=r.text_list("tags"),
    )


def front_matter_text(text: str) -> str:
    """Give a note's front-matter as text (none: ""), read as parse_text reads it: after a
    BOM, CRLF as LF, closed by `---` or `...`."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    return _split(text)[0] or ""


def _split(text: str) -> tuple[str | None, str, int, Problem | None]:
    """Give (front-matter, body, the body's first line, problem) for a note's text."""
    if not text.startswith("---"):
        return None, text, 1, None
    first_nl = text.find("\n")
    if first_nl == -1:
        # A file of only `---` opens front-matter as surely as one with a line break after.
        first_nl = len(text)
    if text[3:first_nl].strip():
        return None, text, 1, None
    closing = _CLOSING.search(text, first_nl + 1)
    if closing is None:
        return (
            None,
            text,
            1,
            Problem(
                "",
                1,
                None,
                "error",
                "unclosed",
                "front-matter starts with --- but has no closing ---",
            ),
        )
    fm = text[first_nl + 1 : closing.start()]
    body_start = text.find("\n", closing.end())
    body = "" if body_start == -1 else text[body_start + 1 :]
    body_line = fm.count("\n") + 3
    return fm, body, body_line, None


def _with_ids(path: str, tasks: tuple[Task, ...]) -> tuple[Task, ...]:
    """Give the tasks with each open one's action id (vaultkit.ids)."""
    out = list(tasks)
    for index, _, detail in open_task_texts(tasks):
        task = tasks[index]
        out[index] = Task(task.text, task.done, task.due, task.line, task_id(path, detail))
    return tuple(out)


def _kind_of(path: str, fields: dict[str, Field], config: Config, r: _Reader) -> str:
    declared = r.text("type")
    if declared is not None:
        declared = declared.strip().lower()
        if declared in ("contact", "meeting", "org", "note"):
            return declared
        r.problem(
            "type", "warning", "unknown-type", f"type: '{declared}' is not contact, meeting or org"
        )
        return "note"
    best = ""
    kind = "note"
    lowered = path.lower()
    for folder, folder_kind in config.folders.items():
        prefix = folder.strip("/").lower() + "/"
        if lowered.startswith(prefix) and len(prefix) > len(best):
            best, kind = prefix, folder_kind
    return kind


def _json_safe(value: Any) -> Any:
    """Give a value with dates and other YAML types as JSON-friendly data."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):  # !!set: in a stable order, not hash order
        return sorted((_json_safe(v) for v in value), key=repr)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # .nan, .inf: JSON has no such numbers
    return value


def parse_text(path: str, text: str, config: Config) -> Note:
    """Give the Note for a note's decoded text (BOM and CRLF allowed)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    name = note_name(path)
    fm, body, body_line, split_problem = _split(text)
    problems: list[Problem] = []
    fields: dict[str, Field] = {}
    if split_problem:
        problems.append(Problem(path, 1, None, "error", split_problem.code, split_problem.message))
    if fm is not None:
        try:
            fields = read_fields(fm, 2)
        except FrontMatterError as exc:
            problems.append(Problem(path, exc.line, None, "error", exc.code, str(exc)))
    for alias, canonical in config.field_aliases.items():
        if alias in fields and canonical not in fields:
            fields[canonical] = fields.pop(alias)
    r = _Reader(path, fields)
    kind = _kind_of(path, fields, config, r)
    links, link_lines, tasks, body_questions, bad_dates = scan_body(body, body_line)
    if tasks:
        tasks = _with_ids(path, tasks)
    for line, text in bad_dates:
        r.problems.append(
            Problem(path, line, None, "error", "bad-date", f"task: 📅 {text} is not a real date")
        )
    aliases = r.text_list("aliases")
    contact = _contact(r) if kind == "contact" else None
    meeting = _meeting(r, body_questions) if kind == "meeting" else None
    org = _org(r) if kind == "org" else None
    generated = GENERATED_KEY in fields and fields[GENERATED_KEY].value == "vaultkit"
    r.get("tags")
    extra = {sys.intern(k): _json_safe(f.value) for k, f in fields.items() if k not in r.used}
    fm_links = tuple(
        link
        for record in (contact, meeting)
        if record is not None
        for link in _record_links(record)
    )
    return Note(
        path=path,
        name=name,
        kind=kind,  # type: ignore[arg-type]
        aliases=aliases,
        contact=contact,
        meeting=meeting,
        org=org,
        fm_links=fm_links,
        body_links=links,
        body_link_lines=link_lines,
        tasks=tasks,
        extra=extra,
        problems=tuple(problems + r.problems),
        generated=generated,
    )


def _record_links(record: Contact | Meeting) -> tuple[Link, ...]:
    if isinstance(record, Contact):
        return ((record.org,) if record.org else ()) + record.referred_by
    return record.with_ + record.referrals


def parse_bytes(path: str, data: bytes, config: Config) -> Note:
    """Give the Note for a note's raw bytes; undecodable text is a problem, not an error."""
    if data.count(b"\0", 0, 4096) * 4 > min(len(data), 4096):
        # Every other byte NUL: UTF-16 without a byte-order mark, which is "valid"
        # UTF-8 holding nothing a note can mean.
        problem = Problem(
            path,
            None,
            None,
            "error",
            "encoding",
            "holds NUL bytes (UTF-16 without a byte-order mark?); save the file as UTF-8",
        )
        return Note(path=path, name=note_name(path), problems=(problem,))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        name = note_name(path)
        return Note(
            path=path,
            name=name,
            problems=(
                Problem(
                    path,
                    line,
                    None,
                    "error",
                    "encoding",
                    f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                ),
            ),
        )
    return parse_text(path, text, config)


Parser = Callable[[str, bytes, Config], Note]
