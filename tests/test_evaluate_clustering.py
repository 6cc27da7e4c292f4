import json
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clusters.clustering import assign_article
from clusters.editing import merge_clusters, move_article
from clusters.models import Article, Cluster
from tests.clustering_helpers import SUBWAY_A, SUBWAY_B, VOLCANO
from tests.factories import make_article, make_source

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


def _split_story_merged_by_an_editor(editor, settings):
    """Two reports of one story that the clustering kept apart (threshold at its maximum), then an editor's merge."""
    settings.NEWSROOM_CLUSTER_THRESHOLD = 1.0
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    second = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    keep, away = assign_article(article_id=first.id), assign_article(article_id=second.id)
    merge_clusters(keep_id=keep.id, merge_id=away.id, user=editor, reason="Same crash")


@pytest.mark.django_db
def test_replaying_a_merge_says_whether_the_clustering_would_split_the_story_again(editor, settings, capsys):
    _split_story_merged_by_an_editor(editor, settings)

    call_command("evaluate_clustering", "--corrections")
    with_split_settings = json.loads(capsys.readouterr().out)
    settings.NEWSROOM_CLUSTER_THRESHOLD = 0.14
    call_command("evaluate_clustering", "--corrections")
    with_shipped_settings = json.loads(capsys.readouterr().out)

    assert with_split_settings["merges"] == 1 and with_split_settings["merges_repeated"] == 1
    assert with_split_settings["repeat_rate"] == 1.0
    assert with_shipped_settings["merges_repeated"] == 0 and with_shipped_settings["repeat_rate"] == 0.0


@pytest.mark.django_db
def test_replaying_a_move_counts_an_article_put_back_with_the_wrong_story(editor, settings, capsys):
    settings.NEWSROOM_CLUSTER_THRESHOLD = 0.0
    crash = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    volcano = make_article(source=make_source(), title=VOLCANO[0], text=VOLCANO[1] + " New York subway", hours=1)
    assign_article(article_id=crash.id)
    assert assign_article(article_id=volcano.id).id == Article.objects.get(id=crash.id).cluster_id
    move_article(article_id=volcano.id, to_cluster_id=None, user=editor, reason="Another story")

    call_command("evaluate_clustering", "--corrections")

    result = json.loads(capsys.readouterr().out)
    assert result["moves"] == 1 and result["moves_repeated"] == 1
    assert "Moved" in result["examples"][0]


@pytest.mark.django_db
def test_exported_corrections_replay_like_the_database(editor, settings, capsys, tmp_path):
    _split_story_merged_by_an_editor(editor, settings)
    call_command("export_corrections")
    exported = tmp_path / "corrections.jsonl"
    exported.write_text(capsys.readouterr().out, encoding="utf-8")

    call_command("evaluate_clustering", "--corrections")
    from_database = json.loads(capsys.readouterr().out)
    call_command("evaluate_clustering", "--corrections", str(exported))
    from_file = json.loads(capsys.readouterr().out)

    assert from_file == from_database and from_file["corrections"] == 1


def test_a_corrections_file_with_an_unknown_action_is_refused_with_its_line(tmp_path):
    path = tmp_path / "corrections.jsonl"
    path.write_text('{"action": "split", "article": {}}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"corrections.jsonl:1: action must be 'merge' or 'move', not 'split'"):
        call_command("evaluate_clustering", "--corrections", str(path))


MULTILINGUAL = Path(__file__).resolve().parents[1] / "bench" / "data" / "multilingual_dev.jsonl"


@pytest.mark.django_db(transaction=True)
def test_multilingual_dev_set_reaches_the_target_b_cubed_f1(capsys):
    call_command("evaluate_clustering", str(MULTILINGUAL))
    result = json.loads(capsys.readouterr().out.strip())
    assert result["articles"] == 44
    assert result["bcubed_f1"] >= 0.80


def test_replaying_the_database_corrections_refuses_an_unmigrated_database(monkeypatch):
    import clusters.management.commands.evaluate_clustering as command

    monkeypatch.setattr(command, "database_problem", lambda: "The database has no tables yet: run `make run` once")
    with pytest.raises(CommandError, match="The database has no tables yet"):
        call_command("evaluate_clustering", "--corrections")
