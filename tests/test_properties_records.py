"""Property-based tests (Hypothesis) for record import, the records API's query values and the number and date
normalisation of newsroom/facts.py.

Import may refuse a record, but only with RecordError naming why; the API answers 200 or 400 with a
sentence; the facts functions take any text.
"""

import copy
import json
from decimal import Decimal

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsroom import facts
from rewrites.models import Rewrite
from rewrites.records import RecordError, import_record, parse_records
from tests.conftest import BUNDLED_SEED_PATH, SEED_PATH
from tests.test_properties import awkward_text

PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def load_seed() -> dict:
    path = SEED_PATH if SEED_PATH.exists() else BUNDLED_SEED_PATH
    return json.loads(path.read_text(encoding="utf-8"))


SEED = load_seed()

hostile_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**31 - 2, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(float),
)
json_values = st.recursive(
    st.none() | st.booleans() | hostile_numbers | awkward_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(awkward_text, children, max_size=3),
    max_leaves=12,
)


def leaf_paths(value, path=()):
    """Every place in value, containers included, as a path of keys and indexes."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaf_paths(child, (*path, index))


SEED_PATHS = [path for path in leaf_paths(SEED) if path]


def replaced(record: dict, path: tuple, value) -> dict:
    """record with value at path; unchanged when an earlier change took the path away."""
    record = copy.deepcopy(record)
    try:
        target = record
        for part in path[:-1]:
            target = target[part]
        if isinstance(target, list) and not (isinstance(path[-1], int) and path[-1] < len(target)):
            return record
        target[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass
    return record


def import_or_refuse(data) -> None:
    try:
        rewrite, _ = import_record(data)
    except RecordError as error:
        assert str(error).strip(), "a refusal without a reason"
    else:
        assert Rewrite.objects.filter(id=rewrite.id).exists()


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(changes=st.lists(st.tuples(st.sampled_from(SEED_PATHS), json_values), min_size=1, max_size=3))
@example(changes=[(("rewrite", "costUsd"), float("nan"))])
@example(changes=[(("rewrite", "inputTokens"), 10**30)])
@example(changes=[(("rewrite", "headline"), "\x00")])
@example(changes=[(("rewrite", "headline"), "\ud800")])
@example(changes=[(("attribution", 0, "url"), "http://[::1")])
@example(changes=[(("keyFacts",), [[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]])])
@example(changes=[(("cluster", "entitiesJson"), "[" * 5000 + "]" * 5000)])
@example(changes=[(("rewrite", "factsAttemptedAt"), 2**62)])
def test_any_change_to_a_record_is_stored_or_refused_with_a_record_error(changes):
    record = SEED
    for path, value in changes:
        record = replaced(record, path, value)

    import_or_refuse(record)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(text=awkward_text | st.sampled_from(["NaN", "-Infinity", "1e999", "9" * 5000, "[" * 50_000, '"\\ud800"']))
@example(text="[" + json.dumps(SEED) + "," + "[" * 50_000)
@example(text=json.dumps(SEED) + "\n" + "{" * 50_000)
def test_any_text_is_read_into_records_or_refusals(text):
    for position, item in parse_records(text):
        assert position
        if isinstance(item, RecordError):
            assert str(item).strip()
        else:
            import_or_refuse(item)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(since=awkward_text, after=awkward_text, limit=awkward_text | st.integers().map(str))
@example(since="2026-07-04T00:00:00-23:59", after="", limit="10")
@example(since="9999-12-31T23:59:59.999-23:59", after="", limit="1")
@example(since="", after="9999-12-31T23:59:59-23:59|r_x", limit="")
@example(since="", after="0001-01-01T00:00:00+14:00|", limit="9" * 5000)
def test_the_records_api_answers_any_query_with_records_or_a_sentence(editor, since, after, limit):
    client = Client()
    client.force_login(editor)
    query = {name: value for name, value in [("since", since), ("after", after), ("limit", limit)] if value}

    response = client.get("/api/records", query)

    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert response.json()["error"].strip()


numberish = st.lists(
    st.one_of(
        st.sampled_from(list("0123456789０１２３４５６７８９〇一二三四五六七八九十百千万億兆.,．、%％年月日時分秒")),
        st.sampled_from(["million", "billion", "trillion", " ", "-", "〜", "約", "~", "$", "¥", "円", "km", "1e400"]),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=numberish | awkward_text)
@example(text="1" * 40)
@example(text="9" * 30 + "兆")
@example(text="1兆" * 20)
@example(text="9999999999999999999999999999999年12月31日")
@example(text="0年0月0日")
def test_facts_read_any_text_without_raising(text):
    for quantity in facts.extract_quantities(text):
        assert 0 <= quantity.span[0] <= quantity.span[1] <= len(text)
        assert isinstance(quantity.value, Decimal)
        assert quantity.values
    for mention in facts.extract_dates(text):
        assert 0 <= mention.span[0] <= mention.span[1] <= len(text)
        mention.date  # noqa: B018 - computing it must not raise
    for name in facts.extract_names(text):
        assert 0 <= name.span[0] <= name.span[1] <= len(text)
    assert isinstance(facts.normalise(text), str)
    assert isinstance(facts.name_key(text), str)
    facts.same_name(text, text[::-1])


@settings(max_examples=300, deadline=None)
@given(written=numberish)
@example(written="1" * 40)
@example(written="9" * 30 + "兆")
def test_parse_number_gives_a_number_or_none(written):
    value = facts.parse_number(written)
    assert value is None or isinstance(value, Decimal)
