"""Demo and benchmark mail: the sample mailbox inboxsync ships, and a fast synthetic generator."""

from inboxsync.demo.sample import (
    REFERENCE_DATE,
    SAMPLE_COMPANIES,
    SampleCompany,
    SampleFolder,
    SampleMessage,
    SampleSummary,
    SampleThread,
    expected_summary,
    sample_mailbox,
    write_maildir,
    write_mbox,
)
from inboxsync.demo.synthetic import (
    SyntheticRow,
    synthetic_messages,
    synthetic_rows,
    write_maildir_files,
)

__all__ = [
    "REFERENCE_DATE",
    "SAMPLE_COMPANIES",
    "SampleCompany",
    "SampleFolder",
    "SampleMessage",
    "SampleSummary",
    "SampleThread",
    "SyntheticRow",
    "expected_summary",
    "sample_mailbox",
    "synthetic_messages",
    "synthetic_rows",
    "write_maildir",
    "write_maildir_files",
    "write_mbox",
]
