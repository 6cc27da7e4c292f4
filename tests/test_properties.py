"""Property-based tests (Hypothesis): no input makes feed parsing or the social counters raise anything unplanned.

Feed parsing may refuse a feed, but only with FeedError and a message; the counters take any text.
"""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clusters.sources.feeds import FeedError, ParsedFeed, parse_feed
from rewrites.checks.counters import NETWORKS, count_for, find_hashtags, find_urls, offset_at_limit, truncate_to

# feedparser warns about its own date fallback on every entry without a date.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with what trips parsers and counters: control characters, surrogates' neighbours, emoji and joiners,
# combining marks, CJK, right-to-left, markup and URL-ish pieces.
awkward_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\x1b", "\u200d", "\ufe0f", "\u0301", "👩‍💻", "🇯🇵", "＃", "#", "&", "<", "]]>",
                         "https://", "www.", ".com", "/", " ", "\n", "\u202e", "フリーレン", "\ufeff"]),
    ),
    max_size=120,
).map("".join)


def check_parsed(result: ParsedFeed) -> None:
    assert isinstance(result, ParsedFeed)
    for entry in result.entries:
        assert isinstance(entry.title, str) and isinstance(entry.link, str) and isinstance(entry.feed_html, str)


def parse_or_refuse(body: bytes, content_type: str = "") -> None:
    try:
        result = parse_feed(body, content_type=content_type)
    except FeedError as error:
        assert str(error)
    else:
        check_parsed(result)


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(["", "application/rss+xml", "application/json",
                                                                    "text/xml; charset=shift_jis", "text/html"]))
@example(body=b"{" * 5000, content_type="")
@example(body=b'{"items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", content_type="application/feed+json")
@example(body=b"<rss>" + b"<a>" * 50_000 + b"</rss>", content_type="")
def test_any_bytes_parse_or_are_refused_with_a_feed_error(body, content_type):
    parse_or_refuse(body, content_type)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | awkward_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(awkward_text, children, max_size=4),
    max_leaves=20,
)
json_items = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            key: json_values | awkward_text
            for key in ["id", "url", "external_url", "title", "summary", "content_html", "content_text",
                        "date_published", "date_modified", "language", "image", "banner_image"]
        },
    ) | json_values,
    max_size=5,
)


@PROPERTY_SETTINGS
@given(items=json_items, title=json_values, version=st.sampled_from(["https://jsonfeed.org/version/1.1", "", 3]))
def test_any_json_feed_parses_or_is_refused_with_a_feed_error(items, title, version):
    body = json.dumps({"version": version, "title": title, "items": items}, ensure_ascii=False).encode("utf-8",
                                                                                                     "surrogatepass")
    parse_or_refuse(body, "application/feed+json")


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


rss_item = st.fixed_dictionaries(
    {},
    optional={key: awkward_text for key in ["title", "link", "description", "pubDate", "guid"]},
)


@PROPERTY_SETTINGS
@given(items=st.lists(rss_item, max_size=5), escape=st.booleans(), channel_title=awkward_text)
def test_any_rss_feed_parses_or_is_refused_with_a_feed_error(items, escape, channel_title):
    clean = xml_escape if escape else (lambda text: text)
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{clean(channel_title)}</title>']
    for item in items:
        parts.append("<item>" + "".join(f"<{key}>{clean(value)}</{key}>" for key, value in item.items()) + "</item>")
    parts.append("</channel></rss>")
    parse_or_refuse("".join(parts).encode("utf-8", "surrogatepass"), "application/rss+xml")


@PROPERTY_SETTINGS
@given(text=awkward_text | st.none())
@example(text="https://" + "a" * 300 + ".com")
@example(text="👩‍💻" * 200)
def test_the_counters_count_any_text(text):
    for field, network in NETWORKS.items():
        counted = count_for(field, text)
        assert counted["count"] >= 0 and counted["remaining"] == network.limit - counted["count"]
        offset = offset_at_limit(text or "", network)
        assert 0 <= offset <= len(text or "")
    for start, end in find_urls(text) + find_hashtags(text):
        assert 0 <= start <= end <= len(text or "")


@PROPERTY_SETTINGS
@given(text=awkward_text.map(lambda text: text * 3))
def test_truncating_any_text_gives_a_post_that_fits(text):
    for network in NETWORKS.values():
        cut = truncate_to(text, network)
        assert network.count(cut) <= network.limit
        assert cut == text or cut.endswith("…")


@pytest.mark.parametrize("field", list(NETWORKS))
def test_counters_accept_none_as_empty(field):
    assert count_for(field, None)["count"] == 0
