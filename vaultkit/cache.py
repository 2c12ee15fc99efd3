"""The parse cache: every note's parsed record, so an unchanged note is never parsed twice.

The file is a list of pickled blobs, each a list of entries
`(path, mtime_ns, size, digest, Note)`. A blob is written by whoever parsed its
notes (a worker of the parallel read pickles its results once, for the trip to
the parent and for this file alike), and an unchanged blob is written back as the
same bytes, so keeping the cache costs a build almost nothing.

An entry is trusted while the file's mtime and size match; for files changed
within RACY_NS of the cache's own write, mtime cannot tell, so their bytes are
compared by digest. The cache only ever saves work: anything wrong with it (a
missing, corrupt, stale or foreign-version file) means the notes are read again.
Only vaultkit's own records can be unpickled from it, so a planted file cannot
run code.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import pickle
import stat
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from vaultkit import model
from vaultkit.config import Config, fingerprint
from vaultkit.model import Note

CACHE_FORMAT = 2
CACHE_FILE = "notes.cache"
RACY_NS = 2_000_000_000
MAX_BLOBS = 64
PARSER_MODULES = (
    "model.py",
    "parse.py",
    "body.py",
    "yamlfm.py",
    "ids.py",
    "config.py",
    "cache.py",
    "vault.py",
)

Entry = tuple[str, int, int, "bytes | None", Note]
# An entry's digest when its file was read but the digest of its bytes was not kept (the
# watcher keeps none): trusted by stat, like any entry, but never in the racy window.
# None, instead, says the file was not read at all.
NOT_KEPT = b""


@dataclass(frozen=True)
class Blob:
    """Some cache entries and their pickled bytes."""

    data: bytes
    entries: list[Entry]


class _SafeUnpickler(pickle.Unpickler):
    """Loads only vaultkit's own records and dates."""

    ALLOWED: ClassVar[dict[tuple[str, str], object]] = {
        ("vaultkit.model", name): getattr(model, name)
        for name in ("Note", "Contact", "Meeting", "Org", "Link", "Task", "Problem")
    } | {("datetime", "date"): date, ("datetime", "datetime"): datetime}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed") from None


def digest(data: bytes) -> bytes:
    """Give the digest a cache entry keeps of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).digest()


def pack(entries: list[Entry]) -> Blob:
    """Give the blob holding these entries."""
    return Blob(pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL), entries)


def unpack(data: bytes) -> Blob:
    """Give the blob for pickled entries, loading only vaultkit's records."""
    entries = _SafeUnpickler(io.BytesIO(data)).load()
    if not isinstance(entries, list):
        raise pickle.UnpicklingError("not a list of entries")
    return Blob(data, entries)


@functools.lru_cache(maxsize=1)
def _parser_digest() -> str:
    """Give a digest of the code that turns bytes into records.

    A cached record is only as good as the parser that made it: any change to
    that code (a fix, a new field) must invalidate the cache, version bump or not.
    """
    here = Path(__file__).resolve().parent
    h = hashlib.blake2b(digest_size=8)
    for name in PARSER_MODULES:
        with contextlib.suppress(OSError):
            h.update((here / name).read_bytes())
    return h.hexdigest()


def _stamp(config: Config) -> bytes:
    from vaultkit import __version__

    stamp = f"{CACHE_FORMAT}/{__version__}/{_parser_digest()}/{fingerprint(config)}"
    return f"vaultkit-cache {stamp}\n".encode()


def load(cache_dir: Path, config: Config) -> tuple[list[Blob], int]:
    """Give (the cached blobs, the cache file's mtime_ns); nothing when it cannot be used."""
    try:
        fd = os.open(cache_dir / CACHE_FILE, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode):  # a FIFO would block the read forever
                return [], 0
            written = found.st_mtime_ns
            if handle.readline() != _stamp(config):
                return [], 0
            raw = _SafeUnpickler(handle).load()
        return [unpack(data) for data in raw], written
    except Exception:  # a cache that cannot be read is rebuilt, whatever the cause
        return [], 0


def save(cache_dir: Path, config: Config, blobs: list[Blob]) -> None:
    """Write the cache atomically; a failure only costs the next run a re-read."""
    from vaultkit.io import atomic_write

    if len(blobs) > MAX_BLOBS:
        blobs = [pack([e for b in blobs for e in b.entries])]
    data = _stamp(config) + pickle.dumps([b.data for b in blobs], protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        atomic_write(cache_dir / CACHE_FILE, data)


def still_valid(root: Path, mtime_ns: int, size: int, entry: Entry, written_ns: int) -> bool:
    """Give whether a cached entry still stands for the file as stat now sees it."""
    if entry[1] != mtime_ns or entry[2] != size or entry[3] is None:
        # No digest: the file was not read (unreadable, too large); its permissions
        # may have changed without its mtime, so it is always tried again.
        return False
    if mtime_ns < written_ns - RACY_NS:
        return True
    # Changed so close to the cache's own write that mtime cannot tell: compare bytes.
    if entry[3] == NOT_KEPT:
        return False
    try:
        return digest((root / entry[0]).read_bytes()) == entry[3]
    except OSError:
        return False
