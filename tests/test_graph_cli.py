"""`vaultkit graph stats|path|export` on the sample vault: output, exit codes, every export
format read back."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from test_graph import note, parse_dot

from vaultkit.cli import cli
from vaultkit.graph import ME

SAMPLE = Path(__file__).resolve().parent.parent / "sample_vault"
TODAY = ["--today", "2026-11-25"]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """Give a copy of the sample vault (the CLI must not touch the original)."""
    dest = tmp_path / "vault"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".vaultkit"))
    return dest


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_stats_text(vault: Path) -> None:
    code, out, _ = run("graph", "stats", str(vault), *TODAY)
    assert code == 0
    assert "longest chain: 4 people" in out
    assert "Maria Lopez → Tom Becker → Priya Natarajan → Kenji Watanabe" in out
    assert "Top connectors" in out and "Maria Lopez: 2 / 2 / 3 /" in out
    assert "Referrals never acted on:\n  Marcus Reed" in out


def test_stats_json(vault: Path) -> None:
    code, out, _ = run("graph", "stats", str(vault), *TODAY, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["longest_chain"] == 4
    assert data["depth"]["Kenji Watanabe"] == 4
    assert data["betweenness"] == {"nodes": 26, "sampled": None, "seed": None}
    assert data["connectors"][0]["person"] == "Maria Lopez"
    assert data["unacted"][0]["person"] == "Marcus Reed"
    assert data["target_paths"][0]["target"] == "Acme Health"


def test_path_text_explains_each_hop(vault: Path) -> None:
    code, out, _ = run("graph", "path", "acme health", str(vault), *TODAY)
    assert code == 0
    assert out.splitlines() == [
        "me → Maria Lopez → Aisha Rahman → Acme Health",
        "  1. you know Maria Lopez directly (friend) — met",
        "  2. Maria Lopez introduced you to Aisha Rahman and suggested them when you met on "
        "2026-08-20 — met",
        "  3. Aisha Rahman works at Acme Health",
    ]


def test_path_json_by_alias(vault: Path) -> None:
    code, out, _ = run("graph", "path", "Ken Watanabe", str(vault), *TODAY, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["target"] == "Kenji Watanabe" and data["kind"] == "person"
    assert data["nodes"] == [ME, "Maria Lopez", "Tom Becker", "Priya Natarajan", "Kenji Watanabe"]
    assert [h["kind"] for h in data["hops"]] == ["knows", "introduced", "introduced", "introduced"]
    assert data["hops"][-1]["meeting"] == "Meetings/2026-10-08 Priya Natarajan.md"


def test_path_to_an_unknown_target_is_not_found(vault: Path) -> None:
    code, _, err = run("graph", "path", "Nobody Atall", str(vault), *TODAY)
    assert code == 6
    assert "no person or organisation named 'Nobody Atall'" in err


def test_path_with_no_chain_is_not_found(vault: Path) -> None:
    code, _, err = run("graph", "path", "Northwind Freight", str(vault), *TODAY)
    assert code == 6 and "no chain of people leads from you to Northwind Freight" in err


def export(vault: Path, fmt: str, tmp_path: Path) -> bytes:
    out = tmp_path / f"graph.{fmt}"
    code, _, err = run("graph", "export", str(vault), *TODAY, "--format", fmt, "-o", str(out))
    assert code == 0, err
    return out.read_bytes()


def expected_nodes(vault: Path, tmp_path: Path) -> set[str]:
    data = json.loads(export(vault, "json", tmp_path))
    return {n["id"] for n in data["nodes"]}


def test_export_json_is_node_link_with_note_names(vault: Path, tmp_path: Path) -> None:
    g = nx.node_link_graph(json.loads(export(vault, "json", tmp_path)), edges="edges")
    assert g.is_directed()
    assert "Maria Lopez" in g and ME in g and "Grace Okafor" in g
    assert g.nodes["Grace Okafor"]["missing"] is True
    assert g.edges["Maria Lopez", "Tom Becker"]["kind"] == "referral"
    assert g.edges["Maria Lopez", "Brightline Software"]["kind"] == "works_at"


def test_export_graphml_and_gexf_read_back(vault: Path, tmp_path: Path) -> None:
    names = expected_nodes(vault, tmp_path)
    export(vault, "graphml", tmp_path)
    graphml = nx.read_graphml(tmp_path / "graph.graphml")
    assert set(graphml) == names
    assert graphml.nodes["Aisha Rahman"]["met"] is True
    export(vault, "gexf", tmp_path)
    gexf = nx.read_gexf(tmp_path / "graph.gexf")
    assert set(gexf) == names
    assert gexf.edges["Tom Becker", "Priya Natarajan"]["date"] == "2026-09-03"
    # networkx stamps GEXF with the date: we make it the build's, so bytes repeat.
    assert b'lastmodifieddate="2026-11-25"' in (tmp_path / "graph.gexf").read_bytes()


def test_export_dot_and_mermaid(vault: Path, tmp_path: Path) -> None:
    names = expected_nodes(vault, tmp_path)
    nodes, edges = parse_dot(export(vault, "dot", tmp_path).decode())
    assert set(nodes) == names
    assert edges[("Priya Natarajan", "Grace Okafor")]["meeting"].endswith("Priya Natarajan.md")
    mermaid = export(vault, "mermaid", tmp_path).decode()
    assert mermaid.startswith("flowchart LR\n")
    assert len(re.findall(r'^  n\d+\W+"', mermaid, re.M)) == len(names)


def test_export_to_stdout_is_deterministic(vault: Path) -> None:
    first = run("graph", "export", str(vault), *TODAY, "--format", "gexf")
    assert first[0] == 0 and first[1].startswith("<gexf")
    assert run("graph", "export", str(vault), *TODAY, "--format", "gexf") == first


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_export_svg_and_png_through_graphviz(vault: Path, tmp_path: Path) -> None:
    assert b"<svg" in export(vault, "svg", tmp_path)
    assert export(vault, "png", tmp_path).startswith(b"\x89PNG")


def test_export_svg_without_graphviz_says_what_to_do(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _, err = run("graph", "export", str(vault), *TODAY, "--format", "svg")
    assert code == 7
    assert "needs Graphviz's `dot` program, which is not installed" in err
    assert "apt-get install graphviz" in err


def stats_of(root: Path) -> str:
    code, out, err = run("graph", "stats", str(root), *TODAY)
    assert code == 0, err
    return out


def section(out: str, title: str) -> list[str]:
    """Give the lines of one section of `graph stats`."""
    lines = out.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.strip() for line in lines]


def test_a_coming_meeting_keeps_a_chain_moving(tmp_path: Path) -> None:
    # Ann (a friend) introduced Bob, met on 2026-09-01 and again on 2026-12-05 (to come);
    # she suggested Leo (no note) on 2026-09-01, who is to be met on 2026-12-02. Both last
    # moved in September, but a meeting is coming with each: no chain has stopped.
    note(tmp_path, "People/Ann.md", "type: contact\nsource: friend")
    note(tmp_path, "People/Bob.md", 'type: contact\nreferred_by: "[[Ann]]"')
    meetings = {
        "A1": '2026-09-01\nwith: ["[[Ann]]"]\nreferrals: ["[[Leo]]"]',
        "B1": '2026-09-01\nwith: ["[[Bob]]"]',
        "B2": '2026-12-05\nwith: ["[[Bob]]"]',
        "L1": '2026-12-02\nwith: ["[[Leo]]"]',
    }
    for name, fields in meetings.items():
        note(tmp_path, f"Meetings/{name}.md", f"type: meeting\ndate: {fields}")
    assert section(stats_of(tmp_path), "Chains that stopped") == ["(none)"]
    # Cancel the meetings to come and both chains have stopped in September.
    for name in ("B2", "L1"):
        file = tmp_path / "Meetings" / f"{name}.md"
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("type: meeting", "type: meeting\nstatus: cancelled"))
    assert section(stats_of(tmp_path), "Chains that stopped") == [
        "Ann → Bob: met, 2026-09-01",
        "Ann → Leo: no note, 2026-09-01",
    ]


def test_someone_suggested_at_their_own_meeting_is_no_referral_at_all(tmp_path: Path) -> None:
    # Met Ann and Bob together; the meeting's referrals: name Bob, who was there. Nobody
    # introduced Bob: he is first-degree, Ann no connector, and the warning says so.
    note(tmp_path, "People/Ann.md", "type: contact\nsource: friend")
    note(tmp_path, "People/Bob.md", "type: contact\nsource: colleague")
    note(
        tmp_path,
        "Meetings/M.md",
        'type: meeting\ndate: 2026-11-10\nwith: ["[[Ann]]", "[[Bob]]"]\nreferrals: ["[[Bob]]"]',
    )
    code, out, err = run("graph", "stats", str(tmp_path), *TODAY)
    assert code == 0
    assert out.splitlines()[:2] == [
        "2 people (2 met), 0 without a note, 0 organisations, 0 introductions; "
        "longest chain: 1 person",
        "people per degree: 1: 2",
    ]
    for title in ("Longest chains", "Referrals never acted on", "Chains that stopped"):
        assert section(out, title) == ["(none)"]
    assert section(
        out, "Top connectors (introduced / met directly / met downstream / betweenness, exact)"
    ) == ["(none)"]
    assert section(out, "Yield per introducer (suggested → reached out → met → referred on)") == [
        "(none)"
    ]
    said = "referrals: [[Bob]] is also in `with:`: met there, no referral; left out"
    assert err == f"Meetings/M.md: warning: {said}\n"


def test_a_meeting_booked_with_someone_without_a_note_is_reaching_out(tmp_path: Path) -> None:
    # Ann suggested Leo and Max (neither has a note) on 2026-09-01; a meeting with Leo is
    # booked for 2026-12-02, and one with Max was cancelled. Leo was reached, Max was not.
    note(tmp_path, "People/Ann.md", "type: contact\nsource: friend")
    meetings = {
        "A1": '2026-09-01\nwith: ["[[Ann]]"]\nreferrals: ["[[Leo]]", "[[Max]]"]',
        "L1": '2026-12-02\nwith: ["[[Leo]]"]',
        "M1": '2026-11-20\nstatus: cancelled\nwith: ["[[Max]]"]',
    }
    for name, fields in meetings.items():
        note(tmp_path, f"Meetings/{name}.md", f"type: meeting\ndate: {fields}")
    out = stats_of(tmp_path)
    assert section(out, "Referrals never acted on") == ["Max (suggested by Ann, since 2026-09-01)"]
    assert section(out, "Yield per introducer (suggested → reached out → met → referred on)") == [
        "Ann: 2 → 1 → 0 → 0"
    ]


def test_path_to_an_org_ends_at_someone_who_works_there(tmp_path: Path) -> None:
    # Ann (a friend, met) suggested Acme; Kim (a friend, reached out to) works there. Ann
    # knows nobody at Acme: the path goes through Kim (cost 2 and the org's 1½) and not
    # through Ann's suggestion.
    note(tmp_path, "Orgs/Acme.md", "type: org\ntarget: true")
    note(tmp_path, "People/Ann.md", "type: contact\nsource: friend")
    note(
        tmp_path,
        "People/Kim.md",
        'type: contact\nsource: friend\norg: "[[Acme]]"\noutreach: [2026-11-20]',
    )
    note(
        tmp_path,
        "Meetings/M.md",
        'type: meeting\ndate: 2026-09-01\nwith: ["[[Ann]]"]\nreferrals: ["[[Acme]]"]',
    )
    code, out, _ = run("graph", "path", "Acme", str(tmp_path), *TODAY)
    assert code == 0
    assert out.splitlines() == [
        "me → Kim → Acme",
        "  1. you know Kim directly (friend) — not met yet (contacted)",
        "  2. Kim works at Acme",
    ]
    # Nobody works there: a suggestion alone leads to nobody at the organisation.
    (tmp_path / "People" / "Kim.md").unlink()
    code, _, err = run("graph", "path", "Acme", str(tmp_path), *TODAY)
    assert code == 6 and "no chain of people leads from you to Acme" in err


def test_the_counts_say_who_was_met_with_a_note_and_without(tmp_path: Path) -> None:
    # Ann has a note and was never met; Noah has none and was met on 2026-11-01.
    note(tmp_path, "People/Ann.md", "type: contact")
    note(tmp_path, "Meetings/M.md", 'type: meeting\ndate: 2026-11-01\nwith: ["[[Noah]]"]')
    assert stats_of(tmp_path).splitlines()[0] == (
        "1 person (0 met), 1 without a note (1 met), 0 organisations, 0 introductions; "
        "longest chain: 1 person"
    )
    code, _, err = run("build", str(tmp_path), *TODAY)
    assert code == 0, err
    text = (tmp_path / "CRM" / "Referral Graph.md").read_text(encoding="utf-8")
    assert (
        "1 person with a note (0 met) · 1 named without a note (1 met) · 0 organisations · "
        "0 introductions · 2 first-degree · longest chain: 1 person\n"
    ) in text
    code, out, _ = run("graph", "stats", str(tmp_path), *TODAY, "--json")
    counts = json.loads(out)["counts"]
    assert (counts["people"], counts["met"]) == (1, 0)
    assert (counts["people_without_note"], counts["met_without_note"]) == (1, 1)


def test_betweenness_says_which_nodes_it_counts(tmp_path: Path) -> None:
    # Five nodes: me, Ann, Bob, and two organisations; betweenness is over the people and me.
    note(tmp_path, "Orgs/Acme.md", "type: org")
    note(tmp_path, "People/Ann.md", 'type: contact\norg: "[[Acme]]"')
    note(tmp_path, "People/Bob.md", 'type: contact\nreferred_by: "[[Ann]]"\norg: Harbor Bank')
    code, _, err = run("build", str(tmp_path), *TODAY)
    assert code == 0, err
    text = (tmp_path / "CRM" / "Referral Graph.md").read_text(encoding="utf-8")
    assert "pass through them (exact, over 3 nodes: the 2 people and you)." in text
    code, out, _ = run("graph", "stats", str(tmp_path), *TODAY, "--json")
    assert json.loads(out)["betweenness"] == {"nodes": 3, "sampled": None, "seed": None}


def test_every_longest_chain_is_in_json_and_the_text_says_how_many_it_left_out(
    tmp_path: Path,
) -> None:
    # Ann introduced 22 people: 22 chains of two.
    note(tmp_path, "People/Ann.md", "type: contact\nsource: friend")
    for i in range(1, 23):
        note(tmp_path, f"People/P{i:02}.md", 'type: contact\nreferred_by: "[[Ann]]"')
    chains = section(stats_of(tmp_path), "Longest chains")
    assert chains[:2] == ["Ann → P01", "Ann → P02"] and len(chains) == 11
    assert chains[-1] == "… and 12 more (--json lists them all)"
    code, out, _ = run("graph", "stats", str(tmp_path), *TODAY, "--json")
    longest = json.loads(out)["chains"]["longest"]
    assert longest == [["Ann", f"P{i:02}"] for i in range(1, 23)]
    code, _, err = run("build", str(tmp_path), *TODAY)
    assert code == 0, err
    text = (tmp_path / "CRM" / "Referral Graph.md").read_text(encoding="utf-8")
    chains_table = text.split("### Longest chains\n", 1)[1].split("\n## ", 1)[0]
    assert chains_table.count("[[People/P") == 20
    assert "… and 2 more: `vaultkit graph stats --json` lists them all." in chains_table
