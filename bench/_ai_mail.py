"""The mail of bench/ai.py: a history of known clients, and the measured sync (notifications
the rules catch, machines they don't, new people, known clients on new topics, replies)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.factories import make_message
from tests.factories import words as distinct_words

FOLDERS = {
    "Billing": "Invoices, payments, double charges and refunds of money",
    "Delivery": "Shipping, parcels, tracking numbers, late or lost orders",
    "Support": "Bugs, errors, login problems, the app or website not working",
    "Sales": "Quotes, prices and product questions before buying",
}
TOPICS = list(FOLDERS)


def words(i: int) -> str:
    """Three words for `i`, as the texts of the recorded figures were made."""
    return distinct_words(i, 3, base=12)


SIGNATURE = (
    "\n\nBest regards,\n{name}\nOperations manager, {company}\n+33 1 23 45 67 89\n"
    "12 rue de la Paix, 75002 Paris\nThis message and any attachments are confidential and "
    "intended solely for the addressee. If you received it in error, please delete it."
)
PERSON = (
    "Hello,\n\nI am writing about a {topic} matter on our account ({w}). We noticed it last "
    "week and our team has not been able to sort it out on our side. Could you look into it "
    "and tell us what you need from us? We would like to settle this before the end of the "
    "month, as it blocks other work on our side. Thank you in advance for your help."
)
NEWSLETTER = (
    "This week at List {n}: product news, customer stories and upcoming webinars. " * 12
    + "You receive this email because you subscribed. Unsubscribe or manage preferences."
)


@dataclass(frozen=True)
class Scenario:
    """A sync of `emails` messages on top of a history of known clients and threads."""

    name: str
    emails: int
    new_senders: int  # senders no rule decides and no client matches: the detector's items
    new_conversations: int  # conversations to classify
    automated_new: int  # of the new senders, machines without notification headers


NOTE = Scenario("note (140 emails)", 140, 30, 20, 10)
LARGE = Scenario("1,000 emails", 1000, 150, 110, 50)


def history(n: int) -> dict[str, bytes]:
    """Earlier mail: n known clients, each with a thread."""
    return {
        f"h{i:04d}.eml": make_message(
            msgid=f"<h{i}@client.example>",
            sender=f"Client {i} <client{i}@known{i}.example>",
            subject=f"{TOPICS[i % 4]} thread {words(i)}",
            body=f"Earlier question about {TOPICS[i % 4].lower()} {words(i)}.",
            minutes=-10_000 + i,
        )
        for i in range(n)
    }


def sync_mail(s: Scenario, known: int) -> dict[str, bytes]:
    """The measured sync: header-flagged notifications (rules), new senders (detector) some
    of them machines, new conversations from known clients, replies in known threads."""
    out: dict[str, bytes] = {}
    i = 0

    def add(raw: bytes) -> None:
        nonlocal i
        out[f"s{i:05d}.eml"] = raw
        i += 1

    persons = s.new_senders - s.automated_new
    for n in range(s.automated_new):  # machines the rules don't catch: the AI must
        add(
            make_message(
                msgid=f"<a{n}@vendor.example>",
                sender=f"Vendor {n} <accounts{n}@vendor{n}.example>",
                subject=f"Statement {words(n)} available",
                body=(
                    f"Your monthly statement {words(n)} is available in your customer area. "
                    "Amount due, payment date and details are listed there. Do not reply; "
                    "this is an automated message sent by our billing platform. "
                    "Unsubscribe in your notification settings. "
                )
                * 2,
                minutes=i,
            )
        )
    for n in range(persons):  # new people, each opening a conversation
        topic = TOPICS[n % 4]
        add(
            make_message(
                msgid=f"<p{n}@people.example>",
                sender=f"Person {n} <person{n}@corp{n}.example>",
                subject=f"{topic} question {words(n)}",
                body=PERSON.format(topic=topic.lower(), w=words(n + 7))
                + SIGNATURE.format(name=f"Person {n}", company=f"Corp {n}"),
                minutes=i,
            )
        )
    for n in range(max(0, s.new_conversations - persons)):  # known clients, new topics
        topic = TOPICS[(n + 1) % 4]
        add(
            make_message(
                msgid=f"<k{n}@known.example>",
                sender=f"Client {n} <client{n}@known{n}.example>",
                subject=f"New {topic} matter {words(n + 3)}",
                body=PERSON.format(topic=topic.lower(), w=words(n + 11))
                + SIGNATURE.format(name=f"Client {n}", company=f"Known {n}"),
                minutes=i,
            )
        )
    replies = max(0, (s.emails - len(out)) // 3)
    for n in range(replies):  # answers in existing threads
        h = n % known
        add(
            make_message(
                msgid=f"<r{n}@known.example>",
                sender=f"Client {h} <client{h}@known{h}.example>",
                subject=f"Re: {TOPICS[h % 4]} thread {words(h)}",
                body=f"Thanks, following up on this ({words(n)}).\n\n> "
                + PERSON.format(topic=TOPICS[h % 4].lower(), w=words(h)).replace("\n", "\n> ")
                + SIGNATURE.format(name=f"Client {h}", company=f"Known {h}"),
                in_reply_to=f"<h{h}@client.example>",
                minutes=i,
            )
        )
    n = 0
    while len(out) < s.emails:  # newsletters and alerts with list / auto headers
        add(
            make_message(
                msgid=f"<n{n}@news.example>",
                sender=f"News <news@list{n % 8}.example>",
                subject=f"Weekly digest {words(n)}",
                body=NEWSLETTER.format(n=n % 8),
                headers={"List-Unsubscribe": f"<mailto:u{n}@list.example>", "Precedence": "bulk"},
                minutes=i,
            )
        )
        n += 1
    return out
