"""Hostile records: each bad one is refused with its place and field, and the records around it are kept."""

import json

import pytest

from rewrites.models import Rewrite
from tests.factories import varied_record
from tests.test_records import run_import

pytestmark = pytest.mark.django_db

PLACEHOLDER = '"@@HOSTILE@@"'


def with_raw(record: dict, set_field, raw: str) -> str:
    """The record as one JSON line with the JSON text raw where set_field puts the placeholder."""
    set_field(record, "@@HOSTILE@@")
    line = json.dumps(record, ensure_ascii=True)
    assert PLACEHOLDER in line
    return line.replace(PLACEHOLDER, raw)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def set_key_facts(record, value):
    record["keyFacts"] = value


def set_input_tokens(record, value):
    record["rewrite"]["inputTokens"] = value


def set_cost(record, value):
    record["rewrite"]["costUsd"] = value


def set_facts_attempted(record, value):
    record["rewrite"]["factsAttemptedAt"] = value


def set_headline(record, value):
    record["rewrite"]["headline"] = value


def set_title(record, value):
    record["attribution"][0]["title"] = value


def set_url(record, value):
    record["attribution"][0]["url"] = value


def set_entities_json(record, value):
    record["cluster"]["entitiesJson"] = value


def set_updated(record, value):
    record["rewrite"]["updatedAt"] = value


def set_created(record, value):
    record["rewrite"]["createdAt"] = value


HOSTILE = [
    pytest.param(set_updated, '"9999-12-31T23:59:59.999-12:00"', "rewrite.updatedAt", "outside the years 1 to 9999",
                 id="time-past-year-9999-in-utc"),
    pytest.param(set_created, '"0001-01-01T00:00:00+14:00"', "rewrite.createdAt", "outside the years 1 to 9999",
                 id="time-before-year-1-in-utc"),
    pytest.param(set_key_facts, deep(100_000), "keyFacts", "nested more than", id="deep-nesting"),
    pytest.param(set_key_facts, deep(900), "keyFacts", "nested more than", id="nesting-python-can-parse"),
    pytest.param(set_entities_json, json.dumps(deep(100_000)), "cluster.entitiesJson", "nested more than",
                 id="deep-nesting-in-json-text"),
    pytest.param(set_input_tokens, "9" * 5000, "rewrite.inputTokens", "5000 digits", id="number-too-long-to-read"),
    pytest.param(set_input_tokens, "99999999999999999999", "rewrite.inputTokens", "2147483647",
                 id="number-over-the-column"),
    pytest.param(set_cost, "1e400", "rewrite.costUsd", "finite", id="float-overflow"),
    pytest.param(set_cost, "12345678.5", "rewrite.costUsd", "999999.99999999", id="cost-over-the-column"),
    pytest.param(set_facts_attempted, "99999999999999", "rewrite.factsAttemptedAt", "253402300799",
                 id="unix-time-past-9999"),
    pytest.param(set_cost, "NaN", "rewrite.costUsd", "finite", id="nan"),
    pytest.param(set_cost, "Infinity", "rewrite.costUsd", "finite", id="infinity"),
    pytest.param(set_cost, "-Infinity", "rewrite.costUsd", "finite", id="minus-infinity"),
    pytest.param(set_headline, '"Frieren\\u0000 returns"', "rewrite.headline", "NUL", id="nul"),
    pytest.param(set_title, '"x\\u0000"', "attribution.0.title", "NUL", id="nul-in-attribution"),
    pytest.param(set_headline, '"Frieren \\ud800 returns"', "rewrite.headline", "surrogate", id="lone-surrogate"),
    pytest.param(set_title, '"\\udfff"', "attribution.0.title", "surrogate", id="lone-low-surrogate"),
    pytest.param(set_url, '"http://[::1/page"', "attribution.0.url", "not a usable address", id="broken-ipv6-url"),
    pytest.param(set_url, '"https://example.com:99999/"', "attribution.0.url", "not a usable address",
                 id="port-out-of-range"),
    pytest.param(set_url, '"https:///no-host"', "attribution.0.url", "no host", id="url-without-host"),
]


@pytest.mark.parametrize("set_field, raw, field, reason", HOSTILE)
def test_a_hostile_record_is_refused_with_its_line_and_field_and_the_others_are_kept(
    seed_record, set_field, raw, field, reason
):
    first, bad, last = (varied_record(seed_record, number=number) for number in (1, 2, 3))
    text = "\n".join([json.dumps(first), with_raw(bad, set_field, raw), json.dumps(last)])

    out, err, code = run_import(text)

    assert code == 1
    assert f"Refused line 2: {field}:" in err
    assert reason in err
    assert "Imported 2 records (2 new, 0 updated), refused 1." in out
    assert set(Rewrite.objects.values_list("id", flat=True)) == {first["rewrite"]["id"], last["rewrite"]["id"]}


def test_a_deep_record_in_a_json_array_is_refused_alone(seed_record):
    first, bad, last = (varied_record(seed_record, number=number) for number in (1, 2, 3))
    text = "[" + ",\n".join([json.dumps(first), with_raw(bad, set_key_facts, deep(100_000)), json.dumps(last)]) + "]"

    out, err, code = run_import(text)

    assert code == 1
    assert "Refused record 2: keyFacts:" in err and "nested more than" in err
    assert set(Rewrite.objects.values_list("id", flat=True)) == {first["rewrite"]["id"], last["rewrite"]["id"]}


def test_a_single_deep_record_is_refused_with_a_sentence(seed_record):
    out, err, code = run_import(with_raw(seed_record, set_key_facts, deep(100_000)))

    assert code == 1
    assert "Refused record 1: keyFacts:" in err
    assert Rewrite.objects.count() == 0


def test_a_nul_or_surrogate_in_a_key_is_refused(seed_record):
    first, bad = varied_record(seed_record, number=1), varied_record(seed_record, number=2)
    line = json.dumps(bad).replace('"entities": {', '"entities": {"x\\u0000": 1, ', 1)

    out, err, code = run_import(json.dumps(first) + "\n" + line)

    assert code == 1
    assert "Refused line 2: entities:" in err and "NUL" in err
    assert list(Rewrite.objects.values_list("id", flat=True)) == [first["rewrite"]["id"]]
