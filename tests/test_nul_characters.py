"""A NUL character anywhere in a request gets a 400 with the reason, from every view (the URL conf walked)."""

from urllib.parse import quote

import pytest
from django.test import Client

from clusters.models import Source
from rewrites.records import import_record
from tests.url_walk import routes

pytestmark = pytest.mark.django_db

# Admin and queue-dashboard patterns that need arguments no sample here fills; they still sit behind the middleware.
UNREVERSED_ALLOWED_PREFIXES = ("admin:", "rq_")


@pytest.fixture
def editor_client(editor):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    return client


@pytest.fixture
def every_route(seed_record, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    rewrite, _ = import_record(seed_record)
    source = Source.objects.create(name="Probe source", feed_url="https://example.com/probe.xml")
    samples = {
        "rewrite_id": rewrite.id, "field_name": "headline", "source_id": str(source.pk), "slug": rewrite.slug,
        "job_id": "0123456789abcdef", "path": "wikinews-a/feed.xml", "app_label": "auth", "model_name": "user",
        "object_id": "1", "queue_index": "0", "job_status": "finished", "publishing:progress:job_id": "1",
    }
    found, unreversed = routes(samples)
    assert [name for name in unreversed if not name.startswith(UNREVERSED_ALLOWED_PREFIXES)] == []
    assert len(found) > 40
    return found


def refused(response) -> bool:
    return response.status_code == 400 and "NUL character" in response.content.decode()


def test_a_nul_in_a_query_parameter_gets_a_400_from_every_view(editor_client, every_route):
    answers = {route.path: editor_client.get(route.path, {"q": "frieren\x00", "page": "2\x00"}) for route in every_route}

    assert [path for path, response in answers.items() if not refused(response)] == []


def test_a_nul_in_a_form_field_gets_a_400_from_every_view(editor_client, every_route):
    fields = {"headline": "Frieren\x00", "value": "\x00", "version": "1", "reason": "no\x00", "date_from": "2026\x00"}
    answers = {route.path: editor_client.post(route.path, fields) for route in every_route}

    assert [path for path, response in answers.items() if not refused(response)] == []


def test_a_nul_in_the_path_gets_a_400_from_every_view(editor_client, every_route):
    answers = {}
    for route in every_route:
        for value in route.kwargs.values():
            path = route.path.replace(quote(value), quote(value) + "%00", 1)
            answers[path] = editor_client.get(path)
        answers[route.path + "%00"] = editor_client.get(route.path + "%00")

    assert len(answers) > 60
    assert [path for path, response in answers.items() if not refused(response)] == []


def test_the_refusal_names_the_field_and_the_api_answers_json(editor_client):
    page = editor_client.get("/", {"q": "a\x00b"})
    api = editor_client.get("/api/records", {"since": "2026-07-04T00:00:00Z\x00"})

    assert "the query parameter “q”" in page.content.decode()
    assert api.status_code == 400 and "“since”" in api.json()["error"]
