"""Article text from wiki-style news pages: the body is kept; related news, citations and licence boxes are not."""

from clusters.sources.extract import choose_text, drop_boilerplate_sections, extract_main_text, lead_image_credit
from newsroom.demo_feeds import DEMO_FEEDS_DIR

# The older MediaWiki markup (a span.mw-headline inside each h2, a div.thumb around images), as
# Wikinews served it for years; the text is Japanese Wikinews article 649 (CC BY 2.5).
LEGACY_WIKINEWS_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"><title>浅間山で小規模噴火 - ウィキニュース</title>
<meta property="og:image" content="https://upload.example/asama.jpg"></head>
<body><div id="content"><h1 id="firstHeading">浅間山で小規模噴火</h1>
<div id="bodyContent"><div id="mw-content-text"><div class="mw-parser-output">
<p><strong class="published">2009年2月2日</strong></p>
<div class="thumb tright"><div class="thumbinner"><a href="#" class="image"><img src="https://upload.example/asama.jpg" width="220"></a>
<div class="thumbcaption">噴煙を上げる浅間山 (写真: Example、CC BY-SA 3.0)</div></div></div>
<p>読売新聞によると、気象庁は2009年2月2日午前1時51分頃に群馬県吾妻郡嬬恋村と長野県北佐久郡軽井沢町に位置する浅間山の噴火を発表した。今回の噴火は、前日の2009年2月1日に警報レベル3 (浅間山の入山規制)の噴火警報が発令された直後に起こった。</p>
<p>また、この噴火は比較的に小規模な噴火であり、噴火で飛ばされた灰は、東京都や神奈川県横浜市・千葉県君津市でも観測されている。</p>
<h2><span class="mw-headline" id="関連ニュース">関連ニュース</span><span class="mw-editsection">[<a href="#">編集</a>]</span></h2>
<ul><li>2009年2月1日: <a href="#">浅間山、噴火警報発令</a></li></ul>
<h2><span class="mw-headline" id="情報源">情報源</span><span class="mw-editsection">[<a href="#">編集</a>]</span></h2>
<ul><li>YOMIURIONLINE『浅間山が小規模噴火、噴煙2000メートル』。読売新聞社、2009年2月2日。</li>
<li>気象庁『噴火予報・警報第1号』。気象庁、2009年2月1日。</li></ul>
<div><p>この記事はクリエイティブ・コモンズ 表示 2.5 ライセンス (<a href="https://creativecommons.org/licenses/by/2.5/">CC BY 2.5</a>) の下で公開されています。</p></div>
</div></div>
<div id="catlinks" class="catlinks"><a href="#">カテゴリ</a>: <ul><li><a href="#">火山</a></li></ul></div>
</div></div></body></html>"""


def demo_page(path: str) -> str:
    return (DEMO_FEEDS_DIR / path).read_text(encoding="utf-8")


def test_a_japanese_wikinews_page_keeps_its_body_and_drops_related_news_and_sources():
    text = extract_main_text(demo_page("wikinews-c/story-21.html"))

    assert "台風8号「サオマイ」(Saomai)は、沖ノ鳥島の西海上にあって" in text
    assert "11日頃中国大陸に上陸すると見られている。" in text
    assert "台風13号の影響で広島でも1人死亡" not in text  # related news
    assert "『台風情報』" not in text and "気象庁、2006年8月8日" not in text  # citations
    assert "クリエイティブ・コモンズ" not in text and "カテゴリ" not in text


def test_an_english_wiki_page_keeps_its_body_and_drops_related_news_sources_and_licence():
    text = extract_main_text(demo_page("demo-wire-en/en-519.html"))

    assert "Hayabusa released a capsule that may hold sand from the asteroid Itokawa" in text
    assert "In the end, Hayabusa itself helped us." in text
    assert "turns for home" not in text
    assert "Jiji Press" not in text and "Kyodo News" not in text
    assert "Creative Commons" not in text


def test_the_older_mediawiki_markup_is_cleaned_the_same_way():
    text = extract_main_text(LEGACY_WIKINEWS_PAGE)

    assert "浅間山の噴火を発表した" in text and "千葉県君津市でも観測されている" in text
    assert "噴火警報発令" not in text
    assert "YOMIURIONLINE" not in text and "噴火予報・警報第1号" not in text
    assert "クリエイティブ・コモンズ" not in text and "火山" not in text.replace("浅間山", "")


def test_a_related_stories_box_inside_another_sites_article_is_left_to_the_extractor():
    page = (
        "<html><body><article><p>First paragraph of the story, long enough to count as text.</p>"
        "<h3>Related stories</h3><ul><li><a href='/x'>Other story</a></li></ul>"
        "<p>The story goes on after the box, and this paragraph belongs to it.</p></article></body></html>"
    )

    assert drop_boilerplate_sections(page) is page


def test_the_lead_image_caption_is_its_credit():
    assert lead_image_credit(
        LEGACY_WIKINEWS_PAGE, image_url="https://upload.example/asama.jpg"
    ) == "噴煙を上げる浅間山 (写真: Example、CC BY-SA 3.0)"
    credit = lead_image_credit(
        demo_page("demo-wire-en/en-972.html"), image_url="en-972.jpg", url="http://desk.example/demo-feeds/demo-wire-en/en-972.html"
    )
    assert credit.startswith("The Tokyo Game Show filled Makuhari Messe") and "Newsroom demo" in credit


def test_an_image_without_a_caption_has_no_credit():
    page = "<html><body><img src='/a.jpg'><p>Text</p></body></html>"

    assert lead_image_credit(page, image_url="/a.jpg") == ""


def test_the_chosen_text_carries_the_lead_image_and_its_credit():
    chosen = choose_text(
        page_html=demo_page("demo-wire-en/en-456.html"), page_error="", feed_html="",
        url="http://desk.example/demo-feeds/demo-wire-en/en-456.html",
    )

    assert chosen.origin == "page"
    assert chosen.image_url.endswith("en-456.jpg")
    assert chosen.image_credit.startswith("YouTube will keep its offices")
