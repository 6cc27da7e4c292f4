"""The model call: the OpenAI-compatible client, output modes, retries within an attempt, and
checking the reply against its schema."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Callable

import jsonschema
import openai
from django.conf import settings
from django.utils import timezone

from clusters.models import Article
from newsroom.queues import redis_connection
from rewrites.generation.budget import estimate_tokens, finish_call, mark_call, reserve_call
from rewrites.generation.prompt import build_messages
from rewrites.models import ModelCall, Rewrite

logger = logging.getLogger(__name__)


class GenerationFailed(Exception):
    """One attempt that produced nothing usable; the message says why in words an editor can act on."""

    def __init__(self, message: str, *, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


@dataclass
class Reply:
    content: dict
    raw_web_card: str | None
    model: str


_clients: dict[tuple, openai.OpenAI] = {}


def _client() -> openai.OpenAI:
    key = (
        settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY,
        settings.NEWSROOM_MODEL_TIMEOUT_SECONDS, settings.NEWSROOM_MODEL_CONNECT_TIMEOUT_SECONDS,
    )
    if key not in _clients:
        _clients[key] = openai.OpenAI(
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY or "no-key",
            timeout=openai.Timeout(
                settings.NEWSROOM_MODEL_TIMEOUT_SECONDS, connect=settings.NEWSROOM_MODEL_CONNECT_TIMEOUT_SECONDS
            ),
            max_retries=0,  # Retries are ours: each one is recorded and checked against the budget.
        )
    return _clients[key]


def _uses_json_mode() -> bool:
    mode = settings.NEWSROOM_MODEL_OUTPUT_MODE
    if mode == "json_object":
        return True
    if mode == "json_schema":
        return False
    return bool(redis_connection().exists(_schema_refused_key(settings.NEWSROOM_MODEL)))


def _schema_refused_key(model: str) -> str:
    digest = hashlib.sha256(f"{settings.OPENAI_BASE_URL} {model}".encode()).hexdigest()[:16]
    return f"newsroom:generate:json-mode-only:{digest}"


def _remember_schema_refused(model: str) -> None:
    """Records, for every worker and for a day, that the endpoint refuses json_schema output for model."""
    redis_connection().set(_schema_refused_key(model), "1", ex=24 * 3600)


def _retry_after(error: openai.APIStatusError) -> float | None:
    headers = error.response.headers if error.response is not None else {}
    for header, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
            except (TypeError, ValueError):
                return None
    return None


def _error_text(error: openai.APIStatusError) -> str:
    try:
        body = error.response.json()
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
    except (ValueError, AttributeError):
        message = None
    return message or (error.response.text[:300] if error.response is not None else str(error))


def call_model(
    *, rewrite: Rewrite, articles: list[Article], purpose: str, schema: dict,
    problems: list[str] | None = None, previous: dict | None = None, field: str | None = None,
    current: dict | None = None, messages_for: Callable[[bool], list[dict]] | None = None,
    schema_name: str = "rewrite",
) -> tuple[ModelCall, str]:
    """Makes one model request, retrying API errors within this attempt; returns (call, reply text).

    The messages are the rewrite prompt, or ``messages_for(json_mode)`` for another task (the claim check).
    """
    model = settings.NEWSROOM_MODEL
    if not model:
        raise GenerationFailed("OPENAI_BASE_URL is set but NEWSROOM_MODEL is not; set the model name to use.")
    retries_left = settings.NEWSROOM_MODEL_RETRIES
    pause = 1.0
    while True:
        json_mode = _uses_json_mode()
        messages = messages_for(json_mode) if messages_for else build_messages(
            articles=articles, json_mode=json_mode, schema=schema, problems=problems,
            previous=previous, field=field, current=current,
        )
        input_estimate = estimate_tokens("".join(message["content"] for message in messages))
        call = reserve_call(rewrite=rewrite, model=model, purpose=purpose, input_estimate=input_estimate)
        response_format = (
            {"type": "json_object"}
            if json_mode
            else {"type": "json_schema", "json_schema": {"name": schema_name, "strict": True, "schema": schema}}
        )
        started = time.monotonic()
        try:
            response = _client().chat.completions.create(
                model=model,
                messages=messages,
                response_format=response_format,
                max_tokens=settings.NEWSROOM_MODEL_MAX_OUTPUT_TOKENS,
                temperature=settings.NEWSROOM_MODEL_TEMPERATURE,
            )
        except openai.APITimeoutError:
            message = f"The model did not answer within {settings.NEWSROOM_MODEL_TIMEOUT_SECONDS:g} seconds."
            # The endpoint may have read the prompt before timing out: count its input as spent.
            finish_call(
                call, outcome=ModelCall.Outcome.TIMEOUT, started=started, error=message, input_tokens=input_estimate
            )
            raise GenerationFailed(message) from None
        except openai.RateLimitError as error:
            wait = _retry_after(error)
            message = f"The model endpoint is rate limiting (429): {_error_text(error)}"
            finish_call(call, outcome=ModelCall.Outcome.RATE_LIMITED, started=started, error=message)
            wait = pause if wait is None else wait
            if retries_left > 0 and wait <= settings.NEWSROOM_MODEL_MAX_RETRY_WAIT_SECONDS:
                retries_left -= 1
                time.sleep(wait)
                pause *= 2
                continue
            raise GenerationFailed(
                f"{message}; it asked to wait {wait:g} s.", retry_at=timezone.now() + timedelta(seconds=wait)
            ) from error
        except openai.BadRequestError as error:
            text = _error_text(error)
            if (
                not json_mode
                and settings.NEWSROOM_MODEL_OUTPUT_MODE == "auto"
                and any(word in text.lower() for word in ("response_format", "json_schema", "schema"))
            ):
                finish_call(call, outcome=ModelCall.Outcome.UNSUPPORTED, started=started, error=text)
                _remember_schema_refused(model)
                logger.info("Endpoint refused json_schema output; using JSON mode with validation for %s", model)
                continue
            message = f"The model endpoint refused the request (400): {text}"
            finish_call(call, outcome=ModelCall.Outcome.API_ERROR, started=started, error=message)
            raise GenerationFailed(message) from error
        except openai.APIStatusError as error:
            message = f"The model endpoint answered with HTTP {error.status_code}: {_error_text(error)}"
            if error.status_code in (401, 403):
                message += " Check OPENAI_API_KEY."
            elif error.status_code == 404:
                message += " Check OPENAI_BASE_URL and NEWSROOM_MODEL."
            finish_call(call, outcome=ModelCall.Outcome.API_ERROR, started=started, error=message)
            if error.status_code >= 500 and retries_left > 0:
                retries_left -= 1
                time.sleep(pause)
                pause *= 2
                continue
            raise GenerationFailed(message) from error
        except openai.APIConnectionError as error:
            message = f"Could not reach the model endpoint {settings.OPENAI_BASE_URL}: {error}"
            finish_call(call, outcome=ModelCall.Outcome.API_ERROR, started=started, error=message)
            if retries_left > 0:
                retries_left -= 1
                time.sleep(pause)
                pause *= 2
                continue
            raise GenerationFailed(message) from error

        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "") if choice else ""
        usage = response.usage
        input_tokens = usage.prompt_tokens if usage and usage.prompt_tokens is not None else input_estimate
        output_tokens = usage.completion_tokens if usage and usage.completion_tokens is not None else estimate_tokens(text)
        finish_call(
            call, outcome=ModelCall.Outcome.OK, started=started,
            input_tokens=input_tokens, output_tokens=output_tokens,
        )
        if choice is not None and choice.finish_reason == "length":
            mark_call(call, ModelCall.Outcome.INVALID_JSON, "The reply was cut off at the output token limit.")
            raise GenerationFailed(
                f"The reply was cut off at {settings.NEWSROOM_MODEL_MAX_OUTPUT_TOKENS} output tokens "
                "(NEWSROOM_MODEL_MAX_OUTPUT_TOKENS) before the JSON was complete."
            )
        return call, text


def parse_reply(call: ModelCall | None, text: str, schema: dict) -> dict:
    """Returns the reply as a dict valid against schema, or raises GenerationFailed saying what is wrong."""
    cleaned = text.strip()
    if cleaned.startswith("```"):
        cleaned = cleaned.strip("`").removeprefix("json").strip()
    try:
        content = json.loads(cleaned)
    except json.JSONDecodeError as error:
        message = f"The reply was not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        if call:
            mark_call(call, ModelCall.Outcome.INVALID_JSON, message)
        raise GenerationFailed(message) from error
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(content))
    if problem is not None:
        where = ".".join(str(part) for part in problem.absolute_path) or "the reply"
        message = f"The reply broke the schema at {where}: {problem.message[:300]}"
        if call:
            mark_call(call, ModelCall.Outcome.SCHEMA_ERROR, message)
        raise GenerationFailed(message)
    return content
