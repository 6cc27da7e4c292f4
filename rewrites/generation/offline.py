"""The offline writer: extractive drafts of every field, with no network.

Used when ``OPENAI_BASE_URL`` is unset, so the whole pipeline runs anywhere.
It copies sentences from the source articles instead of writing new ones, so
its drafts are recorded under the model name ``newsroom-offline-1`` (the UI
labels them) and are never sent to the repair loop: a second extractive pass
would give the same text. Japanese sources stay Japanese, and the lints say so.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from clusters.models import Article, empty_entities
from rewrites.counters import NETWORKS, Network, truncate_to
from rewrites.models import DOMAINS

OFFLINE_MODEL = "newsroom-offline-1"


def writer_name(model: str | None) -> str:
    """How pages name the writer of a text: the model's name, or "the offline writer"."""
    if not model:
        return "no writer yet"
    return "the offline writer" if model.startswith("newsroom-offline") else model

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|(?<=[。！？])\s*(?=\S)")


def split_sentences(text: str) -> list[str]:
    """Returns the sentences of text (English or Japanese), whitespace collapsed."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[int(limit * 0.6):]:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:-") + "…"


def _join(sentences: list[str]) -> str:
    joined = ""
    for sentence in sentences:
        separator = "" if not joined or re.search(r"[。！？]$", joined) else " "
        joined += separator + sentence
    return joined


def offline_reply(*, articles: list[Article]) -> dict:
    """Returns an extractive reply, in the same shape as the model's, for the cluster's articles (oldest first)."""
    lead = max(articles, key=lambda article: (len(article.text or ""), -articles.index(article)))
    sentences = split_sentences(lead.text) or [lead.title]
    headline = _clip(re.sub(r"\s+", " ", lead.title).strip() or sentences[0], 100)
    summary = _join(sentences[:2])
    rest = sentences[2:4]
    names = ", ".join(dict.fromkeys(article.source.name for article in articles))
    why = _join(rest) if rest else f"Reported by {names}."
    paragraphs = [_join(sentences[i: i + 3]) for i in range(0, min(len(sentences), 9), 3)]
    web_card = "".join(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)
    web_card += "<p>Sources: " + ", ".join(
        f'<a href="{html.escape(article.url)}">{html.escape(article.source.name)}</a>' for article in articles
    ) + "</p>"
    link = lead.url
    return {
        "headline": headline,
        "summary": summary,
        "whyItMatters": why,
        "webCardHtml": web_card,
        "blueskyPost": truncate_to(f"{headline}\n\n{link}", NETWORKS["blueskyPost"])
        if len(link) < 200 else truncate_to(headline, NETWORKS["blueskyPost"]),
        "twitterPost": truncate_to(headline, _shorter(NETWORKS["twitterPost"], 24)) + f" {link}",
        "threadsPost": truncate_to(summary, NETWORKS["threadsPost"]),
        "newsletterBlurb": _join(sentences[:2]),
        "attribution": [
            {"source": article.source.name, "url": article.url, "title": article.title} for article in articles
        ],
        "keyFacts": sentences[:3],
        "entities": empty_entities(domain=_domain(articles)),
    }


def _shorter(network: Network, by: int) -> Network:
    return replace(network, limit=network.limit - by)


def _domain(articles: list[Article]) -> str:
    for article in articles:
        if article.source.domain in DOMAINS:
            return article.source.domain
    return "other"
