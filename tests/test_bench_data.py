"""The review benchmark's synthetic data stays loadable as the models change."""

import pytest

from bench.bench_review import populate
from rewrites.models import Rewrite

pytestmark = pytest.mark.django_db


def test_review_benchmark_data_loads_and_serves_the_queue_and_workspace(client, editor):
    populate(30, assignee_id=editor.id)
    client.force_login(editor)

    queue = client.get("/", {"q": "anime", "status": "draft"})
    mine = client.get("/", {"assigned": "mine", "domain": "anime", "stale": "1", "sort": "sources"})
    workspace = client.get(f"/rewrites/{Rewrite.objects.order_by('id').first().id}/")

    assert Rewrite.objects.count() == 30
    assert queue.status_code == 200 and queue.context["page"].rows
    assert workspace.status_code == 200
    assert mine.status_code == 200
    assert all(row.assigned_to_id == editor.id and row.queue_domain == "anime" for row in mine.context["page"].rows)


@pytest.mark.django_db(transaction=True)  # the application tidies connections as a web server's requests do
def test_the_benchmark_client_asks_the_wsgi_application_as_the_signed_in_editor(editor, settings):
    """The benchmarks time requests as the web server sends them: the queue, as the editor, with their own
    assignments, a search in Japanese (sent percent-encoded, as a browser sends it), and a page that is
    not there as a 404."""
    from bench.wsgi_client import WSGIClient, next_page

    settings.NEWSROOM_PAGE_SIZE = 5
    populate(30, assignee_id=editor.id)
    client = WSGIClient(editor)

    queue = client.get("/?assigned=mine")
    japanese = client.get("/?q=新作")
    older = client.get(next_page(client.get("/")))
    missing = client.get("/rewrites/r_none/")

    assert queue.status_code == 200
    assert "eda" in queue.content.decode() and ">you<" in queue.content.decode()
    assert older.status_code == 200 and "← Newer" in older.content.decode()
    assert missing.status_code == 404
    assert japanese.status_code == 200 and "アニメ" in japanese.content.decode()


@pytest.mark.django_db(transaction=True)
def test_clustering_benchmark_archive_loads_and_new_articles_cluster_against_it():
    from datetime import UTC, datetime

    from bench.bench_clustering import SyntheticNews, _bulk_archive
    from clusters.clustering import ClusteringSettings, assign_article
    from clusters.models import Article, Source

    source = Source.objects.create(name="Synthetic wire")
    news = SyntheticNews()
    when = _bulk_archive(
        news, count=40, start=datetime(2026, 1, 1, tzinfo=UTC), per_day=500, source_id=source.id,
        config=ClusteringSettings.current(),
    )
    title, text = Article.objects.order_by("-published_at").values_list("title", "text").first()
    article = Article.objects.create(
        source=source, url="https://synthetic.invalid/new", canonical_url="https://synthetic.invalid/new",
        title=title + " update", text=text, language="en", published_at=when, fetched_at=when,
    )

    assert Article.objects.count() == 41
    assert assign_article(article_id=article.id).articles.count() > 1


@pytest.mark.django_db(transaction=True)  # the dashboard's data ends with VACUUM ANALYZE, outside a transaction
def test_dashboard_and_audit_benchmark_data_load_and_serve_their_pages():
    from bench.bench_audit import populate as populate_audit
    from bench.bench_dashboard import populate_operations
    from bench.wsgi_client import WSGIClient, timings
    from newsroom.roles import ADMINS
    from tests.factories import make_user

    admin = make_user(username="ada", role=ADMINS)
    populate(30, assignee_id=admin.id)
    populate_operations(30, 300)
    populate_audit(200)
    client = WSGIClient(admin)

    dashboard = client.get("/dashboard/?range=30d")
    audit = client.get("/audit/")

    assert dashboard.status_code == 200 and "Model spend" in dashboard.content.decode()
    assert audit.status_code == 200 and "person1" in audit.content.decode() and 'rel="next"' in audit.content.decode()
    median, p95, queries = timings(client, ["/audit/"] * 3)
    assert 0 < median <= p95 and queries > 0
