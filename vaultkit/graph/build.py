"""The referral graph of a vault: its nodes and edges from the contact, org and meeting
notes, and what had to be left out, as problems. Imports networkx only inside functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vaultkit.links import link_name, name_key
from vaultkit.model import Link, Note, Problem
from vaultkit.timeline import Person
from vaultkit.vault import Vault, paused_gc

ME = "me"
Graph = Any  # a networkx.DiGraph: networkx ships no type information


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

    def __init__(self, vault: Vault, by_path: Mapping[str, Person], today: date) -> None:
        import networkx as nx

        self.vault, self.g, self.problems = vault, nx.DiGraph(), list[Problem]()
        self.today = today
        self.nodes: list[tuple[str, dict[str, Any]]] = []  # added in one call, as edges are
        nodes = [n for n in vault.notes if n.kind in ("contact", "org")]
        self.ids = note_ids(nodes)
        self.taken = {name_key(i) for i in self.ids.values()} | {name_key(ME)}
        self.missing: dict[tuple[str, str], str] = {}
        self.unnoted: dict[str, dict[str, Any]] = {}  # a person without a note → attributes
        self.persons: dict[str, dict[str, Any]] = {}  # every person → attributes
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
            self.persons[node] = attrs

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
            kind = "an org" if target.kind == "org" else f"a {target.kind}"
            why = f"is {kind} note, not {wanted}; left out of the referral graph"
            self.skip(note, link, "graph-wrong-kind", why)
            return None
        text = link_name(link)
        key = (missing_kind, name_key(text))
        if key not in self.missing:
            node, n = text, 1
            while name_key(node) in self.taken:  # a missing person and org may share a name
                n += 1
                node = f"{text} (no note)" if n == 2 else f"{text} (no note {n})"
            self.taken.add(name_key(node))
            self.missing[key] = node
            attrs = _attrs(missing_kind, text, missing=True)
            self.nodes.append((node, attrs))
            if missing_kind == "person":
                self.unnoted[node] = self.persons[node] = attrs
            if missing_kind == "org":
                self.orgs.add(node)
        self.seen[(link.target, kinds)] = self.missing[key]  # no note, from any folder
        return self.missing[key]

    def met(self, found: Iterable[str | None], day: str) -> None:
        """Mark the people without a note whom a done meeting names as met that day, as
        timeline.stage_of does for a contact note."""
        for node in found:
            attrs = self.unnoted.get(node) if node is not None else None
            if attrs is not None:
                attrs.update(met=True, reached=True, last=max(attrs["last"], day))

    def coming(self, found: Iterable[str | None]) -> None:
        """Mark the people a meeting still to come names (with a note or not) as having one,
        and those without a note as reached: a meeting booked is reaching out (schema.md),
        as timeline's Person.reached has it for a contact note."""
        for node in found:
            attrs = self.persons.get(node) if node is not None else None
            if attrs is not None:
                attrs["coming"] = True
                if node in self.unnoted:
                    attrs["reached"] = True

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
            # Held: done and not in the future (timeline.stage_of); else still to come.
            if m.held(self.today):
                self.met(found, m.date.isoformat() if m.date else "")
            else:
                self.coming(found)
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
                elif to in met:  # met there: nobody at the meeting introduced them (rules.py)
                    why = "is also in `with:`: met there, no referral; left out"
                    self.skip(note, link, "self-referral", why)
                    continue
                for w in met:
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
_NODE.update(met=False, reached=False, last="", coming=False, target=False)


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


def build_graph(vault: Vault, by_path: Mapping[str, Person], today: date) -> ReferralGraph:
    """Give the referral graph of a vault as of `today`: contact notes carry their stages from
    timeline.people; a person without a note is reached once a meeting that is not cancelled
    names them, and met once a done one does."""
    with paused_gc():
        return _Builder(vault, by_path, today).build()
