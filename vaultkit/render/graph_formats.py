"""The referral graph as text and pictures: a Mermaid map, Graphviz DOT, and every
export format (networkx's own are written by vaultkit.graph.writers, so nothing here
imports networkx).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from typing import Any

from vaultkit import graph as vg
from vaultkit.errors import ExportError, UsageError
from vaultkit.graph import ME, Graph, Tree
from vaultkit.printable import printable
from vaultkit.timeline import people
from vaultkit.vault import Vault

MAX_EDGES = 400  # Mermaid refuses a flowchart of more than 500 edges by default
FORMATS = ("json", "graphml", "gexf", "dot", "mermaid", "svg", "png")
_MERMAID_SAFE = frozenset(" .,-_'")


def node_label(g: Graph, n: str) -> str:
    """Give the name a node is shown by: its label, else its id."""
    return str(g.nodes[n].get("label") or n)


def mermaid_text(text: str) -> str:
    """Give text safe in a quoted Mermaid label: all but letters, digits and .,-_' as #code;."""
    text = " ".join(text.split())
    return "".join(ch if ch.isalnum() or ch in _MERMAID_SAFE else f"#{ord(ch)};" for ch in text)


def mermaid(g: Graph, max_nodes: int, tree: Tree | None = None) -> tuple[list[str], str]:
    """Give a Mermaid flowchart of the graph's most connected nodes, and what it left out."""
    kept = sorted(_most_connected(g, max_nodes, tree))
    ids = {n: f"n{i}" for i, n in enumerate(kept)}
    lines = ["flowchart LR"]
    shapes = {"me": '(["{}"])', "org": '{{{{"{}"}}}}'}
    classes: dict[str, list[str]] = {}
    for n in kept:
        a = g.nodes[n]
        kind = str(a.get("kind", "person"))
        label = mermaid_text(node_label(g, n))
        lines.append(f"  {ids[n]}" + shapes.get(kind, '["{}"]').format(label))
        cls = "missing" if a.get("missing") else kind if kind != "person" else ""
        cls = cls or ("met" if a.get("met") else "")
        if cls:
            classes.setdefault(cls, []).append(ids[n])
    edges = sorted(
        (int(ids[u][1:]), int(ids[v][1:]), d.get("kind") == "works_at")
        for u, v, d in g.edges(data=True)
        if u in ids and v in ids
    )
    lines += [f"  n{u} {'-.->' if dotted else '-->'} n{v}" for u, v, dotted in edges[:MAX_EDGES]]
    lines += [
        "  classDef me fill:#fff3cd,stroke:#b8860b",
        "  classDef met fill:#d4edda,stroke:#2e7d32",
        "  classDef missing stroke-dasharray:4 3",
        "  classDef org fill:#e8eaf6,stroke:#3949ab",
    ]
    lines += [f"  class {','.join(members)} {cls}" for cls, members in sorted(classes.items())]
    said = []
    if len(kept) < len(g):
        left = {"person": 0, "org": 0}
        for n, a in g.nodes(data=True):
            if n not in ids:
                left[a.get("kind", "person")] = left.get(a.get("kind", "person"), 0) + 1
        said.append(
            f"The map shows the {len(kept)} most connected of {len(g):,} nodes; left out: "
            f"{left['person']:,} people and {left['org']:,} organisations."
        )
    if len(edges) > MAX_EDGES:
        said.append(f"It shows {MAX_EDGES} of the {len(edges)} links between them.")
    if said:
        said.append("`vaultkit graph export` gives the whole graph.")
    return lines, " ".join(said)


def _most_connected(g: Graph, max_nodes: int, tree: Tree | None) -> set[str]:
    """Give me and up to max_nodes - 1 others: the people with the most introductions, each
    with their chain from me so the map stays connected, then the organisations where
    most of those people work (ranking all nodes by degree kept only organisations)."""
    if len(g) <= max_nodes:
        return set(g)
    view, tree = vg.graph_view(g), tree or vg.referral_tree(g)
    score = {n: len(view.told.get(n, ())) + len(view.by.get(n, ())) for n in tree.order}
    orgs: dict[str, int] = {}
    kept, room = {ME}, max_nodes - 1 - min(max_nodes // 6, 10)  # leave room for orgs
    ranked = sorted(score, key=lambda n: (-score[n], n))
    for n in ranked:
        new = [p for p in tree.chain(n) if p not in kept]
        if len(kept) + len(new) <= room:
            kept.update(new)
        if len(kept) >= room:
            break
    for p in kept:
        for o, d in view.succ[p].items():
            if d.get("kind") == "works_at":
                orgs[o] = orgs.get(o, 0) + 1
    for o in sorted(orgs, key=lambda o: (-orgs[o], o)):
        if len(kept) < max_nodes and orgs[o] > 1:
            kept.add(o)
    for n in ranked:  # any room left: more people, each next to someone shown
        if len(kept) >= max_nodes:
            break
        if tree.parent[n] in kept:
            kept.add(n)
    return kept


def _dot(value: Any) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    # Graphviz keeps \\ and \" inside quotes; a label turns \\ back into one backslash.
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + printable(text) + '"'


def to_dot(g: Graph) -> str:
    """Give the graph in Graphviz's DOT language, every id and value quoted."""
    lines = ["digraph referrals {", "  rankdir=LR;"]
    for n in sorted(g):
        a = g.nodes[n]
        attrs = ", ".join(f"{k}={_dot(v)}" for k, v in sorted(a.items()))
        lines.append(f"  {_dot(n)} [{attrs}];")
    for u, v in sorted(g.edges):
        attrs = ", ".join(f"{k}={_dot(x)}" for k, x in sorted(g.succ[u][v].items()))
        lines.append(f"  {_dot(u)} -> {_dot(v)} [{attrs}];")
    return "\n".join([*lines, "}"]) + "\n"


def export(vault: Vault, today: date, fmt: str) -> bytes:
    """Give the vault's referral graph in one of FORMATS, as bytes."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'; known: {', '.join(FORMATS)}")
    g = vg.build_graph(vault, people(vault, today), today).graph
    if fmt in ("json", "graphml", "gexf"):
        text = vg.write(g, fmt)
        if fmt == "gexf":  # networkx stamps the clock's date: the same graph gives the same bytes
            text = re.sub(r'lastmodifieddate="[^"]*"', f'lastmodifieddate="{today}"', text)
        return text.encode("utf-8")
    if fmt == "mermaid":
        return ("\n".join(mermaid(g, g.number_of_nodes())[0]) + "\n").encode("utf-8")
    dot = to_dot(g)
    return dot.encode("utf-8") if fmt == "dot" else graphviz(dot, fmt)


def graphviz(dot: str, fmt: str) -> bytes:
    """Give DOT text drawn by Graphviz's `dot` program as svg or png bytes."""
    program = shutil.which("dot")
    if program is None:
        raise ExportError(
            f"--format {fmt} needs Graphviz's `dot` program, which is not installed "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); "
            "--format dot or mermaid need nothing else"
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"Graphviz's dot failed: {exc}") from exc
    if done.returncode != 0:
        raise ExportError(f"Graphviz's dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
