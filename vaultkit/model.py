"""The records vaultkit works with: notes, links, tasks, problems.

Every record is a frozen dataclass. Paths are vault-relative POSIX strings, so a
record means the same thing on every machine and sorts the same everywhere.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from vaultkit.printable import printable

Day = date  # Meeting has a field called `date`; this keeps the type nameable there
FIRST_YEAR, LAST_YEAR = 1900, 2199  # the years a date in a note (or --today) may take
Severity = Literal["error", "warning"]
NoteKind = Literal["contact", "meeting", "org", "note"]
KINDS: tuple[str, ...] = ("contact", "meeting", "org")

CONTACT_STATUSES = ("active", "paused", "declined", "closed")
MEETING_STATUSES = ("scheduled", "done", "cancelled")
MEETING_MODES = ("in-person", "video", "phone")
SENIORITIES = ("peer", "senior")
SOURCES = (
    "family",
    "friend",
    "colleague",
    "former-boss",
    "classmate",
    "alumni",
    "online",
    "event",
    "cold",
    "referral",
)


class _Record:
    """Base of the records: compact (slots) and pickled as their field values.

    Pickling by value keeps the cache small and fast, and works the same on
    Python 3.10, whose slotted frozen dataclasses cannot be pickled by default.
    """

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        cls = type(self)
        values = _VALUES.get(cls)
        if values is None:
            values = _VALUES[cls] = _values_getter(cls.__match_args__)
        return (cls, values(self))


def _values_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Give a function from a record to its field values, in field order, in one C call:
    the parse cache pickles some 200k records for a vault of 30k notes."""
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else lambda record: (get(record),)


_VALUES: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


@dataclass(frozen=True, slots=True)
class Problem(_Record):
    """Something wrong in the vault, located as precisely as we know."""

    path: str
    line: int | None
    field: str | None
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        """Give the problem as `path:line: severity: message` (the `check` format), on one
        line and without control characters (the message as `printable` gives it)."""
        return f"{self.where()}: {self.severity}: {printable(self.message)}"

    def where(self) -> str:
        """Give `path:line` (or the path), a line break in the path written as `\\n`."""
        # A line break in a file's name would split the one line a problem is printed as;
        # written as \n, the name can still be found. Other controls go as `printable` says.
        path = printable(self.path.replace("\n", "\\n").replace("\r", "\\r"))
        return f"{path}:{self.line}" if self.line else path

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """Give the key that orders problems by file, line, then text."""
        return (self.path, self.line or 0, self.field or "", self.code, self.message)


@dataclass(frozen=True, slots=True)
class Link(_Record):
    """A wiki link as written: `[[target#heading|alias]]`, or a plain name in a link field."""

    target: str
    alias: str | None = None
    heading: str | None = None
    field: str | None = None
    line: int | None = None
    bracketed: bool = True

    @property
    def shown(self) -> str:
        """Give the text a reader sees for this link."""
        return self.alias or self.target.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Task(_Record):
    """A Markdown checkbox task in a note body, with its Obsidian Tasks due date.

    `id` is the id of its due action while it is open (vaultkit.ids), as parsing
    found it; None when done, or for a task made by hand.
    """

    text: str
    done: bool
    due: date | None
    line: int
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Contact(_Record):
    """The CRM fields of a person note (type: contact)."""

    org: Link | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    linkedin: str | None = None
    source: str | None = None
    referred_by: tuple[Link, ...] = ()
    seniority: str | None = None
    outreach: tuple[date, ...] = ()
    replied: date | None = None
    cadence: int | None = None
    status: str = "active"
    snooze_until: date | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Meeting(_Record):
    """The CRM fields of a conversation note (type: meeting)."""

    date: Day | None = None
    start: datetime | None = None
    with_: tuple[Link, ...] = ()
    mode: str | None = None
    duration: int | None = None
    status: str | None = None
    confirmed: Day | None = None
    questions: tuple[str, ...] = ()
    referrals: tuple[Link, ...] = ()
    thanked: Day | None = None
    reported_back: Day | None = None
    reference: bool | None = None

    def effective_status(self, today: Day) -> str:
        """Give the status as written, else scheduled for a future date and done otherwise."""
        if self.status:
            return self.status
        if self.date is not None and self.date > today:
            return "scheduled"
        return "done"

    def held(self, today: Day) -> bool:
        """Give whether the meeting was held by `today`: done, and not in the future (a
        meeting without a date is held unless it says otherwise)."""
        return self.effective_status(today) == "done" and not (self.date and self.date > today)


@dataclass(frozen=True, slots=True)
class Org(_Record):
    """The CRM fields of an organisation note (type: org)."""

    target: bool = False
    website: str | None = None
    industry: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note(_Record):
    """One Markdown file of the vault, parsed.

    `extra` holds every front-matter field vaultkit does not know, as read, so
    that nothing a user wrote is dropped; treat it as read-only.
    """

    path: str
    name: str
    kind: NoteKind = "note"
    aliases: tuple[str, ...] = ()
    contact: Contact | None = None
    meeting: Meeting | None = None
    org: Org | None = None
    fm_links: tuple[Link, ...] = ()
    # Body links as written (`[[Name|shown]]`), each once, with the line it is first
    # on in `body_link_lines`: two flat tuples, as a vault holds hundreds of thousands.
    body_links: tuple[str, ...] = ()
    body_link_lines: tuple[int, ...] = ()
    tasks: tuple[Task, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    problems: tuple[Problem, ...] = ()
    generated: bool = False

    @property
    def links(self) -> tuple[Link, ...]:
        """Give every link of the note: front-matter fields first, then the body's."""
        if not self.body_links:
            return self.fm_links
        from vaultkit.body import body_link

        body = map(body_link, self.body_links, self.body_link_lines)
        return self.fm_links + tuple(link for link in body if link is not None)

    @property
    def folder(self) -> str:
        """Give the vault-relative folder of the note ('' at the root)."""
        return self.path.rpartition("/")[0]


def to_data(record: Any) -> Any:
    """Give a record as plain JSON-ready data: dates as ISO text, `with_` as `with`."""
    cls = type(record)
    if cls in _PLAIN:
        return record
    names = _FIELDS.get(cls, _UNSEEN)
    if names is _UNSEEN:
        names = _FIELDS[cls] = _field_names(cls)
    if names is not None:
        out = {"links": to_data(record.links)} if cls is Note else {}
        for name, key in names:
            out[key] = to_data(getattr(record, name))
        return out
    if isinstance(record, (list, tuple)):
        return [to_data(v) for v in record]
    if isinstance(record, dict):
        return {str(k): to_data(v) for k, v in record.items()}
    if isinstance(record, (date, datetime)):
        return record.isoformat()
    return record


_PLAIN = frozenset({str, int, float, bool, type(None)})
_UNSEEN: Any = object()
# Each record type's (field, JSON key) pairs, worked out once (None for a type that is not
# a record): `index --json` on a big vault turns some 200k records into data.
_FIELDS: dict[type, tuple[tuple[str, str], ...] | None] = {}
_HIDDEN = frozenset({"fm_links", "body_links", "body_link_lines"})  # shown as `links`


def _field_names(cls: type) -> tuple[tuple[str, str], ...] | None:
    from dataclasses import fields, is_dataclass

    if not is_dataclass(cls):
        return None
    return tuple(
        (f.name, "with" if f.name == "with_" else f.name)
        for f in fields(cls)
        if f.name not in _HIDDEN
    )
