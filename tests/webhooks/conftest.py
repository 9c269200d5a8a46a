"""Fixtures of the webhook tests: an Inbox with one company, receivers on loopback, and the
Redis namespace of the jobs tests (for the Celery worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from inboxsync import Inbox, Settings
from inboxsync.jobs import close_queues
from tests.support.celery import redis_prefix
from tests.support.webhook_receiver import WebhookReceiver

__all__ = ["redis_prefix"]


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    """An Inbox on the test database (local AI) with the company Acme, delivering to the
    receivers on loopback."""
    inbox = Inbox(
        Settings(
            db=db_url,
            ai={"provider": "local", "local_model": "hashing"},
            webhooks={"allow_private_targets": True},
        )
    )
    inbox.add_company("Acme", ["support@acme.example"])
    yield inbox
    close_queues()
    inbox.close()


@pytest.fixture
def receivers() -> Iterator[Callable[[], WebhookReceiver]]:
    """A factory of started receivers, each stopped after the test."""
    started: list[WebhookReceiver] = []

    def start() -> WebhookReceiver:
        started.append(WebhookReceiver().start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(receivers: Callable[[], WebhookReceiver]) -> WebhookReceiver:
    """One started receiver."""
    return receivers()
