"""The referral graph and its analytics: the only package importing networkx, and only
inside functions (`import networkx` costs ~150 ms that importing this package must not).

A networkx DiGraph; node ids are note names (paths without .md where names clash), the
root is "me"; every attribute is a str or bool, so every export format carries it.
- node `kind` me|person|org; `label`, `path` ('' without a note), `missing` (named, no
  note), `stage`, `status`, `source`, `met`, `reached`, `last` (ISO date), `coming` (a
  meeting not held yet names them: scheduled, or dated after today), `target`.
- edge `kind` knows (me → someone nobody introduced) | referral (introducer → person or
  org; `referred_by`, the earliest `meeting` and its `date`) | works_at (person → org).

- `build.py`: a vault's notes → the graph (`build_graph`), with what had to be left out.
- `analytics.py`: pure functions of a graph (and `today`, for dead ends), each tested on
  a hand-built one: chains, betweenness, connectors, yield, dead ends, warm paths.
- `writers.py`: the graph in the formats networkx writes (node-link JSON, GraphML, GEXF).
"""

from __future__ import annotations

from vaultkit.graph.analytics import (
    BETWEENNESS_SAMPLES,
    BETWEENNESS_SEED,
    COLD_SOURCES,
    COST_COLD,
    COST_MET,
    COST_MISSING,
    COST_ORG,
    COST_REACHED,
    COST_UNREACHED,
    EXACT_BETWEENNESS_MAX,
    STALE_DAYS,
    Betweenness,
    Chains,
    Connector,
    Hop,
    Stopped,
    Tree,
    Unacted,
    View,
    WarmPath,
    Yield,
    betweenness,
    chains,
    connectors,
    graph_view,
    referral_tree,
    referrals,
    stopped_chains,
    unacted_referrals,
    warm_path,
    warm_paths,
    yields,
)
from vaultkit.graph.build import ME, Graph, ReferralGraph, build_graph, note_ids
from vaultkit.graph.writers import write
from vaultkit.vault import paused_gc

__all__ = [
    "BETWEENNESS_SAMPLES",
    "BETWEENNESS_SEED",
    "COLD_SOURCES",
    "COST_COLD",
    "COST_MET",
    "COST_MISSING",
    "COST_ORG",
    "COST_REACHED",
    "COST_UNREACHED",
    "EXACT_BETWEENNESS_MAX",
    "ME",
    "STALE_DAYS",
    "Betweenness",
    "Chains",
    "Connector",
    "Graph",
    "Hop",
    "ReferralGraph",
    "Stopped",
    "Tree",
    "Unacted",
    "View",
    "WarmPath",
    "Yield",
    "betweenness",
    "build_graph",
    "chains",
    "connectors",
    "graph_view",
    "note_ids",
    "paused_gc",
    "referral_tree",
    "referrals",
    "stopped_chains",
    "unacted_referrals",
    "warm_path",
    "warm_paths",
    "write",
    "yields",
]
