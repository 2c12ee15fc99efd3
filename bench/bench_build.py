"""Cold `vaultkit build` against its peers, side by side in one run.

For each size, one generated vault (bench/generate_vault.py) is read by:
  - `vaultkit build` with no cache (a cold build: what a first run or CI pays),
  - a bare loop of `frontmatter.load` over the same files (python-frontmatter),
  - obsidiantools' `Vault(path).connect().gather()` (at 1k and 10k notes),
each as a fresh process, timed by wall clock, with its peak memory (max RSS).
Every run of a tool alternates with its peers, and the median of the repeats is
reported, so load on the machine falls on all of them alike.

    python bench/bench_build.py --sizes 1000 10000 30000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate_vault import generate  # noqa: E402

PEOPLE_PER_NOTE = 1 / 3.05  # generate() writes N people, 2N meetings, N/20 orgs

FRONTMATTER_LOOP = """
import os, sys, frontmatter
n = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith('.')]
    for name in files:
        if name.endswith('.md'):
            frontmatter.load(os.path.join(folder, name))
            n += 1
"""

OBSIDIANTOOLS = """
import sys
import obsidiantools.api as otools
from pathlib import Path
otools.Vault(Path(sys.argv[1])).connect().gather()
"""


def run(argv: list[str]) -> tuple[float, float]:
    """Give (seconds, peak MB) of one process run to completion."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[:3]} failed: {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def vaultkit_cold(vault: Path) -> list[str]:
    shutil.rmtree(vault / ".vaultkit", ignore_errors=True)
    return [sys.executable, "-m", "vaultkit", "build", str(vault), "--today", "2026-11-25", "-q"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 30000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--obsidiantools-max", type=int, default=10000)
    # obsidiantools takes minutes at 10k notes: one run of it is plenty against seconds.
    parser.add_argument("--obsidiantools-repeat", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaultkit-bench"))
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    try:
        import obsidiantools  # noqa: F401

        have_obsidiantools = True
    except ImportError:
        have_obsidiantools = False
        print("obsidiantools not installed (pip install '.[bench]'): its column is skipped")
    print("notes   vaultkit s (MB)   frontmatter s (MB)   ratio   obsidiantools s (MB)   speed-up")
    for size in args.sizes:
        vault = args.work / f"v{size}"
        if not vault.exists():
            generate(vault, max(1, round(size * PEOPLE_PER_NOTE)))
        notes = sum(1 for p in vault.rglob("*.md") if p.parent.name != "CRM")  # not outputs
        times: dict[str, list[tuple[float, float]]] = {"vk": [], "fm": [], "ot": []}
        for _ in range(args.repeat):
            times["vk"].append(run(vaultkit_cold(vault)))
            times["fm"].append(run([sys.executable, "-c", FRONTMATTER_LOOP, str(vault)]))
            if (
                have_obsidiantools
                and size <= args.obsidiantools_max
                and (len(times["ot"]) < args.obsidiantools_repeat)
            ):
                times["ot"].append(run([sys.executable, "-c", OBSIDIANTOOLS, str(vault)]))
        vk = statistics.median(t for t, _ in times["vk"])
        fm = statistics.median(t for t, _ in times["fm"])
        vk_mb = max(m for _, m in times["vk"])
        fm_mb = max(m for _, m in times["fm"])
        line = f"{notes:>6}  {vk:7.2f} ({vk_mb:4.0f})      {fm:7.2f} ({fm_mb:4.0f})"
        line += f"      {vk / fm:5.2f}"
        if times["ot"]:
            ot = statistics.median(t for t, _ in times["ot"])
            ot_mb = max(m for _, m in times["ot"])
            line += f"   {ot:8.2f} ({ot_mb:4.0f})        {ot / vk:6.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
