"""The due actions: the informational-interview process as rules over the notes.

`due_actions` is a pure function of the vault, `timeline.people(vault, today)` and
`today`; every number comes from `vault.config.rules` (schema.md's defaults) and any
rule can be switched off there. docs/due-actions.md describes each rule.

Each action's stable id comes from vaultkit.ids, whose docstring gives the scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from vaultkit.config import RULE_NAMES
from vaultkit.errors import NotFoundError
from vaultkit.ids import action_id, open_task_texts, task_id
from vaultkit.links import link_name, name_key, who
from vaultkit.model import Link, Meeting, Note, Task
from vaultkit.timeline import Person, meeting_key
from vaultkit.vault import Vault

_RULE_ORDER = {name: i for i, name in enumerate(RULE_NAMES)}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TITLES = {
    "follow_up": "Follow up with",
    "no_answer": "Pause, or try another channel for",
    "confirm": "Confirm the meeting with",
    "prepare": "Prepare questions for",
    "thank": "Thank",
    "referral": "Reach out to",
    "missing_note": "Create a note for",
    "report_back": "Report back to",
    "keep_in_touch": "Keep in touch with",
}


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to do: what (rule, title), for whom (subject), why, by when, and where from.

    `subject` is the person's note name (for missing_note the link's text, for a
    task the note it stands in); `subject_path` is that note's vault path, or None
    when there is no note. `note` is the vault path of the note the action comes
    from; `meeting` the meeting note's path when a meeting gave rise to it; `since`
    the day the thread started waiting (last outreach, meeting day, last contact).
    """

    id: str
    rule: str
    title: str
    subject: str
    subject_path: str | None
    note: str
    due: date | None
    reason: str
    since: date | None = None
    meeting: str | None = None

    def sort_key(self) -> str:
        """Give the key that orders actions: due date (undated last), rule, subject, note.

        Text rather than a tuple, as text is no work for the garbage collector: a big
        vault sorts some 70k actions. Fields are joined by NUL, which sorts first.
        """
        due = self.due.isoformat() if self.due is not None else "~"  # "~" sorts after digits
        rank = _RULE_ORDER.get(self.rule, len(_RULE_ORDER))
        return (
            f"{due}\0{rank:02d}\0{self.subject.casefold()}\0{self.subject}\0{self.note}\0{self.id}"
        )


def open_tasks(note: Note) -> list[tuple[int, Task, str, str]]:
    """Give each open task of a note: its index in `note.tasks`, the task, its text as
    shown, and its action's id."""
    out: list[tuple[int, Task, str, str]] = []
    for index, text, detail in open_task_texts(note.tasks):
        task = note.tasks[index]
        out.append((index, task, text, task.id or task_id(note.path, detail)))
    return out


def short_date(day: date, today: date) -> str:
    """Give a day as people say it, `3 Mar`, with the year when it is not today's year."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def ordinal(n: int) -> str:
    """Give 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_names(names: Sequence[str]) -> str:
    """Give names as a phrase: `A`, `A and B`, `A, B and C`."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def live(note: Note | None, today: date) -> bool:
    """Give whether a note may have actions: not a contact, or an active, unsnoozed one."""
    c = note.contact if note is not None else None
    if c is None:
        return True
    if c.status != "active":
        return False
    return c.snooze_until is None or today >= c.snooze_until


class _Subject:
    """Whom an action is about; `key` is what its id is made from."""

    __slots__ = ("key", "name", "note", "path")

    def __init__(self, name: str, path: str | None, note: Note | None) -> None:
        self.name = name
        self.path = path
        self.note = note
        self.key = path or name_key(name)


class _Rules:
    """Collects the actions of one vault as of one day."""

    def __init__(self, vault: Vault, people: Mapping[str, Person], today: date) -> None:
        self.vault = vault
        self.people = people
        self.today = today
        self.cfg = vault.config.rules
        self.enabled = frozenset(r for r in RULE_NAMES if self.cfg.enabled(r))
        self.out: list[Action] = []
        self._days: dict[date, str] = {}

    def add(
        self,
        rule: str,
        subject: _Subject,
        note: Note,
        due: date | None,
        reason: str,
        since: date | None = None,
        meeting: Note | None = None,
        title: str | None = None,
        known_id: str | None = None,
    ) -> None:
        if rule not in self.enabled:
            return
        # Positional: a vault of 30k notes makes some 70k actions, and keywords cost.
        self.out.append(
            Action(
                known_id or action_id(rule, note.path, subject.key),
                rule,
                TITLES[rule] if title is None else title,
                subject.name,
                subject.path,
                note.path,
                due,
                reason,
                since,
                None if meeting is None else meeting.path,
            )
        )

    def day(self, d: date) -> str:
        found = self._days.get(d)
        if found is None:
            found = self._days[d] = short_date(d, self.today)
        return found

    def names(self, links: Iterable[Link], source: Note) -> str:
        shown: list[str] = []
        for link in links:
            target = self.vault.resolve(link, source)
            name = target.name if target is not None else link.shown
            if name not in shown:
                shown.append(name)
        return join_names(shown)

    # -- contacts ---------------------------------------------------------------

    def contact(self, person: Person, named_in_meetings: bool) -> None:
        note = person.note
        c = note.contact
        if c is None or not live(note, self.today):
            return
        me = _Subject(note.name, note.path, note)
        self.silence(person, me)
        if person.stage == "met" and person.last_interaction is not None:
            cadence = c.cadence if c.cadence is not None else self.cfg.keep_in_touch_days
            last = person.last_interaction
            self.add(
                "keep_in_touch",
                me,
                note,
                last + timedelta(days=cadence),
                f"Last in touch on {self.day(last)}; every {cadence} days",
                since=last,
            )
        if c.referred_by and not person.reached and not named_in_meetings:
            who = self.names(c.referred_by, note)
            self.add(
                "referral",
                me,
                note,
                self.today,
                f"Referred by {who}; not contacted yet — say “{who} suggested I speak with you”",
            )
        self.tasks(note, me)

    def silence(self, person: Person, me: _Subject) -> None:
        """Add follow_up or no_answer when my last outreach is still unanswered."""
        c = person.note.contact
        assert c is not None
        if not c.outreach:
            return
        last = max(c.outreach)
        answers = [c.replied] if c.replied else []
        for m in person.meetings:
            rec = m.meeting
            if rec is None or rec.effective_status(self.today) == "cancelled":
                continue
            if rec.date is None or rec.date >= last:
                return  # a meeting since my last message (or one of unknown date): answered
            answers.append(rec.date)
        if c.replied and c.replied >= last:
            return
        latest = max(answers) if answers else None
        # Count only the messages since the last answer: an old reply starts a new thread.
        attempts = len({d for d in c.outreach if latest is None or d > latest})
        due = last + timedelta(days=self.cfg.follow_up_after_days)
        if attempts < self.cfg.max_attempts:
            self.add(
                "follow_up",
                me,
                person.note,
                due,
                f"No reply since you wrote on {self.day(last)} — {ordinal(attempts)} follow-up",
                since=last,
            )
        else:
            self.add(
                "no_answer",
                me,
                person.note,
                due,
                f"No reply to {attempts} message{'' if attempts == 1 else 's'}, the last on "
                f"{self.day(last)} — "
                "pause, or try another channel",
                since=last,
            )

    def tasks(self, note: Note, subject: _Subject) -> None:
        if "task" not in self.enabled:
            return
        reason = f"Open task in {note.name}"
        meeting = note if note.meeting is not None else None
        # A task's subject is its own note (subject.key its path): its id is task_id's.
        for _, task, text, known_id in open_tasks(note):
            self.add("task", subject, note, task.due, reason, None, meeting, text, known_id)

    # -- meetings ---------------------------------------------------------------

    def subjects(self, note: Note, m: Meeting) -> list[_Subject]:
        """Give the people a meeting is with, once each; the meeting itself if nobody is named."""
        out: dict[str, _Subject] = {}
        for link in m.with_:
            target = self.vault.resolve(link, note)
            if target is not None:
                subject = _Subject(target.name, target.path, target)
            else:
                subject = _Subject(link_name(link), None, None)
            out.setdefault(subject.key, subject)
        if not out:
            return [_Subject(note.name, note.path, None)]
        return list(out.values())

    def when(self, m: Meeting) -> str:
        if m.date is None:
            return "with no date (fix the date)"
        if m.start is not None:
            return f"on {self.day(m.date)} at {m.start:%H:%M}"
        return f"on {self.day(m.date)}"

    def meeting(self, note: Note) -> None:
        m = note.meeting
        assert m is not None
        status = m.effective_status(self.today)
        if status == "cancelled":
            return
        cfg = self.cfg
        day = m.date
        todo: list[tuple[str, int]] = []
        if status == "scheduled":
            if m.confirmed is None:
                todo.append(("confirm", -cfg.confirm_days_before))
            if not m.questions:
                todo.append(("prepare", -cfg.prepare_days_before))
        elif status == "done":
            if m.thanked is None:
                todo.append(("thank", cfg.thank_days_after))
            if m.reported_back is None:
                todo.append(("report_back", cfg.report_back_days_after))
        if todo:
            when = self.when(m)
            reasons = {
                "confirm": f"Meeting {when} is not confirmed",
                "prepare": f"No questions written for the meeting {when}",
                "thank": f"Met {when}; no thank-you noted",
                "report_back": f"Met {when}; tell them how their advice was used",
            }
            for who in self.subjects(note, m):
                if live(who.note, self.today):
                    for rule, days in todo:
                        due = day + timedelta(days=days) if day is not None else None
                        self.add(rule, who, note, due, reasons[rule], day, note)
        self.tasks(note, _Subject(note.name, note.path, None))

    def referrals(self) -> set[str]:
        """Add the referral and missing_note actions; give the contacts any meeting names."""
        named: dict[str, list[Note]] = {}
        missing: dict[str, list[tuple[Note, str]]] = {}
        for note in self.vault.notes:
            m = note.meeting
            if m is None or m.effective_status(self.today) == "cancelled":
                continue
            met = self._keys(m.with_, note) if m.referrals else set()
            for link in m.referrals:
                target = self.vault.resolve(link, note)
                if who(link, target) in met:
                    continue  # someone suggested to themselves: the graph ignores it too
                if target is None:
                    name = link_name(link)
                    missing.setdefault(name_key(name), []).append((note, name))
                elif target.kind == "contact":
                    found = named.setdefault(target.path, [])
                    if not found or found[-1] is not note:  # a meeting naming them twice
                        found.append(note)
                # A link to an org or a plain note names no one to reach.
        for path in sorted(named):
            person = self.people.get(path)
            if person is None or person.reached or not live(person.note, self.today):
                continue
            first = min(named[path], key=meeting_key)
            self.referral(
                "referral",
                _Subject(person.note.name, path, person.note),
                first,
                "not contacted yet",
            )
        for key in sorted(missing):
            # The name as the earliest meeting spells it.
            first, name = min(missing[key], key=lambda pair: (meeting_key(pair[0]), pair[1]))
            self.referral("missing_note", _Subject(name, None, None), first, "no note yet")
        return set(named)

    def _keys(self, links: Sequence[Link], note: Note) -> set[str]:
        return {who(link, self.vault.resolve(link, note)) for link in links}

    def referral(self, rule: str, who: _Subject, meeting: Note, state: str) -> None:
        m = meeting.meeting
        assert m is not None
        day = m.date
        by = self.names(m.with_, meeting) or meeting.name
        due = day + timedelta(days=self.cfg.referral_days_after) if day else None
        said = f"on {self.day(day)}" if day else f"in {meeting.name}"
        hint = "create it" if rule == "missing_note" else f"say “{by} suggested I speak with you”"
        self.add(
            rule,
            who,
            meeting,
            due,
            f"Suggested by {by} {said}; {state} — {hint}",
            since=day,
            meeting=meeting,
        )


def due_actions(vault: Vault, people: Mapping[str, Person], today: date) -> tuple[Action, ...]:
    """Give every due action of the vault as of `today`, in `Action.sort_key` order."""
    rules = _Rules(vault, people, today)
    named = rules.referrals()
    for note in vault.notes:
        if note.kind == "contact" and note.path in people:
            rules.contact(people[note.path], note.path in named)
        elif note.kind == "meeting" and note.meeting is not None:
            rules.meeting(note)
    return tuple(sorted(rules.out, key=_sort_key_memo()))


def _sort_key_memo() -> Callable[[Action], str]:
    """Give a function that makes `Action.sort_key`'s text, with the days and folded
    names it is made of worked out once each (a big vault sorts some 70k actions)."""
    days: dict[date | None, str] = {None: "~"}
    folded: dict[str, str] = {}
    ranks = {rule: f"{rank:02d}" for rule, rank in _RULE_ORDER.items()}

    def key(a: Action) -> str:
        day = a.due
        due = days.get(day)
        if due is None:
            due = days[day] = day.isoformat() if day is not None else "~"
        fold = folded.get(a.subject)
        if fold is None:
            fold = folded[a.subject] = a.subject.casefold()
        rank = ranks.get(a.rule)
        if rank is None:
            return a.sort_key()
        return f"{due}\0{rank}\0{fold}\0{a.subject}\0{a.note}\0{a.id}"

    return key


def within(actions: Iterable[Action], today: date, days: int) -> tuple[Action, ...]:
    """Give the actions due by `today + days` (the last day included), and the undated ones."""
    last = today + timedelta(days=days)
    return tuple(a for a in actions if a.due is None or a.due <= last)


def overdue(actions: Iterable[Action], today: date) -> tuple[Action, ...]:
    """Give the actions whose due date is before `today`."""
    return tuple(a for a in actions if a.due is not None and a.due < today)


def next_action_per_person(actions: Iterable[Action]) -> dict[str, Action]:
    """Give each subject note's first action, keyed by the note's path.

    `actions` must be in `Action.sort_key` order, as `due_actions` gives them (a
    big vault has some 70k actions; sorting them again costs more than the rest).
    """
    out: dict[str, Action] = {}
    for action in actions:
        if action.subject_path is not None and action.subject_path not in out:
            out[action.subject_path] = action
    return out


@dataclass(frozen=True)
class DueView:
    """The actions a `due` command shows, and what the calendar feed needs besides them."""

    vault: Vault
    today: date
    actions: tuple[Action, ...]
    beyond: int
    last_day: date | None
    meetings: tuple[Note, ...]

    @property
    def overdue(self) -> tuple[Action, ...]:
        """Give the shown actions due before today."""
        return overdue(self.actions, self.today)


def select(
    vault: Vault,
    actions: Sequence[Action],
    today: date,
    *,
    days: int | None,
    rules: Sequence[str] = (),
    person: str | None = None,
) -> DueView:
    """Give the actions of one rule set, person and horizon (`days=None`: no horizon).

    The scheduled meetings come along for the calendar feed, with the same
    person filter and horizon. A person is found by note name or alias, or by
    an action's subject (a referral without a note); NotFoundError otherwise.
    """
    picked = [a for a in actions if not rules or a.rule in rules]
    meetings = [
        (n, n.meeting)
        for n in vault.notes
        if n.meeting is not None and n.meeting.effective_status(today) == "scheduled"
    ]
    if person is not None:
        target = vault.resolve(person)
        key = name_key(person)
        path = target.path if target is not None else None
        if path is None and not any(name_key(a.subject) == key for a in actions):
            raise NotFoundError(f"no note and no action for '{person}'")
        picked = [
            a
            for a in picked
            if (path is not None and a.subject_path == path) or name_key(a.subject) == key
        ]
        meetings = [
            (n, m)
            for n, m in meetings
            if n.path == path or any(_is(vault.resolve(link, n), path) for link in m.with_)
        ]
    last_day = today + timedelta(days=days) if days is not None else None
    shown = picked if days is None else list(within(picked, today, days))
    dated = [
        n for n, m in meetings if m.date is not None and (last_day is None or m.date <= last_day)
    ]
    return DueView(
        vault,
        today,
        tuple(shown),
        len(picked) - len(shown),
        last_day,
        tuple(sorted(dated, key=meeting_key)),
    )


def _is(note: Note | None, path: str | None) -> bool:
    return note is not None and note.path == path
