"""The CLI reference (docs/cli.md) generated from the commands' own `--help`.

docs/cli.md embeds this output between cog markers; `cog --check docs/cli.md`
(run by the test suite) fails when the page and `--help` disagree.
"""

from __future__ import annotations

import click

WIDTH = 88


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                found.extend(_walk(sub, [*path, name]))
    return found


def render_reference() -> str:
    """Give the Markdown reference of every command, as `--help` prints it."""
    from vaultkit.cli import cli

    parts: list[str] = []
    for path, command in _walk(cli, ["vaultkit"]):
        parent: click.Context | None = None
        node: click.Command = cli
        for depth, name in enumerate(path):
            if depth:
                assert isinstance(node, click.Group) and parent is not None
                found = node.get_command(parent, name)
                assert found is not None
                node = found
            parent = node.make_context(
                name,
                [],
                parent=parent,
                resilient_parsing=True,
                terminal_width=WIDTH,
                max_content_width=WIDTH,
            )
        assert parent is not None
        title = " ".join(path)
        parts.append(f"## `{title}`\n\n```text\n{command.get_help(parent).rstrip()}\n```\n")
    return "\n".join(parts)
