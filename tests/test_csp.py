"""Content-Security-Policy on desk and public pages: no inline script can run."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

from rewrites.publishing.publish import publish_rewrite
from rewrites.records import import_record
from tests.factories import approved_record

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def story(seed_record, editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rewrite, _ = import_record(approved_record(seed_record, number=81))
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    return rewrite


def test_desk_public_and_login_pages_forbid_inline_script(client, editor, story):
    anonymous = Client()
    client.force_login(editor)
    pages = [client.get("/"), client.get(f"/rewrites/{story.id}/"), client.get("/newsletter/"),
             anonymous.get("/accounts/login/"), anonymous.get(f"/stories/{story.slug}/"), anonymous.get("/feeds/rss.xml")]

    for response in pages:
        policy = directives(response)
        assert response.status_code == 200
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert not any("'unsafe-inline'" in values or "'unsafe-eval'" in values for values in policy.values())


def test_no_desk_template_carries_an_inline_script(client, editor, story, staff):
    client.force_login(editor)
    pages = [client.get("/").content, client.get(f"/rewrites/{story.id}/").content, client.get("/newsletter/").content,
             client.get("/clusters/").content, Client().get(f"/stories/{story.slug}/").content]

    for html in pages:
        assert b"<script>" not in html and b"<script type=\"text/javascript\">" not in html


def test_the_web_card_preview_styles_itself_with_the_pages_nonce(client, editor, story):
    client.force_login(editor)

    response = client.get(f"/rewrites/{story.id}/")

    nonce = next(value for value in directives(response)["style-src"] if value.startswith("'nonce-"))
    assert f"<style nonce=&quot;{nonce[7:-1]}&quot;>" in response.content.decode()


def test_the_queue_dashboard_allows_only_its_own_inline_scripts_by_hash(admin_user, client):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)

    policy = directives(client.get("/admin/rq/"))

    assert policy["script-src"][0] == "'self'" and len(policy["script-src"]) > 1
    assert all(value.startswith("'sha256-") for value in policy["script-src"][1:])


def fail_on_purpose(request):
    raise RuntimeError("a view that fails, for the debug page")


urlpatterns = [path("fails/", fail_on_purpose)]


@pytest.mark.parametrize("status", [404, 500])
def test_debug_error_pages_carry_the_desks_policy_with_only_their_own_inline_blocks(settings, client, editor, status):
    import django.views

    from newsroom.csp import INLINE_SCRIPT, INLINE_STYLE, inline_hashes

    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    client.force_login(editor)

    response = client.get("/no-such-page/" if status == 404 else "/fails/")

    policy = directives(response)
    template = Path(django.views.__file__).parent / "templates" / f"technical_{status}.html"
    assert response.status_code == status and b"DEBUG = True" in response.content
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert set(inline_hashes([template], INLINE_STYLE)) <= set(policy["style-src"])
    assert set(inline_hashes([template], INLINE_SCRIPT)) <= set(policy["script-src"])
    assert not any("'unsafe-inline'" in values or "'unsafe-eval'" in values for values in policy.values())
