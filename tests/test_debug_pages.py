"""Debug pages never show credentials, and malformed demo-feed paths never reach one."""

import secrets
import sys

import pytest
from django.test import RequestFactory
from django.views.debug import technical_500_response

from newsroom.debug import mask_credentials

pytestmark = pytest.mark.django_db

SECRET = "s3cret-pw"


@pytest.fixture
def secrets_in_settings(settings):
    settings.DEBUG = True
    settings.DATABASE_URL = f"postgres://desk:{SECRET}@db.internal:5432/newsroom"
    settings.REDIS_URL = f"redis://:{SECRET}@cache.internal:6379/0"
    settings.RQ_QUEUES = {"default": {"URL": f"rediss://worker:{SECRET}@cache.internal:6380/1", "DEFAULT_TIMEOUT": 300}}
    settings.OPENAI_API_KEY = f"sk-{SECRET}"
    settings.OPENAI_BASE_URL = f"https://proxy:{SECRET}@llm.internal/v1"
    settings.NEWSROOM_BACKUP_URL = f"https://backup.internal/upload?token={SECRET}"
    return settings


@pytest.mark.parametrize(
    "path",
    ["/demo-feeds/..%2f..%2fsettings.py", "/demo-feeds/..%2F..%2F..%2Fetc%2Fpasswd", "/demo-feeds/wikinews-a/..%2f..%2fdebug.py",
     "/demo-feeds/%2e%2e/%2e%2e/urls.py", "/demo-feeds/wikinews-a/missing.xml",
     "/demo-feeds/wikinews-a", "/demo-feeds//etc/passwd"],
)
def test_malformed_demo_feed_paths_answer_a_plain_404_without_settings(client, secrets_in_settings, path):
    response = client.get(path)

    assert response.status_code == 404
    assert SECRET not in response.content.decode() and "DATABASE_URL" not in response.content.decode()


def test_the_debug_error_page_masks_credentials_in_settings_and_variables(secrets_in_settings):
    request = RequestFactory().get("/somewhere/")
    webhook_url = f"https://hooks:{SECRET}@hooks.example.com/notify"  # noqa: F841 - shown as a frame variable
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = technical_500_response(request, *sys.exc_info())

    html = response.content.decode()
    assert "DATABASE_URL" in html and "RQ_QUEUES" in html and "hooks.example.com" in html
    assert SECRET not in html


def test_masking_keeps_the_parts_of_an_address_that_are_not_secret():
    masked = mask_credentials(f"postgres://desk:{SECRET}@db.internal:5432/newsroom?sslmode=require&password={SECRET}")

    assert SECRET not in masked
    assert masked.startswith("postgres://") and "@db.internal:5432/newsroom?sslmode=require&password=" in masked


def live_sessions(count: int) -> list[str]:
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for _ in range(count):
        session = SessionStore()
        session["_auth_user_id"] = "1"
        session.create()
        keys.append(session.session_key)
    return keys


FRAME_VALUES: dict[str, str] = {}  # read by a failing frame, so the values are in no frame's variables but its own


def error_page(request, fail):
    """The debug error page for what fail() raises; this frame holds nothing of the test's."""
    try:
        fail()
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info())


def test_the_debug_error_page_never_runs_or_shows_a_queryset_of_sessions(secrets_in_settings, django_assert_num_queries):
    from django.contrib.sessions.models import Session

    keys = live_sessions(3)

    def fail():
        sessions = Session.objects.all()  # noqa: F841 - a frame variable, as inside QuerySet.get
        in_a_dict = {"rows": Session.objects.filter(expire_date__isnull=False)}  # noqa: F841
        one_session = Session.objects.first()  # noqa: F841
        raise RuntimeError("boom")

    one_query_in_fail = 1
    with django_assert_num_queries(one_query_in_fail):
        response = error_page(RequestFactory().get("/somewhere/"), fail)

    html = response.content.decode()
    assert "QuerySet of Session: not evaluated" in html
    assert [key for key in keys if key in html] == []


def test_cookies_and_variables_named_for_credentials_are_masked_on_the_debug_page(secrets_in_settings):
    cookie_session, cookie_csrf = secrets.token_hex(8), secrets.token_hex(8)
    FRAME_VALUES.update(key=secrets.token_hex(8), token=secrets.token_hex(8))
    request = RequestFactory().get("/somewhere/", HTTP_COOKIE=f"sessionid={cookie_session}; csrftoken={cookie_csrf}")

    def fail():
        session_key = FRAME_VALUES["key"]  # noqa: F841
        api_token = FRAME_VALUES["token"]  # noqa: F841
        raise RuntimeError("boom")

    html = error_page(request, fail).content.decode()

    assert [value for value in (cookie_session, cookie_csrf, *FRAME_VALUES.values()) if value in html] == []
    assert "sessionid" in html and "session_key" in html and "api_token" in html


@pytest.mark.parametrize("debug", [True, False])
def test_a_cookie_with_a_nul_character_is_ignored_and_never_gives_a_server_error(settings, client, editor, debug):
    from django.contrib.sessions.models import Session

    settings.DEBUG = debug
    keys = live_sessions(3)
    client.raise_request_exception = False
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"

    for path in ("/", "/queue/", "/accounts/login/", "/admin/", "/api/records/"):
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code < 500, (path, body[:300])
        assert [key for key in keys if key in body] == []
        assert response.cookies["sessionid"].value == ""  # the browser is told to drop the broken cookie
    assert Session.objects.count() == 3


def test_a_nul_cookie_beside_a_good_session_cookie_keeps_the_person_logged_in(client, editor):
    client.force_login(editor)
    good = client.cookies["sessionid"].value
    response = client.get("/", HTTP_COOKIE=f'sessionid={good}; sessionid="abcdefgh\\000ijkl"')

    assert response.status_code == 200
    assert response.context["user"] == editor
    assert "sessionid" not in response.cookies
