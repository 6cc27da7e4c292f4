"""A page that answers htmx with a part of itself says so in Vary, so a cache keeps the two answers apart."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def varies_on(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/sources/", "/clusters/", "/newsletter/", "/dashboard/"])
def test_pages_that_answer_htmx_with_a_part_vary_on_hx_request(client, editor, path):
    client.force_login(editor)

    whole, part = client.get(path), client.get(path, HTTP_HX_REQUEST="true")

    assert whole.status_code == part.status_code == 200
    assert whole.content != part.content
    assert "hx-request" in varies_on(whole) and "hx-request" in varies_on(part)


def test_a_page_that_never_looks_at_htmx_does_not_vary_on_it():
    response = Client().get("/accounts/login/")

    assert response.status_code == 200 and "hx-request" not in varies_on(response)


def test_the_sources_page_says_due_now_by_the_schedulers_own_rule(client, editor):
    from django.utils import timezone

    from clusters.models import Source

    now = timezone.now()
    Source.objects.create(name="Due feed", feed_url="https://example.com/a.xml", next_poll_at=now)
    Source.objects.create(name="No feed", feed_url="", next_poll_at=None)
    client.force_login(editor)

    rows = {row.name: row.due for row in client.get("/sources/").context["sources"]}

    assert rows == {"Due feed": True, "No feed": False}
    assert [source.name for source in Source.objects.due(timezone.now())] == ["Due feed"]
