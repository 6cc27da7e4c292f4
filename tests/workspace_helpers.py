"""Rewrites with source articles, for the workspace and queue tests."""

import json

from django.test import Client

from clusters.models import Article, Cluster, Source
from newsroom.ids import new_article_id
from rewrites.models import Rewrite
from rewrites.records import import_record
from tests.conftest import varied_record


def draft_from_seed(seed: dict, *, number: int = 1, **rewrite_fields) -> Rewrite:
    """An imported draft whose cluster has the seed's article with real text to check claims against."""
    record = varied_record(seed, number=number)
    record["rewrite"].update({"status": "draft", "publishedAt": None, **rewrite_fields})
    record["cluster"]["status"] = "draft"
    rewrite, _ = import_record(record)
    Article.objects.filter(cluster_id=rewrite.cluster_id).update(
        text=(
            "アリババは2026年7月10日から、従業員によるClaude Codeの使用を禁止する。"
            "Alibaba will ban Claude Code from July 10, 2026 after researchers found hidden code in version 2.9.1. "
            "The company told staff to use its own platform, qoder."
        ),
        language="ja",
    )
    return Rewrite.objects.select_related("cluster").get(id=rewrite.id)


def add_source_article(cluster: Cluster, *, source_name: str, title: str, text: str = "") -> Article:
    source, _ = Source.objects.get_or_create(name=source_name)
    return Article.objects.create(
        id=new_article_id(), source=source, cluster=cluster, url=f"https://example.com/{title[:10]}",
        canonical_url=f"https://example.com/{new_article_id()}", title=title, text=text,
    )


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_with_csrf(client: Client, url: str, data: dict, **headers):
    """Posts as a browser would: with the CSRF token from the cookie, sent by htmx as a header."""
    client.get("/")
    token = client.cookies["csrftoken"].value
    return client.post(url, data, HTTP_X_CSRFTOKEN=token, **headers)


def lint_codes(rewrite: Rewrite) -> set[str]:
    return {flag["code"] for flag in json.loads(rewrite.lint_flags_json or "[]")}
