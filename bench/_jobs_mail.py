"""The mail of bench/jobs.py: a month-old history of known clients, and the note's 140
emails dated now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import make_message, words


def now() -> datetime:
    return datetime.now(UTC)


def history(n: int, tag: str) -> dict[str, bytes]:
    """Known clients with a thread each, a month old (history: never auto-replied)."""
    old = now() - timedelta(days=30)
    return {
        f"h{i:05d}.eml": make_message(
            msgid=f"<h{i}.{tag}@client.example>",
            sender=f"Client {i} <client{i}@known{i}.example>",
            subject=f"{'Support' if i % 2 else 'Billing'} thread {tag} {i}",
            body=f"An older question {tag} {i} about support or billing.",
            date=old + timedelta(minutes=i),
        )
        for i in range(n)
    }


def note_sync(known: int) -> dict[str, bytes]:
    """The note's 140 emails, dated now: 20 new conversations (10 Support, 10 Billing), 10
    automated senders, 60 replies in known threads, 50 newsletters."""
    out: dict[str, bytes] = {}
    t = now()

    def add(raw: bytes) -> None:
        out[f"s{len(out):04d}.eml"] = raw

    for n in range(20):
        topic = "Support" if n % 2 else "Billing"
        add(
            make_message(
                msgid=f"<p{n}@people.example>",
                sender=f"Person {n} <person{n}@corp{n}.example>",
                subject=f"{topic} question {words(n)}",
                body=f"Hello, I have a {topic.lower()} question about {words(n + 99)}.",
                date=t,
            )
        )
    for n in range(10):
        add(
            make_message(
                msgid=f"<a{n}@vendor.example>",
                sender=f"Vendor {n} <noreply@vendor{n}.example>",
                subject=f"Statement {n} available",
                body="Automated message, do not reply.",
                headers={"Auto-Submitted": "auto-generated"},
                date=t,
            )
        )
    for n in range(60):
        h = n % known
        add(
            make_message(
                msgid=f"<r{n}@known.example>",
                sender=f"Client {h} <client{h}@known{h}.example>",
                subject=f"Re: thread {h}",
                body=f"Thanks, following up {n}.",
                in_reply_to=f"<h{h}.base@client.example>",
                date=t,
            )
        )
    for n in range(50):
        add(
            make_message(
                msgid=f"<n{n}@news.example>",
                sender=f"News <news@list{n % 8}.example>",
                subject=f"Weekly digest {n}",
                body="Our news of the week. Unsubscribe at any time.",
                headers={"List-Unsubscribe": f"<mailto:u{n}@list.example>", "Precedence": "bulk"},
                date=t,
            )
        )
    return out
