"""Imports every module that declares tables, so that `Base.metadata` knows the whole schema."""

from inboxsync.db import (
    ai_models,  # noqa: F401
    api_models,  # noqa: F401
    label_models,  # noqa: F401
    models,  # noqa: F401
    outbox_models,  # noqa: F401
    override_models,  # noqa: F401
    read_models,  # noqa: F401
    user_models,  # noqa: F401
)
