"""The referral graph: building it from notes, each analytic on a small hand-built graph,
the Referral Graph note, Mermaid and DOT."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from vaultkit import graph as vg
from vaultkit.build import read, render_outputs
from vaultkit.graph import ME
from vaultkit.render import graph as views
from vaultkit.render import graph_formats
from vaultkit.timeline import people

SAMPLE = Path(__file__).resolve().parent.parent / "sample_vault"
TODAY = date(2026, 11, 25)


# --- hand-built graphs ----------------------------------------------------------------------


def person(g: Any, name: str, **attrs: Any) -> None:
    """Add a person node with every attribute the builder sets (overridable)."""
    base = {"kind": "person", "label": name, "path": f"People/{name}.md", "missing": False}
    base.update(stage="identified", status="active", source="", met=False, reached=False)
    base.update(last="", coming=False, target=False)
    base.update(attrs)
    if base["met"]:
        base.setdefault("reached", True)
        base["reached"] = True
        base["stage"] = attrs.get("stage", "met")
    g.add_node(name, **base)


def org(g: Any, name: str, target: bool = False) -> None:
    g.add_node(name, kind="org", label=name, path=f"Orgs/{name}.md", missing=False, target=target)


def knows(g: Any, *names: str) -> None:
    for n in names:
        g.add_edge(ME, n, kind="knows", referred_by=False, meeting="", date="")


def refer(g: Any, u: str, v: str, day: str = "", referred_by: bool = False) -> None:
    meeting = f"Meetings/{day} {u}.md" if day else ""
    g.add_edge(u, v, kind="referral", referred_by=referred_by, meeting=meeting, date=day)


def works(g: Any, p: str, o: str) -> None:
    g.add_edge(p, o, kind="works_at", referred_by=False, meeting="", date="")


def new() -> Any:
    g = nx.DiGraph()
    g.add_node(ME, kind="me", label="me", path="", missing=False, met=True, reached=True)
    return g


# --- referral chains ------------------------------------------------------------------------


def test_tree_depth_is_the_shortest_chain_from_me() -> None:
    # me → A → B → C, and me → D → C: C is two steps away (through D), not three.
    g = new()
    for n in "ABCD":
        person(g, n)
    knows(g, "A", "D")
    refer(g, "A", "B")
    refer(g, "B", "C")
    refer(g, "D", "C")
    tree = vg.referral_tree(g)
    assert tree.depth == {"A": 1, "D": 1, "B": 2, "C": 2}
    assert tree.chain("C") == ("D", "C")
    assert tree.chain("B") == ("A", "B")
    assert tree.unreachable == ()


def test_tree_prefers_an_introducer_i_have_met() -> None:
    # Z was suggested by both X and Y (both first-degree); only Y was met, so Z hangs off Y
    # although X sorts first.
    g = new()
    person(g, "X")
    person(g, "Y", met=True)
    person(g, "Z")
    knows(g, "X", "Y")
    refer(g, "X", "Z")
    refer(g, "Y", "Z")
    assert vg.referral_tree(g).parent["Z"] == "Y"


def test_a_referral_loop_nobody_i_know_leads_into_is_unreachable_and_terminates() -> None:
    g = new()
    for n in "APQ":
        person(g, n)
    knows(g, "A")
    refer(g, "P", "Q")
    refer(g, "Q", "P")
    tree = vg.referral_tree(g)
    assert tree.depth == {"A": 1}
    assert tree.unreachable == ("P", "Q")


def test_chains_count_people_per_degree_and_list_the_longest_first() -> None:
    # me → A → B → C (3 deep), me → A → E (2), me → D (1, a leaf).
    g = new()
    for n in "ABCDE":
        person(g, n)
    knows(g, "A", "D")
    refer(g, "A", "B")
    refer(g, "B", "C")
    refer(g, "A", "E")
    result = vg.chains(vg.referral_tree(g))
    assert result.per_degree == ((1, 2), (2, 2), (3, 1))
    assert result.longest == (("A", "B", "C"), ("A", "E"))  # D alone is no chain
    assert vg.chains(vg.referral_tree(g), limit=1).longest == (("A", "B", "C"),)


# --- betweenness and connectors -------------------------------------------------------------


def test_betweenness_on_a_chain_counts_the_pairs_each_person_stands_between() -> None:
    # me → A → B → C. Pairs with someone between: (me,B) via A; (me,C) via A and B;
    # (A,C) via B. So A: 2, B: 2, C: 0.
    g = new()
    for n in "ABC":
        person(g, n)
    knows(g, "A")
    refer(g, "A", "B")
    refer(g, "B", "C")
    b = vg.betweenness(g)
    assert b.values == {"A": 2.0, "B": 2.0, "C": 0.0}
    assert b.sampled is None and b.nodes == 4


def test_betweenness_splits_between_equally_short_chains() -> None:
    # me → A → C and me → B → C: the one pair (me, C) has two shortest chains, half each.
    g = new()
    for n in "ABC":
        person(g, n)
    knows(g, "A", "B")
    refer(g, "A", "C")
    refer(g, "B", "C")
    assert vg.betweenness(g).values == {"A": 0.5, "B": 0.5, "C": 0.0}


def test_betweenness_matches_networkx_exact_and_sampled() -> None:
    g = new()
    names = [f"p{i}" for i in range(30)]
    for n in names:
        person(g, n)
    knows(g, "p0", "p1", "p2")
    for i in range(3, 30):
        refer(g, names[(i * 7) % i], names[i])
        if i % 4 == 0:
            refer(g, names[i], names[(i * 3) % i])  # loops back: cycles must not matter
    works_org = "Org"
    org(g, works_org)
    works(g, "p5", works_org)
    refer(g, "p6", works_org, "2026-01-01")  # a suggestion of the organisation
    # The graph docs/graph.md names: me and the people, in the graph's order (the sample
    # of starting points depends on it), linked by knows and referrals.
    keep = [n for n, a in g.nodes(data=True) if a["kind"] in ("me", "person")]
    h = nx.DiGraph()
    h.add_nodes_from(keep)
    h.add_edges_from(
        (u, v)
        for u, v, d in g.edges(data=True)
        if d["kind"] in ("knows", "referral") and u in keep and v in keep
    )
    assert h.number_of_nodes() == 31
    exact = nx.betweenness_centrality(h, normalized=False)
    mine = vg.betweenness(g)
    assert mine.values == {n: round(exact[n], 2) for n in names}
    sampled = vg.betweenness(g, exact_max=10, k=8, seed=3)
    if tuple(int(x) for x in nx.__version__.split(".")[:2]) < (3, 5):
        pytest.skip(
            "the sampled estimate is compared with networkx 3.5+'s (older ones scale it otherwise)"
        )
    theirs = nx.betweenness_centrality(h, k=8, normalized=False, seed=3)
    assert sampled.sampled == 8 and sampled.seed == 3 and sampled.nodes == 31
    assert sampled.values == pytest.approx({n: round(theirs[n], 2) for n in names}, abs=0.011)


def test_connectors_count_met_people_directly_and_down_their_chains() -> None:
    # me → A; A introduced B (met) and D (not met); B introduced C (met).
    # A: introduced 2, met directly 1 (B), met downstream 2 (B and C).
    # B: introduced 1, met directly 1 (C), met downstream 1.
    g = new()
    person(g, "A", met=True)
    person(g, "B", met=True)
    person(g, "C", met=True)
    person(g, "D")
    knows(g, "A")
    refer(g, "A", "B")
    refer(g, "A", "D")
    refer(g, "B", "C")
    tree = vg.referral_tree(g)
    result = vg.connectors(g, tree, {"A": 1.5})
    assert result == [
        vg.Connector("A", 2, 1, 2, 1.5),
        vg.Connector("B", 1, 1, 1, 0.0),
    ]


# --- yield and dead ends --------------------------------------------------------------------


def test_yield_follows_each_introducers_names_down_the_funnel() -> None:
    # A suggested B (met), C (reached out, no meeting) and D (nothing yet); B went on to
    # refer E. A: 3 suggested → 2 reached → 1 met → 1 referred on. B: 1 → 0 → 0 → 0.
    g = new()
    person(g, "A", met=True)
    person(g, "B", met=True)
    person(g, "C", reached=True, stage="contacted")
    person(g, "D")
    person(g, "E")
    knows(g, "A")
    for v in "BCD":
        refer(g, "A", v)
    refer(g, "B", "E")
    assert vg.yields(g) == [vg.Yield("A", 3, 2, 1, 1), vg.Yield("B", 1, 0, 0, 0)]


def test_unacted_referrals_are_the_old_names_i_never_reached() -> None:
    g = new()
    person(g, "A", met=True)
    person(g, "Old")  # suggested on 2026-01-10, never reached: a dead end
    person(g, "New")  # suggested 3 days ago: still within the week's grace
    person(g, "Done", reached=True, stage="contacted")
    person(g, "Paused", status="paused")  # I decided: not a dead end
    person(g, "Ghost", missing=True, path="")  # named, never given a note
    person(g, "Undated")  # referred_by only: no date to wait from
    knows(g, "A")
    refer(g, "A", "Old", "2026-01-10")
    refer(g, "A", "New", "2026-11-22")
    refer(g, "A", "Done", "2026-01-10")
    refer(g, "A", "Paused", "2026-01-10")
    refer(g, "A", "Ghost", "2026-03-01")
    refer(g, "A", "Undated", referred_by=True)
    result = vg.unacted_referrals(g, TODAY, grace_days=7)
    assert [(u.person, u.since, u.missing) for u in result] == [
        ("Undated", "", False),
        ("Old", "2026-01-10", False),
        ("Ghost", "2026-03-01", True),
    ]
    assert result[1].by == ("A",) and result[1].meeting == "Meetings/2026-01-10 A.md"


def test_stopped_chains_end_in_someone_stuck_for_a_month() -> None:
    g = new()
    person(g, "A", met=True, last="2026-11-20")
    person(g, "Stuck", reached=True, stage="contacted", last="2026-09-01")
    person(g, "Moving", reached=True, stage="responded", last="2026-11-15")
    person(g, "Soon", reached=True, stage="scheduled", last="2026-08-01", coming=True)
    person(g, "Again", met=True, last="2026-08-01", coming=True)  # met, to be met again
    person(g, "Onward", met=True, last="2026-06-01")
    person(g, "Leaf", met=True, last="2026-11-01")
    person(g, "Lonely")  # first-degree: a chain needs two people
    person(g, "Closed", status="closed", last="2026-09-01")  # I decided: not a dead end
    knows(g, "A", "Lonely")
    refer(g, "A", "Stuck", "2026-08-20")
    refer(g, "A", "Moving", "2026-08-20")
    refer(g, "A", "Soon", "2026-07-01")
    refer(g, "A", "Closed", "2026-08-20")
    refer(g, "A", "Again", "2026-07-01")
    refer(g, "A", "Onward", "2026-05-01")
    refer(g, "Onward", "Leaf", "2026-06-01")
    tree = vg.referral_tree(g)
    result = vg.stopped_chains(g, tree, TODAY, stale_days=30)
    # Stuck: last moved 2026-09-01, 85 days ago. Moving: 10 days. Soon and Again: a meeting
    # is coming.
    # Onward referred someone on. Leaf met 24 days ago.
    assert result == [vg.Stopped(("A", "Stuck"), "contacted", "2026-09-01")]


# --- warm paths -----------------------------------------------------------------------------


def test_warm_path_prefers_people_i_have_met() -> None:
    # Two ways to T: through U (never met) in two hops, or through A and B (both met) in
    # three. Costs: U 6 + T; A 2 + B 2 + T. The met chain is warmer.
    g = new()
    person(g, "U")
    person(g, "A", met=True)
    person(g, "B", met=True)
    person(g, "T")
    knows(g, "U", "A")
    refer(g, "U", "T")
    refer(g, "A", "B", "2026-05-01", referred_by=True)
    refer(g, "B", "T")
    path = vg.warm_path(g, "T")
    assert path is not None
    assert path.nodes == (ME, "A", "B", "T")
    assert path.met == 2
    assert [h.kind for h in path.hops] == ["knows", "introduced", "introduced"]
    said = [views.hop_sentence(g, h) for h in path.hops]
    assert said[0] == "you know A directly — met"
    assert said[1] == "A introduced you to B and suggested them when you met on 2026-05-01 — met"
    assert said[2] == "B suggested T — not met yet (identified)"


def test_warm_path_to_an_org_ends_at_anyone_who_works_there() -> None:
    # P works at O and came through my friend F (met); Q works at O too but I found Q
    # cold. Through F and P: 2 + 2 + 3; straight to Q: 6 + 8 (cold) + 3.
    g = new()
    org(g, "O", target=True)
    person(g, "F", met=True, source="friend")
    person(g, "P", met=True)
    person(g, "Q", source="cold")
    knows(g, "F", "Q")
    refer(g, "F", "P", "2026-02-02")
    works(g, "P", "O")
    works(g, "Q", "O")
    refer(g, "F", "O", "2026-01-01")  # F suggested O (2 + 3): no one there, so no path
    path = vg.warm_path(g, "O")
    assert path is not None and path.nodes == (ME, "F", "P", "O")
    assert views.hop_sentence(g, path.hops[-1]) == "P works at O"
    assert views.hop_sentence(g, path.hops[0]) == "you know F directly (friend) — met"
    # A colleague at O is reached through the organisation when that is warmest.
    person(g, "R", source="cold")
    knows(g, "R")
    works(g, "R", "O")
    to_r = vg.warm_path(g, "R")
    assert to_r is not None and to_r.nodes == (ME, "F", "P", "O", "R")
    assert views.hop_sentence(g, to_r.hops[-1]) == "R works at O too — not met yet (identified)"
    assert [p.target for p in vg.warm_paths(g, ["O", "R", "nobody"])] == ["O", "R"]


def test_warm_path_walks_a_referral_backwards_and_says_so() -> None:
    # I met A; C suggested A to me, but I never met C and nothing leads from me to C.
    g = new()
    person(g, "A", met=True)
    person(g, "C")
    knows(g, "A")
    refer(g, "C", "A", "2026-04-04")
    path = vg.warm_path(g, "C")
    assert path is not None and path.nodes == (ME, "A", "C")
    assert path.hops[1].kind == "introduced_by"
    assert views.hop_sentence(g, path.hops[1]) == (
        "A knows C: C suggested A when you met on 2026-04-04 — not met yet (identified)"
    )


def test_warm_path_is_none_without_a_chain() -> None:
    g = new()
    person(g, "A")
    person(g, "Island")
    knows(g, "A")
    assert vg.warm_path(g, "Island") is None
    assert vg.warm_path(g, ME) is None
    assert vg.warm_path(g, "not in the graph") is None


# --- the graph of a vault -------------------------------------------------------------------


def note(root: Path, rel: str, front: str, body: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n{body}", encoding="utf-8")


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    note(tmp_path, "People/Ann.md", 'type: contact\norg: "[[Acme]]"\noutreach: [2026-01-01]')
    note(tmp_path, "People/Bob.md", 'type: contact\nreferred_by: "[[Ann]]"\norg: Plain Co')
    note(tmp_path, "People/Cat.md", 'type: contact\nreferred_by: "[[Dan]]"')
    note(tmp_path, "People/Dan.md", 'type: contact\nreferred_by: "[[Cat]]"')
    note(tmp_path, "People/Eve.md", 'type: contact\nreferred_by: "[[Eve]]"')
    note(tmp_path, "People/Fay.md", 'type: contact\nreferred_by: "[[Ghost Introducer]]"')
    note(tmp_path, "People/Me.md", "type: contact")
    note(tmp_path, "People/Work/Jo.md", "type: contact")
    note(tmp_path, "People/Home/Jo.md", 'type: contact\nreferred_by: "[[Acme]]"')
    note(tmp_path, "Orgs/Acme.md", "type: org\ntarget: true")
    note(
        tmp_path,
        "Meetings/2026-02-01 Ann.md",
        'type: meeting\ndate: 2026-02-01\nwith: ["[[Ann]]"]\n'
        'referrals: ["[[Bob]]", "[[Nobody Yet]]", "[[Acme]]", "[[Ann]]"]',
    )
    note(
        tmp_path,
        "Meetings/2026-01-15 Ann.md",
        'type: meeting\ndate: 2026-01-15\nwith: ["[[Ann]]"]\nreferrals: ["[[Bob]]"]',
    )
    note(
        tmp_path,
        "Meetings/2026-03-01 cancelled.md",
        'type: meeting\ndate: 2026-03-01\nstatus: cancelled\nwith: ["[[Ann]]"]\n'
        'referrals: ["[[Dan]]"]',
    )
    return tmp_path


def test_graph_of_a_vault(vault_dir: Path) -> None:
    vault = read(vault_dir)
    rg = vg.build_graph(vault, {}, TODAY)
    g = rg.graph
    # Names are ids; the two Jo notes clash, so their paths are; "Me" would clash with me.
    assert rg.ids["People/Work/Jo.md"] == "People/Work/Jo"
    assert rg.ids["People/Me.md"] == "People/Me"
    assert g.nodes[ME]["kind"] == "me"
    assert g.nodes["Nobody Yet"]["missing"] and g.nodes["Nobody Yet"]["kind"] == "person"
    assert g.nodes["Ghost Introducer"]["missing"]
    assert g.nodes["Plain Co"]["kind"] == "org" and g.nodes["Plain Co"]["missing"]
    assert g.nodes["Acme"]["target"] is True
    # Edges: referred_by, the earliest meeting naming the referral, works-at, first-degree.
    bob = g.edges["Ann", "Bob"]
    assert bob["kind"] == "referral" and bob["referred_by"] is True
    assert (bob["meeting"], bob["date"]) == ("Meetings/2026-01-15 Ann.md", "2026-01-15")
    assert g.edges["Ann", "Acme"]["kind"] == "works_at"
    assert g.edges["Ann", "Nobody Yet"]["date"] == "2026-02-01"
    assert g.edges["Ann", "Acme"]["kind"] == "works_at"  # the referral to Acme merged in
    assert g.edges["Bob", "Plain Co"]["kind"] == "works_at"
    assert g.has_edge(ME, "Ann") and g.has_edge(ME, "Ghost Introducer")
    assert not g.has_edge(ME, "Bob") and not g.has_edge(ME, "Fay")
    assert not g.has_edge("Ann", "Dan")  # a cancelled meeting refers nobody
    # Self-references are dropped; nothing loops on itself.
    assert not any(u == v for u, v in g.edges)
    assert g.has_edge(ME, "Eve")  # her only introducer was herself
    codes = sorted(p.code for p in rg.problems)
    assert codes == ["graph-wrong-kind", "referral-cycle", "self-referral", "self-referral"]
    cycle = next(p for p in rg.problems if p.code == "referral-cycle")
    assert "Cat, Dan" in cycle.message and cycle.path == "People/Cat.md"
    tree = vg.referral_tree(g)
    assert tree.unreachable == ("Cat", "Dan")
    # Every attribute is a plain str or bool, so every export format can carry it.
    for _, attrs in [*g.nodes(data=True), *((None, d) for *_, d in g.edges(data=True))]:
        assert all(isinstance(v, (str, bool)) for v in attrs.values())


def test_a_missing_person_and_org_of_one_name_get_two_nodes(tmp_path: Path) -> None:
    note(tmp_path, "People/Ann.md", 'type: contact\norg: "Zed"\nreferred_by: "[[Zed]]"')
    g = vg.build_graph(read(tmp_path), {}, TODAY).graph
    assert g.nodes["Zed"]["kind"] == "person"
    assert g.nodes["Zed (no note)"]["kind"] == "org"


def test_a_person_without_a_note_is_met_once_a_done_meeting_names_them(tmp_path: Path) -> None:
    # Ann (a note) suggested Zoe and Yan on 2026-02-01; none of the three others has a note.
    # Zoe: in a past meeting with no status (done) on 2026-03-01 and one marked done on
    # 2026-05-01: met, reached, last moved 2026-05-01. Yan: only in a cancelled meeting.
    # Wes: only in a meeting on 2026-12-10, after TODAY (scheduled): reached, not met.
    note(tmp_path, "People/Ann.md", "type: contact")
    meetings = {
        "2026-02-01 Ann": 'with: ["[[Ann]]"]\nreferrals: ["[[Zoe]]", "[[Yan]]"]',
        "2026-03-01 Zoe": 'with: ["[[Zoe]]"]',
        "2026-05-01 Zoe": 'with: ["[[Zoe]]"]\nstatus: done',
        "2026-04-01 Yan": 'with: ["[[Yan]]"]\nstatus: cancelled',
        "2026-12-10 Wes": 'with: ["[[Wes]]"]',
    }
    for name, fields in meetings.items():
        note(tmp_path, f"Meetings/{name}.md", f"type: meeting\ndate: {name[:10]}\n{fields}")
    vault = read(tmp_path)
    g = vg.build_graph(vault, people(vault, TODAY), TODAY).graph
    met = {n: (a["met"], a["reached"], a["last"]) for n, a in g.nodes(data=True) if a["missing"]}
    assert met == {
        "Zoe": (True, True, "2026-05-01"),
        "Yan": (False, False, ""),
        "Wes": (False, True, ""),  # reached: a meeting is booked
    }
    assert [n for n, a in g.nodes(data=True) if a.get("coming")] == ["Wes"]
    # Met: Ann (her note's stage) and Zoe, who has no note. Ann's yield: suggested Zoe and
    # Yan → reached Zoe → met Zoe → neither referred anyone on. Only Yan is a referral
    # never acted on.
    report = views.analyse(vault, TODAY)
    assert (report.counts["met"], report.counts["met_without_note"]) == (1, 1)
    assert report.yields == (vg.Yield("Ann", 2, 1, 1, 0),)
    assert [(u.person, u.since) for u in report.unacted] == [("Yan", "2026-02-01")]
    # Both chains from Ann stopped (no move within 30 days of TODAY), Zoe's at her meeting.
    assert [(s.chain, s.last) for s in report.stopped] == [
        (("Ann", "Yan"), "2026-02-01"),
        (("Ann", "Zoe"), "2026-05-01"),
    ]


# --- the note on the sample vault -----------------------------------------------------------


def test_sample_vault_note_shows_deep_chains_connectors_and_a_dead_end(sample_vault: Path) -> None:
    vault = read(sample_vault)
    report = views.analyse(vault, TODAY)
    assert report.counts["longest_chain"] >= 3
    assert any(len(ch) >= 3 for ch in report.chains.longest)
    assert report.connectors and report.connectors[0].person == "Maria Lopez"
    assert report.unacted and report.stopped
    assert {p.target for p in report.paths} == {"Acme Health", "Brightline Software"}
    text = render_outputs(vault, TODAY).notes["CRM/Referral Graph.md"].decode()
    assert text.startswith("---\ngenerated_by: vaultkit\nview: graph\n---\n")
    assert "```mermaid\nflowchart LR\n" in text
    for heading in ("## Referral chains", "## Top connectors", "## Yield per introducer"):
        assert heading in text
    assert "[[People/Marcus Reed\\|Marcus Reed]]" in text  # a dead end, linked
    assert "Grace Okafor (no note)" in text


def test_note_is_byte_identical_for_the_same_vault_and_date(sample_vault: Path) -> None:
    vault = read(sample_vault)
    first = views.render_graph(vault, {}, TODAY)
    assert views.render_graph(read(sample_vault), {}, TODAY) == first
    assert views.render_graph(vault, {}, date(2027, 6, 1)) != first  # dead ends age


def test_importing_the_package_does_not_import_networkx() -> None:
    code = (
        "import sys, vaultkit.cli, vaultkit.build, vaultkit.graph, vaultkit.render.graph\n"
        "import vaultkit.graph.build, vaultkit.graph.analytics, vaultkit.graph.writers\n"
        "import vaultkit.render.graph_formats\n"
        "assert 'networkx' not in sys.modules, 'networkx imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_only_the_graph_package_imports_networkx() -> None:
    package = Path(vg.__file__).resolve().parent
    found = [
        path.relative_to(package.parent).as_posix()
        for path in package.parent.rglob("*.py")
        if re.search(r"^\s*(import networkx|from networkx)", path.read_text("utf-8"), re.M)
        and package not in path.resolve().parents
    ]
    assert found == []


# --- Mermaid --------------------------------------------------------------------------------

HOSTILE = [
    'Quote "Q" Person',
    "Bracket [x] (y) {z}",
    "Pipe | Person",
    "<script>alert(1)</script>",
    "Zoë Ærø 李雷",
    "end",
    "n0",
    "graph TD; A-->B",
    "#35; hash & amp;",
    "back\\slash `tick` %% comment",
    "emoji 🙂 person",
    "subgraph",
    'click n1 "http://x"',
]


def hostile_graph() -> Any:
    g = new()
    for name in HOSTILE:
        person(g, name)
    knows(g, HOSTILE[0])
    for u, v in itertools.pairwise(HOSTILE):
        refer(g, u, v)
    org(g, "Org ] ; [")
    works(g, HOSTILE[1], "Org ] ; [")
    return g


def test_mermaid_labels_are_escaped_and_ids_are_safe() -> None:
    lines, left_out = graph_formats.mermaid(hostile_graph(), 60)
    assert lines[0] == "flowchart LR" and left_out == ""
    node_line = re.compile(r'^  n\d+(\["[^"]*"\]|\(\["[^"]*"\]\)|\{\{"[^"]*"\}\})$')
    nodes = [ln for ln in lines[1:] if not re.match(r"^  (n\d+ -|classDef|class )", ln)]
    assert len(nodes) == len(HOSTILE) + 2
    for line in nodes:
        assert node_line.match(line), line
        label = re.search(r'"(.*)"', line)
        assert label is not None
        bare = re.sub(r"#\d+;", "", label.group(1))  # what is left beside the entity codes
        assert not set(bare) & set('"[]{}|<>;#`%\\&')
    assert graph_formats.mermaid_text("Zoë 李") == "Zoë 李"
    assert graph_formats.mermaid_text('a"b') == "a#34;b"
    assert graph_formats.mermaid_text("<b>") == "#60;b#62;"
    assert graph_formats.mermaid_text("x | y") == "x #124; y"
    assert graph_formats.mermaid_text("line\nbreak") == "line break"


def test_mermaid_trims_a_large_graph_to_its_most_connected_nodes() -> None:
    g = new()
    names = [f"p{i:03}" for i in range(100)]
    for n in names:
        person(g, n)
    knows(g, *names[:10])
    for i in range(10, 100):
        refer(g, names[i % 10], names[i])  # p000…p009 are the hubs
    lines, left_out = graph_formats.mermaid(g, 11)
    shown = [ln for ln in lines if re.match(r'^  n\d+\W*"', ln)]
    assert len(shown) == 11
    assert all(f'"{n}"' in "\n".join(shown) for n in names[:10])
    assert "the 11 most connected of 101 nodes" in left_out
    assert "left out: 90 people and 0 organisations" in left_out


MERMAID_DIR = Path(os.environ.get("VAULTKIT_MERMAID_DIR", "/tmp/mermaid-check"))
CHECK_SCRIPT = Path(__file__).resolve().parent / "mermaid_check.mjs"


def mermaid_checker() -> str | None:
    """Give why the real Mermaid parser cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        return f"no mermaid in {MERMAID_DIR}/node_modules (see docs/graph.md, 'The Mermaid check')"
    if not (MERMAID_DIR / "node_modules" / "jsdom").is_dir():
        return f"no jsdom in {MERMAID_DIR}/node_modules (see docs/graph.md)"
    return None


@pytest.mark.skipif(mermaid_checker() is not None, reason=str(mermaid_checker()))
def test_the_real_mermaid_parser_accepts_the_note_and_hostile_names(
    tmp_path: Path, sample_vault: Path
) -> None:
    # The script must sit beside a node_modules holding mermaid and jsdom to import them.
    (tmp_path / "node_modules").symlink_to(MERMAID_DIR / "node_modules")
    shutil.copy(CHECK_SCRIPT, tmp_path / "check.mjs")
    note_bytes = render_outputs(read(sample_vault), TODAY).notes["CRM/Referral Graph.md"]
    (tmp_path / "note.md").write_bytes(note_bytes)
    (tmp_path / "hostile.mmd").write_text("\n".join(graph_formats.mermaid(hostile_graph(), 60)[0]))
    (tmp_path / "broken.mmd").write_text('flowchart LR\n  n0["a " b"]\n')
    done = subprocess.run(
        ["node", "check.mjs", "note.md", "hostile.mmd"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ok ") == 2
    # And the check does catch a broken label, so passing means something.
    bad = subprocess.run(
        ["node", "check.mjs", "broken.mmd"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 1 and "FAIL" in bad.stdout


# --- DOT ------------------------------------------------------------------------------------

_DOT_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(->|[{}\[\];=,])|([A-Za-z_][\w]*)|\s+')


_DOT_ESCAPE = re.compile(r"\\(.)")


def _unescape(m: re.Match[str]) -> str:
    return "\n" if m.group(1) == "n" else m.group(1)


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], dict[str, str]]]:
    """Give (nodes, edges) with their attributes from the DOT our writer makes."""
    tokens: list[str] = []
    for m in _DOT_TOKEN.finditer(text):
        if m.group(1) is not None:
            tokens.append(
                "Q"
                + re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1), m.group(1))
            )
        elif m.group(2) or m.group(3):
            tokens.append(m.group(2) or m.group(3))
    assert tokens[:3] == ["digraph", "referrals", "{"] and tokens[-1] == "}"
    nodes: dict[str, dict[str, str]] = {}
    edges: dict[tuple[str, str], dict[str, str]] = {}
    body = " ".join(tokens)
    i = 3
    while tokens[i] != "}":
        if tokens[i] == "rankdir":
            i += 4
            continue
        first = tokens[i][1:]
        i += 1
        target = None
        if tokens[i] == "->":
            target = tokens[i + 1][1:]
            i += 2
        assert tokens[i] == "[", body
        i += 1
        attrs = {}
        while tokens[i] != "]":
            key, eq, value = tokens[i], tokens[i + 1], tokens[i + 2]
            assert eq == "=" and value.startswith("Q")
            attrs[key] = value[1:]
            i += 3
            if tokens[i] == ",":
                i += 1
        i += 1
        assert tokens[i] == ";"
        i += 1
        if target is None:
            nodes[first] = attrs
        else:
            edges[(first, target)] = attrs
    return nodes, edges


def test_dot_quotes_every_name_and_reads_back() -> None:
    g = hostile_graph()
    text = graph_formats.to_dot(g)
    nodes, edges = parse_dot(text)
    assert set(nodes) == set(g)
    assert set(edges) == set(g.edges)
    assert nodes['Quote "Q" Person']["label"] == 'Quote "Q" Person'
    assert nodes["back\\slash `tick` %% comment"]["kind"] == "person"
    assert edges[(ME, HOSTILE[0])]["kind"] == "knows"
    assert nodes[ME]["met"] == "true"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_reads_our_dot() -> None:
    import json

    g = hostile_graph()
    g.remove_node("back\\slash `tick` %% comment")  # Graphviz keeps \\ doubled in an id
    done = subprocess.run(
        ["dot", "-Tjson"], input=graph_formats.to_dot(g), capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    assert {o["name"] for o in data["objects"]} == set(g)
    assert len(data["edges"]) == g.number_of_edges()


def test_note_map_follows_graph_max_nodes(tmp_path: Path) -> None:
    vault_dir = tmp_path / "v"
    shutil.copytree(SAMPLE, vault_dir, ignore=shutil.ignore_patterns(".vaultkit", "CRM"))
    (vault_dir / "vaultkit.toml").write_text("[graph]\nmax_nodes = 5\n", encoding="utf-8")
    text = views.render_graph(read(vault_dir), {}, TODAY).decode()
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert len(re.findall(r'^  n\d+\W+"', block, re.M)) == 5
    assert "The map shows the 5 most connected of 31 nodes; left out: " in text
    (vault_dir / "vaultkit.toml").write_text("[graph]\nmax_nodes = 0\n", encoding="utf-8")
    text = views.render_graph(read(vault_dir), {}, TODAY).decode()
    assert "```mermaid" not in text and "The map is switched off" in text


def test_trimmed_map_is_the_connected_core_not_the_busiest_orgs() -> None:
    # 60 first-degree people work at three orgs (degree 20 each, the busiest nodes); the
    # only referral chain is A → B → C. Six nodes: me, the chain, and two more people.
    g = new()
    for i in range(3):
        org(g, f"O{i}")
    for i in range(60):
        person(g, f"p{i:02}")
        knows(g, f"p{i:02}")
        works(g, f"p{i:02}", f"O{i % 3}")
    for n in "ABC":
        person(g, n)
    knows(g, "A")
    refer(g, "A", "B")
    refer(g, "B", "C")
    lines, left_out = graph_formats.mermaid(g, 6)
    shown = "\n".join(lines)
    for name in ("me", "A", "B", "C", "p00", "p01"):
        assert f'"{name}"' in shown
    assert "{{" not in shown  # no organisation
    assert len([ln for ln in lines if re.match(r"^  n\d+ -", ln)]) == 5  # one piece
    assert "left out: 58 people and 3 organisations" in left_out


# --- the watcher ----------------------------------------------------------------------------


def test_the_watcher_redraws_the_graph_when_a_meeting_is_booked_or_called_off(
    tmp_path: Path,
) -> None:
    # What the graph reads of a meeting for someone without a note (reached, a meeting
    # coming) is in the watcher's signature of the meeting: a save changing only that
    # redraws the graph, and the graph drawn then is the one a cold build draws.
    from vaultkit.config import load_config
    from vaultkit.incremental import Live
    from vaultkit.vault import load_vault, scan

    note(tmp_path, "People/Ann.md", "type: contact\nsource: friend")
    note(
        tmp_path,
        "Meetings/A1.md",
        'type: meeting\ndate: 2026-09-01\nwith: ["[[Ann]]"]\nreferrals: ["[[Leo]]"]',
    )
    note(tmp_path, "Meetings/L1.md", 'type: meeting\ndate: 2026-12-02\nwith: ["[[Leo]]"]')
    config = load_config(tmp_path)
    live = Live(load_vault(tmp_path, config, use_cache=False), TODAY)

    def save(old: str, new: str) -> tuple[bool, bytes]:
        file = tmp_path / "Meetings" / "L1.md"
        file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        stat = next(s for s in scan(tmp_path, config) if s.path == "Meetings/L1.md")
        redraw = live.apply(scan(tmp_path, config), [stat]).graph
        cold = load_vault(tmp_path, config, use_cache=False)
        assert live.vault.notes == cold.notes
        return redraw, views.render_graph(live.vault, live.people, TODAY)

    before = views.render_graph(live.vault, live.people, TODAY)
    redraw, cancelled = save("type: meeting", "type: meeting\nstatus: cancelled")
    assert redraw and cancelled != before
    assert "| Leo (no note) | [[People/Ann\\|Ann]] | [[Meetings/A1\\|A1]] |" in cancelled.decode()
    redraw, booked = save("status: cancelled\n", "")
    assert redraw and booked == before
    assert "| Leo (no note) |" not in booked.decode()
