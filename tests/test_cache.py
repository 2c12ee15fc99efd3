"""The parse cache and the last-build record: they only ever save work.

A corrupt, stale or foreign-version cache is rebuilt without a word; deleting it loses
nothing; a changed file is read again, even one whose mtime and size did not move; a
planted pickle cannot run code; a build of an unchanged vault reads no note at all.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest

from vaultkit import build as pipeline
from vaultkit import cache
from vaultkit.config import load_config
from vaultkit.vault import load_vault, scan

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
OUTPUTS = ("CRM/CRM Index.md", "CRM/Due Actions.md", "CRM/Referral Graph.md")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """Give a copy of the sample vault, built once (so its cache and record exist)."""
    root = shutil.copytree(
        ROOT / "sample_vault", tmp_path / "v", ignore=shutil.ignore_patterns(".vaultkit", "CRM")
    )
    pipeline.build(root, TODAY)
    return root


def user_notes(root: Path) -> dict[str, str]:
    """Give the SHA-256 of every user note (not the generated notes, not the cache)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.md"))
        if p.relative_to(root).parts[0] not in ("CRM", ".vaultkit")
    }


def outputs(root: Path) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in OUTPUTS}


def cache_file(root: Path) -> Path:
    return root / ".vaultkit" / cache.CACHE_FILE


def reread(root: Path) -> int:
    return load_vault(root, load_config(root)).reread


def test_a_warm_build_of_an_unchanged_vault_reads_no_note(vault: Path) -> None:
    before = user_notes(vault)
    result = pipeline.build(vault, TODAY)
    assert result.vault is None and result.outputs is None
    assert result.written == () and set(result.unchanged) == set(OUTPUTS)
    assert result.summary.notes > 30
    # Without the build record, the cache alone still spares every read.
    (vault / ".vaultkit" / "last-build.json").unlink()
    again = pipeline.build(vault, TODAY)
    assert again.vault is not None and again.reread == 0 and again.written == ()
    assert user_notes(vault) == before


def test_another_day_is_another_build_but_reads_nothing(vault: Path) -> None:
    result = pipeline.build(vault, date(2026, 11, 21))
    assert result.vault is not None and result.reread == 0


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a cache at all",
        b"vaultkit-cache 2/",  # cut short in the stamp
        "truncated",
        "flipped",
    ],
)
def test_a_corrupt_cache_is_rebuilt_silently(vault: Path, damage: bytes | str) -> None:
    good = outputs(vault)
    data = cache_file(vault).read_bytes()
    if damage == "truncated":
        damage = data[: len(data) // 2]
    elif damage == "flipped":
        damage = data[:-40] + bytes(b ^ 0xFF for b in data[-40:])
    cache_file(vault).write_bytes(damage)  # type: ignore[arg-type]
    (vault / ".vaultkit" / "last-build.json").unlink()
    result = pipeline.build(vault, TODAY, use_cache=True)
    assert result.reread == len(scan(vault, load_config(vault)))
    assert outputs(vault) == good
    assert reread(vault) == 0  # and the cache is whole again


def test_a_cache_of_another_format_or_version_is_not_used(vault: Path) -> None:
    data = cache_file(vault).read_bytes()
    stamp, rest = data.split(b"\n", 1)
    assert stamp.startswith(b"vaultkit-cache ")
    cache_file(vault).write_bytes(b"vaultkit-cache 999/0.0.0/feed\n" + rest)
    assert reread(vault) > 30
    assert reread(vault) == 0


def test_a_cache_for_another_config_is_not_used(vault: Path) -> None:
    (vault / "vaultkit.toml").write_text("[rules]\nhorizon_days = 10\n", encoding="utf-8")
    assert reread(vault) > 30


def test_deleting_the_cache_loses_nothing(vault: Path) -> None:
    good = outputs(vault)
    shutil.rmtree(vault / ".vaultkit")
    for rel in OUTPUTS:
        (vault / rel).unlink()
    result = pipeline.build(vault, TODAY)
    assert result.reread > 30
    assert outputs(vault) == good


def test_a_changed_file_is_read_again(vault: Path) -> None:
    note = vault / "People" / "Ben Carter.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nMet again.\n", encoding="utf-8")
    loaded = load_vault(vault, load_config(vault))
    assert loaded.reread == 1
    assert reread(vault) == 0


def test_a_same_size_change_within_the_racy_window_is_caught_by_digest(vault: Path) -> None:
    """mtime cannot tell a file rewritten in the same tick as the cache: bytes can."""
    note = vault / "People" / "Ben Carter.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text, encoding="utf-8")  # saved just now
    assert reread(vault) == 1  # the cache, written just now, holds it
    st = note.stat()
    changed = text.replace("source: event", "source: cold!")  # same length
    assert len(changed) == len(text) and changed != text
    note.write_text(changed, encoding="utf-8")
    os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same mtime as before
    # The cache was written just now: within RACY_NS of the note's mtime.
    loaded = load_vault(vault, load_config(vault))
    assert loaded.reread == 1
    ben = next(n for n in loaded.notes if n.name == "Ben Carter")
    assert ben.contact is not None and ben.contact.source == "cold!"


def test_outside_the_racy_window_mtime_and_size_are_trusted(vault: Path) -> None:
    """The other side of the trade: a note older than the cache by more than RACY_NS is
    not read again while its mtime and size hold (that is what makes a warm build quick)."""
    note = vault / "People" / "Ben Carter.md"
    st = note.stat()
    old = st.st_mtime_ns - 60 * 10**9
    os.utime(note, ns=(st.st_atime_ns, old))
    assert reread(vault) == 1  # its mtime moved: read again, cached with the old mtime
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("source: event", "source: cold!"), encoding="utf-8")
    os.utime(note, ns=(st.st_atime_ns, old))
    assert reread(vault) == 0


class Boom:
    """A pickle that runs a command when loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("where", ["outer", "blob"])
def test_a_planted_pickle_is_refused(vault: Path, tmp_path: Path, where: str) -> None:
    marker = tmp_path / "pwned"
    good = outputs(vault)
    stamp = cache_file(vault).read_bytes().split(b"\n", 1)[0] + b"\n"
    if where == "outer":
        payload = pickle.dumps(Boom(marker))
    else:
        blob = pickle.dumps([("People/Ben Carter.md", 1, 2, None, Boom(marker))])
        payload = pickle.dumps([blob])
    cache_file(vault).write_bytes(stamp + payload)
    (vault / ".vaultkit" / "last-build.json").unlink()
    result = pipeline.build(vault, TODAY)
    assert not marker.exists()
    assert result.reread > 30
    assert outputs(vault) == good


def test_the_safe_unpickler_loads_only_vaultkit_records() -> None:
    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system is not allowed"):
        cache.unpack(pickle.dumps([Boom(Path("/nonexistent"))]))
    with pytest.raises(pickle.UnpicklingError):
        cache.unpack(pickle.dumps({"not": "a list"}))


def test_a_build_never_changes_a_user_note(vault: Path) -> None:
    before = user_notes(vault)
    shutil.rmtree(vault / ".vaultkit")
    pipeline.build(vault, TODAY)
    pipeline.build(vault, date(2027, 1, 1))
    pipeline.build(vault, TODAY, use_cache=False)
    assert user_notes(vault) == before


def test_an_entry_read_without_a_kept_digest_is_trusted_by_stat_outside_the_racy_window(
    tmp_path: Path,
) -> None:
    from vaultkit.model import Note

    (tmp_path / "Ann.md").write_text("---\ntype: contact\n---\n")
    st = (tmp_path / "Ann.md").stat()
    entry: cache.Entry = (
        "Ann.md",
        st.st_mtime_ns,
        st.st_size,
        cache.NOT_KEPT,
        Note("Ann.md", "Ann"),
    )
    later = st.st_mtime_ns + cache.RACY_NS + 1
    assert cache.still_valid(tmp_path, st.st_mtime_ns, st.st_size, entry, later)
    # Written as the file changed: only a digest could tell, and none was kept.
    assert not cache.still_valid(tmp_path, st.st_mtime_ns, st.st_size, entry, st.st_mtime_ns)
    # Not read at all (too large, unreadable): always tried again.
    unread = (*entry[:3], None, entry[4])
    assert not cache.still_valid(tmp_path, st.st_mtime_ns, st.st_size, unread, later)


def test_was_read_tells_a_file_refused_from_front_matter_over_its_limit(tmp_path: Path) -> None:
    from vaultkit.config import parse_config
    from vaultkit.parse import parse_text
    from vaultkit.vault import FileStat, read_note, was_read

    config = parse_config({"limits": {"max_file_bytes": 1000}})
    (tmp_path / "Big.md").write_text("x" * 2000)
    big = read_note(tmp_path, FileStat("Big.md", 0, 2000), config)
    assert [p.code for p in big.problems] == ["too-large"] and not was_read(big)
    long_fm = parse_text("Long.md", "---\na: " + "y" * 70_000 + "\n---\n", config)
    assert "too-large" in [p.code for p in long_fm.problems] and was_read(long_fm)
