"""The record of the last build, so that a build with nothing new does nothing.

A build's output is a pure function of the note files, the config and `today`.
The record keeps a digest of those inputs (every path with its mtime and size)
and the stat of every generated note as the build left it: if both match, the
generated notes are already right and nothing needs reading.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.config import Config, fingerprint
from vaultkit.io import atomic_write, read_regular

if TYPE_CHECKING:
    from vaultkit.build import Summary
    from vaultkit.vault import FileStat

RECORD_FILE = "last-build.json"
RACY_NS = 2_000_000_000


def input_key(config: Config, stats: Sequence[FileStat], today: date) -> str:
    """Give a digest of everything a build's output depends on."""
    from vaultkit import __version__

    h = hashlib.blake2b(digest_size=20)
    h.update(f"{__version__}\0{fingerprint(config)}\0{today.isoformat()}\0".encode())
    for s in stats:
        h.update(f"{s.path}\0{s.mtime_ns}\0{s.size}\n".encode())
    return h.hexdigest()


def _stat_of(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def last_build(cache_dir: Path, key: str, root: Path, outputs: Sequence[str]) -> Summary | None:
    """Give the last build's summary if its inputs and outputs are unchanged, else None."""
    from vaultkit.build import Summary

    try:
        record = json.loads(read_regular(cache_dir / RECORD_FILE, 1 << 20).decode("utf-8"))
        if record["key"] != key:
            return None
        for rel in outputs:
            found = _stat_of(root / rel)
            # A generated note gone from disk is written again, whatever was recorded.
            if found is None or found != record["outputs"].get(rel):
                return None
        # A note saved within the timestamp resolution of the record could hide
        # behind an unchanged mtime: then only a real read can tell.
        if record["newest_input_ns"] >= record["written_ns"] - RACY_NS:
            return None
        return Summary(**record["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_build(
    cache_dir: Path,
    key: str,
    root: Path,
    outputs: Sequence[str],
    summary: Summary,
    newest_input_ns: int,
) -> None:
    """Record this build's inputs, outputs and summary for the next build."""
    path = cache_dir / RECORD_FILE
    record = {
        "key": key,
        "outputs": {rel: _stat_of(root / rel) for rel in outputs},
        "summary": asdict(summary),
        "newest_input_ns": newest_input_ns,
        "written_ns": 0,
    }
    with contextlib.suppress(OSError):
        atomic_write(path, json.dumps(record).encode())
        # The record's own mtime is the clock the racy check compares against.
        record["written_ns"] = os.stat(path).st_mtime_ns
        atomic_write(path, json.dumps(record, sort_keys=True).encode())
