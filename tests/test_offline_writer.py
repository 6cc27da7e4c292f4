"""The offline writer, rule by rule, on the demo's Wikinews-shaped pages and on made-up text."""

import re

import lxml.html
import pytest

from clusters.models import Source
from clusters.sources.extract import extract_main_text
from newsroom.demo_feeds import DEMO_FEEDS_DIR
from newsroom.links import strip_tracking, tracking_parameters
from rewrites.checks.counters import NETWORKS, find_urls
from rewrites.checks.lint import Draft, run_lints
from rewrites.generation.offline import is_story_sentence, offline_reply
from rewrites.generation.write import write_rewrite
from rewrites.models import Rewrite
from tests.factories import make_article

pytestmark = pytest.mark.django_db

DEMO_PAGES = sorted(DEMO_FEEDS_DIR.glob("*/*.html"))
TEXT_FIELDS = ["headline", "summary", "whyItMatters", "webCardHtml", "blueskyPost", "twitterPost", "threadsPost",
               "newsletterBlurb"]


def article_from_page(path, *, source=None, cluster=None):
    """An Article as ingestion stores the page: its extracted text, and its feed link with tracking parameters."""
    page = path.read_text(encoding="utf-8")
    title = lxml.html.fromstring(page).findtext(".//h1/span").strip()
    language = "en" if path.parent.name.endswith("-en") else "ja"
    return make_article(
        source=source or Source.objects.get_or_create(name=f"Demo {path.parent.name}")[0], cluster=cluster, title=title,
        text=extract_main_text(page), language=language,
        url=f"https://demo.example/{path.parent.name}/{path.name}?utm_source=rss&utm_medium=feed&fbclid=abc",
    )


def queued_rewrite(cluster) -> Rewrite:
    return Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED)


def write(rewrite: Rewrite) -> Rewrite:
    write_rewrite(rewrite_id=rewrite.id)
    return Rewrite.objects.with_cluster().get(id=rewrite.id)


def boilerplate_of(path) -> list[str]:
    """The page's related-news titles and source citations, as printed."""
    root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    related = [li.text_content().split(": ", 1)[-1] for heading in root.xpath("//h2") for li in heading.getparent().getnext().iter("li")
               if heading.text in ("関連ニュース", "Related news")]
    # A citation is recognised by the cited title (its publisher may well be named in the story).
    citations = [
        re.search(r"[『\"](.+?)[』\"]", span.text_content()).group(1)
        for span in root.xpath("//span[@class='sourceTemplate']") if re.search(r"[『\"](.+?)[』\"]", span.text_content())
    ]
    return [text.strip() for text in related + citations if len(text.strip()) > 6]


def output_text(reply: dict) -> str:
    """Every field the writer chose sentences for (the headline is the article's own title)."""
    written = "\n".join([reply[name] for name in TEXT_FIELDS] + reply["keyFacts"])
    return written.replace(reply["headline"], "")


@pytest.mark.parametrize("path", DEMO_PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in DEMO_PAGES])
def test_no_citation_or_related_news_line_is_ever_chosen(path):
    reply = offline_reply(articles=[article_from_page(path)])

    written = output_text(reply)
    assert [line for line in boilerplate_of(path) if line in written] == []
    assert "CC BY" not in written and "Creative Commons" not in written and "クリエイティブ" not in written


@pytest.mark.parametrize("path", DEMO_PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in DEMO_PAGES])
def test_posts_fit_their_network_and_links_carry_no_tracking_parameters(path):
    reply = offline_reply(articles=[article_from_page(path)])

    for name, network in NETWORKS.items():
        assert network.count(reply[name]) <= network.limit, name
    links = [reply[name][start:end] for name in TEXT_FIELDS for start, end in find_urls(reply[name])]
    links += re.findall(r'href="([^"]+)"', reply["webCardHtml"]) + [entry["url"] for entry in reply["attribution"]]
    assert links and all(tracking_parameters(link.replace("&amp;", "&")) == [] for link in links)


def test_date_lines_photo_credits_and_licences_are_not_story_sentences():
    assert not is_story_sentence("2011年4月8日 (金)")
    assert not is_story_sentence("Friday, June 14, 2010")
    assert not is_story_sentence("2016年8月16日(火):台風13号の影響で広島でも1人死亡1人不明")
    assert not is_story_sentence("Photo: Jane Doe / Example Agency")
    assert not is_story_sentence("写真: 気象庁提供")
    assert not is_story_sentence("『台風情報』。気象庁、2006年8月8日。")
    assert not is_story_sentence('Asahi Shimbun. "Hayabusa returns". Asahi Shimbun, June 14, 2010.')
    assert not is_story_sentence("This article is licensed under Creative Commons Attribution 2.5.")
    assert is_story_sentence("The capsule came down in the desert near Woomera in southern Australia.")


def test_posts_link_to_the_desks_story_page_when_the_public_address_is_set(settings):
    settings.NEWSROOM_PUBLIC_BASE_URL = "https://news.example.com"
    settings.OPENAI_BASE_URL = ""
    article = article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-456.html")
    from clusters.clustering import assign_article

    assign_article(article_id=article.id)
    article.refresh_from_db()
    rewrite = write(queued_rewrite(article.cluster))

    assert rewrite.slug == "google-to-buy-youtube-for-165-billion-in-stock"
    story = f"https://news.example.com/stories/{rewrite.slug}/"
    assert rewrite.bluesky_post.endswith(story) and rewrite.twitter_post.endswith(story)
    assert rewrite.threads_post.endswith(story)


def test_without_a_public_address_posts_link_to_the_source_without_tracking_parameters():
    article = article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-519.html")

    reply = offline_reply(articles=[article])

    assert reply["blueskyPost"].endswith("https://demo.example/demo-wire-en/en-519.html")


def test_an_english_source_is_preferred_over_a_japanese_one():
    japanese = article_from_page(DEMO_FEEDS_DIR / "wikinews-c" / "story-21.html")
    english = article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-512.html")

    reply = offline_reply(articles=[japanese, english])

    assert reply["headline"] == "Japanese films Departures and La Maison en Petits Cubes win Academy Awards"
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", reply["summary"] + reply["whyItMatters"])
    assert len(reply["attribution"]) == 2


def test_a_japanese_only_story_says_it_is_an_untranslated_extract():
    reply = offline_reply(articles=[article_from_page(DEMO_FEEDS_DIR / "wikinews-c" / "story-21.html")])

    assert reply["headline"] == "強い台風8号、沖ノ鳥島の西に"
    assert reply["summary"].startswith("Untranslated extract from the Japanese source, for an editor to translate: 気象庁によると")
    assert "does not translate" in reply["whyItMatters"]
    assert reply["webCardHtml"].startswith("<p>Untranslated extract from the Japanese source")


def test_summary_and_why_it_matters_are_different_sentences_chosen_by_salience():
    article = article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-972.html")

    reply = offline_reply(articles=[article])

    assert reply["summary"].startswith("The Tokyo Game Show was held at Makuhari Messe")
    assert reply["whyItMatters"] in article.text and reply["whyItMatters"] not in reply["summary"]
    assert not any(f.code == "why-repeats-summary" for f in run_lints(Draft(fields=reply)))


def test_domain_type_and_entities_come_without_a_model():
    hayabusa = offline_reply(articles=[article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-519.html")])
    games = offline_reply(articles=[article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-972.html")])
    oscars = offline_reply(articles=[article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-512.html")])
    manga = make_article(
        title="漫画『はだしのゲン』作者の中沢啓治さんが引退", language="ja",
        text="『はだしのゲン』の作者で漫画家の中沢啓治さんが、漫画家を引退すると発表した。Studio Ghibli とは関係がない。",
    )

    assert hayabusa["entities"]["domain"] == "science"
    assert "Junichiro Kawaguchi" in hayabusa["entities"]["people"]
    assert games["entities"]["domain"] == "games" and "Ken Kutaragi" in games["entities"]["people"]
    assert oscars["entities"]["domain"] == "film" and oscars["entities"]["type"] == "event"
    entities = offline_reply(articles=[manga])["entities"]
    assert entities["domain"] == "manga" and "はだしのゲン" in entities["manga_titles"]
    assert "Studio Ghibli" in entities["studios"]


def test_an_english_demo_draft_has_no_error_lints(settings):
    settings.OPENAI_BASE_URL = ""
    from clusters.clustering import assign_article

    article = article_from_page(DEMO_FEEDS_DIR / "demo-wire-en" / "en-519.html")
    assign_article(article_id=article.id)
    article.refresh_from_db()

    rewrite = write(queued_rewrite(article.cluster))

    assert rewrite.status == Rewrite.Status.DRAFT
    assert rewrite.lint_errors == 0, [f for f in rewrite.lint_flags if f["severity"] == "error"]
    assert rewrite.cluster.domain == "science"


def test_the_tracking_link_lint_flags_tracking_parameters_in_output_links():
    fields = {name: "Fine text." for name in TEXT_FIELDS}
    fields["twitterPost"] = "Read it https://example.com/a?utm_source=x&id=3"
    fields["webCardHtml"] = '<p><a href="https://example.com/b?fbclid=1">b</a></p>'

    flagged = [(f.field, f.text) for f in run_lints(Draft(fields=fields)) if f.code == "tracking-link"]

    assert flagged == [("webCardHtml", "https://example.com/b?fbclid=1"),
                       ("twitterPost", "https://example.com/a?utm_source=x&id=3")]


def test_strip_tracking_keeps_every_other_parameter_and_the_fragment():
    assert strip_tracking("https://a.example/p?id=3&utm_source=rss&utm_medium=feed&gclid=x#top") == "https://a.example/p?id=3#top"
    assert strip_tracking("https://a.example/p?ref=main") == "https://a.example/p?ref=main"
    assert strip_tracking("https://a.example/p") == "https://a.example/p"
