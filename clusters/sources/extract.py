"""Article text: the main text of a page (trafilatura), or the feed's own text."""

from __future__ import annotations

import collections
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

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


def extract_main_text(html: str | bytes, *, url: str = "") -> str:
    """Returns the main text of an article page, paragraphs separated by blank lines ("" if none)."""
    text = trafilatura.extract(html, url=url or None, **EXTRACTION_OPTIONS) or ""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def lead_image_url(html: str | bytes, *, url: str = "") -> str:
    """Returns the page's declared lead image (og:image and the like), or ""."""
    try:
        metadata = trafilatura.extract_metadata(html, default_url=url or None)
    except Exception:  # noqa: BLE001 - metadata is optional; a broken page has no image
        return ""
    return (metadata.image or "") if metadata is not None else ""


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
    except Exception as error:  # noqa: BLE001 - any extractor failure falls back to the feed
        return ExtractedText(
            text=feed_text, origin="feed", note=f"The extractor failed on the page ({error}); the feed's text was used."
        )
    if not page_text:
        return ExtractedText(
            text=feed_text, origin="feed", image_url=image,
            note="No article text was found on the page; the feed's text was used.",
        )
    if len(page_text) < MIN_PAGE_TEXT_CHARACTERS and len(feed_text) > len(page_text):
        return ExtractedText(
            text=feed_text, origin="feed", image_url=image,
            note=f"The page gave only {len(page_text)} characters of text, less than the feed; the feed's text was used.",
        )
    return ExtractedText(text=page_text, origin="page", image_url=image)


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
