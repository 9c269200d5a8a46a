"""A company's folder definitions as the classifiers see them, and their version hash."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from inboxsync.ai.types import FolderDef
from inboxsync.db.models import Folder


def load_folders(session: Session, company_id: int) -> list[FolderDef]:
    """The company's folders, ordered by id (one query)."""
    rows = session.execute(
        select(Folder.id, Folder.name, Folder.ai_description)
        .where(Folder.company_id == company_id)
        .order_by(Folder.id)
    ).all()
    return [FolderDef(id=r.id, name=r.name, description=r.ai_description or "") for r in rows]


def folder_version(folders: list[FolderDef]) -> str:
    """A hash of the folders' ids, names and descriptions: editing any of them changes it,
    which invalidates every folder decision cached against the old definitions."""
    canon = json.dumps([[f.id, f.name, f.description] for f in folders], ensure_ascii=False)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]
