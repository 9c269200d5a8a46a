"""The sync pipeline: batches of raw mail in, messages, clients and conversations out."""

from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.sync import ingest

__all__ = ["SyncReport", "ingest"]
