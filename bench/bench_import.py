"""Time `vaultkit import linkedin` on a synthetic 5,000-row Connections.csv, twice.

The first run creates every contact; the second must create none (every row is a
person the vault has). Each run is a fresh process, timed by wall clock:

    python bench/bench_import.py --rows 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Eun-ji",
    "Farah",
    "Gustav",
    "Hana",
    "Ivan",
    "Jun",
    "Kofi",
    "Lena",
    "María",
    "Nikhil",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
]
LAST = [
    "Okafor",
    "Lindqvist",
    "Nakamura",
    "O'Brien",
    "García",
    "Kowalski",
    "Haddad",
    "Müller",
    "Singh",
    "Dubois",
    "Rossi",
    "Novak",
    "Ibrahim",
    "Kim",
    "Walsh",
    "Chen",
    "Petrova",
]
COMPANIES = [
    "Acme Health",
    "Brightline Software",
    "Northwind, Inc.",
    "Fieldnote Research",
    "Harbor Bank",
    "Globex",
    "Initech",
    'Umbrella "Labs"',
]
ROLES = [
    "UX Researcher",
    "Data Analyst",
    "Product Manager",
    "Head of Research",
    "Engineer, Platform",
    "Recruiter",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PREAMBLE = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email '
    "addresses are missing. You will only see email addresses for connections who have "
    'allowed their connections to see or download their email address."\n\n'
)


def connections_csv(rows: int, seed: int = 1) -> str:
    """Give a LinkedIn-style export with `rows` distinct people."""
    import csv
    import io

    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    for i in range(rows):
        first, last = rnd.choice(FIRST), f"{rnd.choice(LAST)} {i}"
        email = f"person{i}@example.com" if rnd.random() < 0.3 else ""
        writer.writerow(
            [
                first,
                last,
                f"https://www.linkedin.com/in/person-{i}",
                email,
                rnd.choice(COMPANIES),
                rnd.choice(ROLES),
                f"{rnd.randint(1, 28)} {rnd.choice(MONTHS)} {rnd.randint(2012, 2025)}",
            ]
        )
    return PREAMBLE + out.getvalue()


def timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaultkit-bench-import"))
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    vaultkit = [sys.executable, "-m", "vaultkit"]
    args.work.mkdir(parents=True, exist_ok=True)
    export = args.work / "Connections.csv"
    export.write_text(connections_csv(args.rows), encoding="utf-8")
    first, second = [], []
    for _ in range(args.repeat):
        vault = args.work / "vault"
        shutil.rmtree(vault, ignore_errors=True)
        subprocess.run([*vaultkit, "init", str(vault)], capture_output=True, check=True)
        cmd = [*vaultkit, "import", "linkedin", str(export), "--vault", str(vault)]
        t1, s1 = timed(cmd)
        t2, s2 = timed(cmd)
        first.append(t1)
        second.append(t2)
        print(f"  first: {t1:.2f} s ({s1})\n  second: {t2:.2f} s ({s2})")
    print(
        f"{args.rows} rows: first import {statistics.median(first):.2f} s, "
        f"second import {statistics.median(second):.2f} s (median of {args.repeat})"
    )


if __name__ == "__main__":
    main()
