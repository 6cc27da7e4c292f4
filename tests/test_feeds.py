import json
from datetime import datetime

import pytest

from clusters.sources.canonical import canonical_url
from clusters.sources.feeds import FeedError, parse_feed
from tests.ingest_helpers import require_shared_data, rss

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>https://a.example/1</link></item></channel></rss>
"""


def test_entity_bomb_is_refused_at_its_declarations_before_anything_is_expanded():
    with pytest.raises(FeedError, match="declares its own XML entities"):
        parse_feed(BILLION_LAUGHS)


def test_external_entity_is_refused():
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<rss version=\"2.0\"><channel><item><title>&xxe;</title><link>https://a.example/1</link></item></channel></rss>")
    with pytest.raises(FeedError):
        parse_feed(body)


def test_undeclared_shift_jis_feed_is_read():
    body = rss([{"title": "東京で桜が開花", "link": "https://a.example/1"}], encoding="shift_jis")
    body = body.replace(b' encoding="shift_jis"', b"")

    feed = parse_feed(body)

    assert feed.entries[0].title == "東京で桜が開花"


def test_http_charset_wins_over_a_missing_declaration():
    body = rss([{"title": "大阪の天気は晴れのち曇り", "link": "https://a.example/1"}], encoding="euc_jp")
    body = body.replace(b' encoding="euc_jp"', b"")

    feed = parse_feed(body, content_type="application/rss+xml; charset=EUC-JP")

    assert (feed.entries[0].title, feed.encoding) == ("大阪の天気は晴れのち曇り", "euc_jp")


def test_json_feed_items_become_entries():
    body = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "J", "language": "ja",
        "items": [
            {"id": "1", "url": "https://a.example/1", "title": "一", "content_text": "本文",
             "date_published": "2026-11-25T10:00:00+09:00"},
            "not an item",
        ],
    }).encode()

    feed = parse_feed(body, content_type="application/feed+json")

    assert [(e.title, e.link, e.published_at.isoformat()) for e in feed.entries] == [
        ("一", "https://a.example/1", "2026-11-25T01:00:00+00:00")
    ]
    assert feed.problems == ["Entry 2 could not be read: it is not an object"]


def test_html_page_is_refused_with_a_reason():
    with pytest.raises(FeedError, match="not an RSS, Atom or JSON feed"):
        parse_feed(b"<html><body><p>Hello</p></body></html>")


def test_relative_links_are_resolved_against_the_feed_address():
    feed = parse_feed(rss([{"title": "a", "link": "story/1.html"}]), url="http://desk.example/demo-feeds/x/feed.xml")

    assert feed.entries[0].link == "http://desk.example/demo-feeds/x/story/1.html"


@pytest.mark.data
def test_every_feedparser_test_document_parses_or_is_refused_clearly():
    folder = require_shared_data("feeds", "feedparser_tests")
    outcomes = {"entries": 0, "empty": 0, "refused": 0}
    for line in (folder / "index.jsonl").read_text().splitlines():
        path = folder / json.loads(line)["path"]
        try:
            feed = parse_feed(path.read_bytes(), url="http://example.org/feed")
        except FeedError as error:
            assert str(error), path
            outcomes["refused"] += 1
        else:
            outcomes["entries" if feed.entries else "empty"] += 1
    assert sum(outcomes.values()) == 2107
    assert outcomes["entries"] > 1000


@pytest.mark.data
def test_undeclared_japanese_documents_from_feedparser_tests_are_decoded():
    folder = require_shared_data("feeds", "feedparser_tests", "tests", "illformed", "chardet")

    assert parse_feed((folder / "shiftjis.xml").read_bytes()).entries[0].title == "DrecomRSSに記事投稿が反映されない…"
    assert parse_feed((folder / "eucjp.xml").read_bytes()).entries[0].title == "ゲーム三昧な正月"


def _feed_rs_cases():
    folder = require_shared_data("feeds", "feed_rs")
    for line in (folder / "index.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item.get("expected_feed_rs_model"):
            yield folder / item["feed"], json.loads((folder / item["expected_feed_rs_model"]).read_text())


def _seconds(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(microsecond=0)


@pytest.mark.data
def test_feed_rs_captures_give_their_expected_titles_links_and_dates():
    checked = feeds = 0
    for path, expected in _feed_rs_cases():
        feed = parse_feed(path.read_bytes())
        feeds += 1
        if expected.get("title"):
            assert feed.title == expected["title"]["content"].strip(), path
        assert len(feed.entries) == len(expected["entries"]), path
        for got, want in zip(feed.entries, expected["entries"]):
            if want.get("title"):
                assert got.title == want["title"]["content"].strip(), path
            links = [canonical_url(link["href"]) for link in want.get("links", [])]
            if links:
                assert canonical_url(got.link) in links, path
            when = want.get("published") or want.get("updated")
            if when:
                assert got.published_at == _seconds(when), path
            checked += 1
    assert (feeds, checked) == (64, 102)
