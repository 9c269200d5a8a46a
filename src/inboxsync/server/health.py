"""`GET /health`: the database answers, and Redis too when the jobs run on Celery."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from inboxsync.config import Settings
from inboxsync.server.auth import AppInbox

router = APIRouter(tags=["operations"])

TIMEOUT_SECONDS = 2.0


@router.get("/health")
def health(inbox: AppInbox) -> JSONResponse:
    """`{"status": "ok", "checks": {...}}`, or 503 with the check that failed."""
    checks = {"database": _database(inbox.engine), "redis": _redis(inbox.settings)}
    ok = all(state in ("ok", "not used") for state in checks.values())
    body = {"status": "ok" if ok else "failing", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


def _database(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"failing: {type(exc).__name__}"
    return "ok"


def _redis(settings: Settings) -> str:
    if settings.jobs.backend != "celery":
        return "not used"
    if not settings.redis_url:
        return "failing: no redis_url set"
    client = Redis.from_url(
        settings.redis_url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except RedisError as exc:
        return f"failing: {type(exc).__name__}"
    finally:
        client.close()
    return "ok"
