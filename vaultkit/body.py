"""A note's body to what vaultkit reads in it: links, tasks and `## Questions` bullets.

A pure function of the text, in one pass per kind of thing, each linear in the body's
length (fenced code is blanked first: a link or task in code is not one).
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from datetime import date

from vaultkit.model import FIRST_YEAR, LAST_YEAR, Link, Task

_FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.M | re.S)
# In a Markdown table Obsidian writes the alias bar as `\|`: the backslash is not the name's.
WIKILINK = re.compile(r"\[\[([^\[\]|#\n]*?)(?:#([^\[\]|\n]*?))?(?:\\?\|([^\[\]\n]*))?\]\]")
# A link to an attachment (an image, a PDF...) is not a link to a note: never dangling.
_ATTACHMENT = re.compile(
    r"\.(?:png|jpe?g|gif|bmp|svg|webp|avif|heic|tiff?|mp3|webm|wav|m4a|ogg|3gp|flac|mp4|ogv"
    r"|mov|mkv|pdf|canvas|base|docx?|xlsx?|pptx?|csv|zip)$",
    re.IGNORECASE,
)
_WIKILINK_RAW = re.compile(r"\[\[[^\[\]\n]*\]\]")
# Led by a literal newline so the regex engine can skip ahead (the body is scanned as "\n" + body).
_TASK = re.compile(r"\n[ \t]*[-*+] \[([ xX])\] ([^\n]*)")
_TASK_DUE = re.compile(r"📅\s*(\d{4}-\d{2}-\d{2})")
_TASK_BLOCK_ID = re.compile(r"\s+\^[A-Za-z0-9-]+$")
# Led by a literal newline (the body is searched as "\n" + body) so the scan is fast.
_QUESTIONS = re.compile(r"\n(#{1,6})[ \t]+[Qq][Uu][Ee][Ss][Tt][Ii][Oo][Nn][Ss][ \t]*(?=\n|$)")
_HEADING = re.compile(r"^(#{1,6})[ \t]", re.M)
# The item starts with a non-blank, so a long run of blanks is crossed once, not again
# from each of its characters.
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?!\[[ xX]\] )(\S(?:.*\S)?)[ \t]*$", re.M)


def nfc(text: str) -> str:
    """Give text in Unicode NFC, the form names are compared in."""
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=1 << 14)
def _task_day(text: str) -> date:
    """Give the date of a task's `📅 YYYY-MM-DD`, or raise ValueError.

    Memoised, like parse._day_of: one date object a day is one pickled object a day in
    the cache, where a date of its own for every task cost ~1 µs to pickle and more
    to load.
    """
    day = date.fromisoformat(text)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(text)
    return day


@functools.lru_cache(maxsize=1 << 16)
def link_parts(raw: str) -> tuple[str, str | None, str | None] | None:
    """Give (target, alias, heading) of a `[[...]]` link as written, or None if it has no target.

    Memoised: a vault names the same people again and again.
    """
    m = WIKILINK.fullmatch(raw)
    if m is None:
        return None
    target, heading, alias = m.groups()
    target = target.strip()
    if not target or _ATTACHMENT.search(target):
        return None
    return (
        target if target.isascii() else nfc(target),
        alias.strip() or None if alias else None,
        heading.strip() or None if heading else None,
    )


def body_link(raw: str, line: int) -> Link | None:
    """Give the Link for a body link kept as (raw text, line) on a Note; None when it
    leads to no note (no target, or an attachment)."""
    parts = link_parts(raw)
    return None if parts is None else Link(parts[0], parts[1], parts[2], None, line, True)


def scan_body(
    body: str, first_line: int
) -> tuple[
    tuple[str, ...],
    tuple[int, ...],
    tuple[Task, ...],
    tuple[str, ...],
    tuple[tuple[int, str], ...],
]:
    """Give the links (raw texts, their lines), tasks, `## Questions` bullets and bad task
    dates."""
    if "```" in body or "~~~" in body:
        body = _without_code(body)
    links: list[str] = []
    lines: list[int] = []
    tasks: list[Task] = []
    bad_dates: list[tuple[int, str]] = []
    questions: list[str] = []
    if "[[" in body:
        # Each distinct link is kept once, as written, at its first line: that is all
        # the problems and views need, and records are made only when asked for.
        line, last = first_line, 0
        # Kept as written, even `[[]]` or a link to an attachment: whoever reads them
        # takes them apart with link_parts, which says which are links to notes.
        for raw in dict.fromkeys(_WIKILINK_RAW.findall(body)):
            # In the order they first stand, so each is found after the one before
            # (a `[[...]]` as text is always a match of the pattern: none overlap).
            at = body.find(raw, last)
            line += body.count("\n", last, at)
            last = at
            # Interned: the same people are linked from many notes, and pickle
            # keeps one copy of a shared string per blob.
            links.append(sys.intern(raw))
            lines.append(line)
    if "[ ]" in body or "[x]" in body or "[X]" in body:
        line, last = first_line - 1, 0
        scan = "\n" + body
        for m in _TASK.finditer(scan):
            line += scan.count("\n", last, m.start() + 1)
            last = m.start() + 1
            due_match = _TASK_DUE.search(m.group(2)) if "📅" in m.group(2) else None
            due = None
            if due_match:
                try:
                    due = _task_day(due_match.group(1))
                except ValueError:
                    bad_dates.append((line, due_match.group(1)))
            text = _TASK_DUE.sub("", m.group(2)).strip() if due_match else m.group(2).strip()
            if "^" in text:  # an Obsidian block id names the line; it is not what to do
                text = _TASK_BLOCK_ID.sub("", text)
            tasks.append(Task(text, m.group(1) != " ", due, line))
    heading_match = _QUESTIONS.search("\n" + body) if "uestions" in body else None
    if heading_match:
        rest = body[heading_match.end() - 1 :]
        # The section runs to the next heading of its level or above: a `###` inside
        # `## Questions` (the question bank's groups) is part of it.
        level = len(heading_match.group(1))
        nxt = next((h for h in _HEADING.finditer(rest) if len(h.group(1)) <= level), None)
        section = rest[: nxt.start()] if nxt else rest
        questions = [sys.intern(q) for q in _BULLET.findall(section) if q]
    return tuple(links), tuple(lines), tuple(tasks), tuple(questions), tuple(bad_dates)


_FENCE_LINE = re.compile(r"^(?:`{3,}|~{3,})", re.M)
_MANY_FENCES = 64


def _without_code(body: str) -> str:
    """Give the body with its fenced code blocks as blank lines (line numbers kept)."""
    if len(_FENCE_LINE.findall(body)) <= _MANY_FENCES:
        return _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    # Each unclosed fence would send the pattern to the end of the body again: with
    # thousands of them, read line by line instead (CommonMark: an unclosed fence
    # runs to the end).
    out: list[str] = []
    fence = ""
    for line in body.split("\n"):
        if not fence:
            opened = _FENCE_LINE.match(line)
            if opened:
                fence = opened.group(0)
            out.append("" if fence else line)
            continue
        out.append("")
        close = line.rstrip(" \t")
        if len(close) >= len(fence) and close == fence[0] * len(close):
            fence = ""
    return "\n".join(out)
