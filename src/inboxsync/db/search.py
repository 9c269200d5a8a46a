"""Full-text search over a company's mail: the index of each stored message's subject, sender,
recipients and text (`message_search`: an FTS5 table on SQLite, a tsvector with a GIN index on
PostgreSQL), kept by the writers that store messages, rebuilt in bulk, and the conversations a
user's query matches.

The query language is a search box's: words are ANDed, a "quoted phrase" matches as a phrase,
a -word or -"phrase" excludes the messages holding it, a trailing `*` matches a word's prefix.
Any text is a valid query: it is cut into terms here and each term reaches the database as a
bound parameter (quoted as a phrase for FTS5, a tsquery literal of lexemes on PostgreSQL),
never as query syntax of its own. On PostgreSQL, index and queries take their words from
`search_text`, computed in Python (the server only reads the vectors and the queries).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    any_,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.orm import Session

from inboxsync.db.models import Conversation, InboxMessage
from inboxsync.db.search_text import (
    ADDRESS_CHARS,
    BODY_CHARS,
    FIELD_CHARS,
    WORD,
    PgDocument,
    normalize,
    pg_document,
    term_query,
    word_queries,
)

SEARCH_TABLE = "message_search"
_PG_GIN_INDEX = "ix_message_search_document"
# A query's first terms only: a pasted page of text is still a query, not a denial of service.
MAX_QUERY_CHARS = 2_000
MAX_TERMS = 16
# Up to this many matching messages (counted, on PostgreSQL unless estimated as more), the
# conversations of a search come from the index; past it, from a walk of the conversations in
# page order that probes each one's messages.
FEW_MATCHES = 5_000
ESTIMATED_WORDS = 4  # the wanted words whose estimates bound a query's matches
DEFAULT_TS_MATCH_SEL = 0.005  # PostgreSQL's selectivity of a word absent from the statistics
# The planner scales the rows last analyzed by the table's growth since (autovacuum analyzes it
# again past a tenth more): an estimate up to this much above its guess is still a guess.
GUESS_GROWTH = 1.25

_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# The messages a rebuild reads and indexes at a time on PostgreSQL (their text in memory).
REBUILD_CHUNK = 1_000
# One executemany per batch (psycopg pipelines it), each document a binary tsvector
# parameter that the server takes as it is: the 10,000 generated messages' documents went
# in in 1.8-2.1 s, GIN index included, 4.3-5.1 s as text literals (parsed by the server).
_PG_INSERT = text(
    f"INSERT INTO {SEARCH_TABLE} (message_id, document) VALUES (:message_id, :document)"
)
_fts = table(SEARCH_TABLE, column("rowid", Integer))
_pg_index = table(SEARCH_TABLE, column("message_id", Integer), column("document"))


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a query: `text` as the user wrote it (a word, a hyphenated word, an
    address or a phrase), `words` the words in it, whether it excludes and is a prefix."""

    text: str
    words: tuple[str, ...]
    excluded: bool = False
    prefix: bool = False


def parse_query(query: str) -> list[Term]:
    """The terms of a user's query, at most MAX_TERMS; those without a word are dropped."""
    cleaned = "".join(c for c in query[:MAX_QUERY_CHARS] if c.isprintable() or c.isspace())
    cleaned = unicodedata.normalize("NFKC", cleaned)
    terms = []
    for match in _CHUNK.finditer(cleaned):
        minus_phrase, phrase, minus, bare = match.groups()
        chunk = phrase if phrase is not None else bare
        excluded = bool(minus_phrase or minus)
        prefix = phrase is None and chunk.endswith("*")
        words = tuple(WORD.findall(chunk))
        if not words:
            continue
        if prefix and (len(words) > 1 or not WORD.fullmatch(normalize(words[0]))):
            prefix = False  # a prefix is one plain word's
        terms.append(Term(chunk.rstrip("*"), words, excluded, prefix))
        if len(terms) == MAX_TERMS:
            break
    return terms


def matching_conversations(session: Session, company_id: int, query: str) -> ColumnElement[bool]:
    """The condition on `Conversation` that one of its messages matches `query` (false when
    the query has no word to look for). On PostgreSQL this first asks the planner how many
    messages the rarest wanted word matches, so that the page's plan fits; see `_pg_matching`."""
    terms = parse_query(query)
    if not any(not t.excluded for t in terms):
        return false()
    if session.get_bind().dialect.name == "postgresql":
        return _pg_matching(session, company_id, terms)
    matched = literal_column(SEARCH_TABLE).op("MATCH", return_type=Boolean)(
        bindparam("fts_query", _fts5_expression(terms))
    )
    # The MATCH runs once, its rowids made into a temporary index (joined to the messages,
    # SQLite ran it once per message of the company: 14 s for a common word of 200,000).
    hits = select(_fts.c.rowid).where(matched)
    # FTS5 counts the first matches without reading the rest (0.2 ms for 5,001 of 23,000).
    counted = select(func.count()).select_from(hits.limit(FEW_MATCHES + 1).subquery())
    if (session.scalar(counted) or 0) > FEW_MATCHES:
        # A common word: the page's walk probes each conversation's messages against them.
        return exists().where(
            InboxMessage.conversation_id == Conversation.id, InboxMessage.id.in_(hits)
        )
    # A rare one: its messages' conversations (another company's are left out here).
    return (Conversation.company_id == company_id) & Conversation.id.in_(
        select(InboxMessage.conversation_id).where(InboxMessage.id.in_(hits))
    )


def _pg_matching(session: Session, company_id: int, terms: list[Term]) -> ColumnElement[bool]:
    """A rare word's few messages come from the GIN index, their conversations sorted after; a
    common word's would be thousands, so the page walks the conversations in keyset order and
    probes each one's messages until it is full (a few hundred probes). Which one: the
    planner's estimate of the matches (from the index's statistics, no execution, asked
    apart: folded into the page's own plan, an unknown word's default estimate made it walk
    all 20,000 conversations of a test store for a word of one conversation, 3 s), and, when
    that estimate may be the planner's default guess, a count of the first matches."""
    query = _pg_tsquery(terms)
    if query is None:  # every wanted word a stopword both ways (or too long to be a lexeme)
        return false()
    document = _matches(cast(bindparam("tsquery", query), TSQUERY))
    most = _most_matches(session, terms)
    if most > FEW_MATCHES and most > _default_estimate(session):
        return _walk(document)
    # A parallel worker took 25 ms to start for 0.3 ms of work (and a benchmark's 50 clients
    # have no cores to spare); this is the end of the caller's read transaction.
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    # Each match's conversation looked up by its message's key: joined, the planner chose to
    # hash the whole messages table for an estimate of 9,000 matches. Fetched apart: as a
    # subquery, the planner would fold it back into the page's plan.
    first = select(_pg_index.c.message_id).where(document).limit(FEW_MATCHES + 1).subquery()
    conversation = (
        select(InboxMessage.conversation_id)
        .where(InboxMessage.id == first.c.message_id, InboxMessage.company_id == company_id)
        .scalar_subquery()
    )
    hits = session.scalars(select(conversation).select_from(first)).all()
    if len(hits) > FEW_MATCHES:  # more than the estimate said: the walk after all
        return _walk(document)
    ids = sorted({h for h in hits if h is not None})  # None: another company's message
    return Conversation.id == any_(cast(ids, ARRAY(Integer)))


def _default_estimate(session: Session) -> float:
    """The most the planner estimates for a word its statistics do not hold (its guess, not a
    measure: PostgreSQL's DEFAULT_TS_MATCH_SEL of the rows, or less). At a million messages
    that guess is FEW_MATCHES itself, and a rare word estimated a hair above it walked all
    100,000 conversations of the benchmark's store (over 30 s each)."""
    rows = session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
        {"name": SEARCH_TABLE},
    )
    return GUESS_GROWTH * DEFAULT_TS_MATCH_SEL * max(float(rows or 0), 0.0)


def _walk(document: ColumnElement[bool]) -> ColumnElement[bool]:
    """The condition that a conversation has a message matching `document`, as a probe."""
    # A scalar subquery with LIMIT stays a probe per conversation: the planner cannot turn it
    # into a join over every match.
    probe = (
        select(1)
        .select_from(InboxMessage)
        .join(_pg_index, _pg_index.c.message_id == InboxMessage.id)
        .where(InboxMessage.conversation_id == Conversation.id, document)
        .limit(1)
        .scalar_subquery()
    )
    return probe.is_not(None)


def _most_matches(session: Session, terms: list[Term]) -> float:
    """At most how many messages the query matches, by the planner's estimates: its rarest
    wanted word's (several words, or a phrase, match no more than their rarest; the planner's
    own estimate of a phrase takes its words as independent: 27 times too few for "purchase
    order number", whose 13,000 messages then took 0.4 s to sort). A word's estimate is its
    larger stem's; each is asked apart (a union's branches may be estimated per worker)."""
    words = [
        (word, t.prefix)
        for t in terms
        if not t.excluded
        for word in WORD.findall(normalize(t.text))
    ][:ESTIMATED_WORDS]
    per_word = [
        max(
            (
                _estimated_rows(
                    session, select(1).where(_matches(cast(bindparam("word", stem), TSQUERY)))
                )
                for stem in word_queries(word, prefix)
            ),
            default=0.0,  # a stopword both ways: no lexeme, no match
        )
        for word, prefix in words
    ]
    # A word that is a stopword both ways drops out of the query, and bounds nothing.
    return min((rows for rows in per_word if rows > 0), default=0.0)


def _estimated_rows(session: Session, query: Select[tuple[int]]) -> float:
    compiled = query.compile(dialect=session.get_bind().dialect)
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    return float(plan[0]["Plan"]["Plan Rows"])


def _matches(query: ColumnElement[object]) -> ColumnElement[bool]:
    return _pg_index.c.document.bool_op("@@")(query)


def index_messages(
    session: Session,
    message_ids: Sequence[int],
    documents: Mapping[int, bytes] | None = None,
) -> None:
    """Index these stored messages. On PostgreSQL, `documents` may hold their tsvectors
    (`search_text.pg_document` of their stored fields, computed where the mail was parsed,
    plain bytes after a trip through a queue will do); the others' are computed here from the
    stored rows. On SQLite there is nothing to do: the index follows the messages table
    through the triggers of migration 0014."""
    if not message_ids:
        return
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: migration 0014's insert trigger indexed each one with its row
    given = documents or {}
    missing = [i for i in message_ids if i not in given]
    computed = _pg_documents(session, InboxMessage.id.in_(missing)) if missing else {}
    merged = {**computed, **given}
    _pg_insert(session, {i: merged[i] for i in message_ids})


def rebuild_search_index(session: Session, company_id: int | None = None) -> None:
    """(Re)index every stored message of the company, or of every company (on SQLite, always
    every company). The caller commits.

    On PostgreSQL the documents are computed here, REBUILD_CHUNK messages at a time, and a
    rebuild of every company makes the table anew (migrations 0008 and 0013 rely on it): the
    keys and the GIN index are built once over all the rows (much faster than growing them
    row by row). The table is locked until the commit."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if not postgres:
        # The index reads its text from the messages (0014), so FTS5 rebuilds all of it from
        # them: a company's rows alone cannot be forgotten once the index no longer holds them.
        session.execute(text(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('rebuild')"))
    elif company_id is not None:
        session.execute(
            text(
                f"DELETE FROM {SEARCH_TABLE} WHERE message_id IN "
                "(SELECT id FROM inbox_messages m WHERE m.company_id = :company_id)"
            ),
            {"company_id": company_id},
        )
        _pg_index_all(session, InboxMessage.company_id == company_id)
    else:
        session.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
        session.execute(
            text(
                f"CREATE TABLE {SEARCH_TABLE} "
                "(message_id integer NOT NULL, document tsvector NOT NULL)"
            )
        )
        _pg_index_all(session, true())
        session.execute(
            text(
                f"ALTER TABLE {SEARCH_TABLE} ADD PRIMARY KEY (message_id), "
                "ADD FOREIGN KEY (message_id) REFERENCES inbox_messages (id) ON DELETE CASCADE"
            )
        )
        session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        session.execute(
            text(f"CREATE INDEX {_PG_GIN_INDEX} ON {SEARCH_TABLE} USING GIN (document)")
        )
    if postgres:  # the planner's estimate of a word's matches comes from these statistics
        session.execute(text(f"ANALYZE {SEARCH_TABLE}"))


def _pg_index_all(session: Session, where: ColumnElement[bool]) -> None:
    """Index the messages `where` selects, a chunk at a time in the order of their keys."""
    after = 0
    while chunk := _pg_documents(session, where & (InboxMessage.id > after), REBUILD_CHUNK):
        _pg_insert(session, chunk)
        after = max(chunk)


def _pg_documents(
    session: Session, where: ColumnElement[bool], limit: int | None = None
) -> dict[int, PgDocument]:
    """The tsvectors of the messages `where` selects (the first `limit` by key), from
    their stored fields, each read no further than the index cuts it."""
    m = InboxMessage
    rows = session.execute(
        select(
            m.id,
            func.substr(m.subject, 1, FIELD_CHARS),
            func.substr(m.from_name, 1, FIELD_CHARS),
            func.substr(m.from_email, 1, ADDRESS_CHARS),
            func.substr(m.to_emails, 1, ADDRESS_CHARS),
            func.substr(m.cc_emails, 1, ADDRESS_CHARS),
            func.substr(m.body_text, 1, BODY_CHARS),
        )
        .where(where)
        .order_by(m.id)
        .limit(limit)
    )
    return {message_id: pg_document(*fields) for message_id, *fields in rows}


def _pg_insert(session: Session, documents: Mapping[int, bytes]) -> None:
    # PgDocument names the parameter's type for psycopg (plain bytes would go as a bytea).
    rows = [{"message_id": i, "document": PgDocument(d)} for i, d in documents.items()]
    session.execute(_PG_INSERT, rows)


def _fts5_expression(terms: list[Term]) -> str:
    """The FTS5 MATCH expression of the terms: each one a quoted phrase of its words (words
    hold letters and digits only, so no quote can close a phrase early)."""

    def phrase(term: Term) -> str:
        return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")

    wanted = " AND ".join(phrase(t) for t in terms if not t.excluded)
    unwanted = " OR ".join(phrase(t) for t in terms if t.excluded)
    return f"({wanted})" + (f" NOT ({unwanted})" if unwanted else "")


def _pg_tsquery(terms: list[Term]) -> str | None:
    """The tsquery literal of the terms: the wanted ones ANDed, the excluded ones negated;
    None when no wanted term has a lexeme (a term without one drops out)."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for term in terms:
        one = _pg_term(term)
        if one is not None:
            (unwanted if term.excluded else wanted).append(f"( {one} )")
    if not wanted:
        return None
    return " & ".join(wanted + [f"!{u}" for u in unwanted])


def _pg_term(term: Term) -> str | None:
    """A term's tsquery literal: a prefix's stems ORed, else `search_text.term_query`."""
    if term.prefix:  # one word (parse_query), whatever its normalization
        return " | ".join(word_queries(normalize(term.words[0]), prefix=True)) or None
    return term_query(term.text)
