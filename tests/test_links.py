"""Link resolution: every rule of schema.md, as one table, plus how links are written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import MakeVault, note

from vaultkit import build as pipeline
from vaultkit.config import Config
from vaultkit.links import Resolver, name_key
from vaultkit.model import Link, Note
from vaultkit.parse import parse_bytes, parse_link_text
from vaultkit.vault import Vault

NFC_E = "Jos\u00e9"  # é composed
NFD_E = "Jose\u0301"  # e + combining acute

FILES = {
    "People/Jane Doe.md": note("type: contact\naliases: [JD, Janie]\n"),
    "Archive/2019/Jane Doe.md": note("type: contact\n"),
    "Archive/Team.md": note(None, "links from the archive\n"),
    "Meetings/Standup.md": note("type: meeting\ndate: 2026-01-05\n"),
    "Meetings/Notes/Standup.md": note(None, "a second Standup, deeper\n"),
    "Orgs/Acme Health.md": note("type: org\naliases: [Acme]\n"),
    "Acme.md": note(None, "a note whose name is another note's alias\n"),
    f"People/{NFD_E}.md": note("type: contact\n"),  # the file name as macOS writes it
    "People/Zoë.md": note("type: contact\naliases: [Zoe\u0308 Z]\n"),
    "Straße.md": note(None, "casefold: ß is ss\n"),
    "Dr. Who.md": note(None, "a dot in a name\n"),
    "Projects/Plan.md": note(None, "a plain note in a folder\n"),
    "Plan.md": note(None, "and one at the root with the same name\n"),
}

# (linking note, link as written, the note it must reach, or None for dangling)
TABLE = [
    # [[Name]] and its decorations
    ("Archive/Team.md", "[[Standup]]", "Meetings/Standup.md"),
    ("Orgs/Acme Health.md", "[[Jane Doe|shown text]]", "People/Jane Doe.md"),
    ("Orgs/Acme Health.md", "[[Jane Doe#Career]]", "People/Jane Doe.md"),
    ("Orgs/Acme Health.md", "[[Jane Doe#Career|Jane]]", "People/Jane Doe.md"),
    ("Orgs/Acme Health.md", "[[Jane Doe.md]]", "People/Jane Doe.md"),
    ("Orgs/Acme Health.md", "[[ Jane Doe ]]", "People/Jane Doe.md"),
    ("Orgs/Acme Health.md", "[[Dr. Who]]", "Dr. Who.md"),
    # [[folder/Name]]: a vault path, or the end of one
    ("Orgs/Acme Health.md", "[[Archive/2019/Jane Doe]]", "Archive/2019/Jane Doe.md"),
    ("People/Jane Doe.md", "[[2019/Jane Doe]]", "Archive/2019/Jane Doe.md"),
    ("People/Jane Doe.md", "[[Archive/2019/Jane Doe.md|old]]", "Archive/2019/Jane Doe.md"),
    ("Archive/Team.md", "[[People/Jane Doe]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[/People/Jane Doe]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[Meetings/Notes/Standup]]", "Meetings/Notes/Standup.md"),
    ("Archive/Team.md", "[[Elsewhere/Jane Doe]]", None),
    ("Archive/Team.md", "[[ple/Jane Doe]]", None),  # a path's end is whole folders
    # case-insensitive, on the stem and the path
    ("Archive/Team.md", "[[jane doe]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[JANE DOE]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[people/JANE doe]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[STRASSE]]", "Straße.md"),
    # aliases: after stems
    ("Archive/Team.md", "[[JD]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[janie]]", "People/Jane Doe.md"),
    ("Archive/Team.md", "[[Acme]]", "Acme.md"),  # a stem wins over an alias
    ("Archive/Team.md", "[[Acme Health]]", "Orgs/Acme Health.md"),
    # NFC vs NFD: the same name however it is encoded
    # Either form of the name finds the note, whose path is the file's own (NFD) name.
    ("Archive/Team.md", f"[[{NFC_E}]]", f"People/{NFD_E}.md"),
    ("Archive/Team.md", f"[[{NFD_E}]]", f"People/{NFD_E}.md"),
    ("Archive/Team.md", "[[Zoe\u0308]]", "People/Zoë.md"),
    ("Archive/Team.md", "[[Zoë Z]]", "People/Zoë.md"),
    # duplicate names: exact vault path, then the linking note's folder, then shortest path
    ("Archive/Team.md", "[[Plan]]", "Plan.md"),  # exact path (the root note) first
    ("Projects/Other.md", "[[Plan]]", "Plan.md"),  # ... even from the other one's folder
    ("Archive/2019/Minutes.md", "[[Jane Doe]]", "Archive/2019/Jane Doe.md"),  # own folder
    ("Meetings/Notes/Retro.md", "[[Standup]]", "Meetings/Notes/Standup.md"),  # own folder
    ("Meetings/Retro.md", "[[Standup]]", "Meetings/Standup.md"),  # own folder
    ("Archive/Team.md", "[[Jane Doe]]", "People/Jane Doe.md"),  # shortest path
    ("Archive/Team.md", "[[standup]]", "Meetings/Standup.md"),  # shortest path
    ("Archive/Team.md", "[[Jane Doe|JD]]", "People/Jane Doe.md"),
    # dangling
    ("Archive/Team.md", "[[Nobody]]", None),
    ("Archive/Team.md", "[[Jane]]", None),  # no prefix matching
    ("Archive/Team.md", "[[Jane Doe 2]]", None),
]


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Vault:
    root = tmp_path_factory.mktemp("links")
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return pipeline.read(root)


@pytest.mark.parametrize(("source", "written", "expected"), TABLE)
def test_resolution_table(linked: Vault, source: str, written: str, expected: str | None) -> None:
    link = parse_link_text(written)
    assert link is not None
    found = linked.resolve(link, source)
    assert (found.path if found else None) == expected
    # The same link in a note body reaches the same note.
    body = parse_bytes(source, f"See {written} here.\n".encode(), Config())
    assert [found.path if (found := linked.resolve(x, source)) else None for x in body.links] == [
        expected
    ]


def test_resolution_does_not_depend_on_the_order_of_questions(linked: Vault) -> None:
    # The memo must not answer one folder's question with another folder's answer.
    fresh = Resolver(linked.notes)
    order = [(s, w) for s, w, _ in TABLE]
    first = [fresh.resolve(parse_link_text(w) or w, s) for s, w in order]
    again = Resolver(linked.notes)
    second = [again.resolve(parse_link_text(w) or w, s) for s, w in reversed(order)]
    assert first == list(reversed(second))


def test_the_clash_is_reported(linked: Vault) -> None:
    clashes = {(p.path, p.severity) for p in linked.problems if p.code == "duplicate-name"}
    assert clashes == {
        ("People/Jane Doe.md", "warning"),
        ("Archive/2019/Jane Doe.md", "warning"),
        ("Meetings/Standup.md", "warning"),
        ("Meetings/Notes/Standup.md", "warning"),
        ("Plan.md", "warning"),
        ("Projects/Plan.md", "warning"),
    }
    jane = next(
        p for p in linked.problems if p.code == "duplicate-name" and p.path == "People/Jane Doe.md"
    )
    assert "Archive/2019/Jane Doe.md" in jane.message


def test_names_are_nfc(linked: Vault) -> None:
    jose = next(n for n in linked.notes if n.name.startswith("Jos"))
    assert jose.name == NFC_E
    # The path is the file's name as the file system has it: what opens the file.
    assert jose.path == f"People/{NFD_E}.md"
    assert jose.contact is not None and not jose.problems  # read, not "cannot read"
    assert name_key(NFD_E) == name_key(NFC_E.upper())


@pytest.mark.parametrize(
    ("written", "target", "alias", "heading"),
    [
        ("[[Jane Doe]]", "Jane Doe", None, None),
        ("[[Jane Doe|Jane]]", "Jane Doe", "Jane", None),
        ("[[Jane Doe#Career]]", "Jane Doe", None, "Career"),
        ("[[Jane Doe#Career|Jane]]", "Jane Doe", "Jane", "Career"),
        ("[[People/Jane Doe]]", "People/Jane Doe", None, None),
        ("[[Jane Doe\\|Jane]]", "Jane Doe", "Jane", None),  # as written in a table
        ("[[Jane Doe#Career\\|Jane]]", "Jane Doe", "Jane", "Career"),
    ],
)
def test_body_link_forms(written: str, target: str, alias: str | None, heading: str | None) -> None:
    parsed = parse_bytes("A.md", f"| who |\n|---|\n| {written} |\n".encode(), Config())
    assert [(x.target, x.alias, x.heading, x.line) for x in parsed.links] == [
        (target, alias, heading, 3)
    ]


def test_links_in_code_are_ignored() -> None:
    body = (
        "Real [[One]].\n"
        "```\n[[Fenced]]\n```\n"
        "~~~markdown\n[[Tilde]]\n~~~\n"
        "````\n```\n[[Nested]]\n```\n````\n"
        "After [[Two]].\n"
    )
    parsed = parse_bytes("A.md", note("type: contact\n", body).encode(), Config())
    assert [(x.target, x.line) for x in parsed.links] == [("One", 4), ("Two", 16)]


def test_links_to_attachments_are_not_note_links() -> None:
    body = (
        "![[photo.png]] ![[Scan 2026.JPEG|300]] [[CV.pdf|my CV]] [[Board.canvas]]\n"
        "![[Jane Doe]] [[Dr. Who]] [[v1.2]]\n"
    )
    parsed = parse_bytes("A.md", body.encode(), Config())
    assert [x.target for x in parsed.links] == ["Jane Doe", "Dr. Who", "v1.2"]


def test_heading_only_and_empty_links_are_not_links() -> None:
    parsed = parse_bytes("A.md", b"See [[#Below]] and [[]] and [[ |x]].\n", Config())
    assert parsed.links == ()


@pytest.mark.parametrize(
    ("value", "bracketed", "warned"),
    [
        ('"[[Jane Doe]]"', True, False),  # quoted: as Obsidian writes it
        ("'[[Jane Doe]]'", True, False),
        ("Jane Doe", False, False),  # plain text: accepted
        ("[[Jane Doe]]", True, True),  # unquoted: YAML reads a nested list
    ],
)
def test_front_matter_link_forms(value: str, bracketed: bool, warned: bool) -> None:
    text = note(f"type: contact\nreferred_by: {value}\norg: {value}\n")
    parsed = parse_bytes("People/X.md", text.encode(), Config())
    assert parsed.contact is not None
    assert parsed.contact.referred_by == (
        Link("Jane Doe", None, None, "referred_by", 3, bracketed),
    )
    assert parsed.contact.org == Link("Jane Doe", None, None, "org", 4, bracketed)
    warnings = sorted((p.field or "", p.line, p.severity) for p in parsed.problems)
    if warned:
        assert warnings == [("org", 4, "warning"), ("referred_by", 3, "warning")]
        assert all("write links in quotes" in p.message for p in parsed.problems)
    else:
        assert warnings == []


@pytest.mark.parametrize(
    "front",
    [
        'with: ["[[Ann]]", "[[Bob|B]]"]\n',
        'with:\n  - "[[Ann]]"\n  - "[[Bob|B]]"\n',
        "with:\n  - [[Ann]]\n  - [[Bob|B]]\n",  # unquoted in a block list
        "with: [Ann, Bob]\n",
    ],
)
def test_front_matter_link_lists(front: str) -> None:
    parsed = parse_bytes("Meetings/M.md", note("type: meeting\n" + front).encode(), Config())
    assert parsed.meeting is not None
    assert [x.target for x in parsed.meeting.with_] == ["Ann", "Bob"]
    assert all(x.field == "with" and x.line == 3 for x in parsed.meeting.with_)


def test_front_matter_and_body_links_reach_notes(tmp_path: Path, make_vault: MakeVault) -> None:
    root = make_vault(
        tmp_path,
        {
            "People/Ann.md": note(
                'type: contact\nreferred_by: "[[Bob]]"\norg: Acme\n', "[[Bob]]\n"
            ),
            "People/Bob.md": note("type: contact\norg: '[[Nowhere Inc]]'\n"),
            "Meetings/M.md": note("type: meeting\ndate: 2026-01-05\nwith: [Ann, '[[bob]]']\n"),
        },
    )
    result = pipeline.build(root, date(2026, 2, 1))
    dangling = [(p.path, p.field, p.message) for p in result.problems if p.code == "dangling-link"]
    # A plain org name may have no note; a bracketed one must.
    assert dangling == [
        ("People/Bob.md", "org", "org: [[Nowhere Inc]] points to no note"),
    ]
    people = {n.name: n for n in result.vault.notes}
    meeting = people["M"].meeting
    assert meeting is not None
    assert [result.vault.resolve(x, people["M"]).path for x in meeting.with_] == [  # type: ignore[union-attr]
        "People/Ann.md",
        "People/Bob.md",
    ]


def test_resolver_with_notes_given_directly() -> None:
    notes = [Note("A/X.md", "X"), Note("B/X.md", "X"), Note("X.md", "X"), Note("C/Y.md", "Y")]
    resolver = Resolver(reversed(notes))
    assert resolver.resolve("X", "A/Other.md").path == "X.md"  # type: ignore[union-attr]
    without_root = Resolver(notes[:2] + notes[3:])
    assert without_root.resolve("X", "B/Other.md").path == "B/X.md"  # type: ignore[union-attr]
    assert without_root.resolve("X", "C/Y.md").path == "A/X.md"  # type: ignore[union-attr]
    assert without_root.resolve("y").path == "C/Y.md"  # type: ignore[union-attr]
    assert without_root.resolve("") is None
