"""PostgreSQL's search documents computed in Python: a binary tsvector the server always
takes, within its limits; queries built by the same code find what the documents hold; and
they find the messages that the server's own text search (to_tsvector in English and French,
before search_text) found for the search tests' queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, text

from inboxsync.db import search_text
from inboxsync.db.search import _pg_tsquery, parse_query
from inboxsync.db.search_text import MAX_POSITION, MAX_POSITIONS, pg_document, term_query
from tests.db.test_search import HOSTILE_QUERIES


@pytest.fixture(scope="module")
def pg(module_database: Callable[[str], str]) -> Iterator[Connection]:
    engine = create_engine(module_database("postgresql"))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def document(body: str, subject: str = "", **fields: str) -> bytes:
    return pg_document(
        subject,
        fields.get("from_name", ""),
        fields.get("from_email", ""),
        fields.get("to_emails", ""),
        fields.get("cc_emails", ""),
        body,
    )


def lexemes(pg: Connection, literal: bytes) -> dict[str, list[int]]:
    """The lexemes and positions of the tsvector as the server read it."""
    rows = pg.execute(
        text("SELECT lexeme, positions FROM unnest(CAST(:d AS tsvector))"), {"d": literal}
    )
    return {lexeme: list(positions) for lexeme, positions in rows}


def matches(pg: Connection, literal: bytes, query: str) -> bool:
    found = pg.scalar(
        text("SELECT CAST(:d AS tsvector) @@ CAST(:q AS tsquery)"), {"d": literal, "q": query}
    )
    return bool(found)


def found(pg: Connection, literal: bytes, word: str) -> bool:
    query = term_query(word)
    assert query is not None, word
    return matches(pg, literal, query)


def test_a_huge_message_gives_a_vector_the_server_takes(pg: Connection) -> None:
    literal = document("invoice " + "word " * 300_000 + "tail", subject="Huge")
    assert found(pg, literal, "invoice") and found(pg, literal, "huge")
    assert not found(pg, literal, "tail")  # past the head of the body that is indexed


def test_a_word_repeated_300_times_keeps_256_positions(pg: Connection) -> None:
    held = lexemes(pg, document("invoice " * 300))
    assert len(held["invoic"]) == MAX_POSITIONS == 256
    assert held["invoic"][:3] == [1, 2, 3]


def test_words_past_16383_share_the_last_position(pg: Connection) -> None:
    literal = document(" ".join(["q", "r", *["w"] * 16_379, "y", "z", *["w"] * 3_617]))
    held = lexemes(pg, literal)
    assert held["q"] == [1] and held["y"] == [16_382] and held["z"] == [MAX_POSITION]
    assert len(held["w"]) == MAX_POSITIONS
    assert found(pg, literal, '"q r w"') and not found(pg, literal, '"r q"')


def test_a_word_too_long_for_a_lexeme_is_left_out(pg: Connection) -> None:
    wide = chr(0x20000) * 600  # 600 characters, 2,400 bytes
    literal = document(f"before {'x' * 3_000} {wide} after")
    assert set(lexemes(pg, literal)) == {"befor", "after"}  # English stopwords both
    assert term_query("x" * 3_000) is None and term_query(wide) is None


@pytest.mark.parametrize(
    ("body", "query"),
    [
        ("it's o'brien's", "o'brien's"),
        ("a \\back\\slash\\ here", "back\\slash"),
        ("co:lon and 'quoted' \"double\"", "co:lon"),
        ("'; DROP TABLE x; -- \\' ''", "drop"),
        ("o'hara@x.example, \\weird\\@y.example", "hara@x.example"),
    ],
)
def test_quotes_backslashes_and_colons_are_no_syntax(pg: Connection, body: str, query: str) -> None:
    literal = document(body)
    assert found(pg, literal, query)
    assert all("'" not in lexeme and "\\" not in lexeme for lexeme in lexemes(pg, literal))


def test_a_vector_past_the_size_limit_keeps_its_first_words(
    pg: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_text, "MAX_VECTOR_BYTES", 2_000)
    literal = document(" ".join(f"w{i}" for i in range(1_000)))
    held = lexemes(pg, literal)
    assert "w0" in held and "w999" not in held and 100 < len(held) < 1_000


def test_distinct_wide_words_fit_the_server(pg: Connection) -> None:
    words = " ".join(chr(0x20000 + i) for i in range(60_000))  # beyond the indexed head
    literal = document("invoice " + words)
    assert found(pg, literal, "invoice") and found(pg, literal, chr(0x20000 + 20_000))


def test_addresses_are_found_whole_by_their_words_and_domain(pg: Connection) -> None:
    literal = document("Write to Mr.Bob@Mail.Example.", from_email="zoe@durand-conseil.example")
    for query in (
        "zoe@durand-conseil.example",
        "durand-conseil.example",
        "conseil",
        "mr.bob@mail.example",
        "bob",
        "mail.example",
    ):
        assert found(pg, literal, query), query
    assert not found(pg, literal, "bob@mail.example")  # another address than Mr.Bob's
    assert not found(pg, literal, "zoe@conseil.example")


def test_a_stopword_has_no_stem_in_its_language() -> None:
    assert search_text.stems("the") == [None, "the"]
    assert search_text.stems("est") == ["est", None]
    assert search_text.stems("ete") == ["ete", None]  # été, folded as the words are
    assert term_query("la facture") == "( 'la' <1> 'factur' ) | ( 'factur' )"
    assert term_query("a") is None
    assert search_text.word_queries("a", prefix=True) == ["'a':*"]  # the start of other words


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80))
def test_any_text_is_a_vector_that_its_own_phrase_finds(pg: Connection, body: str) -> None:
    body = body.replace("\x00", "")  # as the messages' text is stored
    literal = document(body)
    lexemes(pg, literal)  # the server takes it
    query = term_query(body)
    if query is not None:
        assert matches(pg, literal, query)


# The server's own search before search_text, for comparison: its document and query.
SERVER_FOLD = "regexp_replace(normalize({}, NFKD), :marks, '', 'g')"
SERVER_DOCUMENT = " || ".join(
    f"to_tsvector('{c}', {SERVER_FOLD.format('x.text')})" for c in ("english", "french")
)
MESSAGES = (
    ("Au café", "Le café est fermé."),
    ("Plain cafe", "See you at the cafe."),
    ("Two invoices", "Both invoices are attached."),
    ("One invoice", "The invoice is attached."),
    ("Relance", "Vos factures sont en retard."),
    ("Une seule", "La facture est jointe."),
    ("In order", "The export fails every morning."),
    ("Reversed", "It fails to export anything."),
    ("Invoice and refund", "The invoice and a refund."),
    ("Invoice late", "The invoice is very late."),
    ("Export", "The exporter crashed."),
    ("Other", "An expert answer."),
    ("Invoice export", "The invoice export fails."),
    ("Café", "Le café a envoyé la facture."),
    ("Quarterly numbers", "Hello."),
    ("Elsewhere", "Nothing to see."),
)
QUERIES = (
    *("cafe", "CAFÉ", "ferme", "invoice", "invoices", "facture", "factures", "la facture"),
    *('"la facture"', '"export fails"', "export fails", "invoice -refund"),
    *('invoice -"very late"', "-refund", "export*", "exp*", "exp", "invo*", "invoice -cafe"),
    *("quarterly", "zoe", "durand", "zoe@durand-conseil.example", "boris", "nothing"),
    *("durand-conseil.example", "audit.example", "support@acme.example"),
    *HOSTILE_QUERIES,
)


def test_documents_find_what_the_servers_search_found(pg: Connection) -> None:
    pg.execute(text("CREATE TEMP TABLE m (subject text, text text, python tsvector)"))
    for subject, body in MESSAGES:
        sender, cc = ("Zoé Durand", "boris@audit.example") if subject[0] == "Q" else ("", "")
        email = "zoe@durand-conseil.example" if sender else "someone@client.example"
        addresses = f"{email} support@acme.example {cc}"
        pg.execute(
            text("INSERT INTO m VALUES (:s, :t, CAST(:d AS tsvector))"),
            {
                "s": subject,
                "t": f"{subject} {sender} {addresses} {addresses.replace('@', ' ')} {body}",
                "d": pg_document(subject, sender, email, "support@acme.example", cc, body),
            },
        )
    for query in QUERIES:
        terms = parse_query(query)
        if not any(not t.excluded for t in terms):
            continue
        ours = _pg_tsquery(terms)
        python = set(
            pg.scalars(
                text("SELECT subject FROM m WHERE python @@ CAST(:q AS tsquery)"), {"q": ours}
            )
            if ours is not None
            else ()
        )
        assert python == server_found(pg, query), query


def server_found(pg: Connection, query: str) -> set[str]:
    """The subjects the server's own text search finds for the query."""
    parts = []
    params: dict[str, str] = {"marks": "[\u0300-\u036f]"}
    for n, term in enumerate(parse_query(query)):
        make, params[f"t{n}"] = (
            ("to_tsquery", f"'{term.words[0]}':*")
            if term.prefix
            else ("phraseto_tsquery", term.text)
        )
        folded = SERVER_FOLD.format(f"CAST(:t{n} AS text)")
        one = f"tsquery_or({make}('english', {folded}), {make}('french', {folded}))"
        parts.append(f"tsquery_not({one})" if term.excluded else one)
    tsquery = parts[0]
    for part in parts[1:]:
        tsquery = f"tsquery_and({tsquery}, {part})"
    sql = f"SELECT subject FROM m, LATERAL (SELECT m.text) x WHERE {SERVER_DOCUMENT} @@ {tsquery}"
    return set(pg.scalars(text(sql), params))
