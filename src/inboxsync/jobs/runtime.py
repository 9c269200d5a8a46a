"""One engine per process and database URL, made lazily (a forked worker makes its own)."""

from __future__ import annotations

import os
import threading

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import make_engine, make_sessionmaker

_lock = threading.Lock()
_engines: dict[tuple[int, str], tuple[Engine, sessionmaker[Session]]] = {}


def sessions_for(url: str) -> sessionmaker[Session]:
    """The session factory of this process for `url` (a new engine after a fork)."""
    key = (os.getpid(), url)
    with _lock:
        found = _engines.get(key)
        if found is None:
            engine = make_engine(url)
            found = (engine, make_sessionmaker(engine))
            _engines[key] = found
    return found[1]
