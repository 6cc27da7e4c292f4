"""Lead images (chosen in the workspace, published without metadata) and the public front page."""

import io

import feedparser
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from clusters.models import Article, Source
from rewrites.desk.lead_image import choose_lead_image
from rewrites.desk.review import ReviewError
from rewrites.models import Rewrite
from rewrites.publishing.publish import publish_rewrite, unpublish_rewrite
from rewrites.records import import_record
from tests.factories import approved_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def photo_with_metadata() -> bytes:
    image = Image.new("RGB", (640, 360), (40, 90, 160))
    exif = Image.Exif()
    exif[0x013B] = "Someone"  # Artist
    exif[0x8825] = {2: (35.0, 41.0, 0.0)}  # GPS latitude
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def approved_with_image(seed_record, *, number: int, credit: str = "Photo: Jane Doe (CC BY 4.0)") -> Rewrite:
    rewrite, _ = import_record(approved_record(seed_record, number=number, headline=f"Story {number} with a photo"))
    article = rewrite.cluster.articles.get()
    article.image_url = "https://img.example/photo.jpg"
    article.image_credit = credit
    article.image.save("photo.jpg", ContentFile(photo_with_metadata()), save=True)
    Source.objects.filter(id=article.source_id).update(licence="Text from Example Wire, CC BY 2.5.",
                                                      licence_url="https://creativecommons.org/licenses/by/2.5/")
    return Rewrite.objects.select_related("cluster").get(id=rewrite.id)


def test_the_cluster_image_is_published_re_encoded_without_metadata(seed_record, editor, client):
    rewrite = approved_with_image(seed_record, number=301)
    choose_lead_image(rewrite_id=rewrite.id, article_id=rewrite.cluster.articles.get().id,
                      alt="A blue test picture", base_version=rewrite.version, user=editor)

    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story
    served = client.get(f"/stories/{story.slug}/image.jpg")

    body = b"".join(served.streaming_content)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(body))
    assert image.size == (640, 360) and not image.getexif() and "icc_profile" not in image.info
    assert b"Someone" not in body
    page = client.get(f"/stories/{story.slug}/").content.decode()
    assert f'<img src="http://testserver/stories/{story.slug}/image.jpg" alt="A blue test picture"' in page
    assert "Photo: Jane Doe (CC BY 4.0) (Image from GIGAZINE)" in page
    assert f'<meta property="og:image" content="http://testserver/stories/{story.slug}/image.jpg">' in page
    assert '<meta property="og:image:alt" content="A blue test picture">' in page
    assert "Text from Example Wire, CC BY 2.5." in page


def test_feeds_carry_the_lead_image(seed_record, editor, client):
    rewrite = approved_with_image(seed_record, number=302)
    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story

    rss = feedparser.parse(client.get("/feeds/rss.xml").content)
    item = client.get("/feeds/feed.json").json()["items"][0]

    assert rss.entries[0].enclosures[0]["href"] == f"http://testserver/stories/{story.slug}/image.jpg"
    assert rss.entries[0].enclosures[0]["type"] == "image/jpeg"
    assert item["image"].endswith("/image.jpg") and item["banner_image"].endswith("/card.png")


def test_the_social_card_shows_the_lead_image_beside_the_headline(seed_record, editor):
    from rewrites.publishing.cards import PHOTO_WIDTH, WIDTH, render_social_card

    card = render_social_card(headline="A headline", source_credit="Source: X", site_name="N", photo=photo_with_metadata())
    plain = render_social_card(headline="A headline", source_credit="Source: X", site_name="N", photo=None)
    tiny = render_social_card(headline="A headline", source_credit="Source: X", site_name="N",
                              photo=photo_bytes((50, 50)))

    assert card.photo_box == (WIDTH - PHOTO_WIDTH, 12, WIDTH, 630)
    assert card.headline_area[2] < plain.headline_area[2]
    pixel = Image.open(io.BytesIO(card.png)).getpixel((WIDTH - 100, 300))
    assert all(abs(got - want) <= 3 for got, want in zip(pixel, (40, 90, 160)))  # JPEG rounding
    assert plain.photo_box is None and tiny.photo_box is None  # too small to fit


def photo_bytes(size) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(output, "PNG")
    return output.getvalue()


def test_an_editor_can_choose_no_image(seed_record, editor, client):
    rewrite = approved_with_image(seed_record, number=303)
    choose_lead_image(rewrite_id=rewrite.id, article_id=None, alt="", base_version=rewrite.version, user=editor)

    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story

    assert not story.image
    assert client.get(f"/stories/{story.slug}/image.jpg").status_code == 404


def test_an_image_needs_alt_text_and_must_come_from_the_cluster(seed_record, editor):
    rewrite = approved_with_image(seed_record, number=304)
    other = Article.objects.exclude(cluster=rewrite.cluster).first() or rewrite.cluster.articles.get()

    with pytest.raises(ReviewError, match="alt text"):
        choose_lead_image(rewrite_id=rewrite.id, article_id=rewrite.cluster.articles.get().id, alt=" ",
                          base_version=rewrite.version, user=editor)
    with pytest.raises(ReviewError, match="not one of this story's source images"):
        choose_lead_image(rewrite_id=rewrite.id, article_id="a_" + "0" * 24, alt="x",
                          base_version=rewrite.version, user=editor)
    assert other is not None


def test_the_workspace_panel_offers_the_cluster_images_and_saves_a_choice(seed_record, editor, client):
    rewrite = approved_with_image(seed_record, number=305)
    client.force_login(editor)

    panel = client.get(f"/rewrites/{rewrite.id}/lead-image/").content.decode()
    saved = client.post(f"/rewrites/{rewrite.id}/lead-image/", {
        "article": rewrite.cluster.articles.get().id, "alt": "A blue picture", "version": rewrite.version,
    }, HTTP_HX_REQUEST="true")

    assert "Offered until an editor chooses" in panel and "Photo: Jane Doe (CC BY 4.0)" in panel
    image = client.get(f"/rewrites/{rewrite.id}/images/{rewrite.cluster.articles.get().id}.jpg")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert f'src="/rewrites/{rewrite.id}/images/' in panel
    assert saved.status_code == 200 and "Lead image saved." in saved.content.decode()
    assert Rewrite.objects.get(id=rewrite.id).lead_image_alt == "A blue picture"


def test_the_front_page_lists_published_stories_newest_first_with_images_and_sections(seed_record, editor, client):
    first = publish_rewrite(rewrite_id=approved_with_image(seed_record, number=306).id, user=editor).story
    second = publish_rewrite(rewrite_id=approved_with_image(seed_record, number=307).id, user=editor).story

    page = client.get("/stories/").content.decode()
    root = client.get("/").content.decode()

    assert page.index(second.headline) < page.index(first.headline)
    assert f'src="/stories/{first.slug}/image.jpg"' in page
    assert '<a href="/sections/other/">Other</a>' in page
    assert second.headline in root and "Staff log in" in root
    assert first.headline in client.get("/sections/other/").content.decode()
    assert client.get("/sections/anime/").status_code == 404


def test_the_410_page_carries_the_site_header_and_links_to_the_front_page(seed_record, editor, client):
    story = publish_rewrite(rewrite_id=approved_with_image(seed_record, number=308).id, user=editor).story
    unpublish_rewrite(rewrite_id=story.rewrite_id, user=editor, reason="Wrong story")

    gone = client.get(f"/stories/{story.slug}/")

    assert gone.status_code == 410
    assert '<header class="site">' in gone.content.decode() and 'href="/stories/"' in gone.content.decode()


def test_source_links_stored_with_tracking_parameters_are_shown_without_them(seed_record, editor, client):
    from rewrites.models import PublishedStory

    story = publish_rewrite(rewrite_id=approved_with_image(seed_record, number=309).id, user=editor).story
    PublishedStory.objects.filter(id=story.id).update(
        sources=[{"source": "Old", "url": "https://old.example/a?id=1&utm_source=rss&fbclid=x", "title": "Old title"}]
    )

    page = client.get(f"/stories/{story.slug}/").content.decode()
    feed = client.get("/feeds/feed.json").json()["items"][0]

    assert 'href="https://old.example/a?id=1"' in page and "utm_source" not in page
    assert "utm_source" not in feed["content_html"] and feed["_newsroom"]["sources"][0]["url"] == "https://old.example/a?id=1"
