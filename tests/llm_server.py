"""A local OpenAI-compatible chat completions server for tests and benchmarks.

It listens on 127.0.0.1 and answers ``POST /v1/chat/completions`` from a
script of behaviours (``push``), falling back to ``default`` when the script
is empty: a good reply, a slow one, 429 with retry-after, 500, malformed,
truncated or schema-breaking JSON, a hostile web card, or a reply computed
from the request (``Behaviour(respond=...)``, e.g. to echo the prompt).
Every request body is kept in ``requests`` with its arrival time.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from tests.http_server import LocalHTTPServer, Reply, Request


@dataclass
class Behaviour:
    content: str | None = None
    respond: Callable[[dict], str] | None = None
    status: int = 200
    error: str = ""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    finish_reason: str = "stop"
    usage: tuple[int, int] | None = (1200, 400)


def good(content: dict, **options) -> Behaviour:
    return Behaviour(content=json.dumps(content, ensure_ascii=False), **options)


def slow(content: dict, seconds: float) -> Behaviour:
    return good(content, delay=seconds)


def rate_limited(retry_after: float) -> Behaviour:
    return Behaviour(status=429, error="Rate limit reached for requests", headers={"retry-after": f"{retry_after:g}"})


def server_error() -> Behaviour:
    return Behaviour(status=500, error="The server had an error while processing your request.")


def malformed() -> Behaviour:
    return Behaviour(content='{"headline": "Studio Trigger film", summary: oops')


def truncated(content: dict) -> Behaviour:
    text = json.dumps(content, ensure_ascii=False)
    return Behaviour(content=text[: len(text) // 2], finish_reason="length")


def schema_breaking(content: dict) -> Behaviour:
    broken = dict(content)
    broken.pop("summary")
    broken["twitterPost"] = 280
    return good(broken)


def schema_refused() -> Behaviour:
    return Behaviour(status=400, error="response_format of type json_schema is not supported by this model")


class LLMServer:
    """The shared local HTTP server (tests/http_server.py) with one route, /v1/chat/completions."""

    def __init__(self, *, default: Behaviour | None = None):
        self.script: deque[Behaviour] = deque()
        self.default = default
        self.requests: list[dict] = []
        self.arrivals: list[float] = []
        self.received = threading.Event()
        self._lock = threading.Lock()
        self.http = LocalHTTPServer({"/v1/chat/completions": self._complete})
        self.base_url = self.http.url("/v1")

    def _complete(self, request: Request) -> Reply:
        body = json.loads(request.body or b"{}")
        behaviour = self._next(body, at=request.at)
        if behaviour.delay:
            time.sleep(behaviour.delay)
        if behaviour.status != 200:
            error = {"error": {"message": behaviour.error, "type": "test", "code": None}}
            return _json_reply(behaviour.status, error, behaviour.headers)
        content = behaviour.respond(body) if behaviour.respond else behaviour.content
        reply = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": behaviour.finish_reason,
                }
            ],
        }
        if behaviour.usage:
            reply["usage"] = {
                "prompt_tokens": behaviour.usage[0],
                "completion_tokens": behaviour.usage[1],
                "total_tokens": sum(behaviour.usage),
            }
        return _json_reply(200, reply, behaviour.headers)

    def _next(self, body: dict, *, at: float) -> Behaviour:
        with self._lock:
            self.requests.append(body)
            self.arrivals.append(at)
            self.received.set()
            if self.script:
                return self.script.popleft()
            if self.default is None:
                return Behaviour(status=500, error="The test server has no scripted reply left.")
            return self.default

    def push(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.script.extend(behaviours)

    def start(self) -> "LLMServer":
        self.http.start()
        return self

    def stop(self) -> None:
        self.http.stop()

    def __enter__(self) -> "LLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _json_reply(status: int, payload: dict, headers: dict) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"content-type": "application/json", **headers})
