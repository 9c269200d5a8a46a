"""The words of PostgreSQL's full-text index, computed in Python: a message's tsvector in the
server's binary format (`pg_document`: the server reads it without parsing any text) and the
tsquery literals of a query's words, cut, folded and stemmed by the same code, so that a
query finds exactly what the index holds. Pure: no database.

A word is a run of letters and digits, lowercased, its accents folded (NFKD without the
combining marks) and stemmed in English and in French (Snowball, via PyStemmer; a language's
stopwords have no stem in it). An address is a lexeme of its own, whole, at the position of
its first word, as well as its words: `bob@acme.example` is found whole, by `acme` and by the
phrase `acme.example`.

Lexemes hold letters, digits, `.`, `+`, `-` and `@` only, so the query literals need no
quoting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

import Stemmer

# What a message contributes to the index, so that a huge message cannot make a batch slow.
BODY_CHARS = 50_000
FIELD_CHARS = 2_000
ADDRESS_CHARS = 10_000

WORD = re.compile(r"[^\W_]+")
# An address: a local part (up to 64 characters from a word's start) and a domain of 2 to 6
# labels. Each part bounded, so that a long run of word characters costs a few steps, and so
# that an address (448 characters at most) fits a lexeme; a longer one is found by the
# phrase of its words.
ADDRESS = re.compile(r"[^\W_][\w.+-]{0,63}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}")
# The same two parts, looked for around each "@" only (most text has none).
_LOCAL = re.compile(r"(?<![^\W_])[^\W_][\w.+-]*\Z")
_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}")
_MARKS = re.compile("[\u0300-\u036f]+")
# WORD's cut of ASCII text, at C speed: every other character made a space.
_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})

# PostgreSQL's limits on a tsvector (a literal past them fails the cast): positions up to
# 16383 (later words share it), 256 positions per lexeme, 2047 bytes per lexeme, 1 MB for the
# lexemes and positions together.
MAX_POSITION = 16_383
MAX_POSITIONS = 256
MAX_LEXEME_BYTES = 2_047
MAX_VECTOR_BYTES = 1_048_575
# Positions (and counts of positions) are kept as the binary format's 2 big-endian bytes,
# which sort as the numbers do (merged rarely, written once each).
_UINT16 = tuple(n.to_bytes(2, "big") for n in range(MAX_POSITION + 1))
_FIRST_POSITIONS = _UINT16[1:MAX_POSITION]  # the positions of words of their own
# The server's size of a lexeme beside its text and positions (entry, alignment, count).
_BYTES_PER_LEXEME = 4 + 1 + 2
# A bound on a vector's size per byte of its text: in each language a word's lexeme is at
# most its bytes and 8, each position 2 bytes, and a word with its separator 2 bytes or more
# (6 a byte); an address whole is its bytes, 7 and 2 again (3). The index's text (64,006
# ASCII characters at most) stays within the limit.
_BYTES_PER_TEXT_BYTE = 16

# Snowball's stopword lists (BSD-3-Clause, snowballstem.org; PostgreSQL ships the same as
# english.stop and french.stop), their accents folded as the words are.
_ENGLISH_STOPWORDS = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now
"""
_FRENCH_STOPWORDS = """
au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me même mes moi
mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un
une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes suis es
est sommes êtes sont serai seras sera serons serez seront serais serait serions seriez seraient
étais était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse
fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez
ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait
avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût
eussions eussiez eussent
"""


def normalize(text: str) -> str:
    """The text lowercased, then its accents folded (lowercasing can add combining marks)."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _MARKS.sub("", unicodedata.normalize("NFKD", lowered))


_STEMMERS = (
    (Stemmer.Stemmer("english"), frozenset(normalize(_ENGLISH_STOPWORDS).split())),
    (Stemmer.Stemmer("french"), frozenset(normalize(_FRENCH_STOPWORDS).split())),
)
# A word's lexemes, for the words seen lately (a mailbox's vocabulary is mostly repeats).
_CACHE: dict[str, tuple[str, ...]] = {}
_CACHE_WORDS = 200_000


def stems(word: str, stop: bool = True) -> list[str | None]:
    """A normalized word's stem in each language (English, then French): None for a
    stopword of that language (unless not `stop`) or a stem too long for an index."""
    if len(word) > MAX_LEXEME_BYTES:
        return [None for _ in _STEMMERS]
    return [
        None if stop and word in stopwords else _fitting(stemmer.stemWord(word))
        for stemmer, stopwords in _STEMMERS
    ]


def _fitting(lexeme: str) -> str | None:
    too_long = len(lexeme) * 4 > MAX_LEXEME_BYTES and len(lexeme.encode()) > MAX_LEXEME_BYTES
    return None if too_long else lexeme


def _lexemes(word: str) -> tuple[str, ...]:
    lexemes = _CACHE.get(word)
    if lexemes is None:
        if len(_CACHE) >= _CACHE_WORDS:
            _CACHE.clear()
        lexemes = _CACHE[word] = tuple(dict.fromkeys(s for s in stems(word) if s is not None))
    return lexemes


class PgDocument(bytes):
    """A tsvector in PostgreSQL's binary format (tsvector_recv's): the count of lexemes, then
    each lexeme's UTF-8 and a NUL, its count of positions and its positions (2 bytes each)."""


def pg_document(
    subject: str, from_name: str, from_email: str, to_emails: str, cc_emails: str, body: str
) -> PgDocument:
    """A message's tsvector: its subject, sender, addresses and the head of its body (each
    cut as the index cuts it), every word at its position under its stems, every address
    whole as well. Always within the server's limits, whatever the text."""
    addresses = f"{from_email} {to_emails} {cc_emails}"[:ADDRESS_CHARS]
    text = normalize(
        f"{subject[:FIELD_CHARS]} {from_name[:FIELD_CHARS]} {addresses} {body[:BODY_CHARS]}"
    )
    words, whole = _positions(text)
    vector = _vector(words)
    vector.update(whole)  # no stem holds an "@"
    size = len(text) if text.isascii() else len(text.encode())
    if size * _BYTES_PER_TEXT_BYTE > MAX_VECTOR_BYTES:  # it may not fit
        vector = _fitted(vector)
    entries = [
        b"%b\0%b%b"
        % (
            lexeme.encode(),
            _UINT16[min(len(where), MAX_POSITIONS)],
            b"".join(where[:MAX_POSITIONS]),
        )
        for lexeme, where in vector.items()
    ]
    return PgDocument(len(entries).to_bytes(4, "big") + b"".join(entries))


def _positions(text: str) -> tuple[dict[str, list[bytes]], dict[str, list[bytes]]]:
    """Each word's positions, ascending, in the order words first occur; each address's."""
    words: list[str] = []
    addresses: dict[str, list[bytes]] = {}
    start = 0
    for first, end in _addresses(text):
        words += _words(text[start:first])
        address = text[first:end]
        at = addresses.setdefault(address, [])
        at.append(_UINT16[min(len(words) + 1, MAX_POSITION)])
        words += _words(address)
        start = end
    words += _words(text[start:] if start else text)
    positions: dict[str, list[bytes]] = {}
    for position, word in zip(_FIRST_POSITIONS, words, strict=False):
        known = positions.get(word)
        if known is None:
            positions[word] = [position]
        else:
            known.append(position)
    last = _UINT16[MAX_POSITION]
    for word in dict.fromkeys(words[MAX_POSITION - 1 :]):  # the rest share the last position
        positions.setdefault(word, []).append(last)
    return positions, {address: _merged(at, []) for address, at in addresses.items()}


def _words(text: str) -> list[str]:
    """WORD's words of a normalized text."""
    if text.isascii():
        return text.translate(_ASCII_SEPARATORS).split()
    return WORD.findall(text)


def _merged(first: list[bytes], second: list[bytes]) -> list[bytes]:
    return sorted(set(first).union(second))


def _addresses(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each address in the text, in order: those ADDRESS matches from a
    word's start."""
    end = 0
    while (sign := text.find("@", end)) >= 0:
        local = _LOCAL.search(text, max(end, sign - 64), sign)
        domain = _DOMAIN.match(text, sign + 1)
        if local is None or domain is None:
            end = sign + 1
            continue
        yield local.start(), domain.end()
        end = domain.end()


def _vector(positions: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
    """The words' lexemes and their positions, the positions of words sharing a stem merged
    (the lists are shared, never changed)."""
    vector: dict[str, list[bytes]] = {}
    for word, where in positions.items():
        lexemes = _CACHE.get(word)
        if lexemes is None:
            lexemes = _lexemes(word)
        for lexeme in lexemes:
            known = vector.get(lexeme)
            vector[lexeme] = where if known is None else _merged(known, where)
    return vector


def _fitted(vector: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
    """The vector's first lexemes, as many as the server's size limit takes."""
    size = 0
    for n, (lexeme, where) in enumerate(vector.items()):
        size += _BYTES_PER_LEXEME + len(lexeme.encode()) + 2 * min(len(where), MAX_POSITIONS)
        if size > MAX_VECTOR_BYTES:
            return dict(list(vector.items())[:n])
    return vector


def word_queries(word: str, prefix: bool = False) -> list[str]:
    """The tsquery literal of each language's stem of a normalized word (none for a stopword
    of a language), or of its prefix (`'stem':*`: a stopword's is the prefix of other words)."""
    suffix = ":*" if prefix else ""
    return [f"'{s}'{suffix}" for s in dict.fromkeys(stems(word, not prefix)) if s is not None]


def term_query(text: str) -> str | None:
    """The tsquery literal of a term (a word, a hyphenated word, an address or a phrase): an
    address whole, else the phrase of its words in each language, ORed; None when no word of
    it has a lexeme."""
    normalized = normalize(text)
    if ADDRESS.fullmatch(normalized):
        return f"'{normalized}'"
    words = WORD.findall(normalized)
    phrases = dict.fromkeys(_phrase(column) for column in zip(*map(stems, words), strict=True))
    parts = [p for p in phrases if p is not None]
    return " | ".join(f"( {p} )" for p in parts) if parts else None


def _phrase(lexemes: Sequence[str | None]) -> str | None:
    """The phrase of one language's stems, a stopword's place kept as a wider distance."""
    phrase = ""
    gap = 0
    for lexeme in lexemes:
        gap += 1
        if lexeme is None:
            continue
        phrase += f"'{lexeme}'" if not phrase else f" <{gap}> '{lexeme}'"
        gap = 0
    return phrase or None
