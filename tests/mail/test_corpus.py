"""The whole shared corpus of real messages through the parser (about 10,000 files)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inboxsync.errors import MessageParseError
from inboxsync.mail.headers import peek_key
from inboxsync.mail.parse import _PARSER, _build, parse_message, single_part
from inboxsync.mail.types import ParsedMessage

# A fixed receipt time keeps dates of messages without a Date header comparable.
RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)


Outcome = ParsedMessage | MessageParseError


def _peek(raw: bytes) -> str | MessageParseError:
    try:
        return peek_key(raw)
    except MessageParseError as exc:
        return exc


@pytest.fixture(scope="module")
def corpus_outcomes(corpus_dir: Path) -> dict[Path, tuple[Outcome, str | MessageParseError]]:
    """Each corpus file's full parse (or refusal) and headers-only key (or refusal)."""
    outcomes: dict[Path, tuple[Outcome, str | MessageParseError]] = {}
    for path in sorted(corpus_dir.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        result: Outcome
        try:
            result = parse_message(raw, RECEIVED_AT)
        except MessageParseError as exc:
            result = exc
        outcomes[path] = (result, _peek(raw))
    return outcomes


@pytest.fixture(scope="module")
def parsed_corpus(
    corpus_outcomes: dict[Path, tuple[Outcome, str | MessageParseError]],
) -> dict[Path, Outcome]:
    return {path: result for path, (result, _) in corpus_outcomes.items()}


def test_every_corpus_file_parses_or_is_refused_as_not_a_message(
    parsed_corpus: dict[Path, Outcome],
) -> None:
    refused = {p: r for p, r in parsed_corpus.items() if isinstance(r, MessageParseError)}
    # A few MIME test fragments (bare parts without From/Date/Subject/...) are not messages.
    assert len(refused) < 0.01 * len(parsed_corpus)
    assert all(str(error).startswith("not a message") for error in refused.values())


def test_peek_key_matches_the_full_parse_for_every_corpus_file(
    corpus_outcomes: dict[Path, tuple[Outcome, str | MessageParseError]],
) -> None:
    mismatches = []
    for path, (result, peeked) in corpus_outcomes.items():
        if isinstance(result, MessageParseError):
            if not isinstance(peeked, MessageParseError):
                mismatches.append(path)
        elif peeked != result.message_key:
            mismatches.append(path)
    assert mismatches == []


def test_keys_collide_only_for_copies_of_one_message(
    parsed_corpus: dict[Path, Outcome],
) -> None:
    by_key: dict[str, list[ParsedMessage]] = defaultdict(list)
    for result in parsed_corpus.values():
        if isinstance(result, ParsedMessage):
            by_key[result.message_key].append(result)
    for key, messages in by_key.items():
        assert len({m.message_id for m in messages}) == 1, key
        if key.startswith("sha256:"):
            # Content keys merge only whitespace/line-ending variants of the same message.
            assert len({(m.from_addr, m.subject, m.date) for m in messages}) == 1, key
        else:
            assert messages[0].message_id == key


def test_lf_crlf_and_cr_only_copies_share_their_key(
    parsed_corpus: dict[Path, Outcome], corpus_dir: Path
) -> None:
    maildir = corpus_dir / "sisimai-set-of-emails" / "maildir"
    if not maildir.is_dir():
        pytest.skip("sisimai bsd/dos/mac copies not in this corpus")
    compared = 0
    for lf_path in sorted((maildir / "bsd").iterdir()):
        keys = set()
        for variant in ("bsd", "dos", "mac"):
            result = parsed_corpus.get(maildir / variant / lf_path.name)
            if isinstance(result, ParsedMessage):
                keys.add(result.message_key)
        if len(keys) == 1 and (maildir / "mac" / lf_path.name).exists():
            compared += 1
        assert len(keys) <= 1, lf_path.name
    assert compared > 0


def test_parsed_values_are_well_formed(
    parsed_corpus: dict[Path, Outcome],
) -> None:
    for result in parsed_corpus.values():
        if isinstance(result, MessageParseError):
            continue
        assert result.date.utcoffset() is not None and result.date.utcoffset().total_seconds() == 0
        assert "\x00" not in result.text
        result.text.encode("utf-8")
        result.subject.encode("utf-8")
        for attachment in result.attachments:
            assert attachment.filename and "/" not in attachment.filename


def test_the_single_part_shortcut_reads_every_corpus_file_as_the_full_parser_does(
    parsed_corpus: dict[Path, Outcome],
) -> None:
    shortcut = mismatches = 0
    for path, result in parsed_corpus.items():
        if isinstance(result, MessageParseError):
            continue
        raw = path.read_bytes()
        shortcut += single_part(raw) is not None
        if _build(_PARSER.parsebytes(raw), raw, RECEIVED_AT) != result:
            mismatches += 1
    assert mismatches == 0
    assert shortcut > len(parsed_corpus) // 3  # the shortcut is what most of the corpus takes
