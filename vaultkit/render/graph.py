"""The referral graph note and the report behind it: every analytic as of a day, warm
paths in words, and the Referral Graph note itself.

vaultkit.graph gives the graph and its analytics; render/graph_formats.py gives the Mermaid
map, DOT and the export formats. Nothing here imports networkx.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vaultkit import graph as vg
from vaultkit.errors import NotFoundError
from vaultkit.graph import ME, Graph, Tree
from vaultkit.links import name_key
from vaultkit.model import to_data
from vaultkit.render.graph_formats import mermaid, node_label
from vaultkit.render.markdown import GENERATED_NOTICE, escape, finish, front_matter, link, table
from vaultkit.timeline import Person, people
from vaultkit.vault import Vault

ROWS = 20  # rows per table in the note; `vaultkit graph stats --json` lists them all


@dataclass(frozen=True)
class Report:
    """The referral graph of a vault and every analytic of it, as of one day."""

    rg: vg.ReferralGraph = field(hash=False, compare=False)
    today: date
    counts: dict[str, int] = field(hash=False)
    tree: Tree = field(hash=False, compare=False)
    chains: vg.Chains
    betweenness: vg.Betweenness = field(hash=False)
    connectors: tuple[vg.Connector, ...]
    yields: tuple[vg.Yield, ...]
    unacted: tuple[vg.Unacted, ...]
    stopped: tuple[vg.Stopped, ...]
    paths: tuple[vg.WarmPath, ...]

    @property
    def g(self) -> Graph:
        """Give the networkx graph."""
        return self.rg.graph


def analyse(vault: Vault, today: date, by_path: Mapping[str, Person] | None = None) -> Report:
    """Give the referral graph of a vault and all its analytics as of `today`."""
    with vg.paused_gc():
        return _analyse(vault, today, people(vault, today) if by_path is None else by_path)


def _analyse(vault: Vault, today: date, by_path: Mapping[str, Person]) -> Report:
    rg = vg.build_graph(vault, by_path, today)
    g = rg.graph
    tree = vg.referral_tree(g)
    between = vg.betweenness(g)
    persons = [a for _, a in g.nodes(data=True) if a["kind"] == "person"]
    counts = {  # people with a note, and those met; the same of the people without one
        "people": sum(1 for a in persons if not a["missing"]),
        "people_without_note": sum(1 for a in persons if a["missing"]),
        "met": sum(1 for a in persons if a["met"] and not a["missing"]),
        "met_without_note": sum(1 for a in persons if a["met"] and a["missing"]),
        "organisations": sum(1 for _, a in g.nodes(data=True) if a["kind"] == "org"),
        "introductions": sum(len(told) for told in vg.referrals(g)[0].values()),
        "first_degree": sum(1 for d in tree.depth.values() if d == 1),
        "longest_chain": max(tree.depth.values(), default=0),
    }
    targets = sorted(n for n, a in g.nodes(data=True) if a["kind"] == "org" and a["target"])
    return Report(
        rg,
        today,
        counts,
        tree,
        vg.chains(tree),
        between,
        tuple(vg.connectors(g, tree, between.values)),
        tuple(vg.yields(g)),
        tuple(vg.unacted_referrals(g, today, vault.config.rules.referral_days_after)),
        tuple(vg.stopped_chains(g, tree, today)),
        tuple(vg.warm_paths(g, targets)),
    )


def counted(n: int, one: str, many: str, grouped: bool = True) -> str:
    """Give a count with its noun: '1 person', '2 people' (with thousands separators)."""
    return f"{n:{',' if grouped else ''}} {one if n == 1 else many}"


def report_data(report: Report) -> dict[str, Any]:
    """Give every analytic of the report as JSON-ready data (`export` gives the graph)."""
    b = report.betweenness
    return {
        "today": report.today.isoformat(),
        "counts": report.counts,
        "depth": dict(sorted(report.tree.depth.items())),
        "chains": to_data(report.chains),
        "betweenness": {"nodes": b.nodes, "sampled": b.sampled, "seed": b.seed},
        "connectors": to_data(report.connectors),
        "yields": to_data(report.yields),
        "unacted": to_data(report.unacted),
        "stopped": to_data(report.stopped),
        "target_paths": [path_data(report.g, p, report.today) for p in report.paths],
        "problems": to_data(report.rg.problems),
    }


# --- warm paths in words -------------------------------------------------------------------


def _state(g: Graph, n: str) -> str:
    a = g.nodes[n]
    if a.get("kind") != "person":
        return ""
    if a.get("missing"):
        return " — no note yet"
    return " — met" if a.get("met") else f" — not met yet ({a.get('stage') or 'identified'})"


def hop_sentence(g: Graph, hop: vg.Hop, today: date | None = None) -> str:
    """Give a sentence saying how the two ends of a hop are connected: a meeting after
    `today` as still to come (without `today`, every meeting as held)."""
    u, v = node_label(g, hop.source), node_label(g, hop.target)
    if hop.kind == "works_at":
        return f"{u} works at {v}"
    if hop.kind == "colleague":
        return f"{v} works at {u} too" + _state(g, hop.target)
    if hop.kind == "knows":
        source = g.nodes[hop.target].get("source")
        return f"you know {v} directly" + (f" ({source})" if source else "") + _state(g, hop.target)
    a, b = (v, u) if hop.kind == "introduced_by" else (u, v)
    met = " when you met" + (f" on {hop.date}" if hop.date else "") if hop.meeting else ""
    if met and today is not None and hop.date > today.isoformat():
        # A scheduled meeting's `referrals:` are names you mean to ask about.
        said = f" at the meeting on {hop.date} (still to come)"
        said = (
            f"{a} introduced you to {b} and is to suggest them{said}"
            if hop.referred_by
            else f"{a} is to suggest {b}{said}"
        )
    elif hop.referred_by:
        said = f"{a} introduced you to {b}" + (f" and suggested them{met}" if met else "")
    else:
        said = f"{a} suggested {b}{met}"
    if hop.kind == "introduced_by":
        said = f"{u} knows {v}: {said}"
    return said + _state(g, hop.target)


def path_data(g: Graph, path: vg.WarmPath, today: date | None = None) -> dict[str, Any]:
    """Give a warm path as JSON-ready data, each hop with its sentence."""
    hops = [{**to_data(h), "text": hop_sentence(g, h, today)} for h in path.hops]
    return {"target": path.target, "nodes": list(path.nodes), "met": path.met, "hops": hops}


def find_node(rg: vg.ReferralGraph, vault: Vault, text: str) -> str:
    """Give the node a name stands for: a node id, a note's name or alias, or a label."""
    g = rg.graph
    if text in g and text != ME:
        return str(text)
    note = vault.resolve(text)
    if note is not None and note.path in rg.ids:
        return rg.ids[note.path]
    key = name_key(text)
    found = sorted(
        n for n, a in g.nodes(data=True) if n != ME and key in (name_key(n), name_key(a["label"]))
    )
    if len(found) == 1:
        return str(found[0])
    if found:
        raise NotFoundError(f"'{text}' names several people or organisations: {', '.join(found)}")
    raise NotFoundError(f"no person or organisation named '{text}' in the referral graph")


def warm_path_to(vault: Vault, today: date, target: str) -> dict[str, Any]:
    """Give the warm path from me to a person or organisation, as data with a sentence per hop."""
    rg = vg.build_graph(vault, people(vault, today), today)
    node = find_node(rg, vault, target)
    path = vg.warm_path(rg.graph, node)
    if path is None:
        raise NotFoundError(f"no chain of people leads from you to {node}")
    return {"kind": rg.graph.nodes[node]["kind"], **path_data(rg.graph, path, today)}


# --- the note ------------------------------------------------------------------------------


class _Cells:
    """Table cells for the graph's nodes: a wikilink to the note, else the escaped name."""

    def __init__(self, g: Graph, vault: Vault) -> None:
        self.g = g
        self.notes = {n.path: n for n in vault.notes}

    def node(self, n: str) -> str:
        a = self.g.nodes[n]
        note = self.notes.get(str(a.get("path", "")))
        if note is not None:
            return link(note)
        no_note = " (no note)" if a.get("missing") and a.get("kind") == "person" else ""
        return escape(node_label(self.g, n)) + no_note

    def chain(self, nodes: Sequence[str]) -> str:
        return " → ".join(self.node(n) for n in nodes)

    def note(self, path: str, otherwise: str) -> str:
        return link(self.notes[path]) if path in self.notes else otherwise


def _rows(
    items: Sequence[Any], row: Callable[[Any], list[str]], header: list[str], empty: str
) -> list[str]:
    """Give a table of the first ROWS items (cells made only for those), or `empty`."""
    if not items:
        return [empty]
    out = table(header, [row(item) for item in items[:ROWS]])
    if len(items) > ROWS:
        more = f"… and {len(items) - ROWS:,} more: `vaultkit graph stats --json` lists them all."
        out += ["", more]
    return out


def render_graph(vault: Vault, by_path: Mapping[str, Person], today: date) -> bytes:
    """Give the bytes of the Referral Graph note for the vault as of `today`."""
    with vg.paused_gc():
        return _render(analyse(vault, today, by_path), vault)


def _render(report: Report, vault: Vault) -> bytes:
    g, c, cell = report.g, report.counts, _Cells(report.g, vault)
    out = [*front_matter("graph"), "", f"# {escape(vault.config.output.graph)}", ""]
    out += [GENERATED_NOTICE, ""]
    unnoted = f" ({c['met_without_note']:,} met)" if c["met_without_note"] else ""
    out.append(
        f"{counted(c['people'], 'person', 'people')} with a note ({c['met']:,} met) · "
        f"{c['people_without_note']:,} named without a note{unnoted} · "
        f"{counted(c['organisations'], 'organisation', 'organisations')} · "
        f"{counted(c['introductions'], 'introduction', 'introductions')} · "
        f"{c['first_degree']:,} first-degree · "
        f"longest chain: {counted(c['longest_chain'], 'person', 'people')}"
    )
    out += ["", "## Map", ""]
    if vault.config.graph_max_nodes:
        lines, left_out = mermaid(g, vault.config.graph_max_nodes, report.tree)
        out += ["```mermaid", *lines, "```", ""]
        out.append("Solid arrows: who led to whom; dotted: works at. Green: met; dashed: no note.")
        out += ["", left_out] if left_out else []
    else:
        out.append("The map is switched off (`[graph] max_nodes = 0` in vaultkit.toml).")
    out += _chains(report, cell)
    out += _connectors(report, cell)
    out += _dead_ends(report, cell)
    out += ["", "## Warm paths to target organisations", ""]
    out += _rows(
        report.paths,
        lambda p: [
            cell.node(p.target),
            cell.chain(p.nodes[1:]),
            str(p.met),
            escape("; ".join(hop_sentence(g, h, report.today) for h in p.hops)),
        ],
        ["Organisation", "Path", "Met on it", "How"],
        "No target organisations (`target: true` in an org note) or no path to one.",
    )
    problems = report.rg.problems
    out += ["", f"## Graph problems ({len(problems)})", ""]
    out += _rows(
        problems,
        lambda p: [cell.note(p.path, escape(p.path)), str(p.line or ""), escape(p.message)],
        ["Note", "Line", "Problem"],
        "None.",
    )
    named = sorted(n for n, a in g.nodes(data=True) if a.get("missing"))
    if named:
        more = f" and {len(named) - ROWS:,} more" if len(named) > ROWS else ""
        listed = ", ".join(escape(n) for n in named[:ROWS])
        out += ["", f"Named in links but without a note yet: {listed}{more}."]
    return finish(out)


def _chains(report: Report, cell: _Cells) -> list[str]:
    out = ["", "## Referral chains", ""]
    out += ["Degree 1 is the people I know directly; 2, the people they led me to; and so on.", ""]
    per = report.chains.per_degree
    out += _rows(per, lambda d: [str(d[0]), f"{d[1]:,}"], ["Degree", "People"], "No people yet.")
    out += ["", "### Longest chains", ""]
    row = lambda ch: [cell.chain(ch), str(len(ch))]  # noqa: E731
    out += _rows(report.chains.longest, row, ["Chain", "People"], "No referral chains yet.")
    if report.chains.unreachable:
        stuck = ", ".join(cell.node(n) for n in report.chains.unreachable[:ROWS])
        more = len(report.chains.unreachable) - ROWS
        stuck += f" and {more:,} more" if more > 0 else ""
        out += ["", f"Not connected to me (only through a referral loop): {stuck}."]
    return out


def _connectors(report: Report, cell: _Cells) -> list[str]:
    out = ["", "## Top connectors", ""]
    out += _rows(
        report.connectors,
        lambda x: [
            cell.node(x.person),
            str(x.introduced),
            str(x.met_direct),
            str(x.met_downstream),
            f"{x.betweenness:.2f}",
        ],
        ["Person", "Introduced", "Met directly", "Met downstream", "Betweenness"],
        "Nobody has introduced anyone yet.",
    )
    b = report.betweenness
    # Its nodes are the people and me: organisations are on no referral chain.
    who = f"{b.nodes:,} nodes: the {counted(b.nodes - 1, 'person', 'people')} and you"
    how = (
        f"estimated from {b.sampled:,} starting points sampled with seed {b.seed} among "
        f"{who}, as there are more than {vg.EXACT_BETWEENNESS_MAX:,}"
        if b.sampled
        else f"exact, over {who}"
    )
    out += [
        "",
        "Met downstream: met people whose chain from me runs through them. Betweenness: "
        f"the shortest referral chains that pass through them ({how}).",
    ]
    out += ["", "## Yield per introducer", ""]
    out += _rows(
        report.yields,
        lambda y: [
            cell.node(y.introducer),
            str(y.suggested),
            str(y.reached),
            str(y.met),
            str(y.referred_on),
        ],
        ["Introducer", "Suggested", "Reached out", "Met", "Referred on"],
        "No referrals yet.",
    )
    return out


def _dead_ends(report: Report, cell: _Cells) -> list[str]:
    out = ["", "## Dead ends", "", "### Referrals never acted on", ""]
    out += _rows(
        report.unacted,
        lambda u: [
            cell.node(u.person),
            ", ".join(cell.node(x) for x in u.by),
            cell.note(u.meeting, "referred_by"),
            u.since or "undated",
        ],
        ["Person", "Suggested by", "Where", "Since"],
        "None: every referral was acted on.",
    )
    out += ["", "### Chains that stopped", ""]
    out += _rows(
        report.stopped,
        lambda s: [cell.chain(s.chain), s.stage, s.last or "undated"],
        ["Chain", "Stopped at", "Last movement"],
        "None.",
    )
    out += ["", f"A chain stops when its last person has not moved for {vg.STALE_DAYS} days."]
    return out
