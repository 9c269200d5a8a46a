"""A message's text cut into what its sender wrote, the history it quotes and its signature,
so that a page can collapse the last two.

Line by line with plain string tests (no regular expression), each line looked at a bounded
number of times and only its first MAX_TEST_CHARS: linear in the text whatever it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MAX_CHARS = 200_000
MAX_LINES = 5_000
MAX_TEST_CHARS = 300
# How far below "De :" / "From:" the "Envoyé :" / "Sent:" line of an Outlook header may be.
_HEADER_SPAN = 4
# Gmail wraps a long "On … wrote:" over two lines.
_WRAPPED_HEADER_LINES = 2

BlockKind = Literal["text", "quote", "signature"]

_SEPARATORS = (
    "-----original message-----",
    "----- original message -----",
    "-----message d'origine-----",
    "----- message d'origine -----",
    "-------- message original --------",
    "-------- original message --------",
)
_SENDER_FIELDS = ("from:", "de :", "de:", "de\u00a0:")
_SENT_FIELDS = ("sent:", "envoyé :", "envoyé:", "envoyé\u00a0:", "date:", "date :")


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A run of lines of one kind: the sender's own `text`, a `quote` of earlier mail (a
    header such as "On … wrote:" and what follows, or a run of "> " lines), a `signature`."""

    kind: BlockKind
    text: str

    @property
    def line_count(self) -> int:
        """How many lines the block holds."""
        return self.text.count("\n") + 1


def split_quoted(text: str) -> tuple[TextBlock, ...]:
    """`text` as blocks in their order; joined, they are the text (blank lines around blocks
    trimmed). Only the first MAX_LINES lines are told apart; the rest stays in the last block."""
    lines = text[:MAX_CHARS].splitlines()
    tail = lines[MAX_LINES:]
    lines = lines[:MAX_LINES]
    keys = [line[:MAX_TEST_CHARS].strip().lower() for line in lines]
    kinds: list[BlockKind] = []
    state: BlockKind = "text"
    history = False
    for index, key in enumerate(keys):
        if not history and _starts_history(keys, index):
            history = True
        if history:
            kinds.append("quote")
            continue
        if key == "--":  # "-- ", the separator, often loses its space on the way
            state = "signature"
        if state == "signature":
            kinds.append("signature")
        elif key.startswith(">") or (not key and _inside_quote(keys, kinds, index)):
            kinds.append("quote")
        else:
            kinds.append("text")
    blocks = _grouped(lines, kinds)
    if tail:
        last = blocks[-1] if blocks else TextBlock("text", "")
        blocks[-1:] = [TextBlock(last.kind, "\n".join([last.text, *tail]).strip("\n"))]
    return tuple(block for block in blocks if block.text.strip())


def _starts_history(keys: list[str], index: int) -> bool:
    """Whether line `index` opens the quoted history: a reply header of a mail client."""
    key = keys[index]
    if key in _SEPARATORS:
        return True
    if key.startswith(("on ", "le ")):
        joined = " ".join(keys[index : index + _WRAPPED_HEADER_LINES])
        for candidate in (key, joined):
            if candidate.endswith("wrote:") and key.startswith("on "):
                return True
            if candidate.endswith(("a écrit :", "a écrit:", "a écrit\u00a0:")):
                return key.startswith("le ")
        return False
    if key.startswith(_SENDER_FIELDS):
        below = keys[index + 1 : index + 1 + _HEADER_SPAN]
        return any(line.startswith(_SENT_FIELDS) for line in below)
    return False


def _inside_quote(keys: list[str], kinds: list[BlockKind], index: int) -> bool:
    """A blank line between two quoted lines belongs to the quote."""
    if not kinds or kinds[-1] != "quote":
        return False
    for key in keys[index + 1 : index + 1 + _HEADER_SPAN]:
        if key:
            return key.startswith(">")
    return False


def _grouped(lines: list[str], kinds: list[BlockKind]) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    start = 0
    for index in range(1, len(lines) + 1):
        if index == len(lines) or kinds[index] != kinds[start]:
            chunk = "\n".join(lines[start:index]).strip("\n")
            blocks.append(TextBlock(kinds[start], chunk))
            start = index
    return blocks
