"""New files in a vault: safe file names, and creation that never overwrites.

A new file is written in full under a hidden temporary name beside its target,
flushed, then hard-linked into place; the link fails if anything has appeared at
the target meanwhile, so nothing is ever overwritten and no reader sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from vaultkit.errors import UsageError, WriteError
from vaultkit.io import fsync_dir, umask

MAX_NAME_BYTES = 255  # a file name, ".md" included, on every common file system
BULK_FILES = 32  # more new files than this are flushed to disk with one sync

# Characters that break an Obsidian link ([ ] # ^ |) or a file name on some system.
_FORBIDDEN = re.compile(r'[\[\]#^|\\/:*?"<>]')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{p}{n}" for p in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]]
)


# --- safe names ------------------------------------------------------------------


def safe_name(name: str) -> str:
    """Give `name` as a file stem that is safe everywhere and keeps Obsidian links working.

    NFC; no control characters, no `[ ] # ^ | \\ / : * ? " < >` (each becomes a space);
    whitespace collapsed; no leading or trailing dots or spaces (a leading dot would
    hide the note); a Windows device name (CON, NUL, COM1, ...) gets a `_`; at most
    255 bytes of UTF-8 with `.md`. Raises UsageError when nothing usable is left.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    text = " ".join(_FORBIDDEN.sub(" ", text).split()).strip(" .")
    text = _truncate(text, MAX_NAME_BYTES - len(".md"))
    head, dot, tail = text.partition(".")
    if head.rstrip().upper() in _RESERVED:
        text = f"{head.rstrip()}_{dot}{tail}"
        text = _truncate(text, MAX_NAME_BYTES - len(".md"))
    if not text:
        raise UsageError(f"{name!r} has no characters a file name can use")
    return text


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[:limit].decode("utf-8", "ignore")
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]  # a mark without its letter would change the name's meaning
    return cut.rstrip(" .")


def link_text(name: str) -> str:
    """Give a link to the note called `name`, as written in front-matter: `[[name]]`."""
    return f"[[{name}]]"


# --- creating files --------------------------------------------------------------


def create_files(root: Path, files: Sequence[tuple[str, bytes]]) -> list[str]:
    """Create each `(vault path, bytes)` file atomically, never replacing anything.

    Every file is first written in full under a hidden temporary name beside its
    target and flushed to disk (a large batch with one sync for all), then each is
    hard-linked to its name; the link fails if the name exists, so nothing is ever
    overwritten and no reader ever sees half a note. Gives the paths skipped because they existed.
    WriteError, naming the file or folder, when one cannot be written (a read-only
    folder, a file where its folder should be): none is created unless that happens
    while they are linked into place.
    """
    staged: list[tuple[Path, str, Path]] = []
    existed: list[str] = []
    bulk = len(files) > BULK_FILES and os.name == "posix"
    rel, target = "", root
    try:
        made: set[Path] = set()
        for rel, data in files:
            target = root / rel
            if target.parent not in made:
                make_folder(target.parent, rel)
                made.add(target.parent)
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name[:60]}.", suffix=".vaultkit-tmp", dir=target.parent
            )
            tmp = Path(tmp_name)
            staged.append((tmp, rel, target))  # before writing: a failed write is removed too
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if not bulk:
                    handle.flush()
                    os.fsync(handle.fileno())
        if bulk:
            os.sync()  # one flush for every new file, instead of one fsync each
        folders: set[Path] = set()
        for staged_tmp, rel, target in staged:
            if _link_new(staged_tmp, target):
                folders.add(target.parent)
            else:
                existed.append(rel)
        for folder in sorted(folders):
            fsync_dir(folder)
    except OSError as exc:  # a read-only folder, a full disk...
        raise WriteError(f"cannot write: {exc.strerror or exc}", str(target)) from exc
    finally:
        for staged_tmp, _, _ in staged:
            with contextlib.suppress(OSError):
                staged_tmp.unlink()
    return existed


def make_folder(folder: Path, what: str) -> None:
    """Make `folder` (and its parents) for `what`; WriteError when it cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # A file standing where a folder should be gives a bare "File exists" (or "Not
        # a directory"): say which file, and what it stopped.
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
        if blocker is not None:
            raise WriteError(
                f"is a file, not a folder, so {what} cannot be created", str(blocker)
            ) from exc
        raise WriteError(
            f"cannot make the folder for {what}: {exc.strerror or exc}", str(folder)
        ) from exc


def _link_new(tmp: Path, target: Path) -> bool:
    """Give whether `tmp` now also stands at `target`; False if `target` already existed."""
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o644 & ~umask())
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        # No hard links here (FAT, some network shares): check, then rename.
        if os.path.lexists(target):
            return False
        os.rename(tmp, target)
        return True
