"""The referral graph and its analytics (the only module importing networkx, and only inside
functions: `import networkx` costs ~150 ms that importing this module must not).

A networkx DiGraph; node ids are note names (paths without .md where names clash), the
root is "me"; every attribute is a str or bool, so every export format carries it.
- node `kind` me|person|org; `label`, `path` ('' without a note), `missing` (named, no
  note), `stage`, `status`, `source`, `met`, `reached`, `last` (ISO date), `target`.
- edge `kind` knows (me → someone nobody introduced) | referral (introducer → person or
  org; `referred_by`, the earliest `meeting` and its `date`) | works_at (person → org).
The analytics are pure functions of such a graph, each tested on a hand-built one.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from vaultkit.links import name_key
from vaultkit.model import Link, Note, Problem
from vaultkit.timeline import Person
from vaultkit.vault import Vault

ME = "me"
Graph = Any  # a networkx.DiGraph: networkx ships no type information
EXACT_BETWEENNESS_MAX = 2000  # above this many nodes betweenness is sampled
BETWEENNESS_SAMPLES = 50
BETWEENNESS_SEED = 0
COLD_SOURCES = ("cold", "online")
# Warm-path costs: stepping to someone I have met is cheapest, so paths prefer people
# who know me. Passing through an organisation assumes colleagues know each other, so
# it costs more than a real referral; a contact I found cold is hardly a connection.
COST_MET, COST_REACHED, COST_UNREACHED, COST_MISSING, COST_ORG, COST_COLD = 2, 4, 6, 8, 3, 8


@dataclass(frozen=True)
class ReferralGraph:
    """The graph of a vault, the node id of each contact and org note, and what was wrong."""

    graph: Graph = field(hash=False, compare=False)
    ids: dict[str, str] = field(hash=False)
    problems: tuple[Problem, ...]


def note_ids(notes: Iterable[Note]) -> dict[str, str]:
    """Give each note's node id by path: its name, or its path without .md where names clash."""
    keys = [(n, name_key(n.name)) for n in notes]
    count: dict[str, int] = {name_key(ME): 1}
    for _, key in keys:
        count[key] = count.get(key, 0) + 1
    return {n.path: n.name if count[k] == 1 else n.path.removesuffix(".md") for n, k in keys}


class _Builder:
    """Builds the graph of one vault, collecting what it had to leave out as problems."""

    def __init__(self, vault: Vault, by_path: Mapping[str, Person]) -> None:
        import networkx as nx

        self.vault, self.g, self.problems = vault, nx.DiGraph(), list[Problem]()
        self.nodes: list[tuple[str, dict[str, Any]]] = []  # added in one call, as edges are
        nodes = [n for n in vault.notes if n.kind in ("contact", "org")]
        self.ids = note_ids(nodes)
        self.taken = {name_key(i) for i in self.ids.values()} | {name_key(ME)}
        self.missing: dict[tuple[str, str], str] = {}
        self.seen: dict[tuple[str, tuple[str, ...]], str] = {}
        self.orgs: set[str] = set()
        self.told: dict[str, list[str]] = {}  # person → the people they introduced
        self.edges: dict[tuple[str, str], dict[str, Any]] = {}
        self.unique = {n.path: self.ids[n.path] == n.name for n in nodes}
        self.nodes.append((ME, _attrs("me", "me", met=True, reached=True)))
        for note in nodes:
            node = self.ids[note.path]
            if note.kind == "org":
                self.orgs.add(node)
                target = bool(note.org and note.org.target)
                self.nodes.append((node, _attrs("org", note.name, note.path, target=target)))
                continue
            p, c = by_path.get(note.path), note.contact
            attrs = _attrs("person", note.name, note.path, stage=p.stage if p else "identified")
            attrs.update(status=c.status if c else "active", source=(c and c.source) or "")
            if p is not None:
                last = p.last_interaction.isoformat() if p.last_interaction else ""
                attrs.update(met=p.stage == "met", reached=p.reached, last=last)
            self.nodes.append((node, attrs))

    def skip(self, note: Note, link: Link, code: str, why: str) -> None:
        message = f"{link.field}: [[{link.target}]] {why}"
        self.problems.append(Problem(note.path, link.line, link.field, "warning", code, message))

    def node(self, link: Link, note: Note, kinds: tuple[str, ...], missing_kind: str) -> str | None:
        """Give the node a link names, a new missing node if it names no note, else None."""
        # Most links name a unique note, whose node does not depend on the linking folder.
        hit = self.seen.get((link.target, kinds))
        if hit is not None:
            return hit
        target = self.vault.resolve(link, note)
        if target is not None and target.kind in kinds and self.unique[target.path]:
            self.seen[(link.target, kinds)] = self.ids[target.path]
        if target is not None and target.kind in kinds:
            return self.ids[target.path]
        if target is not None:
            wanted = " or ".join("a person" if k == "contact" else "an organisation" for k in kinds)
            why = f"is a {target.kind} note, not {wanted}; left out of the referral graph"
            self.skip(note, link, "graph-wrong-kind", why)
            return None
        text = link.target.rsplit("/", 1)[-1].strip() or link.target
        key = (missing_kind, name_key(text))
        if key not in self.missing:
            node, n = text, 1
            while name_key(node) in self.taken:  # a missing person and org may share a name
                n += 1
                node = f"{text} (no note)" if n == 2 else f"{text} (no note {n})"
            self.taken.add(name_key(node))
            self.missing[key] = node
            self.nodes.append((node, _attrs(missing_kind, text, missing=True)))
            if missing_kind == "org":
                self.orgs.add(node)
        self.seen[(link.target, kinds)] = self.missing[key]  # no note, from any folder
        return self.missing[key]

    def referral(self, u: str, v: str, referred_by: bool, meeting: str = "", day: str = "") -> None:
        data = self.edges.get((u, v))
        if data is None:
            self.edges[u, v] = _edge("referral", referred_by, meeting, day)
            if v not in self.orgs:  # introducers are always people
                self.told.setdefault(u, []).append(v)
            return
        data["referred_by"] = data["referred_by"] or referred_by
        if meeting and (day or "9", meeting) < (data["date"] or "9", data["meeting"] or "\uffff"):
            data["meeting"], data["date"] = meeting, day  # keep the earliest meeting

    def build(self) -> ReferralGraph:
        for note in self.vault.notes:
            c = note.contact
            if note.kind != "contact" or c is None:
                continue
            person = self.ids[note.path]
            for link in c.referred_by:
                intro = self.node(link, note, ("contact",), "person")
                if intro == person:
                    self.skip(note, link, "self-referral", "is this person; ignored")
                elif intro is not None:
                    self.referral(intro, person, True)
            org = self.node(c.org, note, ("org",), "org") if c.org else None
            if org is not None:
                self.edges[person, org] = _edge("works_at")
        for note in self.vault.notes:
            m = note.meeting
            if note.kind != "meeting" or m is None or m.status == "cancelled":
                continue
            found = [self.node(x, note, ("contact",), "person") for x in m.with_]
            if not m.referrals:
                continue  # its people are nodes now; only referrals make edges
            met = sorted({w for w in found if w is not None})
            day = m.date.isoformat() if m.date else ""
            for link in m.referrals:
                to = self.node(link, note, ("contact", "org"), "person")
                if to is None:
                    continue
                if not met:
                    self.skip(note, link, "referral-without-people", "has nobody in `with:`")
                for w in met:
                    if w == to:
                        self.skip(note, link, "self-referral", "is also in `with:`; ignored")
                    else:
                        self.referral(w, to, False, note.path, day)
        g = self.g
        introduced = {v for vs in self.told.values() for v in vs}
        first = [n for n, a in self.nodes if a["kind"] == "person" and n not in introduced]
        # One call for all: networkx's add_node and add_edge cost a method call each.
        g.add_nodes_from(self.nodes)
        g.add_edges_from((ME, n, _edge("knows")) for n in first)  # nobody introduced them
        g.add_edges_from((u, v, d) for (u, v), d in self.edges.items())
        self.problems.extend(_cycles(g, self.told, introduced))
        self.problems.sort(key=Problem.sort_key)
        return ReferralGraph(g, self.ids, tuple(self.problems))


_NODE: dict[str, Any] = {"missing": False, "stage": "", "status": "", "source": ""}
_NODE.update(met=False, reached=False, last="", target=False)


def _attrs(kind: str, label: str, path: str = "", **values: Any) -> dict[str, Any]:
    return {**_NODE, "kind": kind, "label": label, "path": path, **values}


def _edge(kind: str, referred_by: bool = False, meeting: str = "", day: str = "") -> dict[str, Any]:
    return {"kind": kind, "referred_by": referred_by, "meeting": meeting, "date": day}


def _cycles(g: Graph, told: Mapping[str, list[str]], introduced: set[str]) -> list[Problem]:
    """Give one warning per loop of people who introduced each other."""
    import networkx as nx

    # Only someone both introduced and introducing can be on a loop.
    loops = nx.DiGraph(
        [(u, v) for u, vs in told.items() if u in introduced for v in vs if v in told]
    )
    problems = []
    for scc in nx.strongly_connected_components(loops):
        if len(scc) < 2:
            continue
        members = sorted(scc)
        path = next((g.nodes[m]["path"] for m in members if g.nodes[m].get("path")), "")
        more = f" and {len(members) - 8:,} more" if len(members) > 8 else ""
        said = f"referral cycle: {', '.join(members[:8])}{more} introduced each other in a loop"
        problems.append(Problem(path, None, None, "warning", "referral-cycle", said))
    return problems


def build_graph(vault: Vault, by_path: Mapping[str, Person]) -> ReferralGraph:
    """Give the referral graph of a vault, with the people's stages from timeline.people."""
    with paused_gc():
        return _Builder(vault, by_path).build()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with the cyclic garbage collector paused: the graph's many small objects
    trigger full collections, each walking the whole parsed vault (~0.4 s at 30k notes)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# --- analytics: pure functions of a graph ------------------------------------------------


def graph_view(g: Graph) -> View:
    """Give the graph's View, made once per graph and kept in networkx's own cache, which
    networkx empties whenever a node or edge is added or removed. Read it, never change it."""
    cache = getattr(g, "__networkx_cache__", None)
    if cache is None:
        return View(g)
    if "vaultkit_view" not in cache:
        cache["vaultkit_view"] = View(g)
    return cache["vaultkit_view"]  # type: ignore[no-any-return]


class View:
    """The graph as plain dicts (networkx's views cost ~0.5 µs a lookup, and the analytics
    make hundreds of thousands), with who introduced whom and each node's warm-path cost."""

    def __init__(self, g: Graph) -> None:
        self.node: dict[str, dict[str, Any]] = dict(g.nodes(data=True))
        self.succ: dict[str, dict[str, dict[str, Any]]] = dict(g.adjacency())
        self.pred: dict[str, dict[str, dict[str, Any]]] = dict(g.reverse(copy=False).adjacency())
        self.kind = kind = {n: a.get("kind", "person") for n, a in self.node.items()}
        self.told: dict[str, list[str]] = {}  # person → the people they introduced
        self.edges: dict[tuple[str, str], dict[str, Any]] = {}
        self.by: dict[str, list[str]] = {}  # person → who introduced them
        for u, nbrs in self.succ.items():
            for v, d in nbrs.items() if kind[u] == "person" else ():
                if d.get("kind") == "referral" and kind[v] == "person":
                    self.told.setdefault(u, []).append(v)
                    self.by.setdefault(v, []).append(u)
        self.cost = {n: _cost(a) for n, a in self.node.items()}


def referrals(g: Graph) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Give (introducer → people they introduced, person → their introducers), in one pass."""
    view = graph_view(g)
    return view.told, view.by


@dataclass(frozen=True)
class Tree:
    """Each reachable person's degree from me (1 = first-degree) and their chain parent."""

    depth: dict[str, int]
    parent: dict[str, str]
    order: tuple[str, ...]
    unreachable: tuple[str, ...]

    def chain(self, node: str) -> tuple[str, ...]:
        """Give the chain of people from my first-degree contact down to `node`."""
        out = []
        while node != ME:
            out.append(node)
            node = self.parent[node]
        return tuple(reversed(out))


def referral_tree(g: Graph) -> Tree:
    """Give the breadth-first tree of people from me, preferring met introducers as parents."""
    view = graph_view(g)
    kind, node = view.kind, view.node
    depth, order, frontier = {ME: 0}, [], [ME]
    while frontier:
        found = []
        for u in frontier:
            for v, d in view.succ[u].items():
                if v not in depth and kind[v] == "person" and d.get("kind") != "works_at":
                    depth[v] = depth[u] + 1
                    found.append(v)
        found.sort()
        order.extend(found)
        frontier = found
    parent = {}
    for v in order:
        up = depth[v] - 1
        ups = [u for u in view.pred[v] if depth.get(u) == up and kind[u] in ("me", "person")]
        parent[v] = ups[0] if len(ups) == 1 else min(ups, key=lambda u: (not node[u].get("met"), u))
    del depth[ME]
    unreachable = sorted(n for n, k in kind.items() if k == "person" and n not in depth)
    return Tree(depth, parent, tuple(order), tuple(unreachable))


@dataclass(frozen=True)
class Chains:
    """How far my network reaches: people per degree, and the longest chains."""

    per_degree: tuple[tuple[int, int], ...]
    longest: tuple[tuple[str, ...], ...]
    unreachable: tuple[str, ...]


def chains(tree: Tree, limit: int = 10) -> Chains:
    """Give the number of people at each degree and the `limit` longest chains, longest first."""
    per: dict[int, int] = {}
    for d in tree.depth.values():
        per[d] = per.get(d, 0) + 1
    inner = set(tree.parent.values())
    leaves = sorted((n for n in tree.order if n not in inner), key=lambda n: (-tree.depth[n], n))
    longest = tuple(tree.chain(n) for n in leaves[:limit])
    return Chains(tuple(sorted(per.items())), longest, tree.unreachable)


@dataclass(frozen=True)
class Betweenness:
    """Betweenness of each person on the referral graph; `sampled` is the k used, if any."""

    values: dict[str, float]
    nodes: int
    sampled: int | None
    seed: int | None


def betweenness(
    g: Graph,
    exact_max: int = EXACT_BETWEENNESS_MAX,
    k: int = BETWEENNESS_SAMPLES,
    seed: int = BETWEENNESS_SEED,
) -> Betweenness:
    """Give how many shortest referral chains pass through each person (sampled above exact_max).

    The numbers of networkx's betweenness_centrality(normalized=False, k, seed) on the
    people and me, by Brandes' algorithm, written out because networkx's sets up state
    for every node at every source and ran ~20x slower on a 12k-node graph.
    """
    import random

    view = graph_view(g)
    nodes = [n for n, k in view.kind.items() if k in ("me", "person")]
    index = {n: i for i, n in enumerate(nodes)}
    adj = [
        [index[v] for v, d in view.succ[n].items() if v in index and d.get("kind") != "works_at"]
        for n in nodes
    ]
    n = len(nodes)
    sampled = k if n > exact_max and k < n else None
    sources = random.Random(seed).sample(nodes, k) if sampled else nodes
    bc = [0.0] * n
    for s in (index[x] for x in sources):
        sigma, dist, preds, order = {s: 1}, {s: 0}, {s: list[int]()}, [s]
        for v in order:  # grows while it is read: a breadth-first queue
            dv, sv = dist[v] + 1, sigma[v]
            for w in adj[v]:
                dw = dist.get(w)
                if dw is None:
                    dist[w], sigma[w], preds[w] = dv, sv, [v]
                    order.append(w)
                elif dw == dv:
                    sigma[w] += sv
                    preds[w].append(v)
        delta = dict.fromkeys(order, 0.0)
        for w in reversed(order):
            c = (1 + delta[w]) / sigma[w]
            for v in preds[w]:
                delta[v] += sigma[v] * c
            if w != s:
                bc[w] += delta[w]
    if sampled and n > 2:  # networkx's rescaling: a source saw one pair fewer
        chosen = {index[x] for x in sources}
        bc = [b * (n - 1) / (k - 1 if i in chosen else k) for i, b in enumerate(bc)]
    values = {x: round(bc[i], 2) for x, i in index.items() if x != ME}
    return Betweenness(values, n, sampled, seed if sampled else None)


@dataclass(frozen=True)
class Connector:
    """A person whose introductions led to meetings: directly, and further down their chains."""

    person: str
    introduced: int
    met_direct: int
    met_downstream: int
    betweenness: float


def connectors(g: Graph, tree: Tree, between: Mapping[str, float] | None = None) -> list[Connector]:
    """Give everyone who introduced someone, most met people downstream first."""
    view = graph_view(g)
    met = {n for n, a in view.node.items() if a.get("met")}
    below: dict[str, int] = {}
    for v in reversed(tree.order):  # children before parents
        u = tree.parent[v]
        below[u] = below.get(u, 0) + below.get(v, 0) + (v in met)
    out = [
        Connector(u, len(told), sum(v in met for v in told), below.get(u, 0), b)
        for u, told in view.told.items()
        for b in [(between or {}).get(u, 0.0)]
    ]
    out.sort(key=lambda c: (-c.met_downstream, -c.met_direct, -c.introduced, c.person))
    return out


@dataclass(frozen=True)
class Yield:
    """What came of one introducer's names: suggested → reached out to → met → referred on."""

    introducer: str
    suggested: int
    reached: int
    met: int
    referred_on: int


def yields(g: Graph) -> list[Yield]:
    """Give each introducer's funnel, the most suggestions first."""
    view = graph_view(g)
    node, everyone = view.node, view.told
    out = []
    for u, told in everyone.items():
        reached = sum(1 for v in told if node[v].get("reached"))
        met = sum(1 for v in told if node[v].get("met"))
        out.append(Yield(u, len(told), reached, met, sum(1 for v in told if v in everyone)))
    out.sort(key=lambda y: (-y.suggested, -y.met, y.introducer))
    return out


@dataclass(frozen=True)
class Hop:
    """One step of a warm path, its kind (knows, introduced, introduced_by: a referral walked
    back, works_at, colleague: org → someone there) and the referral behind it."""

    source: str
    target: str
    kind: str
    referred_by: bool = False
    meeting: str = ""
    date: str = ""


@dataclass(frozen=True)
class WarmPath:
    """The warmest chain from me to a person or organisation."""

    target: str
    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]
    met: int


def _cost(a: Mapping[str, Any]) -> int:
    if a.get("kind") == "org" or a.get("missing"):
        return COST_ORG if a.get("kind") == "org" else COST_MISSING
    return COST_MET if a.get("met") else COST_REACHED if a.get("reached") else COST_UNREACHED


def _steps(view: View, u: str, goal: str | None) -> Iterator[tuple[str, int, str]]:
    """Give (next node, cost, hop kind) for every step a warm path may take from u."""
    cost = view.cost
    if view.kind[u] == "org":
        if u != goal:  # an organisation is passed through only to a colleague
            for p, d in view.pred[u].items():
                if d.get("kind") == "works_at":
                    yield p, cost[p], "colleague"
        return
    for v, d in view.succ[u].items():
        kind = d.get("kind")
        if kind == "knows":
            a = view.node[v]
            cold = a.get("source") in COLD_SOURCES and not a.get("met")
            yield v, cost[v] + (COST_COLD if cold else 0), "knows"
        elif kind in ("referral", "works_at"):
            yield v, cost[v], "introduced" if kind == "referral" else "works_at"
    for w in view.by.get(u, ()):
        yield w, cost[w], "introduced_by"


def _dijkstra(view: View, goals: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Give each node's step back towards me on its warmest path, until every goal is found."""
    dist, prev, done, left = {ME: 0}, {}, set(), set(goals)
    heap = [(0, ME)]
    goal = next(iter(left)) if len(left) == 1 else None
    while heap and left:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        left.discard(u)
        for v, cost, how in _steps(view, u, goal):
            if v != ME and d + cost < dist.get(v, 1 << 60):
                dist[v] = d + cost
                prev[v] = (u, how)
                heapq.heappush(heap, (d + cost, v))  # ties pop by node id: deterministic
    return prev


def _path(view: View, target: str, prev: Mapping[str, tuple[str, str]]) -> WarmPath:
    nodes, hops, n = [target], [], target
    while n != ME:
        u, how = prev[n]
        src, dst = (n, u) if how in ("introduced_by", "colleague") else (u, n)
        d = view.succ[src][dst]
        hop = Hop(u, n, how, bool(d.get("referred_by")), d.get("meeting", ""), d.get("date", ""))
        hops.append(hop)
        nodes.append(u)
        n = u
    met = sum(1 for n in nodes[:-1] if view.node[n].get("met") and view.kind[n] == "person")
    return WarmPath(target, tuple(reversed(nodes)), tuple(reversed(hops)), met)


def warm_path(g: Graph, target: str) -> WarmPath | None:
    """Give the warmest chain from me to a person or org (anyone who works there), or None."""
    if target == ME or target not in g:
        return None
    view = graph_view(g)
    prev = _dijkstra(view, [target])
    return _path(view, target, prev) if target in prev else None


def warm_paths(g: Graph, targets: Iterable[str]) -> list[WarmPath]:
    """Give the warm path to each target that has one, from one search over the whole graph."""
    view = graph_view(g)
    targets = [t for t in targets if t != ME]
    prev = _dijkstra(view, targets)
    return [_path(view, t, prev) for t in targets if t in prev]


# --- the formats networkx writes -------------------------------------------------------------


def write(g: Graph, fmt: str) -> str:
    """Give the graph as networkx writes it: node-link "json", "graphml" or "gexf" text."""
    import json

    import networkx as nx

    if fmt == "json":
        try:
            data = nx.node_link_data(g, edges="edges")
        except TypeError:  # networkx < 3.4 calls the keyword `link`
            data = nx.node_link_data(g, link="edges")
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    lines = nx.generate_graphml(g) if fmt == "graphml" else nx.generate_gexf(g)
    return "\n".join(lines) + "\n"
