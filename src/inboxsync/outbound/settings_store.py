"""A company's SMTP settings and a folder's auto-reply, as stored in the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from inboxsync.db.companies import find_folder
from inboxsync.db.mailboxes import find_mailbox
from inboxsync.db.models import utcnow
from inboxsync.db.outbox_models import CompanySmtp
from inboxsync.errors import UsageError
from inboxsync.outbound.smtp import SmtpSettings
from inboxsync.outbound.templates import unknown_placeholders


def set_company_smtp(session: Session, company_id: int, settings: SmtpSettings) -> None:
    """Create or replace the company's SMTP settings (the password stays in its env var)."""
    if settings.username and not settings.password_env:
        raise UsageError(
            "an SMTP user needs a password_env: the environment variable holding its password "
            "(the password is never stored)"
        )
    if settings.from_address and "@" not in settings.from_address:
        raise UsageError(f"not an email address: {settings.from_address!r}")
    if settings.sent_mailbox_id is not None:
        find_mailbox(session, company_id, settings.sent_mailbox_id)
        if not settings.sent_folder.strip() or not settings.sent_folder.isprintable():
            raise UsageError("a Sent mailbox needs the name of its folder (--sent-folder)")
        if len(settings.sent_folder) > 200:
            raise UsageError("the Sent folder's name is longer than 200 characters")
    elif settings.sent_folder:
        raise UsageError("a Sent folder needs its mailbox (--sent-mailbox)")
    row = session.get(CompanySmtp, company_id)
    if row is None:
        row = CompanySmtp(company_id=company_id)
        session.add(row)
    row.host = settings.host
    row.port = settings.port
    row.tls = settings.tls
    row.username = settings.username
    row.password_env = settings.password_env
    row.from_address = settings.from_address.strip().lower()
    row.sent_mailbox_id = settings.sent_mailbox_id
    row.sent_folder = settings.sent_folder
    row.updated_at = utcnow()
    session.flush()


def load_company_smtp(session: Session, company_id: int) -> SmtpSettings | None:
    """The company's SMTP settings, or None when it has none."""
    row = session.get(CompanySmtp, company_id)
    if row is None:
        return None
    return SmtpSettings(
        host=row.host,
        port=row.port,
        tls=row.tls,
        username=row.username,
        password_env=row.password_env,
        from_address=row.from_address,
        sent_mailbox_id=row.sent_mailbox_id,
        sent_folder=row.sent_folder,
    )


@dataclass(frozen=True, slots=True)
class FolderAutoReply:
    """A folder's auto-reply settings."""

    folder_id: int
    folder_name: str
    enabled: bool
    subject: str | None
    body: str | None


def set_folder_auto_reply(
    session: Session,
    company_id: int,
    folder: str | int,
    *,
    enabled: bool | None = None,
    subject: str | None = None,
    body: str | None = None,
    description: str | None = None,
) -> FolderAutoReply:
    """Change the auto-reply (and description) of the company's folder `folder` (name or id);
    None leaves a field as it is. NotFound when the company has no such folder.

    Giving a subject or body without `enabled` turns the auto-reply on; enabling it needs both.
    """
    row = find_folder(session, company_id, folder)
    for template in (subject, body):
        unknown = unknown_placeholders(template or "")
        if unknown:
            names = ", ".join("{" + n + "}" for n in unknown)
            raise UsageError(
                f"unknown placeholder(s) {names}: "
                "use {client_name}, {subject}, {company_name}"
            )
    if subject is not None:
        row.auto_reply_subject = subject
    if body is not None:
        row.auto_reply_body = body
    if description is not None:
        row.ai_description = description
    if enabled is None and (subject is not None or body is not None):
        enabled = True
    if enabled is not None:
        row.auto_reply_enabled = enabled
    if row.auto_reply_enabled and not (row.auto_reply_subject and row.auto_reply_body):
        raise UsageError("an auto-reply needs both a subject and a body")
    session.flush()
    return FolderAutoReply(
        row.id, row.name, row.auto_reply_enabled, row.auto_reply_subject, row.auto_reply_body
    )
