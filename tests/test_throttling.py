"""Login throttling by account and by address, on the desk's login page and the admin's, shown and logged."""

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

WRONG = "not the password"
RIGHT = "correct horse battery"


def log_in(client: Client, path: str, *, username: str, password: str):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=client.address)


def client_from(address: str) -> Client:
    client = Client()
    client.address = address
    return client


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    return 5


def test_an_account_is_paused_after_too_many_wrong_passwords_and_the_person_is_told(editor, limit, caplog):
    client = client_from("203.0.113.7")
    for _ in range(limit - 1):
        assert log_in(client, "/accounts/login/", username="eda", password=WRONG).status_code == 200

    with caplog.at_level(logging.WARNING, logger="axes"):
        locked = log_in(client, "/accounts/login/", username="eda", password=WRONG)
    after = log_in(client, "/accounts/login/", username="eda", password=RIGHT)

    assert locked.status_code == 429 and after.status_code == 429
    page = after.content.decode()
    assert "Too many failed logins" in page and "after 5 failed attempts" in page and "Wait 15 minutes" in page
    assert "ask an admin" in page
    assert any("Locking out" in record.getMessage() and "eda" in record.getMessage() for record in caplog.records)
    assert "_auth_user_id" not in client.session


def test_the_same_account_is_paused_from_another_address_too(editor, limit):
    for number in range(limit):
        log_in(client_from(f"198.51.100.{number + 1}"), "/accounts/login/", username="eda", password=WRONG)

    response = log_in(client_from("192.0.2.50"), "/accounts/login/", username="eda", password=RIGHT)

    assert response.status_code == 429


def test_an_address_guessing_many_accounts_is_paused(editor, limit):
    client = client_from("203.0.113.9")
    for number in range(limit):
        log_in(client, "/accounts/login/", username=f"guess{number}", password=WRONG)

    assert log_in(client, "/accounts/login/", username="eda", password=RIGHT).status_code == 429
    assert log_in(client_from("203.0.113.10"), "/accounts/login/", username="stan", password=WRONG).status_code == 200


def test_a_right_password_before_the_limit_logs_in_and_clears_the_count(editor, limit):
    client = client_from("203.0.113.11")
    for _ in range(limit - 1):
        log_in(client, "/accounts/login/", username="eda", password=WRONG)

    assert log_in(client, "/accounts/login/", username="eda", password=RIGHT).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        log_in(client, "/accounts/login/", username="eda", password=WRONG)
    assert log_in(client, "/accounts/login/", username="eda", password=RIGHT).status_code == 302


def test_the_admin_login_is_throttled_too(admin_user, limit):
    admin_user.is_staff = True
    admin_user.save()
    client = client_from("203.0.113.12")
    for _ in range(limit):
        log_in(client, "/admin/login/", username="ada", password=WRONG)

    response = log_in(client, "/admin/login/", username="ada", password=RIGHT)

    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()


def test_a_forwarded_address_is_not_believed_without_a_proxy(editor, limit):
    for number in range(limit):
        Client().post("/accounts/login/", {"username": f"guess{number}", "password": WRONG},
                      REMOTE_ADDR="203.0.113.20", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    response = Client().post("/accounts/login/", {"username": "stan", "password": WRONG},
                             REMOTE_ADDR="203.0.113.20", HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert response.status_code == 429
