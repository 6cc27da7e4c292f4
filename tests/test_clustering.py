import base64
import threading
from datetime import timedelta

import django_rq
import pytest
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from clusters import features
from clusters import jobs as clusters_jobs
from clusters.clustering import assign_article
from clusters.jobs import enqueue_assignment, enqueue_unclustered
from clusters.models import Article, Cluster, ClusterTerm, TermFrequency
from rewrites.generation.jobs import enqueue_settled_clusters
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


# Tokens longer than the index holds (ClusterTerm.term and TermFrequency.term are varchar(100)).
LONG_HASHTAG = "#" + ("AnimeExpo" * 12)[:107]
LONG_NUMBER = "7" * 114
BASE64_BLOB = base64.b64encode(("Newsroom clustering payload " * 6).encode()).decode()


def cluster_and_draft(article, *, run_jobs, capture, settings) -> Rewrite:
    """Clusters the article and writes its draft through the queued jobs, in a real worker."""
    settings.OPENAI_BASE_URL = ""  # the offline writer: the whole pipeline without a model server
    with capture(execute=True):
        enqueue_assignment(article.id)
    run_jobs("default")
    with capture(execute=True):
        enqueue_settled_clusters()
    run_jobs("generate")
    return Rewrite.objects.get(cluster__articles=article)


def test_the_index_columns_hold_every_term_clustering_makes():
    assert ClusterTerm._meta.get_field("term").max_length == features.MAX_TERM
    assert TermFrequency._meta.get_field("term").max_length == features.MAX_TERM


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (f"Fans gather for {LONG_HASHTAG} in Chiba", "The convention opened on Saturday with record crowds."),
        ("Students recite the constant for a record", f"The team recited {LONG_NUMBER} digits in one sitting."),
        ("Leaked file posted to a forum", f"The file {BASE64_BLOB} was posted on Tuesday, the company said."),
    ],
    ids=["108-character hashtag", "114-digit number", "base64 blob"],
)
def test_an_article_with_a_token_longer_than_the_index_holds_is_clustered_and_drafted(
    title, text, run_jobs, django_capture_on_commit_callbacks, settings
):
    article = make_article(source=make_source(), title=title, text=text)

    rewrite = cluster_and_draft(article, run_jobs=run_jobs, capture=django_capture_on_commit_callbacks, settings=settings)

    article.refresh_from_db()
    assert article.cluster_id is not None
    assert rewrite.status == Rewrite.Status.DRAFT
    assert all(len(term) <= features.MAX_TERM for term in ClusterTerm.objects.values_list("term", flat=True))


def test_a_copy_of_an_article_with_a_long_token_joins_its_cluster():
    first = make_article(source=make_source(), title=f"Fans gather for {LONG_HASHTAG}", text=SUBWAY_A[1])
    second = make_article(source=make_source(), title=f"Fans gather for {LONG_HASHTAG}", text=SUBWAY_A[1], hours=1)

    assert assign_article(article_id=first.id) == assign_article(article_id=second.id)


def always_too_long_for_the_index(monkeypatch):
    """Lets clustering make terms longer than the index holds, so the job fails in PostgreSQL every time."""
    monkeypatch.setattr(features, "MAX_WORD", 1000)
    monkeypatch.setattr(features, "MAX_TERM", 1000)


def test_a_job_that_fails_every_time_is_retried_a_bounded_number_of_times_and_shown_on_the_dashboard(
    run_jobs, django_capture_on_commit_callbacks, monkeypatch, client, admin_user
):
    always_too_long_for_the_index(monkeypatch)
    runs = []

    def counted(*, article_id):
        runs.append(article_id)
        return assign_article(article_id=article_id)

    monkeypatch.setattr(clusters_jobs, "assign_article", counted)
    article = make_article(source=make_source(), title="Record attempt", text=f"They recited {LONG_NUMBER} digits.",
                           fetched_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_assignment(article.id)
    run_jobs("default")
    first_runs = len(runs)

    summaries = []
    for _ in range(clusters_jobs.SWEEP_RETRIES + 2):
        with django_capture_on_commit_callbacks(execute=True):
            summaries.append(enqueue_unclustered())
        run_jobs("default")

    assert first_runs == 3  # the job's own retries
    assert len(runs) == first_runs * (1 + clusters_jobs.SWEEP_RETRIES)
    assert summaries[-1].startswith("0 queued, 1 left failed")
    article.refresh_from_db()
    assert article.cluster_id is None
    client.force_login(admin_user)
    page = client.get("/dashboard/").content.decode()
    assert f"Cluster article {article.id}" in page
    assert "value too long for type character varying(100)" in page


def test_a_failed_job_is_queued_again_by_the_sweep_and_clusters_once_the_failure_passes(
    run_jobs, django_capture_on_commit_callbacks, monkeypatch
):
    with monkeypatch.context() as broken:
        always_too_long_for_the_index(broken)
        article = make_article(source=make_source(), title="Record attempt", text=f"They recited {LONG_NUMBER} digits.",
                               fetched_at=timezone.now() - timedelta(minutes=10))
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_assignment(article.id)
        run_jobs("default")
    article.refresh_from_db()
    assert article.cluster_id is None

    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_unclustered().startswith("1 queued")
    run_jobs("default")

    article.refresh_from_db()
    assert article.cluster_id is not None
    assert django_rq.get_queue("default").failed_job_registry.count == 0
