"""The mail of the jobs tests: people asking for support or about billing, and the loop cases
(an auto-reply, a list, our own address, a bounce) that must never get an auto-reply."""

from __future__ import annotations

from datetime import datetime

from tests.factories import make_message
from tests.outbound.helpers import now, recent


def people(
    n: int, *, tag: str = "p", topic: str = "support", date: datetime | None = None
) -> dict[str, bytes]:
    """`n` messages from `n` different people, dated now or `date`; the test AI files each
    by `topic`."""
    return {
        f"{tag}{i}.eml": make_message(
            msgid=f"<{tag}{i}@client.example>",
            sender=f"Person {i} <{tag}{i}@client{i}.example>",
            subject=f"{topic} request {tag}{i}",
            body=f"Hello, I need help with my {topic} question number {i}.",
            date=date or now(),
        )
        for i in range(n)
    }


def loop_cases(tag: str = "loop", domain: str = "acme.example") -> dict[str, bytes]:
    """Mail that must not be answered, each about `support` so that it would be filed there;
    `domain` is the company's (the `own` case comes from its support address)."""
    return {
        f"{tag}-auto-reply.eml": recent(
            f"<{tag}-ar@client.example>",
            sender="Alice Out <alice.out@client.example>",
            subject="Automatic reply: support request",
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        ),
        f"{tag}-list.eml": recent(
            f"<{tag}-list@lists.example>",
            sender="Users list <users@lists.example>",
            subject="[users] support request digest",
            headers={"List-Id": "<users.lists.example>", "Precedence": "list"},
        ),
        f"{tag}-own.eml": recent(
            f"<{tag}-own@{domain}>",
            sender=f"Support <support@{domain}>",
            to="Person 0 <p0@client0.example>",
            subject="Re: support request p0",
        ),
        f"{tag}-bounce.eml": recent(
            f"<{tag}-bounce@mx.client.example>",
            sender="Mail Delivery System <MAILER-DAEMON@mx.client.example>",
            subject="Undelivered Mail Returned to Sender (support)",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    }
