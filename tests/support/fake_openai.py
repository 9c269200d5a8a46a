"""An OpenAI-compatible chat-completions server of the tests' own: real HTTP on 127.0.0.1 in a
thread, answering structured-output requests by a deterministic rule, counting calls and
tokens, with injectable faults (latency, 429 + Retry-After, 500, timeouts, malformed JSON,
unknown folder ids, missing and duplicated items, a model that obeys injected text), and any
answer a test writes itself (`content`, `body`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

AUTOMATED = re.compile(
    r"^(no-?reply|notifications?|alerts?|mailer|news|billing|updates?|info)\b", re.IGNORECASE
)
AUTOMATED_TEXT = re.compile(r"unsubscribe|automated|do not reply|newsletter", re.IGNORECASE)
DATA = re.compile(r"<data>\n(.*)\n</data>", re.DOTALL)
FOLDERS = re.compile(r"<folders>\n(.*)\n</folders>", re.DOTALL)
FILE_UNDER = re.compile(r"file (?:this|it) under ([\w-]+)", re.IGNORECASE)

FAULTS = {
    "429",  # rate limited, with Retry-After
    "500",  # server error
    "timeout",  # answers after the client gave up
    "malformed",  # content is not JSON
    "unknown_folder",  # one answer names a folder that is not in the enum
    "missing",  # the last item is left out
    "duplicate",  # the first item is answered twice
    "obey",  # the model files items where their text tells it to
    "refusal",  # the model refuses
    "garbage",  # HTTP 200 whose body is not JSON at all
    "401",  # the key is refused
}


def tokens(text: str) -> int:
    """The server's deterministic token count: 4 characters a token."""
    return (len(text) + 3) // 4


@dataclass
class Stats:
    """What the server saw."""

    calls: int = 0
    answered: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    by_schema: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    items_per_call: list[int] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


Results = list[dict[str, Any]]


class FakeOpenAI:
    """Start with `start()`; `url` is the base URL to give the SDK. Faults queued with
    `fail(...)` apply to the next requests in order; `always` applies to every request.

    `content`, when set, turns the results the server's rule gives into the text of every
    answer; `body`, when set, rewrites every whole response body (any JSON value)."""

    def __init__(self) -> None:
        self.latency = 0.0
        self.retry_after = "0.05"
        self.timeout_sleep = 1.5
        self.always: str | None = None
        self.content: Callable[[Results], str] | None = None
        self.body: Callable[[dict[str, Any]], Any] | None = None
        self.stats = Stats()
        self._faults: list[str] = []
        self._prefixes: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.latency = 0.0
            self.retry_after = "0.05"
            self.always = None
            self.content = None
            self.body = None
            self.stats = Stats()
            self._faults = []
            self._prefixes = set()

    def fail(self, *faults: str) -> None:
        """Queue faults for the next requests, one per request."""
        unknown = set(faults) - FAULTS
        assert not unknown, unknown
        with self._lock:
            self._faults.extend(faults)

    # -- the HTTP side ------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                    return
                if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                    self._send(401, {"error": {"message": "no key"}})
                    return
                status, payload, headers = fake._answer(body)
                # The client may have timed out and gone away.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(status, payload, headers)

            def _send(
                self, status: int, payload: Any, headers: dict[str, str] | None = None
            ) -> None:
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

        return Handler

    # -- the model side -----------------------------------------------------------------------

    def _answer(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.stats.calls += 1
            self.stats.requests.append(body)
            fault = self._faults.pop(0) if self._faults else self.always
            if fault:
                self.stats.faults[fault] += 1
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            return self._respond(body, fault)
        finally:
            with self._lock:
                self.stats.in_flight -= 1

    def _respond(self, body: dict[str, Any], fault: str | None) -> tuple[int, Any, dict[str, str]]:
        if self.latency:
            time.sleep(self.latency)
        if fault == "429":
            error = {"error": {"message": "slow down", "type": "rate_limit"}}
            return 429, error, {"Retry-After": self.retry_after}
        if fault == "500":
            return 500, {"error": {"message": "boom", "type": "server_error"}}, {}
        if fault == "401":
            return 401, {"error": {"message": "bad key", "type": "invalid_api_key"}}, {}
        if fault == "garbage":
            return 200, b"<html>proxy error</html>", {}
        if fault == "timeout":
            time.sleep(self.timeout_sleep)
        messages = body["messages"]
        system, user = messages[0]["content"], messages[-1]["content"]
        schema = body["response_format"]["json_schema"]
        items = json.loads(DATA.search(user).group(1))  # type: ignore[union-attr]
        if schema["name"] == "sender_verdicts":
            results = [self._verdict(it) for it in items]
        else:
            enum = schema["schema"]["properties"]["results"]["items"]["properties"]["folder"]
            folders = json.loads(FOLDERS.search(system).group(1))  # type: ignore[union-attr]
            results = [self._folder(it, folders, enum["enum"], fault) for it in items]
        if fault == "unknown_folder" and results:
            results[0]["folder"] = "f999999"
        if fault == "missing" and results:
            results.pop()
        if fault == "duplicate" and results:
            results.append(dict(results[0]))
        content = self.content(results) if self.content else json.dumps({"results": results})
        if fault == "malformed":
            content = content[: len(content) // 2]
        prompt = sum(tokens(m["content"]) for m in messages) + tokens(json.dumps(schema))
        completion = tokens(content)
        cached = self._cached(system, schema)
        with self._lock:
            self.stats.answered += 1
            self.stats.by_schema[schema["name"]] += 1
            self.stats.items_per_call.append(len(items))
            self.stats.prompt_tokens += prompt
            self.stats.completion_tokens += completion
            self.stats.cached_tokens += cached
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        if fault == "refusal":
            message = {"role": "assistant", "content": None, "refusal": "I can't help with that"}
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
        return 200, self.body(payload) if self.body else payload, {}

    def _cached(self, system: str, schema: dict[str, Any]) -> int:
        """OpenAI-like prompt caching: a prefix of >= 1024 tokens seen before is cached in
        128-token steps."""
        prefix = system + json.dumps(schema, sort_keys=True)
        key = hashlib.sha256(prefix.encode()).hexdigest()
        n = tokens(prefix)
        with self._lock:
            seen = key in self._prefixes
            self._prefixes.add(key)
        return (n // 128) * 128 if seen and n >= 1024 else 0

    @staticmethod
    def _verdict(item: dict[str, Any]) -> dict[str, Any]:
        local = str(item.get("from", "")).partition("@")[0]
        text = f"{item.get('subject', '')} {item.get('text', '')}"
        if AUTOMATED.match(local) or AUTOMATED_TEXT.search(text):
            return {"i": item["i"], "kind": "notification", "reason": "automated_sender"}
        return {"i": item["i"], "kind": "person", "reason": "business_request"}

    @staticmethod
    def _folder(
        item: dict[str, Any], folders: list[dict[str, str]], enum: list[str], fault: str | None
    ) -> dict[str, Any]:
        """The folder whose name appears in the subject or text (first one wins), else none;
        with the `obey` fault, whatever the text says to file it under."""
        text = f"{item.get('subject', '')} {item.get('text', '')}".lower()
        if fault == "obey":
            wanted = FILE_UNDER.search(text)
            if wanted:
                return {"i": item["i"], "folder": wanted.group(1), "confidence": "high"}
        for folder in folders:
            if folder["name"].lower() in text and folder["id"] in enum:
                return {"i": item["i"], "folder": folder["id"], "confidence": "high"}
        return {"i": item["i"], "folder": "none", "confidence": "low"}
