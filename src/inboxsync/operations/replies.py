"""`Inbox`'s operations on agents' replies: written, queued, sent through the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from inboxsync.db import companies as company_store
from inboxsync.jobs import get_queue
from inboxsync.operations._base import InboxBase
from inboxsync.outbound import reply_store
from inboxsync.outbound.message import OutgoingFile
from inboxsync.outbound.reply_input import check_idempotency_key, check_reply
from inboxsync.outbound.reply_store import ReplyReceipt, ReplyStatus


class ReplyOperations(InboxBase):
    """The operations on agents' replies to conversations."""

    def reply(
        self,
        company: str | int,
        conversation_id: int,
        *,
        text: str | None = None,
        html: str | None = None,
        attachments: Sequence[OutgoingFile] = (),
        idempotency_key: str | None = None,
        wait: bool = False,
    ) -> ReplyReceipt:
        """Queue an agent's reply to the conversation's client (the validated sender of its
        last incoming message), sent through the company's SMTP settings by the `send_reply`
        job. The same `idempotency_key` again answers the same reply (`replayed`), nothing
        sent twice; with another body it is ReplyRefused (idempotency_mismatch). With `wait`
        (inline jobs), returns once the job is done."""
        request = check_reply(text, html, attachments)
        key = None if idempotency_key is None else check_idempotency_key(idempotency_key)
        queue = get_queue(self.settings, self.sessions)
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            receipt = reply_store.queue_reply(session, company_id, conversation_id, request, key)
        if not receipt.replayed:
            queue.enqueue("send_reply", receipt.reply_id)
        if not wait:
            return receipt
        queue.join()
        status = self.reply_status(company_id, receipt.reply_id)
        return ReplyReceipt(
            receipt.reply_id,
            receipt.conversation_id,
            status.status,
            receipt.message_id,
            receipt.replayed,
        )

    def reply_status(
        self, company: str | int, reply_id: int, *, conversation_id: int | None = None
    ) -> ReplyStatus:
        """Where the company's reply is (queued, sending, retry, sent, failed …); NotFound
        for another company's, or when it is not of `conversation_id`."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return reply_store.reply_status(session, company_id, reply_id, conversation_id)
