import json

import pytest

from clusters.editing import ClusterEditError, mark_roundup, merge_clusters, move_article
from clusters.models import Article, Cluster, ClusterChange, ClusterTerm
from rewrites.models import Rewrite
from tests.clustering_helpers import SUBWAY_A, SUBWAY_B, VOLCANO
from tests.factories import make_article, make_clustered_article, make_source

pytestmark = pytest.mark.django_db



def with_rewrite(cluster: Cluster) -> Rewrite:
    Cluster.objects.filter(id=cluster.id).update(written_source_count=cluster.source_count)
    return Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.DRAFT, headline=cluster.canonical_title)


def test_merge_moves_every_article_and_keeps_counts_true(editor):
    crash = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    fare_source = make_source(trust=5)
    fare = make_clustered_article(source=fare_source, title=VOLCANO[0], text=VOLCANO[1], hours=1)
    fare_again = make_clustered_article(source=fare_source, title=VOLCANO[0], text=VOLCANO[1], hours=2)
    keep, away = crash.cluster, fare.cluster
    assert keep.id != away.id and fare_again.cluster_id == away.id
    with_rewrite(keep)
    away_rewrite = with_rewrite(away)

    merge_clusters(keep_id=keep.id, merge_id=away.id, user=editor, reason="Same commute story")

    keep.refresh_from_db()
    away.refresh_from_db()
    assert set(keep.articles.values_list("id", flat=True)) == {crash.id, fare.id, fare_again.id}
    assert keep.source_count == 2
    assert keep.is_solo is False
    assert keep.representative_article_id in {fare.id, fare_again.id}
    assert keep.is_stale
    assert away.status == Cluster.Status.MERGED
    assert away.merged_into_id == keep.id
    assert away.source_count == 0
    assert Rewrite.objects.filter(id=away_rewrite.id, cluster=away).exists()
    assert not ClusterTerm.objects.filter(cluster=away).exists()
    change = ClusterChange.objects.get()
    assert change.action == ClusterChange.Action.MERGE
    assert change.user == editor and change.username == editor.username
    assert change.reason == "Same commute story"
    assert change.cluster_id == keep.id and change.other_cluster_id == away.id


def test_merging_a_cluster_into_itself_is_refused():
    crash = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    with pytest.raises(ClusterEditError, match="two different clusters"):
        merge_clusters(keep_id=crash.cluster_id, merge_id=crash.cluster_id)
    assert not ClusterChange.objects.exists()


def test_move_to_a_new_cluster_splits_and_keeps_counts_true(editor):
    first = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    second = make_clustered_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    origin = first.cluster
    assert second.cluster_id == origin.id
    with_rewrite(origin)

    target = move_article(article_id=second.id, user=editor, reason="Separate report")

    origin.refresh_from_db()
    second.refresh_from_db()
    assert target.id != origin.id
    assert second.cluster_id == target.id
    assert origin.source_count == 1 and origin.is_solo
    assert target.source_count == 1 and target.is_solo
    assert target.representative_article_id == second.id
    assert target.canonical_title == second.title
    assert origin.representative_article_id == first.id
    assert origin.written_source_count == 0  # the rewrite covered a source the cluster lost: stale
    assert origin.is_stale
    assert ClusterChange.objects.get().action == ClusterChange.Action.MOVE


def test_move_to_another_cluster_and_emptying_the_origin(editor):
    crash = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    fare = make_clustered_article(source=make_source(), title=VOLCANO[0], text=VOLCANO[1], hours=1)
    origin = fare.cluster

    target = move_article(article_id=fare.id, to_cluster_id=crash.cluster_id, user=editor)

    origin.refresh_from_db()
    assert target.id == crash.cluster_id
    assert target.source_count == 2
    assert origin.status == Cluster.Status.MERGED
    assert origin.merged_into_id == target.id
    assert origin.source_count == 0


def test_moving_into_the_same_cluster_is_refused():
    crash = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    with pytest.raises(ClusterEditError, match="already in that cluster"):
        move_article(article_id=crash.id, to_cluster_id=crash.cluster_id)


def test_mark_roundup_sets_the_entity_and_leaves_matching(editor):
    crash = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])

    cluster = mark_roundup(cluster_id=crash.cluster_id, user=editor, reason="Weekly digest")

    cluster.refresh_from_db()
    assert json.loads(cluster.entities_json)["is_roundup"] is True
    assert cluster.is_roundup
    assert not ClusterTerm.objects.filter(cluster=cluster).exists()
    similar = make_clustered_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    assert similar.cluster_id != cluster.id
    assert ClusterChange.objects.get().action == ClusterChange.Action.ROUNDUP

    mark_roundup(cluster_id=cluster.id, roundup=False, user=editor)
    cluster.refresh_from_db()
    assert json.loads(cluster.entities_json)["is_roundup"] is False
    assert ClusterTerm.objects.filter(cluster=cluster).exists()


def test_a_merged_cluster_still_matches_nothing_and_new_articles_join_the_kept_one():
    crash = make_clustered_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    fare = make_clustered_article(source=make_source(), title=VOLCANO[0], text=VOLCANO[1], hours=1)
    merge_clusters(keep_id=crash.cluster_id, merge_id=fare.cluster_id)

    later = make_clustered_article(source=make_source(), title=VOLCANO[0], text=VOLCANO[1], hours=2)

    assert later.cluster_id == crash.cluster_id
    assert Article.objects.filter(cluster_id=fare.cluster_id).count() == 0


def test_index_clusters_makes_imported_clusters_matchable():
    from io import StringIO

    from django.core.management import call_command

    from clusters.models import ClusterVector

    crash = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    imported = Cluster.objects.create(canonical_title=crash.title, source_count=1)
    Article.objects.filter(id=crash.id).update(cluster=imported)
    output = StringIO()

    call_command("index_clusters", stdout=output)

    assert "Indexed 1 cluster." in output.getvalue()
    assert ClusterVector.objects.filter(cluster=imported).exists()
    later = make_clustered_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    assert later.cluster_id == imported.id
