"""What the due actions add to a cold build, measured side by side in one run.

On one generated vault (bench/generate_vault.py), alternating:
  - a cold `vaultkit build` as it ships (every rule on),
  - the same build with every rule switched off in vaultkit.toml (`[rules] disabled`),
    so no action is computed, the Due Actions note is empty and the index has no
    next actions,
each a fresh process with no cache. The difference of the medians is what the due
actions add, end to end (computing them, the Due Actions note, the index's next-action
cells); target: at most 10% of the build without them.

The two builds differ only after the vault is read, and reading is where a busy machine
adds most of its noise; so the same difference is also taken in one process, from the
one read: the build's rendering step (build.derive, the links checked and the graph
drawn on the other core as in a build) with every rule on and off, alternating. Last,
the medians of computing the actions alone (rules.due_actions) and of the note.

    python bench/bench_due.py [--people 9836] [--repeat 5]
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
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate_vault import generate  # noqa: E402

TODAY = "2026-11-25"


def cold_build(vault: Path) -> float:
    """Give the wall seconds of one cold `vaultkit build` of `vault`, as a fresh process."""
    shutil.rmtree(vault / ".vaultkit", ignore_errors=True)
    argv = [sys.executable, "-m", "vaultkit", "build", str(vault), "--today", TODAY, "-q"]
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed: {done.stderr.decode()[-2000:]}")
    return seconds


def rendering_on_and_off(vault: Path, runs: int) -> tuple[float, float]:
    """Give the median seconds of a build's rendering step with every rule on, and off."""
    from dataclasses import replace

    from vaultkit.build import derive
    from vaultkit.config import RULE_NAMES, load_config, parse_config
    from vaultkit.vault import load_vault

    today = date.fromisoformat(TODAY)
    # As a build reads it: the links are checked in derive, on the graph's core.
    on = load_vault(vault, load_config(vault), check_links=False)
    off = replace(on, config=parse_config({"rules": {"disabled": list(RULE_NAMES)}}))
    times: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(runs):
        for name, v in (("on", on), ("off", off)):
            started = time.perf_counter()
            derive(v, today)
            times[name].append(time.perf_counter() - started)
    return statistics.median(times["on"]), statistics.median(times["off"])


def in_process(vault: Path, runs: int) -> tuple[int, float, float]:
    """Give (actions, median s computing them, median s rendering the note), in-process."""
    from vaultkit.build import read
    from vaultkit.render.due import render_due
    from vaultkit.rules import due_actions
    from vaultkit.timeline import people

    today = date.fromisoformat(TODAY)
    v = read(vault)
    by_person = people(v, today)
    computing, rendering = [], []
    actions: tuple[object, ...] = ()
    for _ in range(runs):
        started = time.perf_counter()
        actions = due_actions(v, by_person, today)
        computing.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_due(v, actions, today)  # type: ignore[arg-type]
        rendering.append(time.perf_counter() - started)
    return len(actions), statistics.median(computing), statistics.median(rendering)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=9836)  # 30k notes
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaultkit-bench"))
    args = parser.parse_args()
    from vaultkit.config import RULE_NAMES

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at start: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    vault = args.work / f"due-{args.people}"
    if not vault.exists():
        generate(vault, args.people)
    notes = sum(1 for p in vault.rglob("*.md") if p.parent.name != "CRM")  # not the outputs
    toml = vault / "vaultkit.toml"
    rules_off = "[rules]\ndisabled = [" + ", ".join(f'"{r}"' for r in RULE_NAMES) + "]\n"
    on: list[float] = []
    off: list[float] = []
    try:
        for _ in range(args.repeat):
            toml.unlink(missing_ok=True)
            on.append(cold_build(vault))
            toml.write_text(rules_off, encoding="utf-8")
            off.append(cold_build(vault))
    finally:
        toml.unlink(missing_ok=True)
    with_actions, without = statistics.median(on), statistics.median(off)
    added = with_actions - without
    print(f"vault: {vault}, {notes} notes; {args.repeat} cold builds of each, alternating")
    print(
        f"cold build, every rule on: {with_actions:.2f} s (runs: "
        + ", ".join(f"{t:.2f}" for t in on)
        + ")"
    )
    print(
        f"cold build, every rule off: {without:.2f} s (runs: "
        + ", ".join(f"{t:.2f}" for t in off)
        + ")"
    )
    print(f"the due actions add {added:.2f} s = {100 * added / without:.1f}% (target: at most 10%)")
    step_on, step_off = rendering_on_and_off(vault, args.repeat)
    step = step_on - step_off
    print(
        f"in one process, the rendering step: {step_on:.2f} s with every rule on, "
        f"{step_off:.2f} s off (medians of {args.repeat}, alternating): the due actions "
        f"add {step:.2f} s = {100 * step / without:.1f}% of the cold build without them"
    )
    count, computing, rendering = in_process(vault, args.repeat)
    print(
        f"in one process ({count} actions): computing them {computing:.2f} s, "
        f"the Due Actions note {rendering:.2f} s (medians of {args.repeat})"
    )
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
