"""Debug pages never show credentials, and malformed demo-feed paths never reach one."""

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
