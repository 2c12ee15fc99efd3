"""The index note: people, meetings and organisations, and the vault's problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from vaultkit.model import Link, Note, Problem
from vaultkit.render.markdown import (
    GENERATED_NOTICE,
    count,
    escape,
    finish,
    front_matter,
    link,
    linkable,
    table,
)
from vaultkit.timeline import Person, meeting_key
from vaultkit.vault import Vault


def counts_line(people: int, meetings: int, orgs: int, notes: int, problems: int) -> str:
    """Give the index's line of counts ("2 people · 1 meeting · ..."), on both renderers."""
    return " · ".join(
        (
            count(people, "person", "people"),
            count(meetings, "meeting"),
            count(orgs, "organisation"),
            count(notes, "note"),
            count(problems, "problem"),
        )
    )


def _written(item: Link) -> str:
    """Give the text to show for a link to no note: a plain name is shown whole ("R/GA")."""
    return item.shown if item.bracketed else item.target


def _org_cell(vault: Vault, note: Note, org: Link | None) -> str:
    if org is None:
        return ""
    target = vault.resolve(org, note)
    return link(target) if target is not None else escape(_written(org))


def _people_cell(vault: Vault, note: Note, links: tuple[Link, ...]) -> str:
    cells = []
    for item in links:
        target = vault.resolve(item, note)
        cells.append(link(target) if target is not None else escape(_written(item)))
    return ", ".join(cells)


def render_index(
    vault: Vault,
    people: Mapping[str, Person],
    today: date,
    next_actions: Mapping[str, str] | None = None,
) -> bytes:
    """Give the bytes of the index note for the vault as of `today`."""
    next_actions = next_actions or {}
    out = [
        *front_matter("index"),
        "",
        f"# {escape(vault.config.output.index)}",
        "",
        GENERATED_NOTICE,
        "",
    ]
    contacts = vault.of_kind("contact")
    meetings = sorted(vault.of_kind("meeting"), key=meeting_key, reverse=True)
    orgs = vault.of_kind("org")
    out.append(
        counts_line(len(contacts), len(meetings), len(orgs), len(vault.notes), len(vault.problems))
    )

    out += ["", f"## People ({len(contacts)})", ""]
    rows = []
    for note in sorted(contacts, key=lambda n: (n.name.casefold(), n.path)):
        person = people[note.path]
        c = note.contact
        assert c is not None
        last = person.last_interaction.isoformat() if person.last_interaction else ""
        rows.append(
            [
                link(note),
                _org_cell(vault, note, c.org),
                escape(c.role or ""),
                person.stage,
                last,
                next_actions.get(note.path, ""),
            ]
        )
    if rows:
        out += table(
            ["Person", "Organisation", "Role", "Stage", "Last interaction", "Next action"], rows
        )
    else:
        out.append("No contact notes yet.")

    out += ["", f"## Meetings ({len(meetings)})", ""]
    rows = []
    for note in meetings:
        m = note.meeting
        assert m is not None
        when = (
            m.start.strftime("%Y-%m-%d %H:%M")
            if m.start
            else (m.date.isoformat() if m.date else "")
        )
        rows.append(
            [
                when,
                link(note),
                _people_cell(vault, note, m.with_),
                escape(m.mode or ""),
                escape(m.effective_status(today)),  # a status as written may be anything
                str(len(m.referrals)) if m.referrals else "",
            ]
        )
    if rows:
        out += table(["Date", "Meeting", "With", "Mode", "Status", "Referrals"], rows)
    else:
        out.append("No meeting notes yet.")

    out += ["", *_orgs_section(vault, orgs)]
    out += ["", *problems_section(vault.problems)]
    return finish(out)


def _orgs_section(vault: Vault, orgs: list[Note]) -> list[str]:
    members: dict[str, list[Note]] = {}
    unlisted: dict[str, list[Note]] = {}
    for note in vault.of_kind("contact"):
        c = note.contact
        if c is None or c.org is None:
            continue
        target = vault.resolve(c.org, note)
        if target is not None:
            members.setdefault(target.path, []).append(note)
        else:
            unlisted.setdefault(_written(c.org), []).append(note)
    out = [f"## Organisations ({len(orgs)})", ""]
    rows = []
    for note in sorted(orgs, key=lambda n: (n.name.casefold(), n.path)):
        o = note.org
        people = sorted(members.get(note.path, []), key=lambda n: n.name.casefold())
        rows.append(
            [
                link(note),
                "yes" if o and o.target else "",
                escape(o.industry or "") if o else "",
                ", ".join(link(p) for p in people),
            ]
        )
    for name in sorted(unlisted, key=str.casefold):
        people = sorted(unlisted[name], key=lambda n: n.name.casefold())
        rows.append([escape(name) + " (no note)", "", "", ", ".join(link(p) for p in people)])
    if rows:
        out += table(["Organisation", "Target", "Industry", "People"], rows)
    else:
        out.append("No organisations yet.")
    return out


def tally(problems: Sequence[Problem]) -> str:
    """Give the line that counts the errors and warnings among the problems."""
    errors = sum(1 for p in problems if p.severity == "error")
    said = f"{count(errors, 'error')}, {count(len(problems) - errors, 'warning')}."
    return f"{said} Run `vaultkit check` for the list in a terminal."


def problems_section(problems: tuple[Problem, ...]) -> list[str]:
    """Give the Problems section: every problem with its file, line and message."""
    out = [f"## Problems ({len(problems)})", ""]
    if not problems:
        return [*out, "No problems found."]
    out.append(tally(problems))
    out.append("")
    rows = [
        [
            # A folder it could not read (`Orgs/`) is named, not linked.
            f"[[{p.path[:-3]}]]" if p.path.endswith(".md") and linkable(p.path) else escape(p.path),
            str(p.line or ""),
            p.severity,
            escape(p.message),
        ]
        for p in problems
    ]
    return out + table(["Note", "Line", "Severity", "Problem"], rows)
