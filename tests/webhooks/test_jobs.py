"""Delivery as the job workers run it, on both databases: the inline queue after an import
and in the schedule round, a retry that waits its time, a held receiver that never holds up
an import, and a real Celery worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxsync import Inbox, Settings
from inboxsync.errors import RetryLater
from inboxsync.jobs import JobContext, close_queues, get_queue
from inboxsync.jobs.schedule import schedule_round
from inboxsync.jobs.tasks import deliver_webhooks
from tests.factories import make_message, write_files
from tests.support.celery import REDIS_URL, Worker, job_env, wait_for
from tests.support.fake_openai import FakeOpenAI
from tests.support.webhook_receiver import WebhookReceiver
from tests.webhooks.helpers import accepted_ids, all_ids, deliver_until_caught_up, record


def mail_folder(tmp_path: Path, n: int) -> Path:
    """`n` messages from `n` clients, every third one a reply to the one before."""
    messages = {}
    for i in range(n):
        parent = f"<m{i - 1}@client.example>" if i % 3 == 2 else None
        messages[f"m{i}.eml"] = make_message(
            msgid=f"<m{i}@client.example>",
            sender=f"Client {i} <c{i}@client{i}.example>",
            subject=f"Question {i}",
            in_reply_to=parent,
            minutes=i,
        )
    return write_files(tmp_path / "mail", messages)


def test_every_event_of_an_import_reaches_each_endpoint_once(
    inbox: Inbox, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    for path in ("/a", "/b"):
        inbox.add_webhook("Acme", receiver.url + path)
    receiver.fail_next(3)
    report = inbox.import_path("Acme", mail_folder(tmp_path, 12))
    assert report.new_messages == 12
    ids = all_ids(inbox)
    assert len(ids) >= 12  # a message.created each, and more
    # The import's jobs tried (and met the failures); what they left waits for its retry.
    deliver_until_caught_up(inbox)
    for path in ("/a", "/b"):
        accepted = accepted_ids(receiver, path)
        assert set(accepted) == ids and set(accepted.values()) == {1}, path


def test_an_import_of_replies_alone_is_delivered_without_waiting_for_the_round(
    inbox: Inbox, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    inbox.import_path("Acme", mail_folder(tmp_path, 2))  # two conversations, no endpoint yet
    inbox.add_webhook("Acme", receiver.url)
    answer = make_message(
        msgid="<answer@client.example>", sender="Client 1 <c1@client1.example>",
        subject="Re: Question 1", in_reply_to="<m1@client.example>", minutes=10,
    )  # fmt: skip
    report = inbox.import_path("Acme", write_files(tmp_path / "answer", {"a.eml": answer}))
    assert report.new_messages == 1 and report.new_conversations == 0
    assert [r.event["type"] for r in receiver.accepted()] == ["message.created"]


def test_the_schedule_round_delivers_what_was_left_behind(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    inbox.add_webhook("Acme", receiver.url)
    record(inbox, ["message.created"] * 5)
    # Written without any job queued after it: only the round finds it.
    round_ = schedule_round(inbox.sessions, inbox.settings)
    assert round_.jobs == 1
    assert set(accepted_ids(receiver)) == all_ids(inbox)
    assert schedule_round(inbox.sessions, inbox.settings).jobs == 0


def test_the_job_of_a_waiting_endpoint_retries_when_its_time_comes(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, ["message.created"])
    receiver.fail_next(1)
    context = JobContext(inbox.sessions, inbox.settings, get_queue(inbox.settings, inbox.sessions))
    with pytest.raises(RetryLater) as first:
        deliver_webhooks(context, hook.id)
    with pytest.raises(RetryLater) as again:
        deliver_webhooks(context, hook.id)
    assert 0 < again.value.delay <= first.value.delay <= 30
    assert len(receiver.requests) == 1
    # Waiting, it is not queued by the round either.
    assert schedule_round(inbox.sessions, inbox.settings).jobs == 0


def test_a_receiver_that_holds_its_answer_never_holds_up_an_import(
    inbox: Inbox, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    inbox.add_webhook("Acme", receiver.url)
    receiver.hold()
    report = inbox.import_path("Acme", mail_folder(tmp_path, 6), wait=False)
    assert report.new_messages == 6
    # The import is done while its first event is still waiting for the receiver's answer.
    wait_for(lambda: receiver.arrived >= 1, what="a delivery in flight")
    assert receiver.requests == []
    receiver.release()
    assert get_queue(inbox.settings, inbox.sessions).join(60)
    deliver_until_caught_up(inbox)
    assert set(accepted_ids(receiver)) == all_ids(inbox)


def test_a_celery_worker_delivers(
    db_url: str,
    inbox: Inbox,
    receiver: WebhookReceiver,
    fake_openai_server: FakeOpenAI,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    queue_name = f"{redis_prefix}-webhooks-{tmp_path.name}"
    env = job_env(
        db_url=db_url,
        ai=fake_openai_server,
        prefix=redis_prefix,
        queue=queue_name,
        INBOXSYNC_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
    )
    settings = Settings(
        db=db_url,
        redis_url=REDIS_URL,
        jobs={"backend": "celery", "queue": queue_name, "key_prefix": redis_prefix},
    )
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, ["message.created", "conversation.created"] * 5)
    worker = Worker(env, tmp_path / "worker.log")
    try:
        get_queue(settings).enqueue("deliver_webhooks", hook.id)
        wait_for(lambda: len(receiver.accepted()) >= 10, what="the worker's deliveries")
    finally:
        worker.stop()
        close_queues()
    accepted = accepted_ids(receiver)
    assert set(accepted) == all_ids(inbox) and set(accepted.values()) == {1}
    assert "deliver_webhooks" in worker.log.read_text()
