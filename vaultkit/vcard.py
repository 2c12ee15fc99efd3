"""vCard text to cards and back (RFC 6350, vCard 4.0; 3.0 and 2.1 are read too).

Only what a contact note holds is read: FN (else N), NICKNAME, ORG, TITLE, EMAIL,
TEL, URL (a LinkedIn address becomes `linkedin`), CATEGORIES and NOTE. The reader
unfolds lines, undoes the escapes, skips property groups (`item1.EMAIL`) and
decodes 2.1's QUOTED-PRINTABLE; a card it cannot read is reported with the line it
starts on and skipped, never guessed at.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from vaultkit.printable import printable

_NAME = re.compile(r"(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)")
FOLD_OCTETS = 75


@dataclass(frozen=True)
class Card:
    """One vCard's properties: name, then each property's values in the order written."""

    line: int
    props: dict[str, list[str]] = field(default_factory=dict)
    structured: dict[str, list[list[str]]] = field(default_factory=dict)

    def first(self, name: str) -> str:
        """Give the first value of a property, or ''."""
        values = self.props.get(name)
        return values[0] if values else ""


class CardError(ValueError):
    """A card that cannot be read; carries the line it starts on."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _unfold(text: str) -> Iterator[tuple[int, str]]:
    """Give (line number, logical line) with folded lines joined (and 2.1's soft breaks)."""
    lines = re.split(r"\r\n|\n|\r", text)
    current: str | None = None
    start = 0
    for number, raw in enumerate(lines, 1):
        if current is not None and raw[:1] in (" ", "\t"):
            current += raw[1:]
            continue
        if current is not None and current.endswith("=") and _is_qp(current):
            current = current[:-1] + raw  # a quoted-printable soft line break
            continue
        if current is not None:
            yield start, current
        current, start = raw, number
    if current is not None:
        yield start, current


def _is_qp(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def _split(value: str, sep: str) -> list[str]:
    """Give the parts of a value split on unescaped `sep`, escapes still in place."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    """Give a vCard text value without its escapes (\\n, \\, \\; \\\\)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _params(head: str) -> tuple[str, dict[str, str]]:
    """Give (property name, parameters upper-cased) of a content line's part before `:`."""
    parts = _split_params(head)
    match = _NAME.fullmatch(parts[0].strip())
    if match is None:
        raise ValueError(f"not a property name: {parts[0]!r}")
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, eq, value = part.partition("=")
        if eq:
            params[key.strip().upper()] = value.strip().strip('"')
        else:  # 2.1 writes bare types: TEL;WORK;VOICE:
            params.setdefault("TYPE", value)
            params[key.strip().upper()] = ""
    return match.group(1).upper(), params


def _split_params(head: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for c in head:
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    out.append("".join(current))
    return out


def _value_colon(line: str) -> int:
    """Give the index of the colon that ends the name and parameters (quotes respected)."""
    quoted = False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == ":" and not quoted:
            return i
    return -1


def _decode(raw: str, params: dict[str, str]) -> str:
    if params.get("ENCODING", "").upper() in ("QUOTED-PRINTABLE", "QP") or (
        "QUOTED-PRINTABLE" in params
    ):
        charset = params.get("CHARSET", "utf-8") or "utf-8"
        data = quopri.decodestring(raw.encode("utf-8"))
        try:
            return data.decode(charset, "replace")
        except LookupError:
            return data.decode("utf-8", "replace")
    return raw


def parse_cards(text: str) -> tuple[list[Card], list[CardError]]:
    """Give the cards of a .vcf file's text and an error for each card that cannot be read."""
    cards: list[Card] = []
    errors: list[CardError] = []
    card: Card | None = None
    broken: str | None = None
    for number, line in _unfold(text.lstrip("\ufeff")):
        if not line.strip():
            continue
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if card is not None:
                errors.append(CardError("a card starts before the last one ended", card.line))
            card, broken = Card(number), None
            continue
        if upper == "END:VCARD":
            if card is None:
                errors.append(CardError("END:VCARD without BEGIN:VCARD", number))
            elif broken:
                errors.append(CardError(broken, card.line))
            else:
                cards.append(card)
            card = None
            continue
        if card is None:
            errors.append(CardError("text outside a BEGIN:VCARD ... END:VCARD card", number))
            continue
        colon = _value_colon(line)
        try:
            if colon < 0:
                raise ValueError(f"line {number} has no ':'")
            name, params = _params(line[:colon])
        except ValueError as exc:
            broken = broken or str(exc)
            continue
        value = _decode(line[colon + 1 :], params)
        card.props.setdefault(name, []).append(value)
        card.structured.setdefault(name, []).append([unescape(p) for p in _split(value, ";")])
    if card is not None:
        errors.append(CardError("the card never ends (no END:VCARD)", card.line))
    return cards, errors


def text_values(card: Card, name: str) -> list[str]:
    """Give a text property's values unescaped (NOTE, TITLE, FN, EMAIL, TEL, URL)."""
    return [unescape(v).strip() for v in card.props.get(name, [])]


def list_values(card: Card, name: str) -> list[str]:
    """Give the comma-separated items of every value of a list property (NICKNAME, CATEGORIES)."""
    out: list[str] = []
    for value in card.props.get(name, []):
        out += [unescape(p).strip() for p in _split(value, ",") if unescape(p).strip()]
    return out


# --- writing ---------------------------------------------------------------------


def escape(text: str) -> str:
    """Give text as a vCard 4 text value: backslash, comma, semicolon and newline escaped,
    any other control character as `printable` gives it (a content line may hold none)."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return printable(re.sub(r"\r\n|\r|\n", "\\\\n", text))


def fold(line: str) -> str:
    """Give a content line folded at 75 octets, never inside a UTF-8 character, CRLF-ended."""
    data = line.encode("utf-8")
    if len(data) <= FOLD_OCTETS:
        return line + "\r\n"
    pieces: list[str] = []
    limit = FOLD_OCTETS
    while data:
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1  # back off to the start of a character
        pieces.append(data[:cut].decode("utf-8"))
        data = data[cut:]
        limit = FOLD_OCTETS - 1  # a continuation line starts with a space
    return "\r\n ".join(pieces) + "\r\n"


def card_text(props: Sequence[tuple[str, str]]) -> str:
    """Give one vCard 4.0 from (name with parameters, already escaped value) pairs."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", *(f"{name}:{value}" for name, value in props)]
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)
