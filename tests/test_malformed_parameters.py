"""Malformed query and form parameters are refused with a message that names the parameter and what it
accepts, never answered with a server error: digits that are not ASCII ('²', '٣'), numbers past what the
database holds, dates at the ends of the calendar and names with dots."""

import pytest
from django.test import Client

from rewrites.models import Rewrite
from tests.factories import make_draft

pytestmark = pytest.mark.django_db

NOT_WHOLE_NUMBERS = ["²", "٣", "1" * 20, "9" * 5000, "9" * 12, "-1", "1.5", "+3", "1_0"]
EDGE_DATES = ["9999-12-31", "0001-01-01"]


@pytest.fixture
def answers():
    """A client that answers a crash with a 500 page, as a visitor would see it, instead of raising."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("name", ["since", "until"])
def test_the_audit_log_names_a_date_at_the_end_of_the_calendar_as_unreadable(admin_user, answers, name, value):
    answers.force_login(admin_user)

    page = answers.get("/audit/", {name: value})
    export = answers.get("/audit/export.csv", {name: value})

    assert page.status_code == 400
    assert "“" + value + "” is outside the dates the desk can search; use a date from 0002-01-01 to 9998-12-31." in page.content.decode()
    assert export.status_code == 400
    assert "use a date from 0002-01-01 to 9998-12-31" in export.content.decode()


def test_the_audit_export_refuses_filters_it_cannot_read_instead_of_exporting_everything(admin_user, answers):
    answers.force_login(admin_user)

    export = answers.get("/audit/export.csv", {"since": "yesterday"})

    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/plain")
    assert "“yesterday” is not a time the from filter understands" in export.content.decode()


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_the_newsletter_names_a_date_at_the_end_of_the_calendar_as_out_of_range(staff, answers, name, value):
    answers.force_login(staff)

    page = answers.get("/newsletter/", {name: value})
    export = answers.post("/newsletter/export/", {name: value, "format": "csv"})

    assert page.status_code == 400
    said = "The start date" if name == "date_from" else "The end date"
    assert f"{said} “{value}” is outside the dates the desk can search; use a date from 0002-01-01 to 9998-12-31." in (
        page.content.decode()
    )
    assert export.status_code == 400
    assert "use a date from 0002-01-01 to 9998-12-31" in export.content.decode()


@pytest.mark.parametrize("value", NOT_WHOLE_NUMBERS)
def test_the_queue_refuses_a_source_that_is_not_a_source_number(editor, answers, value):
    answers.force_login(editor)

    page = answers.get("/", {"source": value})

    assert page.status_code == 200
    assert "” is not a source; showing every source. Choose one from the list." in page.content.decode()


def test_the_progress_line_refuses_a_field_it_does_not_know(seed_record, editor, answers):
    rewrite = make_draft(seed=seed_record)
    answers.force_login(editor)

    answer = answers.get(f"/rewrites/{rewrite.id}/progress/", {"field": "a.b"})

    assert answer.status_code == 400
    assert "There is no field “a.b”" in answer.content.decode()


@pytest.mark.parametrize("value", ["x", "²", "٣", "1" * 20, "9" * 5000])
def test_choosing_a_lead_image_with_an_unreadable_version_asks_to_reload(seed_record, editor, answers, value):
    rewrite = make_draft(seed=seed_record)
    answers.force_login(editor)

    answer = answers.post(f"/rewrites/{rewrite.id}/lead-image/", {"article": "", "version": value})

    assert answer.status_code == 400
    assert "The form was missing its version; reload the page." in answer.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).version == rewrite.version


@pytest.mark.parametrize("value", NOT_WHOLE_NUMBERS)
def test_assigning_to_an_id_that_is_not_a_user_number_is_refused(seed_record, editor, answers, value):
    rewrite = make_draft(seed=seed_record)
    answers.force_login(editor)

    answer = answers.post(f"/rewrites/{rewrite.id}/assign/", {"assignee": value}, headers={"HX-Request": "true"})

    assert answer.status_code == 400
    assert "Choose an editor from the list; that account does not exist." in answer.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).assigned_to is None


@pytest.mark.parametrize("value", NOT_WHOLE_NUMBERS)
def test_bulk_assigning_to_an_id_that_is_not_a_user_number_is_refused(seed_record, editor, answers, value):
    rewrite = make_draft(seed=seed_record)
    answers.force_login(editor)

    answer = answers.post(
        "/rewrites/bulk/", {"action": "assign", "assignee": value, "ids": [rewrite.id]}, headers={"HX-Request": "true"}
    )

    assert answer.status_code == 400
    assert "Choose an editor from the list; that account does not exist." in answer.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).assigned_to is None


@pytest.mark.parametrize("value", ["²", "٣", "1" * 20, "9" * 5000, "-1", "x"])
def test_saving_credits_with_an_unreadable_row_count_is_refused(seed_record, editor, answers, value):
    rewrite = make_draft(seed=seed_record)
    answers.force_login(editor)

    answer = answers.post(
        f"/rewrites/{rewrite.id}/credits/save/",
        {"rows": value, "version": rewrite.version, "source-0": "Example", "url-0": "https://example.com/"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 400
    assert "number of credit rows" in answer.content.decode() and "reload the page" in answer.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).version == rewrite.version


@pytest.mark.parametrize("value", ["٣", "３", " 3", "+3", "1_0"])
def test_the_records_api_reads_a_limit_in_digits_0_to_9_alone(editor, answers, value):
    answers.force_login(editor)

    answer = answers.get("/api/records", {"limit": value})

    assert answer.status_code == 400
    assert answer.json()["error"] == "'limit' must be a whole number between 1 and 1000."
