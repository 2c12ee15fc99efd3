"""Writing files safely (atomic replacement, write-only-if-changed, the vault lock), and the
process plumbing of forked workers."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from vaultkit.errors import LockBusyError, WriteError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new, never half.

    A temporary file in the same folder is written, flushed to disk and renamed
    over the target; the rename is atomic on POSIX and on Windows.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".vaultkit-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o644 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def umask() -> int:
    """Give the process umask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (POSIX), so a rename in it is durable."""
    # The rename is durable only once the folder's entry is on disk.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# O_NONBLOCK: opening a FIFO (or a device) that happens to bear a file's name must
# not wait forever for a writer; on a regular file it changes nothing.
NOT_REGULAR = "not a regular file (a FIFO, a device or a socket?)"
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_regular(path: Path | str, limit: int) -> bytes:
    """Give the first `limit` bytes of a regular file; raise OSError for anything else
    (missing, a folder, a FIFO, a device: errno EINVAL with a message saying so)."""
    fd = os.open(path, READ_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR)
        return read_fd(fd, limit)
    finally:
        os.close(fd)


def read_fd(fd: int, limit: int) -> bytes:
    """Give up to `limit` bytes read from an open file, to its end."""
    parts: list[bytes] = []
    while limit > 0:
        part = os.read(fd, min(limit, 1 << 20))
        if not part:
            break
        parts.append(part)
        limit -= len(part)
    return b"".join(parts)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Give whether `path` was written: only when its bytes differ from `data`."""
    try:
        if path.stat().st_size == len(data) and read_regular(path, len(data) + 1) == data:
            return False
    except OSError:
        pass
    try:
        atomic_write(path, data)
    except OSError as exc:  # a read-only vault, a folder where the note goes...
        raise WriteError(f"cannot write: {exc.strerror or exc}", str(path)) from exc
    return True


def write_named(path: Path, data: bytes) -> None:
    """Write `data` to a file the user named for output (`-o FILE`, `--ics FILE`).

    A regular file, or a new one, is written atomically; a symbolic link is written
    through (the link stays); a FIFO or a device (`/dev/stdout`) is written to as a
    stream, as a shell's `>` would; missing folders are made. WriteError, naming the
    file, when it cannot be written.
    """
    try:
        found = os.stat(path)  # through any link
    except FileNotFoundError:
        found = None
    except OSError as exc:  # a file where a folder of its path should be
        raise WriteError(f"cannot write: {exc.strerror or exc}", str(path)) from exc
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise WriteError("cannot write: it is a folder; name a file", str(path))
    try:
        if found is not None and not stat.S_ISREG(found.st_mode):
            # Opened by the name given: /dev/stdout on a pipe leads to no path on disk.
            with open(path, "wb") as stream:
                stream.write(data)
        else:
            atomic_write(Path(os.path.realpath(path)), data)
    except OSError as exc:  # a read-only folder, a full disk...
        raise WriteError(f"cannot write: {exc.strerror or exc}", str(path)) from exc


def holds_user_text(path: Path) -> bool:
    """Give whether `path` is a file with bytes but no `generated_by: vaultkit` front-matter.

    Such a file is a user's note (or anything else), never to be overwritten by a
    generated note; a missing or empty file holds nothing. WriteError, saying what
    stands in the way, when no note can be written there at all: a folder, a FIFO, or
    a file where one of its folders should be.
    """
    try:
        head = read_regular(path, 4096)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise WriteError(_in_the_way(path, exc), str(path)) from exc
    if not head.strip():
        return False
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return True
    for line in lines[1:]:
        if line.strip() in ("---", "..."):
            break
        if line.strip().replace(" ", "") == "generated_by:vaultkit":
            return False
    return True


def _in_the_way(path: Path, exc: OSError) -> str:
    """Give what keeps a file from being written at `path`, as a message."""
    blocker = next((p for p in path.parents if p.is_file()), None)
    if blocker is not None:
        return f"cannot write: {blocker.name} is a file, where a folder should be"
    if path.is_dir():
        return "cannot write: a folder stands there; move it aside"
    if exc.errno == errno.EINVAL:
        return f"cannot write: {NOT_REGULAR} stands there; move it aside"
    return f"cannot read what stands there: {exc.strerror or exc}"


@contextlib.contextmanager
def vault_lock(cache_dir: Path, wait: float = 5.0) -> Iterator[None]:
    """Hold the vault's writer lock, waiting up to `wait` seconds for another holder.

    The lock is an OS file lock (flock), so a killed process releases it and
    never blocks the next run.
    """
    lock_path = cache_dir / "lock"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(errno.EINVAL, f"{NOT_REGULAR}: remove it")
    except OSError as exc:  # the cache folder is a file, the vault is read-only...
        raise WriteError(f"cannot write the lock: {exc.strerror or exc}", str(lock_path)) from exc
    handle = os.fdopen(fd, "r+b")
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockBusyError(
                            f"another vaultkit process is writing this vault (waited {wait:g} s); "
                            "try again when it has finished",
                            str(lock_path),
                        ) from None
                    time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        yield
    finally:
        handle.close()


def replace_keeping(path: Path, data: bytes, found: os.stat_result) -> None:
    """Put `data` at `path` atomically, as a user's note is rewritten: a synced temp file
    beside it, renamed over it, with the mode (and, where allowed, the owner) of `found`,
    the file's stat."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(found.st_mode))
        if hasattr(os, "chown"):
            tmp_stat = os.stat(tmp)
            if (tmp_stat.st_uid, tmp_stat.st_gid) != (found.st_uid, found.st_gid):
                # Only root may give a file away: a note of another user's, edited as
                # root, stays theirs. Anyone else keeps what the file system allows.
                with contextlib.suppress(OSError):
                    os.chown(tmp, found.st_uid, found.st_gid)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def end_with_parent() -> None:
    """Have this forked process end when the one that forked it ends (Linux).

    A build killed mid-way (a SIGKILL from cron's timeout, say) would otherwise leave
    its workers to finish, then fail writing to it, each with a traceback on stderr.
    """
    if sys.platform != "linux":
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before we asked
        os._exit(1)
