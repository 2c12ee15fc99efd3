"""Text made safe to print: the control characters a note may hold, made harmless.

A note can hold any character: a body line carries raw bytes, and a YAML escape
(`"\\e"`, `"\\u0000"`, `"\\n"`) writes any control into a field or a link. Every
text output (the terminal and TSV, `check`, the generated notes, the calendar,
vCard, CSV and the report) passes user text through `printable`, so that none
reaches a terminal, a file format that forbids it, or a one-line format it would
split (docs/schema.md, "Control characters"). JSON escapes controls itself.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
# The controls that are whitespace: tab, line feed, vertical tab, form feed, carriage
# return (a CRLF is one), the separators 0x1c-0x1f and NEL; all that str.split() splits on.
_SPACE = re.compile(r"\r\n|[\t\n\x0b\x0c\r\x1c-\x1f\x85]")
# Every control character: C0, DEL and C1.
CONTROLS = "\x00-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{CONTROLS}]")


def printable(text: str) -> str:
    """Give text on one line without control characters: a whitespace control (tab, line
    break) as a space, any other (C0, DEL, C1) as U+FFFD; text without any as it is."""
    if _CONTROL.search(text) is None:  # nearly all text: one scan, no copy
        return text
    return _CONTROL.sub(REPLACEMENT, _SPACE.sub(" ", text))
