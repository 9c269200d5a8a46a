"""What operators use: /health, /metrics, the OpenAPI docs, and `inboxsync serve`."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx

from tests.server.conftest import World, import_conversations
from tests.support.cli import spawn
from tests.support.http import free_port


def metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample of a Prometheus text exposition (0 when absent)."""
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_health_checks_the_database(world: World) -> None:
    with world.client() as client:
        answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "redis": "not used"}}


def test_metrics_follow_the_store_and_the_requests(world: World, tmp_path: Path) -> None:
    with world.client() as client:
        before = client.get("/metrics").text
        import_conversations(world.inbox, "Acme", tmp_path, 100, 4)
        with world.client(world.acme_read) as keyed:
            keyed.get("/v1/folders")
            keyed.get("/v1/conversations/0")
        after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    assert metric(after.text, "inboxsync_messages") == metric(before, "inboxsync_messages") + 4
    assert metric(after.text, "inboxsync_quarantine") == 2
    served = 'method="GET",route="/v1/folders",status="200"'
    assert metric(after.text, "inboxsync_http_requests_total", served) == 1
    refused = 'method="GET",route="/v1/conversations/{conversation_id}",status="422"'
    assert metric(after.text, "inboxsync_http_requests_total", refused) == 1
    assert (
        metric(after.text, "inboxsync_http_request_seconds_count", 'method="GET",route="/metrics"')
        >= 1
    )
    assert "inboxsync_conversations{status=" in after.text


def test_each_answer_carries_its_server_time(world: World) -> None:
    with world.client(world.acme_read) as client:
        timings = [client.get(path).headers["server-timing"] for path in ("/v1/folders", "/nope")]
    for timing in timings:
        found = re.fullmatch(r"app;dur=(\d+\.\d)", timing)
        assert found and float(found.group(1)) < 60_000, timing


def test_unknown_paths_make_no_new_series(world: World) -> None:
    with world.client() as client:
        for i in range(3):
            client.get(f"/random-{i}")
        text = client.get("/metrics").text
    assert "random" not in text
    assert (
        metric(text, "inboxsync_http_requests_total", 'method="GET",route="unmatched",status="404"')
        == 3
    )


def test_openapi_documents_the_routes(world: World) -> None:
    with world.client() as client:
        docs = client.get("/docs")
        schema = client.get("/openapi.json").json()
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/v1/conversations" in schema["paths"] and "/v1/events/stream" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_serve_runs_the_api(world: World) -> None:
    port = free_port()
    process = spawn("serve", "--port", str(port), db=world.inbox.settings.db)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/v1/folders",
                    headers={"Authorization": f"Bearer {world.acme_read}"},
                )
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr
                time.sleep(0.1)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert [f["name"] for f in answer.json()["items"]] == ["Billing"]
    # uvicorn shuts the app down (closing its Inbox), then dies of the signal it was sent.
    assert process.returncode == -signal.SIGTERM
    assert "Application shutdown complete" in stderr
