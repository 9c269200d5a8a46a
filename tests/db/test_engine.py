"""The engine never lets a statement's parameters (message bodies, addresses) into error text."""

from __future__ import annotations

import traceback

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import Folder


def test_a_failing_statement_s_error_text_holds_no_parameter_values(
    sessions: sessionmaker[Session],
) -> None:
    """PostgreSQL refuses the NUL byte (the DataError of a real mailing-list import); SQLite
    stores NUL and refuses the unknown company instead. Either way the body stays out."""
    body = "Dear support, my card is 4111 1111 1111 1111\x00"
    with sessions() as session, pytest.raises(DBAPIError) as failure:
        session.execute(insert(Folder).values(company_id=999_999, name="x", ai_description=body))
    text = "".join(traceback.format_exception(failure.value))
    assert "4111" not in text
    assert "parameters hidden" in text
