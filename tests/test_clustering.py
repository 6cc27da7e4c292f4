import threading

import pytest
from django.db import connection, connections
from django.test import override_settings

from clusters.clustering import assign_article
from clusters.jobs import enqueue_assignment
from clusters.models import Article, Cluster, ClusterTerm
from rewrites.models import Rewrite
from tests.clustering_helpers import SUBWAY_A, SUBWAY_B, SUBWAY_FARE, warm_archive
from tests.factories import make_article, make_source

pytestmark = pytest.mark.django_db


def test_two_versions_of_one_story_join_one_cluster():
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    second = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=2)

    one = assign_article(article_id=first.id)
    two = assign_article(article_id=second.id)

    assert one.id == two.id
    cluster = Cluster.objects.get(id=one.id)
    assert cluster.source_count == 2
    assert cluster.is_solo is False
    assert cluster.articles.count() == 2


def test_two_stories_on_the_same_day_with_shared_words_stay_apart():
    warm_archive()
    source = make_source()
    crash = make_article(source=source, title=SUBWAY_A[0], text=SUBWAY_A[1])
    fare = make_article(source=make_source(), title=SUBWAY_FARE[0], text=SUBWAY_FARE[1], hours=1)

    assert assign_article(article_id=crash.id).id != assign_article(article_id=fare.id).id


@override_settings(NEWSROOM_CLUSTER_WINDOW_HOURS=72)
def test_an_article_outside_the_time_window_starts_a_new_cluster():
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    late = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=24 * 4)

    assert assign_article(article_id=first.id).id != assign_article(article_id=late.id).id


@override_settings(NEWSROOM_CLUSTER_WINDOW_HOURS=72)
def test_an_article_inside_the_time_window_joins():
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    later = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=24 * 2)

    assert assign_article(article_id=first.id).id == assign_article(article_id=later.id).id


def test_japanese_full_width_and_half_width_titles_match():
    full = make_article(
        source=make_source(language="ja"), language="ja",
        title="ＡＩスタートアップのＸＹＺ社、ｸﾞﾛｰﾊﾞﾙ展開へ１００億円を調達",
    )
    half = make_article(
        source=make_source(language="ja"), language="ja", hours=1,
        title="AIスタートアップのXYZ社、グローバル展開へ100億円を調達",
    )
    other = make_article(
        source=make_source(language="ja"), language="ja", hours=1,
        title="大阪で記録的な大雨、新幹線が一時運転を見合わせ",
    )

    cluster = assign_article(article_id=full.id)
    assert assign_article(article_id=half.id).id == cluster.id
    assert assign_article(article_id=other.id).id != cluster.id


def test_assigning_twice_keeps_the_first_cluster():
    article = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])

    first = assign_article(article_id=article.id)
    again = assign_article(article_id=article.id)

    assert first.id == again.id
    assert Cluster.objects.count() == 1


def test_cluster_fields_follow_the_articles():
    low = make_source(trust=1, domain="tech")
    high = make_source(trust=5, domain="transport")
    short = make_article(source=low, title=SUBWAY_A[0], text=SUBWAY_A[1] * 3, hours=0)
    trusted = make_article(source=high, title=SUBWAY_B[0], text=SUBWAY_B[1], hours=3)
    same_source = make_article(source=low, title=SUBWAY_A[0] + " (update)", text=SUBWAY_A[1], hours=5)

    for article in (short, trusted, same_source):
        cluster = assign_article(article_id=article.id)

    cluster.refresh_from_db()
    assert cluster.source_count == 2
    assert cluster.representative_article_id == trusted.id
    assert cluster.canonical_title == trusted.title
    assert cluster.first_seen_at == short.published_at
    assert cluster.last_seen_at == same_source.published_at
    assert cluster.domain == "tech"


def test_a_cluster_gaining_a_source_after_its_rewrite_is_stale():
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    cluster = assign_article(article_id=first.id)
    Cluster.objects.filter(id=cluster.id).update(written_source_count=1)
    Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.PUBLISHED, headline="Subway trains collide")
    assert not Cluster.objects.get(id=cluster.id).is_stale

    second = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    assign_article(article_id=second.id)

    cluster.refresh_from_db()
    assert cluster.written_source_count == 1
    assert cluster.source_count == 2
    assert cluster.is_stale
    assert Rewrite.objects.stale().filter(cluster=cluster).exists()


def test_candidates_come_from_the_index():
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    cluster = assign_article(article_id=first.id)
    assert ClusterTerm.objects.filter(cluster=cluster).exists()

    # A cluster missing from the index is not found, however similar it is.
    ClusterTerm.objects.all().delete()
    second = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1], hours=1)
    assert assign_article(article_id=second.id).id != cluster.id


def test_stored_article_is_clustered_by_the_job(run_jobs, django_capture_on_commit_callbacks):
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    second = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        for path_target in (first.id, second.id):
            enqueue_assignment(path_target)

    run_jobs("default")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.cluster_id is not None
    assert first.cluster_id == second.cluster_id


STORIES = [
    ("Volcano erupts on remote island, ash cloud grounds regional flights",
     "A volcano on a remote Pacific island erupted overnight, sending an ash cloud eight kilometres high "
     "and grounding regional flights, aviation officials said."),
    ("Chess champion retires after thirty-year career at the top",
     "The world chess champion announced retirement on Monday after a thirty-year career, saying the "
     "grandmaster tournament in Madrid would be the final appearance."),
    ("Central bank raises interest rates by half a point to fight inflation",
     "The central bank raised its benchmark interest rate by half a percentage point, its largest increase "
     "in a decade, to fight inflation running at seven percent."),
    ("Rare white giraffe calf born at Kenyan wildlife conservancy",
     "Rangers at a Kenyan wildlife conservancy reported the birth of a rare white giraffe calf with "
     "leucism, a condition that stops pigment forming in skin cells."),
]


@pytest.mark.django_db(transaction=True)
def test_two_workers_assigning_at_once_make_one_cluster_per_story():
    sources = [make_source() for _ in range(4)]
    by_story = []
    for number, (title, text) in enumerate(STORIES):
        by_story.append([
            make_article(source=sources[copy], title=title, text=f"{text} Report {copy}.",
                         hours=copy * 0.1 + number * 0.01).id
            for copy in range(4)
        ])
    # Each step, both workers assign a copy of the same story at the same moment.
    batches = (
        [article_id for copies in by_story for article_id in copies[:2]],
        [article_id for copies in by_story for article_id in copies[2:]],
    )
    errors = []
    barrier = threading.Barrier(2, timeout=30)

    def work(batch):
        try:
            for article_id in batch:
                barrier.wait()
                assign_article(article_id=article_id)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(batch,)) for batch in batches]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert Article.objects.filter(cluster__isnull=True).count() == 0
    assert Cluster.objects.count() == len(STORIES)
    for cluster in Cluster.objects.all():
        assert cluster.source_count == 4
        assert len({article.title for article in cluster.articles.all()}) == 1
    assert connection.vendor == "postgresql"


def test_very_long_words_do_not_break_assignment():
    article = make_article(source=make_source(), title="Token " + "x" * 300, text="https://" + "a1" * 400 + " ok")
    assert assign_article(article_id=article.id) is not None


def test_an_article_needs_the_threshold_to_join(settings):
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    second = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    settings.NEWSROOM_CLUSTER_THRESHOLD = 0.999

    cluster = assign_article(article_id=first.id)

    assert assign_article(article_id=second.id).id != cluster.id


def test_japanese_articles_need_the_japanese_threshold_to_join(settings):
    first = make_article(
        source=make_source(language="ja"), language="ja",
        title="強い台風8号、沖ノ鳥島の西に", text="気象庁によると、強い台風8号は沖ノ鳥島の西を北西に進んでいる。",
    )
    second = make_article(
        source=make_source(language="ja"), language="ja", hours=1,
        title="台風8号、沖ノ鳥島の西を北西へ", text="気象庁によると、台風8号は沖ノ鳥島の西を北西に進んでいる。",
    )
    settings.NEWSROOM_CLUSTER_THRESHOLD = 0.0
    settings.NEWSROOM_CLUSTER_THRESHOLD_JA = 0.999

    cluster = assign_article(article_id=first.id)

    assert assign_article(article_id=second.id).id != cluster.id


BOLT_JA = (
    "2009世界陸上ウサイン・ボルトが9秒6の壁を破り世界新記録",
    "陸上競技の世界陸上選手権大会は8月16日、ドイツ・ベルリンで男子100 m決勝があり、ジャマイカのウサイン・ボルト選手が9秒58で優勝した。",
)
BOLT_EN = (
    "Bolt smashes 100m world record with 9.58 in Berlin",
    "Usain Bolt of Jamaica won the men's 100 metres at the World Championships in Berlin on August 16 in 9.58 seconds.",
)


@pytest.mark.parametrize("anchor_threshold, joins", [(0.1, True), (0.999, False)])
def test_an_english_report_joins_a_japanese_story_only_through_shared_names_numbers_and_dates(settings, anchor_threshold, joins):
    settings.NEWSROOM_CLUSTER_ANCHOR_THRESHOLD = anchor_threshold
    japanese = make_article(source=make_source(language="ja"), language="ja", title=BOLT_JA[0], text=BOLT_JA[1])
    english = make_article(source=make_source(), hours=1, title=BOLT_EN[0], text=BOLT_EN[1])

    cluster = assign_article(article_id=japanese.id)

    assert (assign_article(article_id=english.id).id == cluster.id) is joins
