"""Companies, their own addresses and their folders (added, found, removed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from inboxsync.db.models import Company, CompanyAddress, Conversation, Folder, utcnow
from inboxsync.db.storable import clean_text, column_length
from inboxsync.errors import NotFound, UsageError


@dataclass(frozen=True, slots=True)
class CompanyInfo:
    """A company as the pipeline sees it: its id, name and own addresses."""

    id: int
    name: str
    addresses: frozenset[str]

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(a.rpartition("@")[2] for a in self.addresses)


def add_company(session: Session, name: str, addresses: list[str]) -> int:
    """Create a company with its own addresses; returns its id."""
    company = Company(name=_checked_name("company", name, Company.name))
    session.add(company)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise UsageError(f"company {name!r} already exists") from exc
    add_addresses(session, company.id, addresses)
    return company.id


def add_addresses(session: Session, company_id: int, addresses: list[str]) -> None:
    """Add own addresses to a company, ignoring ones it already has."""
    known = set(
        session.scalars(select(CompanyAddress.email).where(CompanyAddress.company_id == company_id))
    )
    limit = column_length(CompanyAddress.email) or 0
    for address in {a.strip().lower() for a in addresses} - known:
        if "@" not in address or len(address) > limit or clean_text(address) != address:
            raise UsageError(f"not an email address: {address!r}")
        session.add(CompanyAddress(company_id=company_id, email=address))
    session.flush()


def _checked_name(kind: str, name: str, column: InstrumentedAttribute[str]) -> str:
    """`name` stripped; UsageError when it is empty, too long or not plain text."""
    name = name.strip()
    limit = column_length(column) or 0
    if not name or not name.isprintable():
        raise UsageError(f"a {kind} name must be printable text, not {name[:40]!r}")
    if len(name) > limit:
        raise UsageError(f"a {kind} name holds at most {limit} characters, not {len(name)}")
    return name


def company_id_by_name(session: Session, company: str | int) -> int:
    """The id of the company called `company` (a str), or with that id (an int, or a str of
    digits that is no company's name); NotFound when there is none."""
    company_id = None
    if isinstance(company, str):
        company_id = session.scalar(select(Company.id).where(Company.name == company))
    if company_id is None and str(company).isdigit():
        company_id = session.scalar(select(Company.id).where(Company.id == int(company)))
    if company_id is None:
        raise NotFound(f"unknown company {company!r}")
    return company_id


def load_company(session: Session, company_id: int) -> CompanyInfo:
    """The company with its own addresses."""
    company = session.get(Company, company_id)
    if company is None:
        raise UsageError(f"unknown company id {company_id}")
    addresses = session.scalars(
        select(CompanyAddress.email).where(CompanyAddress.company_id == company_id)
    )
    return CompanyInfo(company.id, company.name, frozenset(addresses))


def list_companies(session: Session) -> list[CompanyInfo]:
    """Every company with its own addresses, by name."""
    rows = session.execute(
        select(Company.id, Company.name, CompanyAddress.email)
        .outerjoin(CompanyAddress, CompanyAddress.company_id == Company.id)
        .order_by(Company.name)
    )
    found: dict[int, tuple[str, set[str]]] = {}
    for company_id, name, email in rows:
        found.setdefault(company_id, (name, set()))[1].update([email] if email else [])
    return [CompanyInfo(cid, name, frozenset(a)) for cid, (name, a) in found.items()]


def add_folder(session: Session, company_id: int, name: str, description: str) -> int:
    """Create a folder the classifier can file conversations into; returns its id."""
    name = _checked_name("folder", name, Folder.name)
    folder = Folder(company_id=company_id, name=name, ai_description=clean_text(description))
    session.add(folder)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise UsageError(f"folder {name!r} already exists") from exc
    return folder.id


def find_folder(session: Session, company_id: int, folder: str | int) -> Folder:
    """The company's folder named `folder` (in any case) or with that id; NotFound when the
    company has none (another company's folder included)."""
    in_company = select(Folder).where(Folder.company_id == company_id)
    text = str(folder).strip()
    found = None
    if isinstance(folder, str):
        found = session.scalar(in_company.where(func.lower(Folder.name) == text.lower()))
    if found is None and text.isdigit():
        found = session.scalar(in_company.where(Folder.id == int(text)))
    if found is None:
        raise NotFound(f"no folder {folder!r} in this company")
    return found


def remove_folder(session: Session, company_id: int, folder: str | int) -> int:
    """Delete a company's folder (name or id); its conversations become unfiled (and
    changed, for mirrors following `updated_since`). Returns how many there were."""
    found = find_folder(session, company_id, folder)
    unfiled = session.execute(
        update(Conversation)
        .where(Conversation.company_id == company_id, Conversation.folder_id == found.id)
        .values(folder_id=None, folder_source="", folder_confidence=None, updated_at=utcnow())
    )
    session.delete(found)
    session.flush()
    return int(unfiled.rowcount)  # type: ignore[attr-defined]
