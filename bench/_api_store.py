"""The API benchmark's store: folders, clients, conversations of varied sizes and their
messages (French and English text with accents, order and case numbers), as bench/_store_fill.py
`Table`s, the messages generated while they are written (a million never sit in memory).

Conversation sizes follow an exponential spread around the requested mean (1 to ~12× it); a
few percent are one-message notifications (newsletters, no-reply notices). Messages of about
256 conversations in progress are interleaved, as mail arrives, so a conversation's messages
are spread over the table rather than side by side.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from types import ModuleType

from _store_fill import CLIENT_COLUMNS, MESSAGE_COLUMNS, Table

NOTIFICATIONS_OF_SINGLES = 0.3  # one-message conversations that are notifications
CLASSIFIED_SHARE = 0.8
SPAN_DAYS = 730
INTERLEAVE = 256
FOLDERS = (
    ("Facturation", "Factures, paiements, relances et remboursements."),
    ("Commandes", "Commandes, livraisons, colis et retours."),
    ("Support technique", "Pannes, erreurs, accès et mots de passe."),
    ("Devis", "Demandes de devis et de tarifs."),
    ("Billing", "Invoices, payments, refunds and renewals."),
    ("Orders", "Orders, shipments, delivery addresses and returns."),
    ("Technical support", "Bugs, errors, logins, exports and integrations."),
    ("Sales", "Quotes, pricing, plans and new accounts."),
)
FOLDER_COLUMNS = ("id", "company_id", "name", "ai_description", "auto_reply_enabled")
CONVERSATION_COLUMNS = (
    "id", "company_id", "client_id", "subject", "subject_norm", "root_message_key",
    "is_notification", "participants", "started_at", "last_message_at", "message_count",
    "folder_id", "status", "status_reason", "folder_confidence", "folder_source",
    "folder_version", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class _Conversation:
    id: int
    client: int | None  # index into the clients, None for a notification
    lang: str
    subject: str
    dates: list[datetime]
    keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ApiStore:
    """The tables to insert, in order, and what the benchmark asks about."""

    tables: list[Table]
    conversations: int
    messages: int
    folders: tuple[str, ...]
    rare_words: tuple[str, ...]  # case numbers, each in one conversation


def api_store(
    company_id: int, conversations: int, messages: int, domain: str, seed: int = 42
) -> ApiStore:
    """`conversations` conversations holding `messages` messages in all (at least one each)."""
    from inboxsync.demo import _texts as texts
    from inboxsync.mail import normalize_subject

    if messages < conversations:
        raise ValueError("each conversation needs a message: --messages ≥ --conversations")
    rng = Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None)
    start = now - timedelta(days=SPAN_DAYS)
    clients = _clients(rng, max(1, conversations // 3), texts)
    sizes = _sizes(rng, conversations, messages)
    starts = sorted(rng.random() for _ in range(conversations))
    convs: list[_Conversation] = []
    for n, (size, at) in enumerate(zip(sizes, starts, strict=True), start=1):
        notification = size == 1 and rng.random() < NOTIFICATIONS_OF_SINGLES
        client = None if notification else rng.randrange(len(clients))
        lang = clients[client][0] if client is not None else rng.choice(("en", "fr"))
        subject = _subject(rng, lang, n, notification, texts)
        first = start + timedelta(days=SPAN_DAYS * at)
        dates = [first]
        for _ in range(size - 1):
            dates.append(dates[-1] + timedelta(seconds=rng.expovariate(1 / 21_600)))
        conv = _Conversation(n, client, lang, subject, dates)
        conv.keys = [f"fill.{n}.{k}@{domain}" for k in range(size)]
        convs.append(conv)
    folder_ids = list(range(1, len(FOLDERS) + 1))
    conversation_rows = []
    for c in convs:
        filed = c.client is not None and rng.random() < CLASSIFIED_SHARE
        last = c.dates[-1]
        conversation_rows.append((
            c.id, company_id, None if c.client is None else c.client + 1, c.subject,
            normalize_subject(c.subject), c.keys[0], c.client is None,
            "" if c.client is None else clients[c.client][2], c.dates[0], last, len(c.dates),
            rng.choice(folder_ids) if filed else None,
            "skipped" if c.client is None else "classified" if filed else "unclassified",
            "", round(rng.uniform(0.5, 1.0), 3) if filed else None, "ai" if filed else "",
            "", now, last,
        ))  # fmt: skip
    tables = [
        Table(
            "folders",
            FOLDER_COLUMNS,
            [(i, company_id, name, text, False) for i, (name, text) in enumerate(FOLDERS, 1)],
        ),
        Table(
            "clients",
            CLIENT_COLUMNS,
            [(i, company_id, email, name, now) for i, (_, name, email) in enumerate(clients, 1)],
        ),
        Table("conversations", CONVERSATION_COLUMNS, conversation_rows),
        Table(
            "inbox_messages",
            MESSAGE_COLUMNS,
            _message_rows(Random(seed + 1), company_id, convs, clients, domain, now, texts),
        ),
    ]
    return ApiStore(
        tables,
        conversations,
        messages,
        tuple(name for name, _ in FOLDERS),
        tuple(f"{10_000 + n}" for n in (7, 1_234, conversations // 2) if n <= conversations),
    )


def _clients(rng: Random, n: int, texts: ModuleType) -> list[tuple[str, str, str]]:
    """(language, display name, address) of each client."""
    out = []
    for i in range(n):
        lang = "fr" if i % 2 else "en"
        first = rng.choice(texts.FIRST_NAMES[lang])
        last = rng.choice(texts.LAST_NAMES[lang])
        local = _ascii(f"{first}.{last}").lower().replace(" ", "")
        out.append((lang, f"{first} {last}", f"{local}.{i}@{rng.choice(texts.DOMAINS)}"))
    return out


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _sizes(rng: Random, conversations: int, messages: int) -> list[int]:
    """Sizes ≥ 1 summing to `messages`, spread exponentially around their mean."""
    extra = messages - conversations
    weights = [rng.expovariate(1.0) for _ in range(conversations)]
    total = sum(weights) or 1.0
    sizes = [1 + int(extra * w / total) for w in weights]
    for i in rng.sample(range(conversations), messages - sum(sizes)):
        sizes[i] += 1
    return sizes


def _subject(rng: Random, lang: str, n: int, notification: bool, texts: ModuleType) -> str:
    if notification:
        kind = rng.choice(("newsletter", "notice"))
        template = rng.choice(texts.AUTOMATED_SUBJECTS[kind, lang])
        return str(template.replace("{service}", rng.choice(texts.SERVICES)))
    thing = rng.choice(texts.THINGS[lang])
    template = rng.choice(texts.SUBJECTS[lang])
    return str(
        template.replace("{thing}", thing)
        .replace("{Thing}", thing[:1].upper() + thing[1:])
        .replace("{num}", str(10_000 + n))
    )


def _message_rows(
    rng: Random,
    company_id: int,
    convs: list[_Conversation],
    clients: list[tuple[str, str, str]],
    domain: str,
    now: datetime,
    texts: ModuleType,
) -> Iterator[tuple]:
    """The messages, interleaved across INTERLEAVE conversations in progress."""
    t = texts
    us = f"support@{domain}"
    message_id = 0
    for window in range(0, len(convs), INTERLEAVE):
        active = [(c, 0) for c in convs[window : window + INTERLEAVE]]
        while active:
            following = []
            for c, k in active:
                message_id += 1
                lang = c.lang
                if c.client is None:
                    sender, name, to = f"no-reply@{rng.choice(t.DOMAINS)}", "", us
                    outgoing = False
                else:
                    outgoing = k % 2 == 1
                    _, client_name, client_email = clients[c.client]
                    sender, name = (us, "Acme Support") if outgoing else (client_email, client_name)
                    to = client_email if outgoing else us
                subject = c.subject
                if k:
                    subject = rng.choice(t.REPLY_PREFIXES[lang]) + subject
                body = _body(rng, lang, name, c.id, t)
                previous = c.keys[k - 1] if k else None
                yield (
                    message_id, company_id, c.id, c.keys[k], c.keys[k], previous,
                    f"{c.keys[0]} {previous}" if k > 1 else previous or "",
                    f"fill/{message_id}", "out" if outgoing else "in", sender, name, to, "",
                    subject, c.dates[k], body, len(body) + 600, c.client is None,
                    "list-id" if c.client is None else "", "", now,
                )  # fmt: skip
                if k + 1 < len(c.dates):
                    following.append((c, k + 1))
            active = following


def _body(rng: Random, lang: str, name: str, n: int, t: ModuleType) -> str:
    sentences = rng.sample(t.SENTENCES[lang], rng.randint(2, 5))
    case = f"Dossier {10_000 + n}." if lang == "fr" else f"Case {10_000 + n}."
    return "\n\n".join((
        rng.choice(t.GREETINGS[lang]),
        " ".join(sentences),
        case,
        f"{rng.choice(t.SIGNOFFS[lang])}\n{name}",
    ))  # fmt: skip
