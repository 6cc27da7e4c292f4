import pytest

from rewrites.checks.counters import (
    COUNTER_SPEC,
    NETWORKS,
    bluesky_length,
    count_for,
    find_hashtags,
    find_urls,
    threads_length,
    truncate_to,
    x_weighted_length,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello", 5),
        ("映画", 4),
        ("https://example.com/a/very/long/path/that/goes/on", 23),
        ("See https://example.com/x.", 4 + 23 + 1),
        ("👍", 2),
        ("👨‍👩‍👧", 2),
        ("café", 4),
        ("“quoted”", 8),  # U+201C/U+201D are in a narrow range
        ("example.com", 23),
    ],
)
def test_x_weighted_length(text, expected):
    assert x_weighted_length(text) == expected


def test_bluesky_counts_graphemes_not_code_points():
    assert bluesky_length("👨‍👩‍👧e\u0301") == 2


def test_threads_counts_code_points():
    assert threads_length("映画👍") == 3


def test_count_for_reports_the_remaining_allowance():
    assert count_for("twitterPost", "映画") == {
        "network": "X", "count": 4, "limit": 280, "remaining": 276, "unit": "weighted characters",
    }


def test_truncate_to_fits_the_network():
    text = "word " * 200
    assert x_weighted_length(truncate_to(text, NETWORKS["twitterPost"])) <= 280
    assert truncate_to("short", NETWORKS["twitterPost"]) == "short"


def test_links_and_hashtags_are_found_with_spans():
    text = "Read https://a.example.com/x. #anime and ＃映画"
    assert [text[s:e] for s, e in find_urls(text)] == ["https://a.example.com/x"]
    assert [text[s:e] for s, e in find_hashtags(text)] == ["#anime", "＃映画"]


def test_counter_spec_carries_what_a_javascript_counter_needs():
    assert COUNTER_SPEC["x"]["urlLength"] == 23
    assert COUNTER_SPEC["networks"]["blueskyPost"]["limit"] == 300
    assert COUNTER_SPEC["networks"]["threadsPost"]["limit"] == 500
