"""The referral graph on a large vault: building it, every analytic, and the note.

The vault is read once (vaultkit.build.read) and the people's stages derived once
(timeline.people), as a build does before the graph; then each run times, in one
process, what the graph adds to a build:
  - building the networkx graph (graph.build_graph),
  - every analytic: chains, betweenness (sampled above 2,000 nodes), connectors,
    yield, dead ends, warm paths to every target organisation,
  - and, the headline figure, render_graph: all of the above and the note (Mermaid map
    and tables) in the one call a build makes, in wall-clock and CPU seconds.
The medians of the runs are printed with the machine, its load and a reference loop.

    python bench/generate_vault.py /tmp/v30k --people 10000
    python bench/bench_graph.py /tmp/v30k --runs 5 [--today 2026-11-25]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date

from vaultkit import graph as vg
from vaultkit.build import read
from vaultkit.render import graph as views
from vaultkit.timeline import people


def main() -> None:
    """Time graph, analytics and note for one vault and print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vault")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 25))
    args = ap.parse_args()

    started = time.perf_counter()
    vault = read(args.vault)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    by_path = people(vault, args.today)
    people_s = time.perf_counter() - started
    started = time.perf_counter()
    import networkx  # noqa: F401  (paid once per process; reported apart)

    import_s = time.perf_counter() - started

    steps: dict[str, list[float]] = {"graph": [], "analytics": [], "note": []}
    cpu: list[float] = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        with vg.paused_gc():  # as analyse() runs them
            rg = vg.build_graph(vault, by_path, args.today)
            t1 = time.perf_counter()
            g = rg.graph
            tree = vg.referral_tree(g)
            vg.chains(tree)
            between = vg.betweenness(g)
            vg.connectors(g, tree, between.values)
            vg.yields(g)
            vg.unacted_referrals(g, args.today)
            vg.stopped_chains(g, tree, args.today)
            targets = sorted(n for n, a in g.nodes(data=True) if a["kind"] == "org" and a["target"])
            vg.warm_paths(g, targets)
        t2 = time.perf_counter()
        # What a build runs: the graph, every analytic and the note, in one call.
        c0 = time.process_time()
        note = views.render_graph(vault, by_path, args.today)
        cpu.append(time.process_time() - c0)
        t3 = time.perf_counter()
        steps["graph"].append(t1 - t0)
        steps["analytics"].append(t2 - t1)
        steps["note"].append(t3 - t2)

    # A fixed pure-Python loop, to tell a slow or busy machine from a slow build.
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i
    reference = time.process_time() - started

    kinds = {k: len(vault.of_kind(k)) for k in ("contact", "meeting", "org")}
    print(
        f"vault: {len(vault.notes):,} notes ({kinds['contact']:,} people, "
        f"{kinds['meeting']:,} meetings, {kinds['org']:,} orgs); graph: "
        f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges; betweenness: "
        + (f"sampled, k={between.sampled}" if between.sampled else "exact")
    )
    print(
        f"machine: {os.cpu_count()} cpus (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, load average {os.getloadavg()[0]:.2f}; "
        f"runs: {args.runs}; note: {len(note):,} bytes; reference loop (3M adds): "
        f"{reference:.3f} s CPU"
    )
    print(
        f"once per process: read {read_s:.2f} s, timeline.people {people_s:.3f} s, "
        f"import networkx {import_s:.3f} s"
    )

    def both(values: list[float]) -> str:
        return f"median {statistics.median(values):.3f} s, best {min(values):.3f} s"

    print(f"build_graph: {both(steps['graph'])} (wall)")
    print(f"all analytics: {both(steps['analytics'])} (wall)")
    print(f"graph + analytics + note (render_graph): {both(steps['note'])} wall; {both(cpu)} CPU")


if __name__ == "__main__":
    sys.exit(main())
