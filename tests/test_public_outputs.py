"""The public story pages, social cards and feeds: valid, exactly what is published, cacheable."""

import io
import json

import feedparser
import jsonschema
import pytest
from django.test import Client
from PIL import Image, ImageDraw

from newsroom.links import strip_tracking
from rewrites.publishing.cards import HEIGHT, WIDTH, card_font, render_social_card
from rewrites.publishing.publish import publish_rewrite, unpublish_rewrite
from rewrites.records import import_record
from tests.factories import approved_record, make_approved
from tests.publishing_helpers import edit_rewrite
from tests.records_data import full_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# The parts of https://www.jsonfeed.org/version/1.1/ a reader relies on (feedparser 6.0 reads no JSON Feed).
RFC3339 = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
JSON_FEED_1_1 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "pattern": "^https?://"},
        "feed_url": {"type": "string", "pattern": "^https?://"},
        "authors": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "url", "title", "content_html", "date_published", "date_modified"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "image": {"type": "string", "pattern": "^https?://"},
                    "date_published": RFC3339,
                    "date_modified": RFC3339,
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "patternProperties": {"^_": {"type": "object"}},
            },
        },
    },
}


def publish(rewrite, user):
    return publish_rewrite(rewrite_id=rewrite.id, user=user).story


def test_public_pages_and_feeds_need_no_login(seed_record, editor):
    story = publish(make_approved(seed=seed_record, number=31), editor)
    anonymous = Client()

    for path in [f"/stories/{story.slug}/", f"/stories/{story.slug}/card.png", "/feeds/rss.xml", "/feeds/feed.json"]:
        assert anonymous.get(path).status_code == 200, path


def test_feeds_parse_and_contain_exactly_the_published_stories(seed_record, editor, client):
    published = [publish(make_approved(seed=seed_record, number=n, headline=f"Published story {n}"), editor) for n in (32, 33)]
    make_approved(seed=seed_record, number=34, headline="Approved but never published")
    killed = publish(make_approved(seed=seed_record, number=35, headline="Published then killed"), editor)
    unpublish_rewrite(rewrite_id=killed.rewrite_id, user=editor, reason="Wrong facts.")

    rss = feedparser.parse(client.get("/feeds/rss.xml").content)
    json_response = client.get("/feeds/feed.json")
    document = json.loads(json_response.content)

    assert not rss.bozo, rss.get("bozo_exception")
    assert rss.version == "rss20"
    assert json_response["Content-Type"].startswith("application/feed+json")
    jsonschema.validate(document, JSON_FEED_1_1)
    expected = {f"urn:newsroom:story:{story.rewrite_id}" for story in published}
    assert {entry.id for entry in rss.entries} == expected
    assert {item["id"] for item in document["items"]} == expected
    assert {entry.title for entry in rss.entries} == {"Published story 32", "Published story 33"}
    assert all(entry.updated_parsed and entry.published_parsed for entry in rss.entries)
    assert all(entry.link.endswith(f"/stories/{entry.link.rstrip('/').rsplit('/', 1)[1]}/") for entry in rss.entries)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert all(item["date_modified"].endswith("Z") and item["image"].endswith("card.png") for item in document["items"])


def test_feed_ids_stay_the_same_when_a_story_is_republished(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=36)
    publish(rewrite, editor)
    before = json.loads(client.get("/feeds/feed.json").content)["items"][0]
    edit_rewrite(rewrite.id, headline="A changed headline")
    publish(rewrite, editor)

    after = json.loads(client.get("/feeds/feed.json").content)["items"][0]

    assert after["id"] == before["id"]
    assert after["title"] == "A changed headline"
    assert after["date_modified"] > before["date_modified"]
    assert after["date_published"] == before["date_published"]


def test_the_public_sees_only_published_stories(seed_record, editor, client):
    make_approved(seed=seed_record, number=37)
    draft, _ = import_record(approved_record(seed_record, number=38, status="draft"))

    assert client.get("/stories/varied-record-37/").status_code == 404
    assert client.get(f"/stories/{draft.slug}/").status_code == 404
    assert client.get("/stories/varied-record-37/card.png").status_code == 404
    assert json.loads(client.get("/feeds/feed.json").content)["items"] == []


def test_story_page_shows_sources_times_the_ai_note_and_open_graph_card(seed_record, editor, client):
    record = full_record(seed_record)
    record["rewrite"].update({"status": "approved"})
    rewrite, _ = import_record(record)
    story = publish(rewrite, editor)

    page = client.get(f"/stories/{story.slug}/").content.decode()

    for entry in record["attribution"]:
        assert f'href="{strip_tracking(entry["url"])}"' in page.replace("&amp;", "&")
        assert entry["title"] in page
    assert "utm_source" not in page
    assert "「葬送のフリーレン」第2期、2027年1月放送開始" in page
    assert f'<meta property="og:image" content="http://testserver/stories/{story.slug}/card.png">' in page
    assert "written with AI assistance" in page and "reviewed by an editor" in page
    assert f'datetime="{story.published_at.isoformat()}"' in page


def test_web_card_html_is_sanitised_on_the_public_page(seed_record, editor, client):
    rewrite = make_approved(
        seed=seed_record,
        number=39,
        webCardHtml='<p onclick="steal()">Safe text</p><script>alert(1)</script><a href="javascript:alert(2)">x</a>'
        '<img src=x onerror="alert(3)"><iframe src="https://evil.example"></iframe>',
    )
    story = publish(rewrite, editor)

    page = client.get(f"/stories/{story.slug}/").content.decode()

    assert "Safe text" in page
    for hostile in ["<script>alert", "onclick", "javascript:", "onerror", "<iframe"]:
        assert hostile not in page


@pytest.mark.parametrize("path", ["/stories/{slug}/", "/stories/{slug}/card.png", "/feeds/rss.xml", "/feeds/feed.json"])
def test_conditional_requests_get_304(seed_record, editor, client, path):
    story = publish(make_approved(seed=seed_record, number=40), editor)
    url = path.format(slug=story.slug)
    first = client.get(url)

    by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    assert by_etag.status_code == 304 and by_date.status_code == 304
    assert by_etag.content == b""


def test_republishing_changes_the_etag(seed_record, editor, client):
    rewrite = make_approved(seed=seed_record, number=41)
    story = publish(rewrite, editor)
    etags = {url: client.get(url)["ETag"] for url in [f"/stories/{story.slug}/", "/feeds/rss.xml"]}
    edit_rewrite(rewrite.id, headline="Republished headline")
    publish(rewrite, editor)

    for url, etag in etags.items():
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200, url


def test_killing_a_story_changes_the_feed_etag(seed_record, editor, client):
    first = publish(make_approved(seed=seed_record, number=42), editor)
    publish(make_approved(seed=seed_record, number=43), editor)
    etag = client.get("/feeds/feed.json")["ETag"]

    unpublish_rewrite(rewrite_id=first.rewrite_id, user=editor, reason="Duplicate.")

    assert client.get("/feeds/feed.json", HTTP_IF_NONE_MATCH=etag).status_code == 200


# Social cards

LONG_JAPANESE = (
    "『葬送のフリーレン』第2期が2027年1月に放送開始、マッドハウスが続投し新キャスト10名と主題歌アーティストも発表"
    " — Frieren Season 2 Confirmed for January With Returning Studio Madhouse, Ten New Cast Members and a New Theme Song"
)


def _ink_box(png: bytes, box: tuple[int, int, int, int]) -> bool:
    image = Image.open(io.BytesIO(png)).convert("RGB").crop(box)
    return len(image.getcolors(maxcolors=WIDTH * HEIGHT)) > 1


@pytest.mark.parametrize(
    "headline",
    ["Short headline", LONG_JAPANESE, "Supercalifragilisticexpialidocious" * 6, "あ" * 400],
)
def test_social_card_is_a_1200x630_png_whose_text_fits(headline):
    card = render_social_card(headline=headline, source_credit="Sources: Natalie, アニメ!アニメ!", site_name="Newsroom")

    image = Image.open(io.BytesIO(card.png))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = card.headline_area
    boxes = []
    for line in card.headline_lines:
        box = draw.textbbox(line.xy, line.text, font=card_font(line.size))
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, (line.text, box)
        assert _ink_box(card.png, box)
        boxes.append(box)
    credit = draw.textbbox(card.credit.xy, card.credit.text, font=card_font(card.credit.size))
    assert credit[0] >= 0 and credit[2] <= WIDTH - 72 and credit[3] <= HEIGHT
    assert credit[1] > max(box[3] for box in boxes)
    drawn = "".join(line.text for line in card.headline_lines).replace(" ", "")
    assert drawn.rstrip("…") and headline.replace(" ", "").startswith(drawn.rstrip("…"))


def test_social_card_keeps_japanese_text_and_leaves_out_what_the_font_cannot_draw():
    card = render_social_card(headline="新作アニメ発表 🎉 New anime", source_credit="Source: GIGAZINE", site_name="Newsroom")

    text = " ".join(line.text for line in card.headline_lines)
    assert "新作アニメ発表" in text and "New anime" in text and "🎉" not in text


def test_story_page_and_feeds_use_a_fixed_number_of_queries(seed_record, editor, client, django_assert_num_queries):
    stories = [publish(make_approved(seed=seed_record, number=n), editor) for n in range(70, 76)]

    with django_assert_num_queries(3):  # the story, its corrections, the site's sections
        assert client.get(f"/stories/{stories[0].slug}/").status_code == 200
    with django_assert_num_queries(3):  # the count, a page of stories, the sections
        assert client.get("/stories/").status_code == 200
    with django_assert_num_queries(2):  # the feed's state, its stories
        assert client.get("/feeds/rss.xml").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/feeds/feed.json").status_code == 200
    etag = client.get("/feeds/feed.json")["ETag"]
    with django_assert_num_queries(1):
        assert client.get("/feeds/feed.json", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_card_lines_never_start_with_closing_punctuation_or_small_kana():
    headline = (
        "アリババが従業員のClaude Code使用を禁止、セキュリティリスクの懸念のため。社内通知によるとバックドアのリスクが"
        "あるとして高リスクソフトウェアのリストに追加され、従業員は自社のコーディングプラットフォームを使うよう指示された"
    )

    card = render_social_card(headline=headline, source_credit="Source: GIGAZINE", site_name="Newsroom")

    assert len(card.headline_lines) > 2
    assert all(line.text[0] not in "、。」ュッャョー" for line in card.headline_lines)


def test_public_and_desk_pages_name_the_desks_icon(client, editor):
    """Without a named icon a browser asks for /favicon.ico, which the desk does not serve (a 404 on every visit)."""
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")
    client.force_login(editor)
    for path in ("/stories/", "/"):
        page = client.get(path).content.decode()
        assert '<link rel="icon" href="' in page and 'favicon' in page.split('rel="icon"', 1)[1].split(">", 1)[0]
