"""Login, roles and the records API's authentication."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from newsroom.models import ApiToken
from rewrites.records import import_record

pytestmark = pytest.mark.django_db

PUBLIC_PREFIXES = ("accounts/login/", "accounts/password_reset", "accounts/reset/", "demo-feeds/", "stories/", "feeds/")


def all_url_paths() -> list[str]:
    """Every URL the desk routes, outside the Django admin, with sample arguments."""
    samples = {"str": "x", "int": "1", "slug": "x", "path": "x"}

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith("admin/") and route != "admin/rq/":
                    continue
                yield from walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and not route.startswith("^"):
                path = prefix + route
                for converter, value in samples.items():
                    import re

                    path = re.sub(rf"<{converter}:\w+>", value, path)
                path = re_sub_plain(path)
                yield "/" + path

    def re_sub_plain(path):
        import re

        return re.sub(r"<\w+>", "x", path)

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_page_needs_login(client):
    paths = [p for p in all_url_paths() if not p.lstrip("/").startswith(PUBLIC_PREFIXES)]
    assert "/" in paths and "/api/records" in paths

    for path in paths + ["/admin/"]:
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 302, path
            assert "login" in response["Location"], path


@pytest.mark.parametrize(
    "role, expected", [("editor", 200), ("staff", 200), ("admin_user", 200), ("nobody", 403)]
)
def test_queue_and_record_page_by_role(request, client, seed_record, role, expected):
    import_record(seed_record)
    client.force_login(request.getfixturevalue(role))

    assert client.get("/").status_code == expected
    assert client.get(f"/rewrites/{seed_record['rewrite']['id']}/").status_code == expected


def test_login_form_logs_in_and_lands_on_the_queue(editor):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value

    response = client.post(
        "/accounts/login/",
        {"username": "eda", "password": "correct horse battery", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_without_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "eda", "password": "correct horse battery"})

    assert response.status_code == 403


def test_api_needs_a_login_or_a_token(client, seed_record, editor):
    import_record(seed_record)
    rewrite_id = seed_record["rewrite"]["id"]

    anonymous = client.get(f"/api/records/{rewrite_id}")
    assert anonymous.status_code == 401
    assert "Bearer" in anonymous.json()["error"]

    client.force_login(editor)
    assert client.get(f"/api/records/{rewrite_id}").json() == seed_record


def test_api_token_created_by_an_admin_reads_records(client, seed_record, staff):
    import_record(seed_record)
    token, key = ApiToken.issue(user=staff, name="site build")

    response = client.get(
        f"/api/records/{seed_record['rewrite']['id']}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert response.status_code == 200
    assert response.json() == seed_record
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_wrong_or_revoked_token_is_refused(client, seed_record, staff):
    import_record(seed_record)
    token, key = ApiToken.issue(user=staff, name="old")
    token.revoked_at = token.created_at
    token.save()

    for header in [f"Bearer {key}", "Bearer nr_wrong", "Basic abc"]:
        response = client.get("/api/records", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["error"]


def test_api_token_of_an_account_without_a_role_is_forbidden(client, nobody):
    _, key = ApiToken.issue(user=nobody, name="x")

    response = client.get("/api/records", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 403


def test_only_the_token_hash_is_stored(staff):
    token, key = ApiToken.issue(user=staff, name="x")

    assert key not in {token.key_hash, token.prefix}
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_admin_creates_a_token_and_sees_it_once(client, admin_user, staff):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)

    response = client.post(
        "/admin/newsroom/apitoken/add/", {"user": staff.pk, "name": "site build"}, follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    key = next(word for message in messages for word in message.split() if word.startswith("nr_"))
    api = Client().get("/api/records", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200


def test_api_pages_through_records_since_a_time(client, seed_record, editor):
    from tests.records_data import all_records

    records = all_records(seed_record)
    for record in records:
        import_record(record)
    client.force_login(editor)

    first = client.get("/api/records", {"limit": 2}).json()
    second = client.get(first["next"]).json()
    since = client.get("/api/records", {"since": "2026-07-05T00:00:00Z"}).json()

    assert len(first["records"]) == 2
    assert second["next"] is None
    ids = [r["rewrite"]["id"] for r in first["records"] + second["records"]]
    assert sorted(ids) == sorted(r["rewrite"]["id"] for r in records)
    assert [r["rewrite"]["id"] for r in since["records"]] == [records[1]["rewrite"]["id"]]


def test_api_refuses_bad_query_values_in_words(client, editor):
    client.force_login(editor)

    assert "ISO 8601" in client.get("/api/records", {"since": "tuesday"}).json()["error"]
    assert "whole number" in client.get("/api/records", {"limit": "many"}).json()["error"]
    assert client.get("/api/records/r_missing").status_code == 404


@pytest.mark.parametrize(
    "since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999-23:59", "0001-01-01T00:00:00+23:59"]
)
def test_api_answers_400_for_a_time_outside_what_utc_can_hold(client, seed_record, editor, since):
    import_record(seed_record)
    client.force_login(editor)

    response = client.get("/api/records", {"since": since})

    assert response.status_code == 400
    assert "outside the years 1 to 9999" in response.json()["error"] and since in response.json()["error"]


def test_api_refuses_an_out_of_range_cursor_in_words(client, editor):
    client.force_login(editor)

    response = client.get("/api/records", {"after": "9999-12-31T23:59:00-23:59|r_x"})

    assert response.status_code == 400 and "'after'" in response.json()["error"]


def test_api_keeps_japanese_text_readable(client, seed_record, editor):
    import_record(seed_record)
    client.force_login(editor)

    body = client.get(f"/api/records/{seed_record['rewrite']['id']}").content.decode()

    assert "アリババ" in body
    assert json.loads(body) == seed_record
