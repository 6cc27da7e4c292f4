import json
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clusters.models import Article, Cluster
from tests.clustering_helpers import SUBWAY_A, SUBWAY_B, VOLCANO

DATA = Path(os.environ.get("NEWSROOM_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
DEV_SET = DATA / "clustering" / "newscluster_dev.jsonl"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def labelled(title, text, date, event, domain="wire.example"):
    return {"title": title, "text": text, "date_publish": date, "language": "en", "event_id": event,
            "source_domain": domain}


@pytest.mark.django_db(transaction=True)
def test_evaluate_clustering_prints_scores_and_leaves_no_trace(tmp_path, capsys):
    path = write_jsonl(tmp_path / "small.jsonl", [
        labelled(*SUBWAY_A, "2017-12-27T09:00:00", 1, "a.example"),
        labelled(*VOLCANO, "2017-12-27T10:00:00", 2),
        labelled(*SUBWAY_B, "2017-12-27T11:00:00", 1, "b.example"),
    ])
    databases_before = _databases()

    call_command("evaluate_clustering", str(path))

    result = json.loads(capsys.readouterr().out.strip())
    assert set(result) == {"bcubed_precision", "bcubed_recall", "bcubed_f1", "pairwise_f1", "clusters", "articles", "seconds"}
    assert result["articles"] == 3
    assert result["clusters"] == 2
    assert result["bcubed_f1"] == 1.0
    assert _databases() == databases_before
    assert not Article.objects.exists() and not Cluster.objects.exists()


def _databases() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {name for (name,) in cursor.fetchall()}


def test_evaluate_clustering_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(labelled("A", "B", "2017-01-01", 1)) + "\n" + '{"title": "no label"}\n')
    with pytest.raises(CommandError, match=r"bad.jsonl:2 lacks text, date_publish, event_id"):
        call_command("evaluate_clustering", str(path))


def test_evaluate_clustering_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluate_clustering", str(tmp_path / "absent.jsonl"))


@pytest.mark.data
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not DEV_SET.exists(), reason=f"{DEV_SET} is absent (third-party data in ../shared/data)")
def test_dev_set_reaches_the_target_b_cubed_f1(capsys):
    call_command("evaluate_clustering", str(DEV_SET))
    result = json.loads(capsys.readouterr().out.strip())
    assert result["articles"] == 235
    assert result["bcubed_f1"] >= 0.95
