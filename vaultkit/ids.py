"""Stable ids for due actions, and the ids of a note's open tasks.

An action's id is the first 12 hex digits of the SHA-1 of its rule, source note
path and subject (the subject's note path, else its case-folded name), joined by
NUL; a task adds its text (and, for a repeated text, its occurrence number). The
same rule, source and subject always give the same id, so calendar apps and
scripts can follow an action from one run to the next.

A task's id depends on nothing but its note's path and text, so parsing works it
out (on every core, and into the parse cache) rather than each build.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha1

from vaultkit.model import Task

ID_LENGTH = 12


def action_id(rule: str, note: str, subject: str, detail: str = "") -> str:
    """Give the stable id for an action (see the module docstring)."""
    text = f"{rule}\0{note}\0{subject}\0{detail}" if detail else f"{rule}\0{note}\0{subject}"
    return sha1(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def open_task_texts(tasks: Sequence[Task]) -> list[tuple[int, str, str]]:
    """Give each open task: its index in `tasks`, its text as shown, and the detail its
    action id is made from (the text, numbered when it repeats)."""
    seen: dict[str, int] = {}
    out: list[tuple[int, str, str]] = []
    for index, task in enumerate(tasks):
        if task.done:
            continue
        text = " ".join(task.text.split()) or "(untitled task)"
        n = seen[text] = seen.get(text, 0) + 1
        out.append((index, text, text if n == 1 else f"{text}\0{n}"))
    return out


def task_id(path: str, detail: str) -> str:
    """Give the id of the task action for an open task of the note at `path`."""
    return action_id("task", path, path, detail)
