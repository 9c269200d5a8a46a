"""Search documents sent to PostgreSQL as binary tsvectors: the psycopg dumper of
`PgDocument`, registered when a PostgreSQL engine is made (a SQLite run never imports
psycopg, a tenth of a second of every command's start)."""

from __future__ import annotations

from psycopg import adapters
from psycopg.adapt import Buffer, Dumper
from psycopg.pq import Format

from inboxsync.db.search_text import PgDocument

_TSVECTOR_OID = 3614  # a built-in type's, fixed


class _PgDocumentDumper(Dumper):
    """Sends a PgDocument as what it is: a tsvector in binary."""

    format = Format.BINARY
    oid = _TSVECTOR_OID

    def dump(self, obj: Buffer) -> Buffer:
        return obj


def register_document_dumper() -> None:
    """Every psycopg connection made from now on sends documents in binary (psycopg's global
    adapters: a new connection starts from them). Registering again changes nothing."""
    adapters.register_dumper(PgDocument, _PgDocumentDumper)
