"""The generation tests' model server fixture, and a model reply that passes every lint for make_cluster's story."""

from __future__ import annotations

import copy

import pytest

from clusters.models import Cluster
from tests.llm_server import LLMServer


def good_content(cluster: Cluster) -> dict:
    """A reply for make_cluster's default articles that every lint accepts."""
    articles = list(cluster.articles.select_related("source").order_by("published_at"))
    link = articles[0].url
    return copy.deepcopy(
        {
            "headline": "Studio Trigger Announces Starlight Relay Anime Film for 2027",
            "summary": (
                "Studio Trigger announced on July 10, 2026 that its new anime film, Starlight Relay, will open in "
                "Japanese cinemas in spring 2027. Director Hiroyuki Imaishi said the film runs 110 minutes."
            ),
            "whyItMatters": "The studio said 7.4 million people watched its previous series.",
            "webCardHtml": (
                "<p>Studio Trigger announced on July 10, 2026 that its new anime film, Starlight Relay, will open "
                "in Japanese cinemas in spring 2027.</p><p>Director Hiroyuki Imaishi said the film runs 110 "
                "minutes. Tickets go on sale on August 1.</p>"
            ),
            "blueskyPost": "Studio Trigger's new anime film Starlight Relay opens in Japanese cinemas in spring 2027. #anime",
            "twitterPost": f"Studio Trigger's anime film Starlight Relay opens in spring 2027. {link}",
            "threadsPost": (
                "Studio Trigger has announced Starlight Relay, a new anime film opening in Japanese cinemas in "
                "spring 2027. Director Hiroyuki Imaishi said it runs 110 minutes. Tickets go on sale on August 1."
            ),
            "newsletterBlurb": (
                "Studio Trigger's new anime film, Starlight Relay, will open in spring 2027. Tickets go on "
                "sale on August 1."
            ),
            "attribution": [
                {"source": article.source.name, "url": article.url, "title": title}
                for article, title in zip(
                    articles,
                    ["Studio Trigger announces new anime film for 2027", "Trigger's new film Starlight Relay opens in 2027"],
                )
            ],
            "keyFacts": [
                "Studio Trigger announced Starlight Relay on July 10, 2026.",
                "The film runs 110 minutes.",
                "It opens in spring 2027.",
            ],
            "entities": {
                "anime_titles": ["Starlight Relay"],
                "manga_titles": [],
                "work_titles": [],
                "studios": ["Studio Trigger"],
                "people": ["Hiroyuki Imaishi"],
                "type": "announcement",
                "domain": "anime",
                "is_roundup": False,
            },
        }
    )


@pytest.fixture
def llm(settings):
    """A running test model server, with the settings pointing at it and no waiting between repairs."""
    with LLMServer() as server:
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = "test-key"
        settings.NEWSROOM_MODEL = "test-model"
        settings.NEWSROOM_MODEL_TIMEOUT_SECONDS = 5
        settings.NEWSROOM_MODEL_RETRIES = 2
        settings.NEWSROOM_MODEL_MAX_RETRY_WAIT_SECONDS = 5
        settings.NEWSROOM_MODEL_OUTPUT_MODE = "auto"
        settings.NEWSROOM_REPAIR_BACKOFF_SECONDS = 0
        settings.NEWSROOM_REPAIR_LIMIT = 2
        settings.NEWSROOM_PRICE_INPUT_PER_MTOK = 1
        settings.NEWSROOM_PRICE_OUTPUT_PER_MTOK = 4
        settings.NEWSROOM_DAILY_BUDGET_USD = 100
        yield server
