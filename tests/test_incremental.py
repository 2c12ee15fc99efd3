"""The watcher's quick path gives exactly what a whole build gives: delta.update and Live.

Random edits (renames, deletions, new notes, changed types, aliases, referrals, tasks)
are applied one batch at a time; after each, the updated vault must equal a cold read
and the rendered notes must equal `render_outputs` byte for byte.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from vaultkit import delta
from vaultkit.build import render_outputs
from vaultkit.config import Config, load_config
from vaultkit.incremental import Live
from vaultkit.links import Resolver
from vaultkit.render import pieces
from vaultkit.vault import FileStat, load_vault, scan

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_vault"
TODAY = date(2026, 11, 20)


def copy_vault(source: Path, to: Path) -> Path:
    shutil.copytree(source, to, ignore=shutil.ignore_patterns(".vaultkit", "CRM"))
    return to


def generated(tmp_path: Path, people: int = 60) -> Path:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from generate_vault import generate  # type: ignore[import-not-found]

    out = tmp_path / "generated"
    generate(out, people, 7)
    return out


class Editor:
    """Makes random edits of the kinds a person (or a sync) makes, from a seed."""

    def __init__(self, root: Path, config: Config, seed: int) -> None:
        self.root, self.config, self.rng = root, config, random.Random(seed)

    def paths(self) -> list[str]:
        return [s.path for s in scan(self.root, self.config)]

    def names(self) -> list[str]:
        return [p.rsplit("/", 1)[-1][:-3] for p in self.paths()]

    def edit(self) -> set[str]:
        """Make one edit; give the paths it touched (written, created or removed)."""
        rng, root = self.rng, self.root
        path = rng.choice(self.paths())
        file = root / path
        text = file.read_text(encoding="utf-8", errors="replace")
        other = rng.choice(self.names())
        kind = rng.randrange(10)
        if kind == 0:
            file.unlink()
            return {path}
        if kind == 1:
            folder = path.rpartition("/")[0]
            name = rng.choice(
                [other, "Jane Doe", "Acme Health", "Ben Carter", "New One", f"{other} 2"]
            )
            to = f"{folder}/{name}.md" if folder else f"{name}.md"
            if (root / to).exists():
                return set()
            file.rename(root / to)
            return {path, to}
        if kind == 2:
            text = text.replace("---\n", f'---\naliases: ["{other}"]\n', 1)
        elif kind == 3:
            swap = (
                ("type: contact", "type: org")
                if "type: contact" in text
                else ("type: org", "type: contact")
            )
            text = text.replace(*swap, 1)
        elif kind == 4:
            text = text.replace("status: done", "status: cancelled").replace(
                "thanked:", "thanked_:"
            )
        elif kind == 5:
            text = text.replace("---\n", f'---\nreferred_by: "[[{other}]]"\n', 1)
        elif kind == 6:
            text += f"\n- [ ] call [[{other}]] 📅 2026-11-2{rng.randrange(10)}\n"
        elif kind == 7:
            to = f"People/Added {rng.randrange(4)}.md"
            day = f"2026-11-0{rng.randrange(1, 9)}"
            body = f'---\ntype: contact\norg: "[[{other}]]"\noutreach: [{day}]\n---\n'
            (root / to).parent.mkdir(exist_ok=True)
            (root / to).write_text(body, encoding="utf-8")
            return {to}
        elif kind == 8:
            to = f"Meetings/Met {rng.randrange(4)}.md"
            ghost = f"Ghost {rng.randrange(3)}"
            (root / to).parent.mkdir(exist_ok=True)
            (root / to).write_text(
                f"---\ntype: meeting\ndate: 2026-11-1{rng.randrange(9)}\n"
                f'with: ["[[{other}]]"]\nreferrals: ["[[{rng.choice(self.names())}]]", '
                f'"[[{ghost}]]"]\n---\n',
                encoding="utf-8",
            )
            return {to}
        else:
            text = text.replace("replied:", "replied_:") if "replied:" in text else text + "\n"
        file.write_text(text, encoding="utf-8")
        return {path}


def run_edits(root: Path, seed: int, steps: int) -> None:
    config = load_config(root)
    stats = {s.path: s for s in scan(root, config)}
    live = Live(load_vault(root, config, use_cache=False), TODAY)
    assert live.check() == []
    editor = Editor(root, config, seed)
    for step in range(steps):
        touched: set[str] = set()
        for _ in range(editor.rng.randrange(1, 4)):
            touched |= editor.edit()
        now = {s.path: s for s in scan(root, config)}
        changed = [now[p] for p in sorted(touched) if p in now]
        removed = [p for p in sorted(touched) if p not in now and p in stats]
        stats = now
        live.apply(lambda s=stats: sorted(s.values(), key=lambda f: f.path), changed, removed)
        cold = load_vault(root, config, use_cache=False)
        assert live.vault.notes == cold.notes, f"step {step}"
        assert live.vault.problems == cold.problems, f"step {step}"
        fresh = Resolver(cold.notes)
        r = live.vault.resolver
        assert (r.by_name, r.by_alias, r.by_path) == (fresh.by_name, fresh.by_alias, fresh.by_path)
        assert live.render() == render_outputs(cold, TODAY, graph=False).notes, f"step {step}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_live_matches_a_whole_build_after_random_edits_of_the_sample(
    tmp_path: Path, seed: int
) -> None:
    run_edits(copy_vault(SAMPLE, tmp_path / "v"), seed, 40)


@pytest.mark.parametrize("seed", [4, 5])
def test_live_matches_a_whole_build_after_random_edits_of_a_bigger_vault(
    tmp_path: Path, seed: int
) -> None:
    run_edits(generated(tmp_path), seed, 25)


def test_update_without_a_readers_table_searches_every_note(tmp_path: Path) -> None:
    root = copy_vault(SAMPLE, tmp_path / "v")
    config = load_config(root)
    vault = load_vault(root, config, use_cache=False)
    (root / "Orgs" / "Acme Health.md").rename(root / "Orgs" / "Acme.md")
    stats = scan(root, config)
    new = delta.update(
        vault, stats, [s for s in stats if s.path == "Orgs/Acme.md"], ["Orgs/Acme Health.md"]
    )
    cold = load_vault(root, config, use_cache=False)
    assert (new.notes, new.problems) == (cold.notes, cold.problems)
    assert any(p.code == "dangling-link" and "Acme Health" in p.message for p in new.problems)
    # The old vault is left as it was (no `consume`).
    assert any(n.path == "Orgs/Acme Health.md" for n in vault.resolver.notes)


def test_an_unknown_resolver_is_built_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_vault(SAMPLE, tmp_path / "v")
    config = load_config(root)
    vault = load_vault(root, config, use_cache=False)
    monkeypatch.setattr(delta, "_RESOLVER_FIELDS", {"something", "else"})
    file = root / "People" / "Ben Carter.md"
    file.write_text(file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stat = next(s for s in scan(root, config) if s.path == "People/Ben Carter.md")
    new = delta.update(vault, scan(root, config), [stat])
    assert new.resolver is not vault.resolver
    assert new.notes == load_vault(root, config, use_cache=False).notes


def test_a_live_that_disagrees_with_a_build_renders_whole_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_vault(SAMPLE, tmp_path / "v")
    live = Live(load_vault(root, load_config(root), use_cache=False), TODAY)
    monkeypatch.setattr(pieces, "due_note", lambda *args: b"wrong\n")
    assert live.check() == ["CRM/Due Actions.md"]
    assert live.fallback
    assert live.render() == live.reference()
    file = root / "People" / "Ben Carter.md"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("source: event", "status: paused"), encoding="utf-8")
    stat = next(s for s in scan(root, live.vault.config) if s.path == "People/Ben Carter.md")
    done = live.apply(scan(root, live.vault.config), [stat])
    assert done.graph
    cold = load_vault(root, live.vault.config, use_cache=False)
    assert live.render() == render_outputs(cold, TODAY, graph=False).notes


def test_the_graph_is_redrawn_only_when_something_it_reads_changed(tmp_path: Path) -> None:
    root = copy_vault(SAMPLE, tmp_path / "v")
    config = load_config(root)
    live = Live(load_vault(root, config, use_cache=False), TODAY)

    def save(path: str, old: str, new: str) -> bool:
        file = root / path
        text = file.read_text(encoding="utf-8")
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
        stat = next(s for s in scan(root, config) if s.path == path)
        return live.apply(scan(root, config), [stat]).graph

    meeting = "Meetings/2026-08-20 Coffee with Maria Lopez.md"
    text = (root / meeting).read_text(encoding="utf-8")
    assert "thanked: 2026-08-21" in text
    assert not save(meeting, "thanked: 2026-08-21", "thanked: 2026-08-22")  # due actions only
    assert save(meeting, "date: 2026-08-20", "date: 2026-08-19")  # the referral's date
    assert save("People/Ben Carter.md", "source: event", "source: cold")


def test_the_quick_path_on_a_subset_vault_keeps_the_whole_resolver(tmp_path: Path) -> None:
    root = copy_vault(SAMPLE, tmp_path / "v")
    live = Live(load_vault(root, load_config(root), use_cache=False), TODAY)
    sub = live._sub({"People/Ben Carter.md"})
    assert [n.path for n in sub.notes] == ["People/Ben Carter.md"]
    assert sub.resolver is live.vault.resolver
    assert sub.problems == ()
    assert replace(sub, notes=live.vault.notes).notes == live.vault.notes


def test_a_new_file_stat_alone_is_enough(tmp_path: Path) -> None:
    root = copy_vault(SAMPLE, tmp_path / "v")
    config = load_config(root)
    live = Live(load_vault(root, config, use_cache=False), TODAY)
    (root / "People" / "Zoe New.md").write_text("---\ntype: contact\n---\n", encoding="utf-8")
    st = (root / "People" / "Zoe New.md").stat()
    done = live.apply(
        lambda: scan(root, config), [FileStat("People/Zoe New.md", st.st_mtime_ns, st.st_size)]
    )
    assert done.changed == ["People/Zoe New.md"]
    assert live.check() == []


def test_a_note_marked_generated_elsewhere_is_warned_of_by_a_build_and_a_change_alike(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from vaultkit.cli import cli

    root = copy_vault(SAMPLE, tmp_path / "v")
    config = load_config(root)
    vault = load_vault(root, config, use_cache=False)
    ben = root / "People" / "Ben Carter.md"
    ben.write_text(
        ben.read_text(encoding="utf-8").replace("---\n", "---\ngenerated_by: vaultkit\n", 1)
    )
    stat = next(s for s in scan(root, config) if s.path == "People/Ben Carter.md")
    changed = delta.update(vault, scan(root, config), [stat])
    whole = load_vault(root, config, use_cache=False)
    assert changed.notes == whole.notes and changed.problems == whole.problems
    assert "People/Ben Carter.md" not in {n.path for n in whole.notes}
    said = "People/Ben Carter.md: warning: marked `generated_by: vaultkit`, but not one of"
    checked = CliRunner().invoke(cli, ["check", str(root)])
    assert said in checked.stdout  # (exit 1: the sample's deliberate errors)
    # Unmarked again, it is read again and the warning goes.
    ben.write_text(ben.read_text(encoding="utf-8").replace("generated_by: vaultkit\n", ""))
    stat = next(s for s in scan(root, config) if s.path == "People/Ben Carter.md")
    back = delta.update(changed, scan(root, config), [stat])
    assert back.problems == vault.problems and back.notes == vault.notes


def test_a_folder_that_cannot_be_listed_is_the_same_problem_to_the_watcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    root = copy_vault(SAMPLE, tmp_path / "v")
    config = load_config(root)
    vault = load_vault(root, config, use_cache=False)
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path).endswith(os.sep + "Orgs"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    stats = scan(root, config)  # as a rescan finds it
    folder = next(s for s in stats if s.path == "Orgs/")
    gone = [n.path for n in vault.notes if n.path.startswith("Orgs/")]
    changed = delta.update(vault, stats, [folder], gone)
    whole = load_vault(root, config, use_cache=False)
    assert changed.notes == whole.notes and changed.problems == whole.problems
    assert [p.path for p in whole.problems if p.code == "unreadable"] == ["Orgs/"]
