"""The referral graph in the formats networkx writes: node-link JSON, GraphML, GEXF."""

from __future__ import annotations

from vaultkit.graph.build import Graph
from vaultkit.printable import printable


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
    # XML 1.0 allows no control character but tab and line breaks, and networkx writes a
    # name's as it is: each goes as `printable` gives it (JSON escapes its own).
    return "\n".join(printable(line) for line in lines) + "\n"
