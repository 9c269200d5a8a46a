"""Imports every module that declares tables, so that `Base.metadata` knows the whole schema."""

from inboxsync.db import models  # noqa: F401
