"""The offline writer: extractive drafts of every field, with no network.

Used when ``OPENAI_BASE_URL`` is unset, so the whole pipeline runs anywhere.
It copies sentences from the source articles instead of writing new ones, so
its drafts are recorded under the model name ``newsroom-offline-1`` (the UI
labels them) and are never sent to the repair loop: a second extractive pass
would give the same text.

It writes from an English source when the cluster has one. Sentences are
chosen by salience (how many of the story's frequent words they carry, and
the headline's) and position (earlier counts more); citation lines, date
lines, related-news items, photo credits and licence notices are never
chosen. Posts are composed to fit each network's limit, with a link to the
desk's story page (or, without ``NEWSROOM_PUBLIC_BASE_URL``, to the source)
stripped of tracking parameters. Domain and content type come from keyword
rules (``topics.py``), names from ``newsroom.facts.extract_names``. When no
source is in English the draft says plainly that it is an untranslated extract
for an editor to translate; the lints flag the source-language text.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable

from clusters.models import ENTITY_NAME_KEYS, Article
from clusters.sources.extract import detect_language
from newsroom.facts import extract_names
from newsroom.links import strip_tracking
from rewrites.checks.counters import NETWORKS, truncate_to
from rewrites.fields import social_posts
from rewrites.generation.topics import classify_content_type, classify_domain

OFFLINE_MODEL = "newsroom-offline-1"


def writer_name(model: str | None) -> str:
    """How pages name the writer of a text: the model's name, or "the offline writer"."""
    if not model:
        return "no writer yet"
    return "the offline writer" if model.startswith("newsroom-offline") else model
HEADLINE_CHARACTERS = 100
LANGUAGE_NAMES = {"ja": "Japanese", "zh": "Chinese", "ko": "Korean", "fr": "French", "de": "German", "es": "Spanish"}

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])|(?<=[。！？])\s*(?=\S)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+|\d[\d,.]*")
_STOPWORDS = set(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "that", "this", "it", "its", "their", "they", "them", "will", "would", "can", "could", "after", "before", "over", "into", "about", "which", "who", "what", "when", "than", "also", "more", "most", "not", "no", "so", "if", "he", "she", "his", "her", "said", "says", "say", "there", "these", "those", "our", "we", "you", "i", "up", "out", "one", "two"]
)

# Lines that are never story text: where each pattern matches, the sentence is left out.
_NOT_STORY = [
    # Citations: 『title』。Publisher、date。 / "Title". Publisher, date. / Retrieved on ...
    re.compile(r"^[^。]{0,60}[『「\"“][^』」\"”]{2,}[』」\"”][。.]?\s*[^。]{0,40}[、,]\s*(?:\d{4}年|\w+ \d{1,2}, \d{4})"),
    re.compile(r"^[^。、]{1,40}[、,]\s*(?:\d{4}年\d{1,2}月\d{1,2}日|[A-Z][a-z]+ \d{1,2}, \d{4})[^。.]{0,30}[。.]?$"),
    re.compile(r"^(?:retrieved|accessed|archived)\b", re.IGNORECASE),
    re.compile(r"本ニュースは.*情報源としている"),
    # Date lines: a date and nothing else (a weekday, parentheses).
    re.compile(r"^\W*(?:\d{4}年\d{1,2}月\d{1,2}日|(?:\w+day,?\s+)?[A-Z][a-z]+ \d{1,2},? \d{4})\s*(?:\(\w\)|（\w）)?\W*$"),
    # Related-news items: a date, a colon, a headline.
    re.compile(r"^[-•*]?\s*\d{4}年\d{1,2}月\d{1,2}日\s*(?:\([月火水木金土日]\))?\s*[:：]"),
    re.compile(r"^[-•*]?\s*[A-Z][a-z]+ \d{1,2}, \d{4}\s*[:：]"),
    re.compile(r"^(?:related (?:news|stories|articles)|関連ニュース|関連記事|情報源|出典|sources?)\s*[:：]?", re.IGNORECASE),
    # Photo credits and captions.
    re.compile(r"^(?:photo|image|picture|credit|illustration|写真|画像|撮影|提供)\s*[:：(（]", re.IGNORECASE),
    re.compile(r"\((?:photo|image)(?: by|:)[^)]*\)\s*$|(?:©|\(c\)|copyright)\s*\w", re.IGNORECASE),
    # Licence notices.
    re.compile(r"creative\s*commons|クリエイティブ・コモンズ|CC BY(?:-SA)? \d", re.IGNORECASE),
]
_CONSEQUENCE = re.compile(
    r"\b(?:because|so that|means|will|expected|first|record|plans?|could|would|risk|concern|doubts?|challenges?|"
    r"problem|ahead|next)\b|ため|見込み|予定|初め|初の|記録|懸念|影響|課題",
    re.IGNORECASE,
)


@dataclass
class Sentence:
    text: str
    position: int
    score: float = 0.0


def split_sentences(text: str) -> list[str]:
    """Returns the sentences of text (English or Japanese), whitespace collapsed."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def is_story_sentence(sentence: str) -> bool:
    """False for citation lines, date lines, related-news items, photo credits and licence notices."""
    stripped = sentence.strip().lstrip("-•* ")
    if len(stripped) < 8:
        return False
    return not any(pattern.search(stripped) for pattern in _NOT_STORY)


def _terms(text: str) -> list[str]:
    """Content words of English text, and character pairs of Japanese text."""
    words = [w.lower().strip("'’-") for w in _WORD.findall(text)]
    terms = [w for w in words if w not in _STOPWORDS and len(w) > 2]
    for run in re.findall(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+", text):
        terms.extend(run[i:i + 2] for i in range(len(run) - 1))
    return terms


def story_sentences(article: Article) -> list[Sentence]:
    """The article's sentences that can be story text, in order, without its repeated headline."""
    title = re.sub(r"\s+", " ", article.title or "").strip().casefold()
    found = []
    for paragraph in re.split(r"\n\s*\n", article.text or ""):
        for text in split_sentences(paragraph):
            if text.casefold().rstrip(".。") == title.rstrip(".。") or not is_story_sentence(text):
                continue
            found.append(Sentence(text=text, position=len(found)))
    return found


def score_sentences(sentences: list[Sentence], *, title: str, context: str = "") -> list[Sentence]:
    """Scores each sentence by salience and position: the mean weight of its terms in the story (each term
    weighted by how often the story uses it), plus the headline's terms, times a weight falling with position."""
    counts = Counter(term for sentence in sentences for term in set(_terms(sentence.text)))
    counts.update(_terms(context))
    heading = set(_terms(title))
    for sentence in sentences:
        terms = _terms(sentence.text)
        if not terms:
            continue
        salience = sum(math.log1p(counts[term]) for term in terms) / math.sqrt(len(terms))
        salience += 1.5 * len(heading & set(terms)) / math.sqrt(len(heading) or 1)
        sentence.score = salience / (1 + 0.25 * sentence.position)
    return sentences


def _join(sentences: list[str]) -> str:
    joined = ""
    for sentence in sentences:
        separator = "" if not joined or re.search(r"[。！？]$", joined) else " "
        joined += separator + sentence
    return joined


def _overlap(a: str, b: str) -> float:
    first, second = set(_terms(a)), set(_terms(b))
    return len(first & second) / min(len(first), len(second)) if first and second else 0.0


def choose_summary(sentences: list[Sentence], count: int = 2) -> list[Sentence]:
    """The best-scoring sentences among the first eight, in their order in the article."""
    best = sorted(sentences[:8], key=lambda s: -s.score)[:count]
    return sorted(best, key=lambda s: s.position)


def choose_why(sentences: list[Sentence], summary: list[Sentence]) -> Sentence | None:
    """The sentence that best says why the story matters: salient, about consequences, unlike the summary."""
    chosen = {s.position for s in summary}
    summary_text = _join([s.text for s in summary])
    candidates = [
        s for s in sentences
        if s.position not in chosen and _overlap(s.text, summary_text) < 0.5 and len(s.text) >= 30
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda s: s.score * (1.6 if _CONSEQUENCE.search(s.text) else 1.0) * (1 + 0.1 * s.position) ** 0.5)


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[int(limit * 0.6):]:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:-") + "…"


def compose_post(field: str, *, lines: list[str], link: str) -> str:
    """The first of lines that fits the network's limit with the link after it; else the last cut to fit."""
    network = NETWORKS[field]
    for line in lines:
        text = f"{line}\n\n{link}" if link else line
        if network.count(text) <= network.limit:
            return text
    suffix = f"\n\n{link}" if link else ""
    room = network.limit - network.count(suffix)
    cut = truncate_to(lines[-1], replace(network, limit=room))
    return cut + suffix


def offline_entities(articles: list[Article], *, domain: str, content_type: str, text: str, known: dict | None = None) -> dict:
    """Names found without a model: works in 『』 (and 「」 for stories about works), capitalised names of
    people and studios, merged with the names the cluster already had (``known``)."""
    entities = {key: list((known or {}).get(key) or []) for key in ENTITY_NAME_KEYS}
    works_key = {"anime": "anime_titles", "manga": "manga_titles"}.get(domain, "work_titles")
    media = domain in {"anime", "manga", "games", "film", "music"}
    source_names = {article.source.name for article in articles}
    for name in extract_names(text):
        value = name.text.strip()
        before = text[max(0, name.span[0] - 1):name.span[0]]
        if name.kind == "bracketed" and (before == "『" or media):
            key = works_key
        elif name.kind == "latin" and re.search(r"\b(?:Studio|Studios|Animation|Pictures|Entertainment|Games)\b", value) or name.kind == "katakana" and re.match(r"(?:スタジオ|アニメーション)", value):
            key = "studios"
        elif name.kind == "latin" and len(value.split()) >= 2 and value not in source_names and not re.search(
            r"\b(?:Agency|University|Shimbun|News|Press|Times|Journal|Center|Centre|Co|Inc|Ltd|Prefecture|"
            r"Award|Awards|Theatre|Theater|Show|Fair|Big|Space|Station|Tokyo|Japan|United|National|International)\b",
            value,
        ) or name.kind in ("katakana", "proper_noun") and re.match(r"(?:さん|氏|選手|監督|容疑者|教授)", text[name.span[1]:name.span[1] + 3]):
            key = "people"
        else:
            continue
        if value not in entities[key]:
            entities[key].append(value)
    return {**{key: values[:12] for key, values in entities.items()}, "type": content_type, "domain": domain,
            "is_roundup": False}


def _is_english(article: Article) -> bool:
    return (article.language or "en") == "en" and not _CJK.search(article.title or "")


def _known_entities(articles: list[Article]) -> dict | None:
    cluster = articles[0].cluster if articles and articles[0].cluster_id else None
    try:
        return json.loads(cluster.entities_json) if cluster is not None and cluster.entities_json else None
    except ValueError:
        return None


def offline_reply(*, articles: list[Article], story_url_for: Callable[[str], str] | None = None) -> dict:
    """Returns an extractive reply, in the same shape as the model's, for the cluster's articles (oldest first).

    ``story_url_for(headline)`` gives the desk's public page for the story (or ""); without one, posts
    link to the source article.
    """
    english = [article for article in articles if _is_english(article)]
    pool = english or articles
    lead = max(pool, key=lambda article: (len(article.text or ""), -pool.index(article)))
    sentences = story_sentences(lead) or [Sentence(text=lead.title, position=0)]
    context = " ".join(article.title for article in articles)
    score_sentences(sentences, title=lead.title, context=context)
    summary = choose_summary(sentences)
    why = choose_why(sentences, summary)
    title = re.sub(r"\s+", " ", lead.title).strip() or sentences[0].text
    link = (story_url_for(clip(title, HEADLINE_CHARACTERS)) if story_url_for else "") or strip_tracking(lead.url)
    domain = classify_domain(title=lead.title, text=lead.text)
    content_type = classify_content_type(title=lead.title, text=lead.text)
    body = [s for s in sentences if s.score > 0][:9] or sentences[:9]
    summary_text = _join([s.text for s in summary])

    if english:
        headline = clip(title, HEADLINE_CHARACTERS)
        why_text = why.text if why else f"The story is told by {', '.join(dict.fromkeys(a.source.name for a in articles))}."
        paragraphs = [_join([s.text for s in body[i:i + 3]]) for i in range(0, len(body), 3)]
        # The story page and the feeds list the sources under the card, with their links.
        web_card = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
        first = summary[0].text if summary else headline
        openings = {"headline": f"{headline}. {first}", "summary": summary_text}
        posts = {
            field.record_name: compose_post(
                field.record_name, lines=[openings[field.network.offline_opening], headline], link=link,
            )
            for field in social_posts()
        }
        blurb = summary_text
    else:
        language = LANGUAGE_NAMES.get(detect_language(f"{lead.title}\n{lead.text}", declared=lead.language), "non-English")
        note = f"Untranslated extract from the {language} source, for an editor to translate"
        headline = clip(title, HEADLINE_CHARACTERS)
        summary_text = f"{note}: {summary_text}"
        why_text = (
            f"Not written yet: the offline writer copies sentences and does not translate. Translate the {language} "
            "extract, or regenerate the rewrite with a language model."
        )
        paragraphs = [_join([s.text for s in body[i:i + 3]]) for i in range(0, len(body), 3)]
        web_card = f"<p>{html.escape(note)}.</p>" + "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
        posts = {name: compose_post(name, lines=[headline], link=link) for name in NETWORKS}
        blurb = summary_text
    facts = [s.text for s in sorted(sentences, key=lambda s: -s.score) if re.search(r"\d", s.text)][:3]
    return {
        "headline": headline,
        "summary": summary_text,
        "whyItMatters": why_text,
        "webCardHtml": web_card,
        **posts,
        "newsletterBlurb": blurb,
        "attribution": [
            {"source": article.source.name, "url": strip_tracking(article.url), "title": article.title}
            for article in articles
        ],
        "keyFacts": facts or [s.text for s in summary],
        "entities": offline_entities(
            articles, domain=domain, content_type=content_type, text=f"{lead.title}\n{lead.text}",
            known=_known_entities(articles),
        ),
    }
