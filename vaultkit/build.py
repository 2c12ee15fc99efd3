"""The one pipeline that `build`, the watcher and cron all run: vault in, generated notes out.

`render_outputs` is pure (vault and today in, bytes out); `build` adds the edges:
reading the vault, the writer lock, and writing only what changed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.config import Config, load_config
from vaultkit.errors import EditRefusedError, WriteError
from vaultkit.io import end_with_parent, holds_user_text, vault_lock, write_if_changed
from vaultkit.manifest import input_key, last_build, remember_build
from vaultkit.model import Problem
from vaultkit.vault import (
    PARALLEL_THRESHOLD,
    Progress,
    Vault,
    dangling_links,
    load_vault,
    paused_gc,
    resolve_root,
    scan,
    with_links_checked,
)

if TYPE_CHECKING:
    from vaultkit.rules import Action, DueView
    from vaultkit.timeline import Person

# The rules and renderers are imported where they are used: a build that finds
# nothing changed (the common case, from cron or a hook) never needs them.


@dataclass(frozen=True)
class Outputs:
    """Everything a build derives from the vault: the generated notes and what they show."""

    notes: dict[str, bytes] = field(hash=False)
    people: Mapping[str, Person] = field(hash=False)
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Summary:
    """The counts a build reports, kept so that a build with nothing to do can report them."""

    notes: int
    people: int
    meetings: int
    orgs: int
    problems: int
    errors: int
    actions: int

    @classmethod
    def of(cls, vault: Vault, outputs: Outputs) -> Summary:
        """Give the summary of a vault and what was derived from it."""
        problems = vault.problems
        return cls(
            len(vault.notes),
            len(vault.of_kind("contact")),
            len(vault.of_kind("meeting")),
            len(vault.of_kind("org")),
            len(problems),
            sum(1 for p in problems if p.severity == "error"),
            len(outputs.actions),
        )


@dataclass(frozen=True)
class BuildResult:
    """What a build did: what it wrote, what it found, and how long it took.

    `vault` and `outputs` are None when nothing had changed since the last build,
    so nothing was read beyond the files' stats.
    """

    summary: Summary
    today: date
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    seconds: float
    reread: int
    vault: Vault | None = None
    outputs: Outputs | None = None

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Give the vault's problems, in file and line order (empty when not re-read)."""
        return self.vault.problems if self.vault else ()

    @property
    def errors(self) -> int:
        """Give how many problems are errors."""
        return self.summary.errors


def render_outputs(
    vault: Vault,
    today: date,
    *,
    graph: bool = True,
    by_person: Mapping[str, Person] | None = None,
) -> Outputs:
    """Give every generated note's bytes for the vault as of `today`, keyed by vault path.

    With `graph=False` the Referral Graph note (the slow one) is left out.
    """
    with paused_gc():
        return _render_outputs(vault, today, graph, by_person, lambda: with_links_checked(vault))


def _render_outputs(
    vault: Vault,
    today: date,
    graph: bool,
    by_person: Mapping[str, Person] | None,
    checked: Callable[[], Vault],
) -> Outputs:
    """Give render_outputs' notes; `checked` gives the vault with its links checked,
    asked for only when the index (the one note that lists problems) is rendered."""
    from vaultkit.render.due import next_action_cells, render_due
    from vaultkit.render.graph import render_graph
    from vaultkit.render.index import render_index
    from vaultkit.rules import due_actions
    from vaultkit.timeline import people

    config = vault.config
    if by_person is None:
        by_person = people(vault, today)
    actions = due_actions(vault, by_person, today)
    due_note = render_due(vault, actions, today)
    cells = next_action_cells(actions, by_person)
    notes = {
        config.output.path(config.output.index): render_index(checked(), by_person, today, cells),
        config.output.path(config.output.due): due_note,
    }
    if graph:
        notes[config.output.path(config.output.graph)] = render_graph(vault, by_person, today)
    return Outputs(notes, by_person, actions)


# The vault a forked worker works on: set just before the fork, so the child
# inherits it instead of receiving a pickled copy.
_FORKED: tuple[Vault, Mapping[str, Person], date] | None = None


def _forked_dangling_links(_: object) -> list[Problem]:
    assert _FORKED is not None
    return dangling_links(_FORKED[0])


def _forked_graph_note(_: object) -> bytes:
    from vaultkit.render.graph import render_graph

    assert _FORKED is not None
    return render_graph(*_FORKED)


def render_outputs_on_all_cores(vault: Vault, today: date) -> Outputs:
    """Give the same as render_outputs, on every core (see derive)."""
    return derive(vault, today)[1]


def derive(vault: Vault, today: date) -> tuple[Vault, Outputs]:
    """Give the vault with its links checked, and every generated note for it.

    On a large vault a forked child checks the links, then renders the graph note,
    while this process works out the due actions and renders the other notes: the
    two halves take about as long as each other.
    """
    global _FORKED
    if (
        len(vault.notes) < PARALLEL_THRESHOLD
        or sys.platform != "linux"
        or (os.cpu_count() or 1) < 2
    ):
        vault = with_links_checked(vault)
        return vault, render_outputs(vault, today)
    import multiprocessing

    from vaultkit.timeline import people

    with paused_gc():
        by_person = people(vault, today)
    _FORKED = (vault, by_person, today)
    try:
        with multiprocessing.get_context("fork").Pool(1, initializer=end_with_parent) as pool:
            dangling = None
            if not vault.links_checked:
                dangling = pool.apply_async(_forked_dangling_links, (None,))
            graph_note = pool.apply_async(_forked_graph_note, (None,))
            checked = vault

            def check() -> Vault:
                nonlocal checked
                checked = with_links_checked(vault, dangling.get() if dangling else None)
                return checked

            with paused_gc():
                rest = _render_outputs(vault, today, False, by_person, check)
            rest.notes[vault.config.output.path(vault.config.output.graph)] = graph_note.get()
    finally:
        _FORKED = None
    return checked, rest


def read(
    root: str | os.PathLike[str], config: Config | None = None, progress: Progress | None = None
) -> Vault:
    """Give the parsed vault at `root`, with its vaultkit.toml unless `config` is given."""
    path = resolve_root(root)
    return load_vault(path, config or load_config(path), progress)


def write_outputs(
    root: Path, config: Config, outputs: Outputs, lock_wait: float = 5.0
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Give (written, unchanged) paths after writing the generated notes that changed."""
    written: list[str] = []
    unchanged: list[str] = []
    with vault_lock(root / config.cache_folder, lock_wait):
        for rel in sorted(outputs.notes):
            try:
                theirs = holds_user_text(root / rel)
            except WriteError as exc:
                raise WriteError(exc.message, rel) from exc
            if theirs:
                raise EditRefusedError(
                    "not a note vaultkit generated, so it is left as it is and nothing was "
                    "written: move it aside, or name the generated notes otherwise in "
                    "vaultkit.toml's [output]",
                    rel,
                )
        for rel, data in sorted(outputs.notes.items()):
            (written if write_if_changed(root / rel, data) else unchanged).append(rel)
    return tuple(written), tuple(unchanged)


def build(
    root: str | os.PathLike[str],
    today: date,
    *,
    progress: Progress | None = None,
    lock_wait: float = 5.0,
    use_cache: bool = True,
) -> BuildResult:
    """Give the result of reading the vault at `root` and writing its generated notes.

    When the files, the config and `today` are all as they were at the last build,
    and the generated notes are as it left them, nothing is read or written.
    """
    started = time.perf_counter()
    path = resolve_root(root)
    config = load_config(path)
    stats = scan(path, config)
    cache_dir = path / config.cache_folder
    key = input_key(config, stats, today)
    if use_cache:
        last = last_build(cache_dir, key, path, config.output.paths())
        if last is not None:
            return BuildResult(
                last, today, (), config.output.paths(), time.perf_counter() - started, 0
            )
    # The links are checked on another core while this one works out the due actions.
    unchecked = load_vault(
        path, config, progress, use_cache=use_cache, stats=stats, check_links=False
    )
    vault, outputs = derive(unchecked, today)
    written, unchanged = write_outputs(path, config, outputs, lock_wait)
    summary = Summary.of(vault, outputs)
    if use_cache:
        newest = max((s.mtime_ns for s in stats), default=0)
        remember_build(cache_dir, key, path, config.output.paths(), summary, newest)
    return BuildResult(
        summary,
        today,
        written,
        unchanged,
        time.perf_counter() - started,
        vault.reread,
        vault,
        outputs,
    )


def due(
    root: str | os.PathLike[str],
    today: date,
    *,
    days: int | None = None,
    everything: bool = False,
    rules: Sequence[str] = (),
    person: str | None = None,
) -> DueView:
    """Give the vault's due actions as of `today`: by rule, person and horizon.

    The horizon is `days`, else the config's horizon_days; `everything` lifts it.
    """
    vault = read(root)
    from vaultkit.rules import due_actions, select
    from vaultkit.timeline import people

    with paused_gc():
        actions = due_actions(vault, people(vault, today), today)
    horizon = None if everything else (vault.config.rules.horizon_days if days is None else days)
    return select(vault, actions, today, days=horizon, rules=rules, person=person)
