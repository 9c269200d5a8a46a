"""The AI layer: notification detection and folder classification, rules and caches first,
an offline local model by default, bounded and validated micro-batches for the rest.

The pipeline uses `make_detector` and `classify_pending`; the CLI adds `set_folder`,
`cost_report` and `evaluate`.
"""

from inboxsync.ai.classifier import classify_pending
from inboxsync.ai.corrections import FolderCorrection, set_folder
from inboxsync.ai.detector import CachedDetector, make_detector
from inboxsync.ai.factory import make_provider, provider_kind
from inboxsync.ai.ledger import CostRow, cost_report
from inboxsync.ai.provider import AiProvider
from inboxsync.ai.types import (
    BatchResult,
    CallRecord,
    ConversationItem,
    FolderAnswer,
    FolderDef,
    SenderAnswer,
    SenderItem,
)

__all__ = [
    "AiProvider",
    "BatchResult",
    "CachedDetector",
    "CallRecord",
    "ConversationItem",
    "CostRow",
    "FolderAnswer",
    "FolderCorrection",
    "FolderDef",
    "SenderAnswer",
    "SenderItem",
    "classify_pending",
    "cost_report",
    "make_detector",
    "make_provider",
    "provider_kind",
    "set_folder",
]
