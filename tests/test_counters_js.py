"""The editor's JavaScript counters (static/js/counters.js) agree with rewrites/counters.py."""

import shutil
from pathlib import Path

import pytest

from rewrites.counters import COUNTER_SPEC, bluesky_length, find_urls, threads_length, x_weighted_length

SCRIPT = Path(__file__).resolve().parent.parent / "static" / "js" / "counters.js"
SAMPLES = [
    "hello world",
    "Studio Trigger's film opens in spring 2027. https://example.com/trigger-film?x=1 #anime",
    "映画「スターライト・リレー」2027年公開",
    "👨‍👩‍👧 family e\u0301 café “quoted” — dash",
    "See www.example.org/path, then example.jp. Done!",
    "Ｆｕｌｌ－ｗｉｄｔｈ ７．４％ and emoji ❤️ 🎉",
    "映画example.com and 한국어 text",
    "a" * 290 + "👍" * 20,
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); `make test` installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        page = browser.new_page()
        page.set_content("<!doctype html><title>counters</title>")
        page.add_script_tag(path=str(SCRIPT))
        yield page
        browser.close()


@pytest.mark.parametrize("text", SAMPLES)
def test_javascript_counts_match_python(page, text):
    counts = page.evaluate(
        "t => [NewsroomCounters.blueskyLength(t), NewsroomCounters.xWeightedLength(t), "
        "NewsroomCounters.threadsLength(t), NewsroomCounters.findUrls(t)]",
        text,
    )

    assert counts == [bluesky_length(text), x_weighted_length(text), threads_length(text), [list(s) for s in find_urls(text)]]


def test_javascript_limits_match_python(page):
    limits = page.evaluate(
        "() => ['blueskyPost', 'twitterPost', 'threadsPost'].map(f => NewsroomCounters.countFor(f, '').limit)"
    )

    assert limits == [COUNTER_SPEC["networks"][f]["limit"] for f in ["blueskyPost", "twitterPost", "threadsPost"]]
