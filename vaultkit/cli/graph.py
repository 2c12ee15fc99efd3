"""`graph stats|path|export`: the referral graph's analytics, warm paths and exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from vaultkit import build as pipeline
from vaultkit.cli.base import (
    cli,
    echo_bytes,
    is_terminal,
    json_option,
    print_json,
    resolve_today,
    today_option,
    vault_argument,
)
from vaultkit.errors import UsageError
from vaultkit.io import write_named
from vaultkit.printable import printable
from vaultkit.render import graph as views
from vaultkit.render import graph_formats

TEXT_ROWS = 10  # longest chains and top connectors `graph stats` prints


@cli.group(name="graph")
def graph_group() -> None:
    """The referral graph: who led to whom, warm paths to people and organisations, exports."""


def _chain(nodes: list[str]) -> str:
    return " → ".join(nodes)


def _say(text: str, err: bool = False) -> None:
    # Names come from notes: no control character of theirs reaches the terminal.
    click.echo(printable(text), err=err)


@graph_group.command()
@vault_argument
@today_option
@json_option
def stats(vault: str, today: date | None, as_json: bool) -> None:
    """Print the analytics: chains, top connectors, yield per introducer, dead ends.

    With --json: every analytic in full, and each person's degree from you.
    """
    data = views.report_data(views.analyse(pipeline.read(vault), resolve_today(today)))
    if as_json:
        print_json(data)
        return
    c = data["counts"]

    def n(key: str, one: str, many: str) -> str:
        return views.counted(c[key], one, many, grouped=False)

    unnoted = f" ({c['met_without_note']} met)" if c["met_without_note"] else ""
    _say(
        f"{n('people', 'person', 'people')} ({c['met']} met), "
        f"{c['people_without_note']} without a note{unnoted}, "
        f"{n('organisations', 'organisation', 'organisations')}, "
        f"{n('introductions', 'introduction', 'introductions')}; "
        f"longest chain: {n('longest_chain', 'person', 'people')}"
    )
    degrees = ", ".join(f"{d}: {n}" for d, n in data["chains"]["per_degree"])
    _say(f"people per degree: {degrees}")
    _section("Longest chains", _first([_chain(ch) for ch in data["chains"]["longest"]]))
    b = data["betweenness"]
    how = (
        f"sampled, k={b['sampled']} of {b['nodes']}, seed {b['seed']}" if b["sampled"] else "exact"
    )
    _section(
        f"Top connectors (introduced / met directly / met downstream / betweenness, {how})",
        _first(
            [
                f"{x['person']}: {x['introduced']} / {x['met_direct']} / {x['met_downstream']} / "
                f"{x['betweenness']:.2f}"
                for x in data["connectors"]
            ]
        ),
    )
    _section(
        "Yield per introducer (suggested → reached out → met → referred on)",
        [
            f"{y['introducer']}: {y['suggested']} → {y['reached']} → {y['met']} → "
            f"{y['referred_on']}"
            for y in data["yields"]
        ],
    )
    _section(
        "Referrals never acted on",
        [
            f"{u['person']} (suggested by {', '.join(u['by'])}, since {u['since'] or 'undated'})"
            for u in data["unacted"]
        ],
    )
    _section(
        "Chains that stopped",
        [f"{_chain(s['chain'])}: {s['stage']}, {s['last'] or 'undated'}" for s in data["stopped"]],
    )
    for p in data["problems"]:
        _say(f"{p['path']}: warning: {p['message']}", err=True)


def _first(lines: list[str], shown: int = TEXT_ROWS) -> list[str]:
    """Give the first `shown` lines and how many more there are (--json has them all)."""
    more = len(lines) - shown
    return lines[:shown] + ([f"… and {more} more (--json lists them all)"] if more > 0 else [])


def _section(title: str, lines: list[Any]) -> None:
    click.echo(f"\n{title}:")
    for line in lines or ["(none)"]:
        _say(f"  {line}")


@graph_group.command()
@click.argument("target")
@vault_argument
@today_option
@json_option
def path(target: str, vault: str, today: date | None, as_json: bool) -> None:
    """Show the warmest chain of people from you to TARGET, a person or an organisation.

    For an organisation the chain ends at anyone who works there. People you have met
    are preferred; each hop says how the two are connected.
    """
    data = views.warm_path_to(pipeline.read(vault), resolve_today(today), target)
    if as_json:
        print_json(data)
        return
    _say(_chain(data["nodes"]))
    for i, hop in enumerate(data["hops"], 1):
        _say(f"  {i}. {hop['text']}")


@graph_group.command()
@vault_argument
@today_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(graph_formats.FORMATS),
    default="json",
    show_default=True,
    help="json is networkx's node-link format; svg and png need Graphviz's dot.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export(vault: str, today: date | None, fmt: str, output: Path | None) -> None:
    """Write the whole referral graph in one format, to standard output or --output."""
    if output is None and fmt == "png" and is_terminal():
        raise UsageError("png is binary: give --output FILE or redirect standard output")
    data = graph_formats.export(pipeline.read(vault), resolve_today(today), fmt)
    if output is None:
        echo_bytes(data)
        return
    write_named(output, data)
    click.echo(f"wrote {output}", err=True)
