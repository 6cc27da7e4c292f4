"""Article text: the main text of a page (trafilatura), or the feed's own text."""

from __future__ import annotations

import collections
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

# Measured on the article-extraction benchmark (bench/bench_extraction.py):
# favouring precision keeps navigation and teasers out at almost no cost in recall.
EXTRACTION_OPTIONS = {"favor_precision": True, "include_comments": False, "include_tables": True}

# A page text shorter than this, when the feed carries more, is taken as a failed extraction.
MIN_PAGE_TEXT_CHARACTERS = 200

KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def decode_html(body: bytes, *, content_type: str = "") -> str | bytes:
    """Decodes an HTML page by its HTTP charset, then its <meta> charset, then as UTF-8.

    Returns the bytes unchanged when none of those fits, for the extractor's own detection.
    """
    candidates = []
    if match := HEADER_CHARSET.search(content_type or ""):
        candidates.append(match.group(1))
    if match := META_CHARSET.search(body[:4096]):
        candidates.append(match.group(1).decode("ascii"))
    candidates.append("utf-8")
    for name in candidates:
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body


@dataclass
class ExtractedText:
    text: str
    origin: str  # "page" or "feed"
    note: str = ""
    image_url: str = ""
    image_credit: str = ""


# Sections that follow an article on wiki-style news pages (Wikinews, MediaWiki) and are not part of it:
# lists of related stories, source citations, references and external links. Compared casefolded,
# without the "[edit]" link MediaWiki puts beside each heading.
BOILERPLATE_HEADINGS = {
    "関連ニュース", "関連記事", "情報源", "出典", "参考文献", "脚注", "外部リンク",
    "related news", "related stories", "related articles", "sources", "references", "external links", "see also",
}
# MediaWiki furniture inside the article area: edit links, categories, licence boxes, print footers.
BOILERPLATE_CLASSES = {"mw-editsection", "catlinks", "licensetpl", "printfooter", "mw-jump-link"}
HEADING_TAGS = {"h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
EDIT_LINK = re.compile(r"\[\s*(?:編集|edit|ソースを編集|edit source)\s*\]", re.IGNORECASE)
LICENCE_NOTICE = re.compile(r"creative\s*commons|クリエイティブ・コモンズ", re.IGNORECASE)


def _heading_level(element) -> int | None:
    """The level of a heading, or of MediaWiki's <div class="mw-heading"> wrapper around one."""
    if element.tag in HEADING_TAGS:
        return HEADING_TAGS[element.tag]
    if element.tag == "div" and "mw-heading" in (element.get("class") or "").split():
        inner = next((child for child in element if child.tag in HEADING_TAGS), None)
        return HEADING_TAGS[inner.tag] if inner is not None else None
    return None


def _heading_text(element) -> str:
    text = EDIT_LINK.sub("", element.text_content())
    return re.sub(r"\s+", " ", text).strip().rstrip(":：").strip().casefold()


def _is_licence_notice(element) -> bool:
    text = element.text_content()
    links = [a.get("href") or "" for a in element.iter("a")]
    return (
        len(text) < 400 and bool(LICENCE_NOTICE.search(text))
        and any("creativecommons.org" in link for link in links)
    )


def drop_boilerplate_sections(html: str | bytes) -> str | bytes:
    """Returns html without the related-news, sources, references and external-links sections of wiki-style
    news pages, their licence notices and MediaWiki's edit links and category boxes.

    A section is a heading named in BOILERPLATE_HEADINGS and everything after it up to the next heading
    of the same or a higher level. Only MediaWiki pages (with a ``mw-parser-output`` element) are
    changed: elsewhere a "Related stories" box in the middle of an article is no section boundary, and
    the extractor's own judgement does better. Any other page is returned unchanged (the same object).
    """
    marker = "mw-parser-output"
    if (marker.encode() if isinstance(html, bytes) else marker) not in html:
        return html
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return html
    doomed = []
    for element in root.iter(*HEADING_TAGS):
        block = element.getparent() if _heading_level(element.getparent()) else element
        if block is None or _heading_text(block) not in BOILERPLATE_HEADINGS:
            continue
        level = _heading_level(block)
        doomed.append(block)
        sibling = block.getnext()
        while sibling is not None:
            sibling_level = _heading_level(sibling)
            if sibling_level is not None and sibling_level <= level:
                break
            doomed.append(sibling)
            sibling = sibling.getnext()
    for element in root.iter("div", "span", "p", "table"):
        classes = set((element.get("class") or "").split())
        if classes & BOILERPLATE_CLASSES or (element.tag in ("p", "div") and _is_licence_notice(element)):
            doomed.append(element)
    if not doomed:
        return html
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            # Keep the text that followed the removed element.
            if element.tail and element.tail.strip():
                previous = element.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + element.tail
                else:
                    parent.text = (parent.text or "") + element.tail
            parent.remove(element)
    return lxml.html.tostring(root, encoding="unicode")


def extract_main_text(html: str | bytes, *, url: str = "") -> str:
    """Returns the main text of an article page, paragraphs separated by blank lines ("" if none).

    Wiki-style related-news, sources and licence sections are dropped first (drop_boilerplate_sections).
    """
    text = trafilatura.extract(drop_boilerplate_sections(html), url=url or None, **EXTRACTION_OPTIONS) or ""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def lead_image_url(html: str | bytes, *, url: str = "") -> str:
    """Returns the page's declared lead image (og:image and the like), made absolute against url, or ""."""
    try:
        metadata = trafilatura.extract_metadata(html, default_url=url or None)
    except Exception:  # noqa: BLE001 - metadata is optional; a broken page has no image
        return ""
    image = (metadata.image or "") if metadata is not None else ""
    return urljoin(url, image) if image and url else image


def lead_image_credit(html: str | bytes, *, image_url: str, url: str = "") -> str:
    """Returns the caption printed with the page's lead image (its <figure>'s <figcaption>, or a MediaWiki
    thumbnail caption), where credits are given; "" when the image has none or is not on the page."""
    if not image_url:
        return ""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    wanted = urljoin(url, image_url)
    for image in root.iter("img"):
        if urljoin(url, image.get("src") or "") != wanted:
            continue
        for ancestor in image.iterancestors():
            if ancestor.tag == "figure":
                caption = next(ancestor.iter("figcaption"), None)
            elif "thumb" in (ancestor.get("class") or "").split():
                caption = next((el for el in ancestor.iter() if "thumbcaption" in (el.get("class") or "").split()), None)
            else:
                continue
            text = re.sub(r"\s+", " ", caption.text_content()).strip() if caption is not None else ""
            return text[:500]
    return ""


def html_to_text(html: str) -> str:
    """Plain text of a feed's HTML fragment, one paragraph per block."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return html.strip()
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # noqa: BLE001 - unparseable markup: drop the tags
        return re.sub(r"<[^>]+>", " ", html).strip()
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    for element in root.iter("p", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "tr"):
        element.tail = "\n\n" + (element.tail or "")
    text = root.text_content()
    paragraphs = [re.sub(r"[ \t\u3000]+", " ", block).strip() for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def choose_text(*, page_html: bytes | str | None, page_error: str, feed_html: str, url: str) -> ExtractedText:
    """Picks the article text: the page's main text, else the feed's, with the reason recorded."""
    feed_text = html_to_text(feed_html)
    if page_html is None:
        note = f"The article page could not be fetched ({page_error}); the feed's text was used."
        if not page_error:
            note = "Article pages are not fetched (NEWSROOM_INGEST_FETCH_PAGES is off); the feed's text was used."
        return ExtractedText(text=feed_text, origin="feed", note=note)
    try:
        page_text = extract_main_text(page_html, url=url)
        image = lead_image_url(page_html, url=url)
        credit = lead_image_credit(page_html, image_url=image, url=url)
    except Exception as error:  # noqa: BLE001 - any extractor failure falls back to the feed
        return ExtractedText(
            text=feed_text, origin="feed", note=f"The extractor failed on the page ({error}); the feed's text was used."
        )
    if not page_text:
        return ExtractedText(
            text=feed_text, origin="feed", image_url=image, image_credit=credit,
            note="No article text was found on the page; the feed's text was used.",
        )
    if len(page_text) < MIN_PAGE_TEXT_CHARACTERS and len(feed_text) > len(page_text):
        return ExtractedText(
            text=feed_text, origin="feed", image_url=image, image_credit=credit,
            note=f"The page gave only {len(page_text)} characters of text, less than the feed; the feed's text was used.",
        )
    return ExtractedText(text=page_text, origin="page", image_url=image, image_credit=credit)


def detect_language(text: str, *, declared: str = "") -> str:
    """Returns an ISO 639-1 code for text: from its script, else the declared language, else "en"."""
    sample = text[:4000]
    if KANA.search(sample):
        return "ja"
    if HANGUL.search(sample):
        return "ko"
    declared = (declared or "").split("-")[0].split("_")[0].lower()
    if declared:
        return declared
    if HAN.search(sample):
        return "zh"
    return "en" if LATIN.search(sample) else ""


def token_scores(predicted: str, expected: str) -> tuple[float, float, float]:
    """Token-level precision, recall and F1 of predicted text against expected text.

    Tokens are whitespace-separated words, compared as multisets.
    """
    predicted_tokens = collections.Counter(predicted.split())
    expected_tokens = collections.Counter(expected.split())
    if not predicted_tokens and not expected_tokens:
        return 1.0, 1.0, 1.0
    overlap = sum((predicted_tokens & expected_tokens).values())
    precision = overlap / sum(predicted_tokens.values()) if predicted_tokens else 0.0
    recall = overlap / sum(expected_tokens.values()) if expected_tokens else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate_extraction(directory: str | Path) -> dict:
    """Scores the extractor on a folder holding ground-truth.json and html/<id>.html.gz."""
    directory = Path(directory)
    truth_path = directory / "ground-truth.json"
    if not truth_path.exists():
        raise FileNotFoundError(f"{truth_path} does not exist; the folder needs ground-truth.json and html/.")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    totals = [0.0, 0.0, 0.0]
    pages = 0
    missing = []
    for page_id, item in sorted(truth.items()):
        page_path = directory / "html" / f"{page_id}.html.gz"
        if not page_path.exists():
            missing.append(page_id)
            continue
        html = gzip.decompress(page_path.read_bytes())
        scores = token_scores(extract_main_text(html), item.get("articleBody") or "")
        totals = [total + score for total, score in zip(totals, scores)]
        pages += 1
    if not pages:
        raise ValueError(f"No pages with ground truth were found in {directory / 'html'}.")
    result = {
        "precision": round(totals[0] / pages, 4),
        "recall": round(totals[1] / pages, 4),
        "f1": round(totals[2] / pages, 4),
        "pages": pages,
    }
    if missing:
        result["missing"] = len(missing)
    return result
