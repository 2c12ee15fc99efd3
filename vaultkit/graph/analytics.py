"""The analytics of a referral graph: pure functions of a graph (dead ends also of
`today`), each tested on a hand-built one. None imports networkx: they read the graph
through a View of plain dicts.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from vaultkit.graph.build import ME, Graph

EXACT_BETWEENNESS_MAX = 2000  # above this many nodes betweenness is sampled
BETWEENNESS_SAMPLES = 50
BETWEENNESS_SEED = 0
COLD_SOURCES = ("cold", "online")
# Warm-path costs: stepping to someone I have met is cheapest, so paths prefer people
# who know me. Passing through an organisation assumes colleagues know each other, so
# it costs more than a real referral; a contact I found cold is hardly a connection.
COST_MET, COST_REACHED, COST_UNREACHED, COST_MISSING, COST_ORG, COST_COLD = 2, 4, 6, 8, 3, 8

STALE_DAYS = 30  # a chain whose end has not moved for this long has stopped


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
    longest: tuple[tuple[str, ...], ...]  # every chain of two or more people, longest first
    unreachable: tuple[str, ...]


def chains(tree: Tree, limit: int | None = None) -> Chains:
    """Give the number of people at each degree and the chains of two or more people that
    end at someone who leads nowhere further in the tree, longest first (all, or `limit`)."""
    per: dict[int, int] = {}
    for d in tree.depth.values():
        per[d] = per.get(d, 0) + 1
    inner = set(tree.parent.values())
    ends = [n for n in tree.order if n not in inner and tree.depth[n] > 1]
    ends.sort(key=lambda n: (-tree.depth[n], n))
    longest = tuple(tree.chain(n) for n in ends[:limit])
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
    people and me (in the graph's node order, which the sample depends on), linked by knows
    and referrals (no org, no works_at), by Brandes' algorithm, written out because
    networkx's sets up state for every node at every source and ran ~20x slower on a
    12k-node graph.
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


# --- dead ends: what stopped, as of a day ----------------------------------------------------


@dataclass(frozen=True)
class Unacted:
    """A referral I never acted on: who, suggested by whom, where and since when."""

    person: str
    by: tuple[str, ...]
    meeting: str
    since: str
    missing: bool


def unacted_referrals(g: Graph, today: date, grace_days: int = 7) -> list[Unacted]:
    """Give the people someone introduced whom I never reached, once grace_days have passed."""
    out, view = [], graph_view(g)
    newer = (today - timedelta(days=grace_days)).isoformat()  # ISO dates sort as text
    for v, introducers in view.by.items():
        a = view.node[v]
        if a.get("reached") or a.get("status") not in ("", "active"):
            continue
        ups = sorted(introducers)
        edges = [view.succ[u][v] for u in ups]
        dated = sorted((d["date"], d.get("meeting", "")) for d in edges if d.get("date"))
        since, meeting = dated[0] if dated else ("", "")
        if since > newer:
            continue
        out.append(Unacted(v, tuple(ups), meeting, since, bool(a.get("missing"))))
    out.sort(key=lambda u: (u.since, u.person))
    return out


@dataclass(frozen=True)
class Stopped:
    """A chain from me that stopped: its people, the last one's stage, when it last moved."""

    chain: tuple[str, ...]
    stage: str
    last: str


def stopped_chains(
    g: Graph, tree: Tree, today: date, stale_days: int = STALE_DAYS
) -> list[Stopped]:
    """Give the chains of two or more people ending in someone who referred nobody and has not
    moved for stale_days (a coming meeting counts as moving)."""
    out, view = [], graph_view(g)
    newer = (today - timedelta(days=stale_days)).isoformat()
    for v in tree.order:
        a = view.node[v]
        if v in view.told or tree.depth[v] < 2 or a.get("status") not in ("", "active"):
            continue
        if a.get("coming") or a.get("stage") == "scheduled":
            continue  # a meeting is coming: the chain is moving
        dates = [view.succ[u][v].get("date", "") for u in view.by.get(v, ())]
        last = max([a.get("last", ""), *dates])
        if last > newer:
            continue
        stage = "no note" if a.get("missing") else str(a.get("stage") or "identified")
        out.append(Stopped(tree.chain(v), stage, last))
    out.sort(key=lambda s: (s.last, s.chain))
    return out


# --- warm paths ------------------------------------------------------------------------------


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
        elif kind == "works_at":
            yield v, cost[v], "works_at"
        elif kind == "referral" and view.kind[v] != "org":
            # An organisation is entered only by someone who works there: a suggestion to
            # try Acme leads to nobody at Acme.
            yield v, cost[v], "introduced"
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
    """Give the warmest chain from me to a person or org, or None. A chain reaches an org
    only by a works_at hop from someone who works there (never by a referral naming it)."""
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
