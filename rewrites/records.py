"""The record: one rewrite, its cluster and their attribution as one JSON object.

``record_for`` writes a rewrite in the shape of ``seed/record.json``;
``import_record`` stores one such object, all or nothing; ``parse_records``
reads one record, a JSON array of records, or JSON Lines. Import followed by
export gives back the same JSON value.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Iterator
from urllib.parse import urlsplit

import jsonschema
from django.db import transaction

from clusters.models import ENTITY_KEYS, ENTITY_NAME_KEYS, Article, Cluster, Source
from clusters.sources.canonical import canonical_url
from clusters.states import import_cluster_status
from newsroom.timestamps import format_timestamp, parse_timestamp
from rewrites.dashboard.rollup import reopen_days
from rewrites.fields import OUTPUT_FIELDS
from rewrites.models import Attribution, PublishedStory, Rewrite, StoryRedirect
from rewrites.states import import_status

TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_TEXT = {"type": ["string", "null"]}
# The largest values the columns behind them hold (PostgreSQL integer, numeric(14, 8), year 9999).
LARGEST_COUNT = 2_147_483_647
LARGEST_COST = 999_999.99999999
LARGEST_UNIX_TIME = 253_402_300_799
MAX_DEPTH = 16
MAX_ATTRIBUTIONS = 1000
COUNT = {"type": "integer", "minimum": 0, "maximum": LARGEST_COUNT}
STRING_LIST = {"type": "array", "items": {"type": "string"}}
ATTRIBUTION_ENTRY = {
    "type": "object",
    "required": ["source", "url", "title"],
    "properties": {
        "source": {"type": "string", "minLength": 1, "maxLength": 200},
        "url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
        "title": {"type": "string"},
    },
}
ENTITIES = {
    "type": "object",
    "required": list(ENTITY_KEYS),
    "properties": {
        **{key: STRING_LIST for key in ENTITY_NAME_KEYS},
        "type": {"type": ["string", "null"]},
        "domain": {"type": ["string", "null"]},
        "is_roundup": {"type": "boolean"},
    },
}
LINT_FLAG = {
    "type": "object",
    "required": ["code", "field", "severity", "message"],
    "properties": {
        "code": {"type": "string"},
        "field": {"type": "string"},
        "severity": {"enum": ["error", "warning", "info"]},
        "message": {"type": "string"},
        "span": {
            "type": ["array", "null"],
            "items": {"type": "integer", "minimum": 0},
            "minItems": 2,
            "maxItems": 2,
        },
    },
}

RECORD_SCHEMA = {
    "type": "object",
    "required": ["rewrite", "cluster", "attribution", "entities", "keyFacts"],
    "additionalProperties": False,
    "properties": {
        "rewrite": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id", "clusterId", "slug", "model", *(field.record_name for field in OUTPUT_FIELDS),
                "attributionJson", "lintFlagsJson", "lintHits", "costUsd", "inputTokens", "outputTokens", "status",
                "repairAttempts", "nextRepairAt", "factsAttemptedAt", "createdAt", "publishedAt", "updatedAt",
            ],
            "properties": {
                "id": {"type": "string", "pattern": "^r_[0-9a-f]{24}$"},
                "clusterId": {"type": "string", "pattern": "^c_[0-9a-f]{24}$"},
                "slug": {"type": ["string", "null"], "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 200},
                "model": {"type": ["string", "null"], "maxLength": 200},
                **{field.record_name: NULLABLE_TEXT for field in OUTPUT_FIELDS},
                "attributionJson": NULLABLE_TEXT,
                "lintFlagsJson": NULLABLE_TEXT,
                "lintHits": COUNT,
                "costUsd": {"type": "number", "minimum": 0, "maximum": LARGEST_COST},
                "inputTokens": COUNT,
                "outputTokens": COUNT,
                "status": {"enum": list(Rewrite.Status.values)},
                "repairAttempts": COUNT,
                "nextRepairAt": NULLABLE_TIMESTAMP,
                "factsAttemptedAt": {"type": ["integer", "null"], "minimum": 0, "maximum": LARGEST_UNIX_TIME},
                "createdAt": TIMESTAMP,
                "publishedAt": NULLABLE_TIMESTAMP,
                "updatedAt": TIMESTAMP,
            },
        },
        "cluster": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id", "canonicalTitle", "representativeArticleId", "sourceCount", "writtenSourceCount",
                "writeAttempts", "isSolo", "entitiesJson", "contentType", "status", "firstSeenAt",
                "lastSeenAt", "updatedAt",
            ],
            "properties": {
                "id": {"type": "string", "pattern": "^c_[0-9a-f]{24}$"},
                "canonicalTitle": {"type": "string", "minLength": 1},
                "representativeArticleId": {"type": ["string", "null"], "pattern": "^a_[0-9a-f]{24}$"},
                "sourceCount": COUNT,
                "writtenSourceCount": COUNT,
                "writeAttempts": COUNT,
                "isSolo": {"type": "boolean"},
                "entitiesJson": NULLABLE_TEXT,
                "contentType": {"type": ["string", "null"], "maxLength": 50},
                "status": {"enum": list(Cluster.Status.values)},
                "firstSeenAt": TIMESTAMP,
                "lastSeenAt": TIMESTAMP,
                "updatedAt": TIMESTAMP,
            },
        },
        "attribution": {"type": "array", "items": ATTRIBUTION_ENTRY, "maxItems": MAX_ATTRIBUTIONS},
        "entities": {"oneOf": [ENTITIES, {"type": "null"}]},
        "keyFacts": {"oneOf": [STRING_LIST, {"type": "null"}]},
    },
}

_validator = jsonschema.Draft202012Validator(
    RECORD_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


@dataclass
class RecordError(Exception):
    """A record that cannot be stored: the field at fault and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


# Writing records


def format_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def record_for(rewrite: Rewrite) -> dict[str, Any]:
    """Returns the record of rewrite; attributions should be prefetched for lists."""
    cluster = rewrite.cluster
    entities = json.loads(cluster.entities_json) if cluster.entities_json is not None else None
    return {
        "rewrite": {
            "id": rewrite.id,
            "clusterId": cluster.id,
            "slug": rewrite.slug,
            "model": rewrite.model,
            **{field.record_name: getattr(rewrite, field.attribute) for field in OUTPUT_FIELDS},
            "attributionJson": rewrite.attribution_json,
            "lintFlagsJson": rewrite.lint_flags_json,
            "lintHits": rewrite.lint_hits,
            "costUsd": format_number(rewrite.cost_usd),
            "inputTokens": rewrite.input_tokens,
            "outputTokens": rewrite.output_tokens,
            "status": rewrite.status,
            "repairAttempts": rewrite.repair_attempts,
            "nextRepairAt": format_timestamp(rewrite.next_repair_at),
            "factsAttemptedAt": (
                int(rewrite.facts_attempted_at.timestamp()) if rewrite.facts_attempted_at else None
            ),
            "createdAt": format_timestamp(rewrite.created_at),
            "publishedAt": format_timestamp(rewrite.published_at),
            "updatedAt": format_timestamp(rewrite.updated_at),
        },
        "cluster": {
            "id": cluster.id,
            "canonicalTitle": cluster.canonical_title,
            "representativeArticleId": cluster.representative_article_id,
            "sourceCount": cluster.source_count,
            "writtenSourceCount": cluster.written_source_count,
            "writeAttempts": cluster.write_attempts,
            "isSolo": cluster.is_solo,
            "entitiesJson": cluster.entities_json,
            "contentType": cluster.content_type,
            "status": cluster.status,
            "firstSeenAt": format_timestamp(cluster.first_seen_at),
            "lastSeenAt": format_timestamp(cluster.last_seen_at),
            "updatedAt": format_timestamp(cluster.updated_at),
        },
        "attribution": [
            {"source": entry.source, "url": entry.url, "title": entry.title}
            for entry in rewrite.attributions.all()
        ],
        "entities": entities,
        "keyFacts": rewrite.key_facts,
    }


def records_queryset():
    """Rewrites with what record_for needs, in two queries per page."""
    return Rewrite.objects.select_related("cluster").prefetch_related("attributions")


def dump_record(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


# Reading records


class _LongNumber:
    """An integer with more digits than any field holds, kept unread so it can be refused by name."""

    def __init__(self, digits: int):
        self.digits = digits


def _read_integer(text: str) -> int | _LongNumber:
    # Python refuses to read integers of more than 4300 digits with a bare ValueError.
    return int(text) if len(text) <= 40 else _LongNumber(len(text.lstrip("-")))


_decoder = json.JSONDecoder(parse_int=_read_integer)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
BYTE_ORDER_MARK = "\ufeff"
TOO_DEEP = f"is nested more than {MAX_DEPTH} levels deep; no field of a record is"


class _TooDeep(RecordError):
    """JSON nested so deep that it cannot be read at all."""


def _field_name(path: list) -> str:
    """Names a place in a record: the path up to where lists start nesting in lists, which no field does."""
    parts = []
    for position, part in enumerate(path[:6]):
        if isinstance(part, int) and position + 1 < len(path) and isinstance(path[position + 1], int):
            break
        parts.append(str(part))
    return ".".join(parts)


def _deep_path(text: str) -> list:
    """Returns the keys and indexes leading to where text nests deeper than MAX_DEPTH."""
    frames: list[list] = []  # [is_object, key or index] for each open container
    key = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            if len(frames) >= MAX_DEPTH:
                break
            frames.append([token == "{", None if token == "{" else 0])
        elif token in ("]", "}"):
            if frames:
                frames.pop()
        elif token == ",":
            if frames and not frames[-1][0]:
                frames[-1][1] += 1
        elif token == ":":
            if frames and frames[-1][0]:
                frames[-1][1] = key
        else:
            key = token[1:-1]
    return [frame[1] for frame in frames if frame[1] is not None]


def _load(text: str) -> Any:
    """Returns the JSON value of text.

    Raises json.JSONDecodeError for text that is not JSON and _TooDeep, naming
    the field, for JSON nested too deep to read.
    """
    try:
        return _decoder.decode(text)
    except RecursionError:
        raise _TooDeep(_field_name(_deep_path(text)), TOO_DEEP) from None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which text cannot hold here; remove it"
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return (
            f"contains a lone surrogate (\\u{ord(surrogate.group()):04x} at character {surrogate.start() + 1}), "
            "half of a character that cannot be stored; send the text as UTF-8"
        )
    return None


def check_values(value: Any, field: str = "") -> None:
    """Raises RecordError naming the first value no field can hold.

    Refused: nesting deeper than MAX_DEPTH, NaN, infinities and numbers too
    large for a float, integers too long to read, and text (keys included)
    with NUL or lone surrogates.
    """
    stack: list[tuple[Any, list]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, (dict, list)) and len(path) >= MAX_DEPTH:
            problem = TOO_DEEP
        elif isinstance(item, dict):
            problem = None
            for key, child in reversed(item.items()):
                key_problem = _text_problem(key) if isinstance(key, str) else None
                if key_problem:
                    problem = f"has a key that {key_problem}"
                    break
                stack.append((child, path + [key]))
        elif isinstance(item, list):
            stack.extend((child, path + [index]) for index, child in reversed(list(enumerate(item))))
            continue
        elif isinstance(item, str):
            problem = _text_problem(item)
        elif isinstance(item, float) and not math.isfinite(item):
            problem = (
                f"is {item}; it must be a finite number (NaN, Infinity and numbers beyond 1e308 are not accepted)"
            )
        elif isinstance(item, _LongNumber):
            problem = f"is a number with {item.digits} digits, more than any field holds"
        else:
            problem = None
        if problem:
            name = _field_name(path)
            raise RecordError(f"{field}[{name}]" if field and name else field or name, problem)


def _json_error(error: json.JSONDecodeError, *, lines: bool) -> RecordError:
    where = f"line {error.lineno}, column {error.colno}" if lines else f"column {error.colno}"
    return RecordError("", f"not valid JSON: {error.msg} at {where}")


def _array_items(text: str) -> Iterator[str]:
    """Yields the text of each element of the JSON array text, split where the nesting is one level deep."""
    depth, start = 0, 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
        elif token in ("]", "}"):
            depth -= 1
            if depth == 0:
                if text[start:match.start()].strip():
                    yield text[start:match.start()]
                return
        elif token == "," and depth == 1:
            yield text[start:match.start()]
            start = match.end()


def parse_records(text: str) -> Iterator[tuple[str, Any]]:
    """Yields (position, record or RecordError) for one record, a JSON array, or JSON Lines.

    The position names where the record was found ("record 3" or "line 7") so a
    refusal can point at it. A record nested too deep to read is refused alone.
    A byte order mark at the start of text (as some editors save UTF-8) is skipped.
    """
    text = text.removeprefix(BYTE_ORDER_MARK)
    stripped = text.strip()
    if not stripped:
        return
    if stripped.startswith("["):
        try:
            items = _load(stripped)
        except json.JSONDecodeError as error:
            yield "input", _json_error(error, lines=True)
            return
        except _TooDeep:
            items = None
        if isinstance(items, list):
            for index, item in enumerate(items, start=1):
                yield f"record {index}", item
            return
        if items is None:
            for index, item_text in enumerate(_array_items(stripped), start=1):
                try:
                    yield f"record {index}", _load(item_text)
                except json.JSONDecodeError as error:
                    yield f"record {index}", _json_error(error, lines=True)
                except _TooDeep as error:
                    yield f"record {index}", error
            return
    try:
        yield "record 1", _load(stripped)
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data" and "\n" not in stripped:
            yield "record 1", _json_error(error, lines=False)
            return
    except _TooDeep as error:
        if "\n" not in stripped:
            yield "record 1", error
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = _load(line)
        except json.JSONDecodeError as error:
            item = _json_error(error, lines=False)
        except _TooDeep as error:
            item = error
        yield f"line {number}", item


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path)


def _parse_time(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise RecordError(field, str(error)) from None


def _parse_json_text(value: str | None, field: str, schema: dict) -> Any:
    if value is None:
        return None
    try:
        parsed = _load(value)
    except json.JSONDecodeError as error:
        raise RecordError(field, f"must hold JSON text: {error.msg} at column {error.colno}") from None
    except _TooDeep as error:
        raise RecordError(f"{field}[{error.field}]" if error.field else field, error.message) from None
    check_values(parsed, field)
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(parsed))
    if problem is not None:
        where = _path(problem)
        raise RecordError(f"{field}[{where}]" if where else field, problem.message)
    return parsed


def validate_record(data: Any) -> None:
    """Raises RecordError naming the first field at fault, if any."""
    check_values(data)
    problem = jsonschema.exceptions.best_match(_validator.iter_errors(data))
    if problem is not None:
        raise RecordError(_path(problem), problem.message)
    rewrite, cluster = data["rewrite"], data["cluster"]
    if rewrite["clusterId"] != cluster["id"]:
        raise RecordError("rewrite.clusterId", f"is {rewrite['clusterId']} but cluster.id is {cluster['id']}")
    for field in ["createdAt", "updatedAt", "publishedAt", "nextRepairAt"]:
        _parse_time(rewrite[field], f"rewrite.{field}")
    for field in ["firstSeenAt", "lastSeenAt", "updatedAt"]:
        _parse_time(cluster[field], f"cluster.{field}")
    _parse_json_text(rewrite["attributionJson"], "rewrite.attributionJson", {"type": "array", "items": ATTRIBUTION_ENTRY})
    _parse_json_text(rewrite["lintFlagsJson"], "rewrite.lintFlagsJson", {"type": "array", "items": LINT_FLAG})
    entities = _parse_json_text(cluster["entitiesJson"], "cluster.entitiesJson", ENTITIES)
    if entities != data["entities"]:
        raise RecordError("entities", "differs from cluster.entitiesJson; the two must hold the same value")
    for position, entry in enumerate(data["attribution"]):
        _check_address(entry["url"], f"attribution.{position}.url")
    if cluster["representativeArticleId"] and not data["attribution"]:
        raise RecordError(
            "cluster.representativeArticleId", "names an article but attribution lists no source articles"
        )


def _check_address(url: str, field: str) -> None:
    try:
        host = urlsplit(url.strip()).hostname
        canonical_url(url)
    except ValueError as error:
        raise RecordError(field, f"'{url}' is not a usable address: {error}") from None
    if not host:
        raise RecordError(field, f"'{url}' has no host name")


def _article_id_for(cluster_id: str, url: str) -> str:
    return "a_" + hashlib.sha256(f"{cluster_id} {url}".encode()).hexdigest()[:24]


def _representative_position(data: dict) -> int | None:
    if not data["cluster"]["representativeArticleId"]:
        return None
    titles = [entry["title"] for entry in data["attribution"]]
    title = data["cluster"]["canonicalTitle"]
    return titles.index(title) if title in titles else 0


@transaction.atomic
def import_record(data: Any) -> tuple[Rewrite, bool]:
    """Stores one record, creating or updating by id. Returns (rewrite, created).

    Nothing is written unless the whole record is stored. A record may not move a
    story that is on the public site to another cluster or out of ``published``,
    nor give a rewrite the address of another story's page.
    """
    validate_record(data)
    r, c = data["rewrite"], data["cluster"]

    # Held until the record is stored, so that no publish or kill of this rewrite runs in between.
    current = Rewrite.objects.select_for_update(of=("self",)).filter(id=r["id"]).first()
    if current is not None:
        _check_live_story(current, r)
    existing_rewrite = Rewrite.objects.select_for_update().filter(cluster_id=c["id"]).exclude(id=r["id"]).first()
    if existing_rewrite is not None:
        raise RecordError("rewrite.clusterId", f"cluster {c['id']} already has another rewrite, {existing_rewrite.id}")
    if r["slug"]:
        _check_slug(r["slug"], rewrite_id=r["id"])

    entities = data["entities"] or {}
    cluster, _ = Cluster.objects.update_or_create(
        id=c["id"],
        defaults={
            "canonical_title": c["canonicalTitle"],
            "source_count": c["sourceCount"],
            "written_source_count": c["writtenSourceCount"],
            "write_attempts": c["writeAttempts"],
            "is_solo": c["isSolo"],
            "entities_json": c["entitiesJson"],
            "content_type": c["contentType"],
            "domain": entities.get("domain") or "",
            "first_seen_at": _parse_time(c["firstSeenAt"], "cluster.firstSeenAt"),
            "last_seen_at": _parse_time(c["lastSeenAt"], "cluster.lastSeenAt"),
            "updated_at": _parse_time(c["updatedAt"], "cluster.updatedAt"),
            "representative_article": None,
        },
    )

    representative_position = _representative_position(data)
    articles = []
    for position, entry in enumerate(data["attribution"]):
        articles.append(
            _import_article(
                cluster=cluster,
                entry=entry,
                article_id=(
                    c["representativeArticleId"]
                    if position == representative_position
                    else _article_id_for(cluster.id, entry["url"])
                ),
                field=f"attribution.{position}",
                keeps_id=position == representative_position,
                published_at=cluster.first_seen_at,
            )
        )
    if representative_position is not None:
        cluster.representative_article = articles[representative_position]
        cluster.save(update_fields=["representative_article"])
    import_cluster_status(cluster, status=c["status"])

    facts_attempted_at = r["factsAttemptedAt"]
    rewrite, created = Rewrite.objects.update_or_create(
        id=r["id"],
        defaults={
            "cluster": cluster,
            "slug": r["slug"],
            "model": r["model"],
            **{field.attribute: r[field.record_name] for field in OUTPUT_FIELDS},
            "attribution_json": r["attributionJson"],
            "lint_flags_json": r["lintFlagsJson"],
            "lint_hits": r["lintHits"],
            "lint_errors": sum(
                1 for flag in json.loads(r["lintFlagsJson"] or "[]") if flag["severity"] == "error"
            ),
            "cost_usd": Decimal(str(r["costUsd"])),
            "input_tokens": r["inputTokens"],
            "output_tokens": r["outputTokens"],
            "repair_attempts": r["repairAttempts"],
            "next_repair_at": _parse_time(r["nextRepairAt"], "rewrite.nextRepairAt"),
            "facts_attempted_at": (
                datetime.fromtimestamp(facts_attempted_at, UTC) if facts_attempted_at is not None else None
            ),
            "key_facts": data["keyFacts"],
            "created_at": _parse_time(r["createdAt"], "rewrite.createdAt"),
            "published_at": _parse_time(r["publishedAt"], "rewrite.publishedAt"),
            "updated_at": _parse_time(r["updatedAt"], "rewrite.updatedAt"),
        },
    )
    import_status(rewrite, status=r["status"], created=created)
    if not created:
        Rewrite.objects.filter(pk=rewrite.pk).update(version=rewrite.version + 1)
    rewrite.attributions.all().delete()
    Attribution.objects.bulk_create(
        Attribution(
            rewrite=rewrite,
            position=position,
            article=article,
            source=entry["source"],
            url=entry["url"],
            title=entry["title"],
        )
        for position, (entry, article) in enumerate(zip(data["attribution"], articles))
    )
    # A record dated on days the dashboard has already summed: those days are counted again.
    reopen_days(cluster.first_seen_at, rewrite.created_at, rewrite.published_at, rewrite.updated_at)
    return rewrite, created


def _check_live_story(current: Rewrite, r: dict) -> None:
    """Raises RecordError when the record would move a story on the public site or take it out of published.

    Its page and Kill follow the rewrite's cluster and status, so either change would leave the page up
    with nothing on the desk able to take it down.
    """
    story = PublishedStory.objects.live().filter(rewrite_id=current.id).first()
    if story is None:
        return
    where = f"rewrite {current.id} is published at /stories/{story.slug}/"
    kill_first = (
        f"kill the story first (Unpublish (kill) in its workspace, /rewrites/{current.id}/) and import the record again"
    )
    if r["clusterId"] != current.cluster_id:
        raise RecordError(
            "rewrite.clusterId",
            f"is {r['clusterId']} but {where} under cluster {current.cluster_id}; a record cannot move a story "
            f"that is on the public site to another cluster: {kill_first}, or keep clusterId {current.cluster_id}",
        )
    if r["status"] != Rewrite.Status.PUBLISHED:
        raise RecordError(
            "rewrite.status",
            f"is {r['status']} but {where}; a record cannot take a story off the public site: {kill_first}, "
            "or import it as published",
        )


def _check_slug(slug: str, *, rewrite_id: str) -> None:
    """Raises RecordError when slug belongs to another rewrite, or is the address of another story's page."""
    if Rewrite.objects.filter(slug=slug).exclude(id=rewrite_id).exists():
        raise RecordError("rewrite.slug", f"'{slug}' is already used by another rewrite")
    story = PublishedStory.objects.filter(slug=slug).exclude(rewrite_id=rewrite_id).first()
    if story is not None:
        state = "the public page" if story.is_live else "the taken-down page"
        raise RecordError(
            "rewrite.slug",
            f"'{slug}' is the address of {state} of another story, /stories/{slug}/ (rewrite {story.rewrite_id}); "
            "choose another slug",
        )
    moved = StoryRedirect.objects.filter(slug=slug).exclude(story__rewrite_id=rewrite_id).select_related("story").first()
    if moved is not None:
        raise RecordError(
            "rewrite.slug",
            f"'{slug}' is an old address of another story: /stories/{slug}/ redirects to /stories/{moved.story.slug}/ "
            f"(rewrite {moved.story.rewrite_id}); choose another slug",
        )


def _import_article(
    *, cluster: Cluster, entry: dict, article_id: str, field: str, keeps_id: bool, published_at: datetime
) -> Article:
    source, _ = Source.objects.get_or_create(name=entry["source"], defaults={"enabled": False})
    url = canonical_url(entry["url"])
    by_url = Article.objects.filter(canonical_url=url).exclude(id=article_id).first()
    if by_url is not None:
        if keeps_id:
            raise RecordError(f"{field}.url", f"{entry['url']} already belongs to article {by_url.id}")
        if by_url.cluster_id != cluster.id:
            by_url.cluster = cluster
            by_url.save(update_fields=["cluster"])
        return by_url
    article, _ = Article.objects.update_or_create(
        id=article_id,
        defaults={
            "source": source,
            "cluster": cluster,
            "url": entry["url"],
            "canonical_url": url,
            "title": entry["title"],
        },
        create_defaults={
            "source": source,
            "cluster": cluster,
            "url": entry["url"],
            "canonical_url": url,
            "title": entry["title"],
            "published_at": published_at,
            "text_origin": "import",
        },
    )
    return article
