"""A large vault is read and rendered on every core: the result must not depend on it."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from vaultkit import build as pipeline
from vaultkit.config import Config
from vaultkit.vault import PARALLEL_THRESHOLD, load_vault

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate_vault import generate

TODAY = date(2026, 11, 25)


@pytest.mark.skipif(sys.platform != "linux", reason="the parallel paths fork, on Linux only")
def test_parallel_read_and_render_give_what_the_serial_ones_give(tmp_path: Path) -> None:
    files = generate(tmp_path, 520, seed=7)
    assert files >= PARALLEL_THRESHOLD
    vault = load_vault(tmp_path, Config(), use_cache=False)
    assert len(vault.notes) >= PARALLEL_THRESHOLD
    serial = pipeline.render_outputs(vault, TODAY)
    parallel = pipeline.render_outputs_on_all_cores(vault, TODAY)
    assert sorted(parallel.notes) == sorted(serial.notes)
    for path, data in serial.notes.items():
        assert parallel.notes[path] == data, path
    result = pipeline.build(tmp_path, TODAY, use_cache=False)
    for path, data in serial.notes.items():
        assert (tmp_path / path).read_bytes() == data
    assert result.reread == len(vault.notes) + sum(
        1 for p in vault.problems if p.code == "conflict-copy"
    )


@pytest.mark.skipif(sys.platform != "linux", reason="the parallel paths fork, on Linux only")
def test_links_checked_on_the_other_core_give_the_same_problems(tmp_path: Path) -> None:
    generate(tmp_path, 520, seed=11)
    checked = load_vault(tmp_path, Config(), use_cache=False)
    assert any(p.code == "dangling-link" for p in checked.problems)
    unchecked = load_vault(tmp_path, Config(), use_cache=False, check_links=False)
    assert not unchecked.links_checked
    assert not any(p.code == "dangling-link" for p in unchecked.problems)
    vault, outputs = pipeline.derive(unchecked, TODAY)
    assert vault.links_checked
    assert vault.problems == checked.problems
    assert outputs.notes == pipeline.render_outputs(checked, TODAY).notes
    # A vault read with its links unchecked still renders them (on one core).
    assert pipeline.render_outputs(unchecked, TODAY).notes == outputs.notes


@pytest.mark.skipif(sys.platform != "linux", reason="the parallel paths fork, on Linux only")
def test_a_build_killed_mid_read_leaves_no_worker_and_no_traceback(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    generate(tmp_path / "v", 2000, seed=5)  # a read of a few seconds, on every core
    err = tmp_path / "err"
    with err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vaultkit", "build", str(tmp_path / "v"), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        workers: list[str] = []
        deadline = time.monotonic() + 30
        while not workers and time.monotonic() < deadline and proc.poll() is None:
            workers = children.read_text().split() if children.exists() else []
            time.sleep(0.01)
        assert workers, "the build never started its workers"
        proc.send_signal(signal.SIGKILL)  # as a timeout in cron kills it
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()]
    for w in alive:  # leave nothing behind, even when failing
        os.kill(int(w), signal.SIGKILL)
    assert alive == []
    assert b"Traceback" not in err.read_bytes()
