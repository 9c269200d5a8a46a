"""Imports every module that declares tables, so that `Base.metadata` knows the whole schema."""

from inboxsync.db import models  # noqa: F401
from inboxsync.db import ai_models  # noqa: F401
from inboxsync.db import outbox_models  # noqa: F401
