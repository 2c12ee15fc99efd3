"""Shared fixtures: build a vault on disk from a mapping of relative paths to contents.

Usage in a test::

    def test_something(tmp_path, make_vault):
        root = make_vault(tmp_path, {"People/Jane.md": note("type: contact\n")})

Contents are written as bytes, exactly as given: a `str` is encoded as UTF-8 with no
newline translation (so CRLF, a BOM or stray bytes reach the parser untouched), and
`bytes` are written as they are. `note()` wraps front-matter text and a body into a
note's text.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from vaultkit.config import Config

Files = Mapping[str, "str | bytes"]
MakeVault = Callable[..., Path]


def write_vault(root: Path, files: Files) -> Path:
    """Write each `relpath: text-or-bytes` under `root` (created if needed); give `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def note(front: str | None = None, body: str = "") -> str:
    """Give a note's text: `front` (front-matter lines, without the ---) and a body."""
    if front is None:
        return body
    if front and not front.endswith("\n"):
        front += "\n"
    return f"---\n{front}---\n{body}"


def fm(front: str, body: str = "") -> str:
    """Give a note's text from front-matter lines (trimmed, without the ---) and a body."""
    return f"---\n{front.strip()}\n---\n{body}"


@pytest.fixture
def make_vault() -> MakeVault:
    """Give `make_vault(root, files)`: write a vault (see `write_vault`) and give its root."""
    return write_vault


@pytest.fixture
def config() -> Config:
    """Give the default Config."""
    return Config()


@pytest.fixture(scope="session")
def sample_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Give a copy of the repository's sample vault, shared by the tests that only read
    it: reading a vault leaves its cache in it, and tests never write in the repository."""
    source = Path(__file__).resolve().parent.parent / "sample_vault"
    dest = tmp_path_factory.mktemp("sample") / "sample_vault"
    return shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".vaultkit", "CRM"))
