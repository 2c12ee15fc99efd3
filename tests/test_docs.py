"""The docs that are generated from the code must match it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_matches_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(ROOT / "docs" / "cli.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, (
        "docs/cli.md is out of date with --help; run `cog -r docs/cli.md`\n" + result.stderr
    )


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line.strip() for line in readme.splitlines() if "pytest" in line)
    assert test_line in ci


def test_configuration_example_parses_to_its_stated_defaults() -> None:
    import re
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from vaultkit.config import Config, parse_config

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block is not None
    config = parse_config(tomllib.loads(block.group(1)))
    default = Config()
    assert config.rules == default.rules
    assert config.output == default.output
    assert config.folders == default.folders
    assert config.field_aliases == {"company": "org"}
