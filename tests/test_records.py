import copy
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clusters.models import Article, Cluster, Source
from rewrites.models import Attribution, Rewrite
from rewrites.records import RecordError, import_record, record_for
from tests.records_data import all_records, full_record, null_record

pytestmark = pytest.mark.django_db


def run_import(text: str | bytes) -> tuple[str, str, int]:
    """Runs import_records on text through standard input; returns (stdout, stderr, exit code).

    Bytes arrive as they would from a pipe, decoded as UTF-8.
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    import sys

    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(text), encoding="utf-8") if isinstance(text, bytes) else io.StringIO(text)
    try:
        call_command("import_records", "-", stdout=stdout, stderr=stderr)
        code = 0
    except CommandError as error:
        stderr.write(str(error))
        code = error.returncode
    finally:
        sys.stdin = saved
    return stdout.getvalue(), stderr.getvalue(), code


def run_export(*args: str) -> list[dict]:
    stdout = io.StringIO()
    call_command("export_records", *args, stdout=stdout)
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_seed_round_trips_through_import_and_export(seed_record):
    _, _, code = run_import(json.dumps(seed_record, ensure_ascii=False))

    assert code == 0
    assert run_export() == [seed_record]


@pytest.mark.parametrize("builder", [full_record, null_record], ids=["every-field", "all-nulls"])
def test_varied_records_round_trip(seed_record, builder):
    record = builder(seed_record)

    _, _, code = run_import(json.dumps(record, ensure_ascii=False))

    assert code == 0
    assert run_export("--id", record["rewrite"]["id"]) == [record]


def test_json_array_and_json_lines_are_both_read(seed_record):
    records = all_records(seed_record)

    out, _, code = run_import(json.dumps(records))
    assert code == 0
    assert "3 new" in out

    out, _, code = run_import("\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n")
    assert code == 0
    assert "3 updated" in out
    assert sorted(run_export(), key=lambda r: r["rewrite"]["id"]) == sorted(records, key=lambda r: r["rewrite"]["id"])


def test_import_is_idempotent(seed_record):
    run_import(json.dumps(seed_record))
    run_import(json.dumps(seed_record))

    assert Rewrite.objects.count() == 1
    assert Cluster.objects.count() == 1
    assert Article.objects.count() == 1
    assert Attribution.objects.count() == 1
    assert Source.objects.count() == 1


def test_reimport_updates_fields(seed_record):
    run_import(json.dumps(seed_record))
    seed_record["rewrite"]["headline"] = "A corrected headline"
    seed_record["attribution"][0]["title"] = "新しいタイトル"

    run_import(json.dumps(seed_record, ensure_ascii=False))

    assert run_export() == [seed_record]


BYTE_ORDER_MARK = "\ufeff".encode()
SHAPES = {
    "one record": lambda records: json.dumps(records[0], ensure_ascii=False),
    "one record, indented": lambda records: json.dumps(records[0], ensure_ascii=False, indent=2),
    "array": lambda records: json.dumps(records, ensure_ascii=False),
    "array, indented": lambda records: json.dumps(records, ensure_ascii=False, indent=2),
    "JSON Lines": lambda records: "\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_leading_byte_order_mark_is_accepted_on_standard_input(seed_record, shape):
    records = all_records(seed_record)
    text = SHAPES[shape](records)

    out, err, code = run_import(BYTE_ORDER_MARK + text.encode())

    assert (code, err) == (0, "")
    expected = records[:1] if shape.startswith("one record") else records
    assert f"Imported {len(expected)} records" in out
    assert sorted(run_export(), key=lambda r: r["rewrite"]["id"]) == sorted(expected, key=lambda r: r["rewrite"]["id"])


@pytest.mark.parametrize("shape", SHAPES)
def test_a_leading_byte_order_mark_is_accepted_in_a_file(tmp_path, seed_record, shape):
    records = all_records(seed_record)
    path = tmp_path / "records.json"
    path.write_text(SHAPES[shape](records), encoding="utf-8-sig")
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("import_records", str(path), stdout=stdout, stderr=stderr)

    assert stderr.getvalue() == ""
    assert "refused 0" in stdout.getvalue()
    expected = records[:1] if shape.startswith("one record") else records
    assert Rewrite.objects.count() == len(expected)


def test_invalid_record_is_refused_with_position_and_field_while_valid_ones_are_kept(seed_record):
    good = full_record(seed_record)
    bad = null_record(seed_record)
    bad["rewrite"]["status"] = "finished"
    lines = [json.dumps(seed_record), json.dumps(bad), "{not json", json.dumps(good)]

    out, err, code = run_import("\n".join(lines))

    assert code == 1
    assert "Refused line 2: rewrite.status: 'finished' is not one of" in err
    assert "Refused line 3: not valid JSON" in err
    assert "refused 2" in out
    assert set(Rewrite.objects.values_list("id", flat=True)) == {
        seed_record["rewrite"]["id"], good["rewrite"]["id"]
    }


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda r: r["rewrite"].update(id="r_123"), "rewrite.id"),
        (lambda r: r["rewrite"].update(createdAt="yesterday"), "rewrite.createdAt"),
        (lambda r: r["rewrite"].update(updatedAt="2026-07-04T15:08:56"), "rewrite.updatedAt"),
        (lambda r: r["rewrite"].update(clusterId="c_" + "f" * 24), "rewrite.clusterId"),
        (lambda r: r["rewrite"].update(attributionJson="[{]"), "rewrite.attributionJson"),
        (lambda r: r["rewrite"].update(attributionJson='[{"source": "X"}]'), "rewrite.attributionJson[0]"),
        (lambda r: r["rewrite"].update(lintFlagsJson='[{"code": "x", "field": "headline", "severity": "fatal", "message": "m"}]'), "rewrite.lintFlagsJson[0.severity]"),
        (lambda r: r["rewrite"].update(inputTokens=-1), "rewrite.inputTokens"),
        (lambda r: r["rewrite"].update(factsAttemptedAt=1.5), "rewrite.factsAttemptedAt"),
        (lambda r: r["cluster"].update(entitiesJson='{"type": "news"}'), "cluster.entitiesJson"),
        (lambda r: r["entities"].update(domain="anime"), "entities"),
        (lambda r: r["attribution"][0].update(url="javascript:alert(1)"), "attribution.0.url"),
        (lambda r: r.pop("keyFacts"), ""),
        (lambda r: r["rewrite"].update(extra=1), "rewrite"),
    ],
)
def test_each_invalid_field_is_named(seed_record, change, field):
    change(seed_record)

    with pytest.raises(RecordError) as refusal:
        import_record(seed_record)

    assert refusal.value.field == field
    assert Rewrite.objects.count() == 0
    assert Cluster.objects.count() == 0


def test_a_record_refused_late_leaves_nothing_half_written(seed_record):
    import_record(seed_record)
    other = full_record(seed_record)
    # Its representative article's page already belongs to the seed's article.
    other["attribution"][0]["url"] = seed_record["attribution"][0]["url"]

    with pytest.raises(RecordError) as refusal:
        import_record(other)

    assert refusal.value.field == "attribution.0.url"
    assert not Cluster.objects.filter(id=other["cluster"]["id"]).exists()
    assert not Source.objects.filter(name="Natalie").exists()
    assert Rewrite.objects.count() == 1


def test_a_slug_used_by_another_rewrite_is_refused(seed_record):
    import_record(seed_record)
    other = full_record(seed_record)
    other["rewrite"]["slug"] = seed_record["rewrite"]["slug"]

    with pytest.raises(RecordError, match="already used"):
        import_record(other)


def test_import_reads_a_file_and_reports_a_missing_one(tmp_path, seed_record):
    path = tmp_path / "records.json"
    path.write_text(json.dumps(seed_record, ensure_ascii=False), encoding="utf-8")

    call_command("import_records", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No file at"):
        call_command("import_records", str(tmp_path / "missing.json"))

    assert Rewrite.objects.count() == 1


def test_export_filters_by_since(seed_record):
    records = all_records(seed_record)
    for record in records:
        import_record(record)

    exported = run_export("--since", "2026-07-05T00:00:00Z")

    assert exported == [records[1]]


def test_export_refuses_unknown_ids_and_bad_times(seed_record):
    import_record(seed_record)

    with pytest.raises(CommandError, match="No rewrite with id r_000"):
        run_export("--id", "r_000")
    with pytest.raises(CommandError, match="not an ISO-8601 time"):
        run_export("--since", "last tuesday")


TIMES_OF_THE_RECORD = {
    "rewrite": ["createdAt", "publishedAt", "updatedAt", "nextRepairAt"],
    "cluster": ["firstSeenAt", "lastSeenAt", "updatedAt"],
}


@pytest.mark.parametrize("written", ["0001-01-01T00:00:00.000Z", "0999-06-15T12:34:56.789Z", "9999-12-31T23:59:59.999Z"])
def test_times_in_any_year_round_trip_through_export_import_and_the_api_since(seed_record, editor, client, written):
    record = copy.deepcopy(seed_record)
    for part, names in TIMES_OF_THE_RECORD.items():
        record[part].update(dict.fromkeys(names, written))
    _, _, code = run_import(json.dumps(record, ensure_ascii=False))
    assert code == 0

    exported = run_export()
    _, errors, code = run_import("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in exported))
    client.force_login(editor)
    answer = client.get("/api/records", {"since": exported[0]["rewrite"]["updatedAt"]})

    assert exported == [record]
    assert (code, errors) == (0, "")
    assert answer.status_code == 200, answer.content
    assert [item["rewrite"]["id"] for item in answer.json()["records"]] == [record["rewrite"]["id"]]
    assert answer.json()["until"] == written


def test_record_for_matches_export_of_the_same_rewrite(seed_record):
    rewrite, created = import_record(seed_record)

    assert created
    assert record_for(Rewrite.objects.get(id=rewrite.id)) == seed_record
