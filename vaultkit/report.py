"""The weekly review: what was done, what is due, how the network grew, and the funnel.

`review` is a pure function of the vault, `today` and the period's first day; it
reads only dates written in the notes (outreach, replied, meeting dates, thanked,
reported_back, created), so the same vault gives the same review. `render` gives
it as Markdown, plain text or a self-contained HTML page (every value escaped).

The period is `start` to `today`, both included (`--since 7d`: the last seven
days). The funnel counts every contact, whatever its status, at each step it
reached: identified (every contact) → contacted (any outreach, reply or meeting)
→ responded (a reply or a meeting) → met (a meeting held) → referred on (they
introduced someone to me). "Referred on" is the referral graph's own definition,
read from the graph (graph.referrals), so the report and the graph's yield per
introducer always agree: a contact introduced someone when another contact's
`referred_by` names them, or when a meeting with them (any but a cancelled one)
names a person in its `referrals` (an organisation named there is not an
introduction). Someone who introduced a friend without ever meeting me counts,
so this step may hold people the step before does not.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeGuard

from vaultkit.errors import UsageError
from vaultkit.links import link_name
from vaultkit.links import who as link_who
from vaultkit.model import Link, Note
from vaultkit.printable import printable
from vaultkit.rules import Action, due_actions, join_names, overdue
from vaultkit.timeline import Person, meeting_key, people
from vaultkit.vault import Vault

FORMATS = ("md", "text", "html")
AHEAD_DAYS = 7
FUNNEL = ("identified", "contacted", "responded", "met", "referred on")


@dataclass(frozen=True)
class Done:
    """One thing done in the period: the day, what (meeting, outreach, ...), with whom, where."""

    day: date
    kind: str
    who: str
    note: str
    detail: str = ""


@dataclass(frozen=True)
class Review:
    """Everything the weekly review shows."""

    start: date
    today: date
    done: tuple[Done, ...]
    overdue: tuple[Action, ...]
    coming: tuple[Action, ...]
    new_people: tuple[Done, ...]
    referrals: tuple[Done, ...]
    funnel: tuple[tuple[str, int], ...]

    def count(self, kind: str) -> int:
        """Give how many things of one kind were done in the period."""
        return sum(1 for d in self.done if d.kind == kind)


def parse_since(text: str, today: date) -> date:
    """Give the period's first day: `7d` (the last 7 days), `2w`, `1m` (30 days), or a date."""
    text = text.strip().lower()
    match = re.fullmatch(r"(\d{1,4})\s*([dwm]?)", text)
    if match:
        n = int(match.group(1)) * {"": 1, "d": 1, "w": 7, "m": 30}[match.group(2)]
        if n < 1:
            raise UsageError("--since must cover at least one day")
        return today - timedelta(days=n - 1)
    try:
        start = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r}: write 7d, 2w, 1m or a date YYYY-MM-DD") from None
    if start > today:
        raise UsageError(f"--since {start} is after today ({today})")
    return start


def _names(vault: Vault, links: tuple[Link, ...], source: Note) -> str:
    shown: list[str] = []
    for link in links:
        target = vault.resolve(link, source)
        name = target.name if target is not None else link_name(link)
        if name not in shown:
            shown.append(name)
    return join_names(shown)


def review(vault: Vault, today: date, start: date) -> Review:
    """Give the review of the period `start`..`today`, and what falls due in the next 7 days."""

    def within(day: date | None) -> TypeGuard[date]:
        return day is not None and start <= day <= today

    by_person = people(vault, today)
    done: list[Done] = []
    new_people: list[Done] = []
    referrals: list[Done] = []
    for person in by_person.values():
        note, c = person.note, person.note.contact
        assert c is not None
        for i, day in enumerate(sorted(set(c.outreach)), 1):
            if within(day):
                done.append(Done(day, "outreach", note.name, note.path, _nth(i)))
        if within(c.replied):
            done.append(Done(c.replied, "reply", note.name, note.path))
        created = _day(note.extra.get("created"))
        if within(created):
            by = _names(vault, c.referred_by, note)
            new_people.append(Done(created, "new", note.name, note.path, by))
    for note in sorted((n for n in vault.notes if n.meeting is not None), key=meeting_key):
        m = note.meeting
        assert m is not None
        if m.effective_status(today) == "cancelled":
            continue
        who = _names(vault, m.with_, note) or note.name
        if m.effective_status(today) == "done" and within(m.date):
            done.append(Done(m.date, "meeting", who, note.path, m.mode or ""))
            met_there = {link_who(link, vault.resolve(link, note)) for link in m.with_}
            for link in m.referrals:
                target = vault.resolve(link, note)
                if target is not None and target.kind not in ("contact", "note"):
                    continue  # an organisation suggested is not a person to reach
                if link_who(link, target) in met_there:
                    continue  # met there: no referral, as the graph and the rules say
                name = target.name if target is not None else link_name(link)
                state = _referral_state(by_person.get(target.path) if target else None)
                referrals.append(Done(m.date, "referral", name, note.path, f"{who}; {state}"))
        for kind, when in (("thanked", m.thanked), ("reported back", m.reported_back)):
            if within(when):
                done.append(Done(when, kind, who, note.path))
    actions = due_actions(vault, by_person, today)
    last = today + timedelta(days=AHEAD_DAYS)
    coming = tuple(a for a in actions if a.due is not None and today <= a.due <= last)
    return Review(
        start,
        today,
        tuple(sorted(done, key=lambda d: (d.day, d.kind, d.who.casefold(), d.note))),
        overdue(actions, today),
        coming,
        tuple(sorted(new_people, key=lambda d: (d.day, d.who.casefold(), d.note))),
        tuple(sorted(referrals, key=lambda d: (d.day, d.who.casefold(), d.note))),
        funnel(vault, today, by_person),
    )


def _nth(i: int) -> str:
    return "first message" if i == 1 else f"message {i}"


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _referral_state(person: object) -> str:
    if not isinstance(person, Person):
        return "no note yet"
    return "reached out" if person.reached else "not contacted yet"


def referred_on(vault: Vault, by_person: Mapping[str, Person], today: date) -> frozenset[str]:
    """Give the paths of the contact notes of everyone who introduced someone to me, as the
    referral graph counts it (the introducers of graph.referrals; see the module docstring)."""
    from vaultkit.graph import build_graph, referrals

    built = build_graph(vault, by_person, today)
    told, _ = referrals(built.graph)
    return frozenset(path for path, node in built.ids.items() if node in told)


def funnel(
    vault: Vault, today: date, by_person: Mapping[str, Person] | None = None
) -> tuple[tuple[str, int], ...]:
    """Give how many contacts reached each step of the funnel (see the module docstring)."""
    by_person = people(vault, today) if by_person is None else by_person
    introducers = referred_on(vault, by_person, today)
    counts = dict.fromkeys(FUNNEL, 0)
    for person in by_person.values():
        c = person.note.contact
        assert c is not None
        live = [
            m.meeting
            for m in person.meetings
            if m.meeting is not None and m.meeting.effective_status(today) != "cancelled"
        ]
        steps = (
            True,
            person.reached,
            bool(c.replied or live),
            person.stage == "met",  # a meeting held: done, and not in the future
            person.note.path in introducers,
        )
        for name, reached in zip(FUNNEL, steps, strict=True):
            counts[name] += reached
    return tuple(counts.items())


def conversion(funnel_counts: tuple[tuple[str, int], ...]) -> list[tuple[str, int, str]]:
    """Give (step, count, the share of the step before it) for each funnel step."""
    out: list[tuple[str, int, str]] = []
    previous: int | None = None
    for name, count in funnel_counts:
        if previous is None:
            rate = ""
        elif previous == 0:
            rate = "—"
        else:
            # Halves up (12.5% is 13%), as a reader rounds; round() would go to even.
            rate = f"{(200 * count + previous) // (2 * previous)}%"
        out.append((name, count, rate))
        previous = count
    return out


# --- rendering -------------------------------------------------------------------

_KIND_TITLES = (
    ("meeting", "Meetings held"),
    ("outreach", "Messages sent"),
    ("reply", "Replies received"),
    ("thanked", "Thank-yous sent"),
    ("reported back", "Reports back"),
)


@dataclass(frozen=True)
class _Section:
    title: str
    rows: list[list[str]]
    header: list[str]
    empty: str


def _sections(r: Review) -> list[_Section]:
    out: list[_Section] = []
    for kind, title in _KIND_TITLES:
        rows = [[d.day.isoformat(), d.who, d.detail] for d in r.done if d.kind == kind]
        out.append(_Section(f"{title} ({len(rows)})", rows, ["Date", "With", ""], "None."))
    for title, acts in (("Overdue", r.overdue), ("Due in the next 7 days", r.coming)):
        rows = [
            [a.due.isoformat() if a.due else "", a.title, a.subject, a.reason, a.id] for a in acts
        ]
        header = ["Due", "What", "Who", "Why", "Id"]
        out.append(_Section(f"{title} ({len(rows)})", rows, header, "Nothing."))
    rows = [[d.day.isoformat(), d.who, d.detail] for d in r.new_people]
    out.append(
        _Section(f"New people ({len(rows)})", rows, ["Added", "Who", "Referred by"], "None.")
    )
    rows = [[d.day.isoformat(), d.who, d.detail] for d in r.referrals]
    out.append(
        _Section(f"Referrals received ({len(rows)})", rows, ["Date", "Who", "From; now"], "None.")
    )
    rows = [[name, str(count), rate] for name, count, rate in conversion(r.funnel)]
    out.append(
        _Section("Funnel (all contacts)", rows, ["Step", "People", "Of the step before"], "")
    )
    # Every cell on one line without control characters, in all three formats alike.
    return [
        _Section(s.title, [[printable(c) for c in r] for r in s.rows], s.header, s.empty)
        for s in out
    ]


def _summary(r: Review) -> str:
    return (
        f"{r.count('meeting')} meetings, {r.count('outreach')} messages sent, "
        f"{r.count('thanked')} thank-yous, {r.count('reported back')} reports back; "
        f"{len(r.overdue)} overdue, {len(r.coming)} due in the next 7 days."
    )


def _md_cell(text: str) -> str:
    from vaultkit.render.markdown import escape

    return escape(text)


def render_md(r: Review) -> str:
    """Give the review as Markdown."""
    lines = [f"# Weekly review: {r.start} to {r.today}", "", _summary(r)]
    for s in _sections(r):
        lines += ["", f"## {s.title}", ""]
        if not s.rows:
            lines.append(s.empty)
            continue
        lines.append("| " + " | ".join(s.header) + " |")
        lines.append("|" + "|".join("---" for _ in s.header) + "|")
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in s.rows]
    return "\n".join(lines) + "\n"


def render_text(r: Review) -> str:
    """Give the review as plain text, for a terminal or a mail body."""
    title = f"Weekly review: {r.start} to {r.today}"
    lines = [title, "=" * len(title), "", _summary(r)]
    for s in _sections(r):
        lines += ["", s.title, "-" * len(s.title)]
        if not s.rows:
            lines.append(s.empty)
            continue
        rows = [[" ".join(c.split()) for c in row] for row in s.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(s.header))]
        for row in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def render_html(r: Review) -> str:
    """Give the review as one self-contained HTML page; every value is escaped."""
    e = html.escape
    title = f"Weekly review: {r.start} to {r.today}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
        "text-align:left;vertical-align:top}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
        f"<p>{e(_summary(r))}</p>",
    ]
    for s in _sections(r):
        parts.append(f"<h2>{e(s.title)}</h2>")
        if not s.rows:
            parts.append(f"<p>{e(s.empty)}</p>")
            continue
        parts.append("<table>")
        parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in s.header) + "</tr>")
        for row in s.rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def render(r: Review, fmt: str) -> str:
    """Give the review in a format: md, text or html."""
    if fmt == "html":
        return render_html(r)
    if fmt == "text":
        return render_text(r)
    return render_md(r)
