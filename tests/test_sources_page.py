import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clusters.models import Source
from tests.factories import make_article, make_source
from tests.http_server import LocalHTTPServer, Reply
from tests.ingest_helpers import rss


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_sources_page_shows_health_and_counts(client, admin_user):
    source = make_source(
        last_error="The server answered 500 Internal Server Error for https://news.example/feed.",
        consecutive_failures=2, next_poll_at=timezone.now() + timedelta(hours=1),
    )
    make_article(source=source, fetched_at=timezone.now())
    make_article(source=source, fetched_at=timezone.now() - timedelta(days=2))

    response = login(client, admin_user).get(reverse("sources:list"))

    row = response.context["sources"][0]
    assert (row.articles_recent, row.articles_total) == (1, 2)
    assert "Last error: The server answered 500" in response.content.decode()
    assert "Fetch now" in response.content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_sources_page_query_count_does_not_grow_with_sources(client, admin_user, django_assert_num_queries, count):
    for number in reversed(range(count)):
        source = make_source(name=f"Source {number}", feed_url=f"https://s{number}.example/feed")
        make_article(source=source, fetched_at=timezone.now())
    login(client, admin_user)

    with django_assert_num_queries(6):
        response = client.get(reverse("sources:list"))
    assert [source.name for source in response.context["sources"]] == [f"Source {n}" for n in range(count)]


def test_htmx_request_gets_only_the_list(client, admin_user):
    make_source()

    response = login(client, admin_user).get(reverse("sources:list"), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="source-list"') and "<html" not in body


def test_editors_can_read_but_not_change_sources(client, editor):
    source = make_source()
    login(client, editor)

    page = client.get(reverse("sources:list"))
    toggle = client.post(reverse("sources:toggle", args=[source.id]))
    fetch = client.post(reverse("sources:fetch", args=[source.id]))
    edit = client.get(reverse("sources:edit", args=[source.id]))

    assert page.status_code == 200 and "Fetch now" not in page.content.decode()
    assert (toggle.status_code, fetch.status_code, edit.status_code) == (403, 403, 403)
    assert Source.objects.get().enabled


def test_accounts_without_a_role_cannot_see_sources(client, nobody):
    assert login(client, nobody).get(reverse("sources:list")).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(reverse("sources:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sources_nav_link_for_everyone_who_may_open_the_page(client, admin_user, editor, nobody):
    link = '<a href="/sources/">Sources</a>'
    assert link in login(client, admin_user).get(reverse("sources:list")).content.decode()
    assert link in login(Client(), editor).get(reverse("sources:list")).content.decode()
    assert link not in login(Client(), nobody).get(reverse("sources:list")).content.decode()


def test_admin_adds_a_source(client, admin_user):
    response = login(client, admin_user).post(reverse("sources:add"), {
        "name": "GIGAZINE", "feed_url": "https://gigazine.net/news/rss_2.0/", "site_url": "https://gigazine.net/",
        "language": "ja", "domain": "tech", "trust": 4, "poll_interval_minutes": 15, "enabled": "on",
    })

    assert response.status_code == 302
    assert Source.objects.get().poll_interval_minutes == 15


def test_feed_address_must_be_http(client, admin_user):
    response = login(client, admin_user).post(reverse("sources:add"), {
        "name": "Bad", "feed_url": "ftp://example.com/feed", "trust": 3, "poll_interval_minutes": 30,
    })

    assert response.status_code == 200
    assert "must start with http:// or https://" in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize("address", [
    "https://gigazine.net/news/rss_2.0/", "HTTPS://GIGAZINE.net/news/rss_2.0", "http://gigazine.net/news/rss_2.0/?utm_source=x",
])
def test_a_feed_another_source_reads_is_refused_with_its_name(client, admin_user, address):
    Source.objects.create(name="GIGAZINE", feed_url="https://gigazine.net/news/rss_2.0/")

    response = login(client, admin_user).post(reverse("sources:add"), {
        "name": "GIGAZINE again", "feed_url": address, "trust": 3, "poll_interval_minutes": 30,
    })

    assert response.status_code == 200
    assert "The source “GIGAZINE” already reads this feed" in response.content.decode()
    assert Source.objects.count() == 1


def test_editing_a_source_keeps_its_own_feed(client, admin_user):
    source = Source.objects.create(name="GIGAZINE", feed_url="https://gigazine.net/news/rss_2.0/")

    response = login(client, admin_user).post(reverse("sources:edit", args=[source.id]), {
        "name": "GIGAZINE", "feed_url": "https://gigazine.net/news/rss_2.0/", "trust": 4, "poll_interval_minutes": 30,
    })

    assert response.status_code == 302
    assert Source.objects.get().trust == 4


def test_enabling_a_disabled_source_clears_its_failures(client, admin_user):
    source = make_source(enabled=False, disabled_reason="Disabled after 8 failed fetches", consecutive_failures=8)

    login(client, admin_user).post(reverse("sources:toggle", args=[source.id]))

    source.refresh_from_db()
    assert source.enabled and source.consecutive_failures == 0 and source.disabled_reason == ""


def test_disabling_records_who_did_it(client, admin_user):
    source = make_source()

    login(client, admin_user).post(reverse("sources:toggle", args=[source.id]), headers={"HX-Request": "true"})

    source.refresh_from_db()
    assert not source.enabled and source.disabled_reason.startswith("Disabled by ada on ")


def test_post_without_csrf_token_is_refused(admin_user):
    client = login(Client(enforce_csrf_checks=True), admin_user)
    source = make_source()

    response = client.post(reverse("sources:toggle", args=[source.id]))

    assert response.status_code == 403
    assert Source.objects.get().enabled


def test_htmx_post_with_the_csrf_header_is_accepted(admin_user):
    client = login(Client(enforce_csrf_checks=True), admin_user)
    source = make_source()
    page = client.get(reverse("sources:list"))
    token = page.context["csrf_token"]

    response = client.post(
        reverse("sources:toggle", args=[source.id]), headers={"HX-Request": "true", "X-CSRFToken": str(token)}
    )

    assert response.status_code == 200
    assert not Source.objects.get().enabled


def test_fetch_now_runs_the_job_and_the_status_shows_the_result(
    client, admin_user, settings, run_jobs, django_capture_on_commit_callbacks, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    server = LocalHTTPServer().start()
    try:
        settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [server.host]
        server.routes["/feed"] = Reply(200, rss([{"title": "Now", "link": server.url("/1"), "description": "text"}]))
        source = make_source(feed_url=server.url("/feed"))
        login(client, admin_user)

        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(reverse("sources:fetch", args=[source.id]), headers={"HX-Request": "true"})
        job_id = re.search(r'hx-get="/sources/\d+/fetch/([^/"]+)/"', started.content.decode()).group(1)
        poll_url = reverse("sources:fetch-status", args=[source.id, job_id])
        assert "waiting in the ingest queue" in started.content.decode()
        assert f'hx-get="{poll_url}"' in started.content.decode()

        run_jobs("ingest")
        done = client.get(poll_url, headers={"HX-Request": "true"})
    finally:
        server.stop()

    assert "1 stored, 0 duplicate, 0 refused." in done.content.decode()
    assert "hx-get" not in done.content.decode()
    assert "source-fetched" in done["HX-Trigger"]


def test_status_of_another_sources_job_is_not_shown(client, admin_user):
    source = make_source()
    other = make_source(name="Other", feed_url="https://other.example/feed")

    response = login(client, admin_user).get(
        reverse("sources:fetch-status", args=[source.id, f"ingest-source-{other.id}-abc"])
    )

    assert response.status_code == 404


def test_failed_fetch_job_is_reported_with_its_error(
    client, admin_user, run_jobs, django_capture_on_commit_callbacks
):
    import django_rq

    from clusters.sources.jobs import ingest_source_job

    source = make_source()
    job_id = f"ingest-source-{source.id}-broken"
    with django_capture_on_commit_callbacks(execute=True):
        django_rq.get_queue("ingest").enqueue(ingest_source_job, "not-a-number", job_id=job_id)
    run_jobs("ingest")

    response = login(client, admin_user).get(
        reverse("sources:fetch-status", args=[source.id, job_id]), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert "the fetch job failed: ValueError" in body and "hx-get" not in body
