"""Server time of the workspace's requests for one realistic story: the page, the panel refresh every change
triggers, the heartbeat, a finding's evidence, and a save (lints re-run)."""

import json
import statistics
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment

from clusters.evaluation import scratch_database
from clusters.models import Article, Source
from newsroom.roles import EDITORS, ensure_roles

TITLE = "Workspace: page, panel refresh, heartbeat, evidence, save"
REQUESTS = 40
SAVES = 20
SEED = Path(__file__).resolve().parent.parent / "newsroom" / "demo" / "seed-record.json"
ENGLISH = (
    "Alibaba Group has told its employees to stop using Anthropic's Claude Code from July 10, 2026. "
    "The internal notice lists Claude Code among high-risk software and tells staff to use Qoder, the company's own "
    "coding platform. Security researchers said version 2.9.1, released on April 2, carried hidden code that reports "
    "whether a user is in China. Anthropic said the code was an experiment against account abuse. "
)
JAPANESE = (
    "アリババは2026年7月10日から、従業員によるClaude Codeの使用を禁止する。社内通知はClaude Codeを高リスクの"
    "ソフトウェアに分類し、自社のコーディング基盤Qoderを使うよう指示した。研究者によると、4月2日に公開された"
    "バージョン2.9.1には、利用者が中国にいるかを送信する隠しコードが含まれていた。"
)


def story() -> str:
    """Imports the seed story as a draft with three long sources, a history of saves and lints; returns its id."""
    from rewrites.checks.lint import store_lints
    from rewrites.desk.review import edit_field
    from rewrites.models import Rewrite, Suggestion
    from rewrites.records import import_record

    record = json.loads(SEED.read_text(encoding="utf-8"))
    record["rewrite"].update({"status": "draft", "publishedAt": None})
    record["cluster"]["status"] = "draft"
    rewrite, _ = import_record(record)
    Article.objects.filter(cluster_id=rewrite.cluster_id).update(text=JAPANESE * 12, language="ja")
    for number in range(2):
        source = Source.objects.create(name=f"Wire {number}", feed_url=f"https://wire{number}.example/feed")
        Article.objects.create(
            source=source, cluster_id=rewrite.cluster_id, url=f"https://wire{number}.example/a",
            canonical_url=f"https://wire{number}.example/a", title="Alibaba tells staff to drop Claude Code",
            text=ENGLISH * 15, language="en",
        )
    editor = get_user_model().objects.get(username="bench-editor")
    for version in range(1, 31):
        edit_field(rewrite_id=rewrite.id, field="summary", base_version=version, user=editor,
                   value=f"Alibaba will ban Claude Code from July 10, 2026, affecting {45_000 + version:,} staff.")
    for field in ["twitter_post", "threads_post"]:
        Suggestion.objects.create(rewrite=rewrite, field=field, text="Alibaba bans Claude Code for its staff.")
    rewrite = Rewrite.objects.select_related("cluster").get(id=rewrite.id)
    store_lints(rewrite)
    rewrite.save()
    return rewrite.id


def send(client: Client, method: str, path: str, data):
    """PAGE: a full page load; GET and POST: htmx requests, as the workspace makes them."""
    if method == "PAGE":
        return client.get(path)
    send_as = client.get if method == "GET" else client.post
    return send_as(path, data, HTTP_HX_REQUEST="true")


def measure_requests(client: Client, requests: list) -> tuple[float, float, int, float]:
    """(median ms, p95 ms, queries of the last request, KB of the last response) for (method, path, data) requests."""
    samples = []
    for method, path, data in requests:
        data = data() if callable(data) else data
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = send(client, method, path, data)
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(queries), len(response.content) / 1024


def run() -> str:
    setup_test_environment()
    try:
        return measure()
    finally:
        teardown_test_environment()


def measure() -> str:
    from rewrites.desk.workspace import state_token
    from rewrites.models import Rewrite

    with scratch_database():
        ensure_roles()
        user = get_user_model().objects.create_user(username="bench-editor", password="x")
        user.groups.add(ensure_roles()[EDITORS])
        rewrite_id = story()
        rewrite = Rewrite.objects.get(id=rewrite_id)
        flags = [flag for flag in rewrite.lint_flags if flag["field"] == "summary"]
        client = Client()
        client.force_login(user)
        base = f"/rewrites/{rewrite_id}/"
        client.get(base)

        def save():
            version = Rewrite.objects.get(id=rewrite_id).version
            return {"value": f"Alibaba bans Claude Code, version {version}.", "version": version}

        cases = {
            "workspace page": [("PAGE", base, None)] * REQUESTS,
            "panel refresh after a change (/state/)": [("GET", base + "state/", None)] * REQUESTS,
            "heartbeat, nothing changed": [("POST", base + "presence/", {"state": state_token(rewrite)})] * REQUESTS,
            "evidence of one finding": [("GET", base + "evidence/", {"field": "summary", "flag": 0})] * REQUESTS
            if flags else [],
            "save a field (lints re-run)": [("POST", base + "fields/summary/", save)] * SAVES,
        }
        lines = [
            f"The seed story as a draft with three sources (one Japanese, two English, {len(JAPANESE) * 12:,} and "
            f"{len(ENGLISH) * 15:,} characters), {rewrite.revisions.count()} revisions, {rewrite.lint_hits} lint "
            "findings and two regenerated texts waiting, in a scratch PostgreSQL database. Server time through "
            "Django's test client (view, queries, template); the machine is shared, so take the times as rough:",
            "",
            "| request | median ms | p95 ms | queries | KB |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, requests in cases.items():
            if not requests:
                continue
            median, p95, queries, size = measure_requests(client, requests)
            lines.append(f"| {name} | {median:.1f} | {p95:.1f} | {queries} | {size:.0f} |")
    return "\n".join(lines)
