"""Full-text search over a company's mail: the index of each stored message's subject, sender,
recipients and text (`message_search`: an FTS5 table on SQLite, a tsvector with a GIN index on
PostgreSQL), kept by the writers that store messages, rebuilt in bulk, and the conversations a
user's query matches.

The query language is a search box's: words are ANDed, a "quoted phrase" matches as a phrase,
a -word or -"phrase" excludes the messages holding it, a trailing `*` matches a word's prefix.
Any text is a valid query: it is cut into terms here and each term reaches the database as a
bound parameter (quoted as a phrase for FTS5), never as query syntax of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
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
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TextClause

from inboxsync.db.models import Conversation, InboxMessage

SEARCH_TABLE = "message_search"
_PG_GIN_INDEX = "ix_message_search_document"
# What a message contributes to the index, so that a huge message cannot make a batch slow (or,
# on PostgreSQL, outgrow a tsvector's 1 MB: 50,000 characters of distinct words stay far below).
BODY_CHARS = 50_000
FIELD_CHARS = 2_000
ADDRESS_CHARS = 10_000
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
_WORD = re.compile(r"[^\W_]+")
# A message's words stemmed both ways (one vector), a query's ORed: no 'simple' vector beside
# them, which cost a third more to build for little (stopwords of both languages, and a
# prefix longer than the stem: the query's prefix is stemmed too).
_PG_CONFIGS = ("english", "french")
# Accents folded on PostgreSQL without the unaccent extension (a managed server may refuse
# CREATE EXTENSION): NFKD, then the combining marks dropped, all inside the server.
_PG_MARKS = "[\u0300-\u036f]"
_PG_MARKS_SQL = r"[\u0300-\u036f]"  # the same, as the regex's own escapes

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
        words = tuple(_WORD.findall(chunk))
        if not words:
            continue
        if prefix and (len(words) > 1 or not _WORD.fullmatch(_fold(words[0]))):
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
    document = _matches(_pg_tsquery(terms))
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
    words = [(w, t.prefix) for t in terms if not t.excluded for w in t.words][:ESTIMATED_WORDS]
    per_word = [
        max(
            # A stopword's stem has no lexeme and matches nothing: 0 rows.
            _estimated_rows(session, select(1).where(_matches(stem) & (func.numnode(stem) > 0)))
            for stem in _pg_stems(word, prefix, "word")
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


def index_messages(session: Session, message_ids: Sequence[int]) -> None:
    """Index these stored messages: one INSERT … SELECT, whatever their number (the text goes
    from the messages table to the index inside the database)."""
    if not message_ids:
        return
    statement = _insert_from_messages(session, "m.id IN :ids")
    session.execute(statement.bindparams(bindparam("ids", expanding=True)), {"ids": message_ids})


def rebuild_search_index(session: Session, company_id: int | None = None) -> None:
    """(Re)index every stored message of the company, or of every company: a few statements,
    the database doing the work. The caller commits.

    On PostgreSQL, a rebuild of every company makes the table anew (migration 0008 relies on
    it): CREATE TABLE AS computes the vectors in parallel workers, which INSERT … SELECT
    cannot, then the keys and the GIN index are built once over all the rows (much faster
    than growing them row by row). The table is locked until the commit."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if company_id is not None:
        key = "message_id" if postgres else "rowid"
        scope = {"company_id": company_id}
        session.execute(
            text(
                f"DELETE FROM {SEARCH_TABLE} WHERE {key} IN "
                "(SELECT id FROM inbox_messages m WHERE m.company_id = :company_id)"
            ),
            scope,
        )
        session.execute(_insert_from_messages(session, "m.company_id = :company_id"), scope)
    elif postgres:
        session.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
        session.execute(text(f"CREATE TABLE {SEARCH_TABLE} AS {_pg_documents('TRUE')}"))
        session.execute(
            text(
                f"ALTER TABLE {SEARCH_TABLE} ALTER message_id SET NOT NULL, "
                "ALTER document SET NOT NULL, ADD PRIMARY KEY (message_id), "
                "ADD FOREIGN KEY (message_id) REFERENCES inbox_messages (id) ON DELETE CASCADE"
            )
        )
        session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        session.execute(
            text(f"CREATE INDEX {_PG_GIN_INDEX} ON {SEARCH_TABLE} USING GIN (document)")
        )
    else:
        session.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
        session.execute(_insert_from_messages(session, "TRUE"))
    if postgres:  # the planner's estimate of a word's matches comes from these statistics
        session.execute(text(f"ANALYZE {SEARCH_TABLE}"))


def _insert_from_messages(session: Session, where: str) -> TextClause:
    if session.get_bind().dialect.name == "postgresql":
        return text(f"INSERT INTO {SEARCH_TABLE} {_pg_documents(where)}")
    return text(
        f"INSERT INTO {SEARCH_TABLE} (rowid, subject, sender, recipients, body) "
        f"SELECT m.id, substr(m.subject, 1, {FIELD_CHARS}), "
        f"substr(m.from_name, 1, {FIELD_CHARS}) || ' ' || m.from_email, "
        f"substr(m.to_emails || ' ' || m.cc_emails, 1, {ADDRESS_CHARS}), "
        f"substr(m.body_text, 1, {BODY_CHARS}) FROM inbox_messages m WHERE {where}"
    )


def _pg_documents(where: str) -> str:
    """The (message_id, document) rows of the messages `where` selects (SQL text: the fold's
    pattern is a literal made of plain escapes, the rest column names and numbers)."""
    document = " || ".join(f"to_tsvector('{c}', x.folded)" for c in _PG_CONFIGS)
    return (
        f"SELECT m.id AS message_id, {document} AS document FROM inbox_messages m, LATERAL "
        f"(SELECT regexp_replace(normalize({_indexed_text()}, NFKD), '{_PG_MARKS_SQL}', '', 'g')"
        f" AS folded) x WHERE {where}"
    )


def _indexed_text() -> str:
    # Addresses once whole (the parser keeps `bob@acme.example` as one word) and once split
    # at the @, so that the domain alone finds them too.
    addresses = (
        f"substr(m.from_email || ' ' || m.to_emails || ' ' || m.cc_emails, 1, {ADDRESS_CHARS})"
    )
    return (
        f"concat_ws(' ', substr(m.subject, 1, {FIELD_CHARS}), substr(m.from_name, 1, "
        f"{FIELD_CHARS}), {addresses}, replace({addresses}, '@', ' '), "
        f"substr(m.body_text, 1, {BODY_CHARS}))"
    )


def _fold(word: str) -> str:
    """The same fold as the server's for PostgreSQL: NFKD without combining marks."""
    return re.sub(_PG_MARKS, "", unicodedata.normalize("NFKD", word))


def _fts5_expression(terms: list[Term]) -> str:
    """The FTS5 MATCH expression of the terms: each one a quoted phrase of its words (words
    hold letters and digits only, so no quote can close a phrase early)."""

    def phrase(term: Term) -> str:
        return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")

    wanted = " AND ".join(phrase(t) for t in terms if not t.excluded)
    unwanted = " OR ".join(phrase(t) for t in terms if t.excluded)
    return f"({wanted})" + (f" NOT ({unwanted})" if unwanted else "")


def _pg_tsquery(terms: list[Term]) -> ColumnElement[object]:
    """The tsquery of the terms: each term stemmed in English and in French (ORed), the
    wanted ones ANDed, the excluded ones negated."""
    query: ColumnElement[object] | None = None
    for n, term in enumerate(terms):
        one = _pg_term(term, f"t{n}")
        if term.excluded:
            one = func.tsquery_not(one)
        query = one if query is None else func.tsquery_and(query, one)
    assert query is not None
    return query


def _pg_term(term: Term, name: str) -> ColumnElement[object]:
    english, french = _pg_stems(term.words[0] if term.prefix else term.text, term.prefix, name)
    return func.tsquery_or(english, french)


def _pg_stems(text_: str, prefix: bool, name: str) -> list[ColumnElement[object]]:
    """The text's tsquery in each configuration (folded by the server as the messages are)."""
    # A prefix is one word of letters and digits (parse_query): quoted, it cannot be syntax.
    make, value = (
        (func.to_tsquery, f"'{_fold(text_)}':*") if prefix else (func.phraseto_tsquery, text_)
    )
    folded = func.regexp_replace(
        func.normalize(bindparam(name, value), literal_column("NFKD")), _PG_MARKS, "", "g"
    )
    return [make(literal_column(f"'{c}'::regconfig"), folded) for c in _PG_CONFIGS]
