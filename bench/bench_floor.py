"""How fast a cold build could be with a parser that cost nothing, side by side in one run.

A cold `vaultkit build` parses every note, then does everything else: reads the files,
pickles the parsed notes for the cache and for the trip from the worker processes,
resolves the links, works out the due actions, analyses and draws the graph, renders
and writes the three notes. This measures that "everything else" alone. On one
generated vault (bench/generate_vault.py), alternating, each in a fresh process:
  - a cold build as it ships;
  - the same cold build with parsing made free: every note is parsed before the clock
    starts, and the parser the build calls hands back the note already made (the
    files are still read, digested and pickled, and the cache is written);
  - the bare loop of `frontmatter.load` over the same files (bench_build.py's peer).
Each is timed inside its process, from just before the work to just after, so process
start and imports count for none of them. The medians and their ratios to the loop are
printed: the second ratio is the least a faster parser could bring the first to.

    python bench/bench_floor.py [--size 30000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import PEOPLE_PER_NOTE  # noqa: E402
from generate_vault import generate  # noqa: E402

BUILD = """
import shutil, sys, time
from datetime import date
from pathlib import Path
from vaultkit import build, vault
from vaultkit.config import load_config
root = Path(sys.argv[1])
if sys.argv[2] == "free":
    ready = {n.path: n for n in vault.load_vault(root, load_config(root), use_cache=False).notes}
    import gc
    gc.collect()
    gc.freeze()
    vault.parse_bytes = lambda path, data, config: ready[path]
shutil.rmtree(root / ".vaultkit", ignore_errors=True)
started = time.perf_counter()
result = build.build(root, date(2026, 11, 25))
print(time.perf_counter() - started, result.reread)
"""

LOOP = """
import os, sys, time, frontmatter
started = time.perf_counter()
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith('.')]
    for name in files:
        if name.endswith('.md'):
            frontmatter.load(os.path.join(folder, name))
print(time.perf_counter() - started, 0)
"""


def timed(argv: list[str]) -> float:
    """Give the seconds a benchmark process reports for its work."""
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()
    return float(out[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=30000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaultkit-bench"))
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    vault = args.work / f"v{args.size}"
    if not vault.exists():
        generate(vault, max(1, round(args.size * PEOPLE_PER_NOTE)))
    times: dict[str, list[float]] = {"real": [], "free": [], "loop": []}
    for _ in range(args.repeat):
        for mode in ("real", "free"):
            times[mode].append(timed([sys.executable, "-c", BUILD, str(vault), mode]))
        times["loop"].append(timed([sys.executable, "-c", LOOP, str(vault)]))
    loop = statistics.median(times["loop"])
    print(f"frontmatter loop        {loop:6.2f} s")
    for mode, label in (("real", "cold build"), ("free", "cold build, parse free")):
        median = statistics.median(times[mode])
        print(f"{label:<23} {median:6.2f} s   ratio {median / loop:4.2f}")


if __name__ == "__main__":
    main()
