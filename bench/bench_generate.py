"""Generation: the pipeline's own time per rewrite, worker throughput, and input tokens per rewrite.

Runs against the local OpenAI-compatible test server (tests/llm_server.py) with
a fixed latency, on a throwaway database created for the run (``test_`` + the
configured name, dropped at the end) and Redis database 13, so nothing touches
the desk's own data or queues.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

TITLE = "Generation pipeline"
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "summaries" / "jawikinews_headline" / "ja_article_headline.detok.jsonl.gz"
LATENCY = 0.25
THROUGHPUT_LATENCY = 1.0
THROUGHPUT_REWRITES = 16
REDIS_DB = 13


def _bench_redis_url(url: str) -> str:
    if "db=" in url:
        return re.sub(r"db=\d+", f"db={REDIS_DB}", url)
    if url.startswith("unix://"):
        return f"{url}{'&' if '?' in url else '?'}db={REDIS_DB}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", parts.query, ""))


def _database_url(settings_dict: dict) -> str:
    host = settings_dict["HOST"] or settings_dict["OPTIONS"].get("host", "")
    auth = quote(settings_dict["USER"] or "") + (":" + quote(settings_dict["PASSWORD"]) if settings_dict["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{settings_dict['NAME']}?host={quote(host)}"
    return f"postgresql://{auth}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


def _responder():
    """Builds a reply that passes the lints from the sources in the request, as a good model would."""
    from tests.generate_helpers import good_content

    template = None

    def respond(request: dict) -> str:
        nonlocal template
        user = request["messages"][1]["content"]
        sources = json.loads(user.split("<<<SOURCES>>>\n", 1)[1].rsplit("\n<<<END SOURCES>>>", 1)[0])
        if "reply with the" in user:
            field = user.split("Write a new ", 1)[1].split(" ", 1)[0]
            return json.dumps({field: template[field]})
        content = dict(template)
        # A distinct headline per story, as in real use, so slugs do not pile up as name-2, name-3, ...
        tag = sources[0]["url"].rsplit("_", 1)[-1][-8:].translate(str.maketrans("0123456789", "ghijklmnop"))
        content["headline"] = f"{template['headline']} ({tag})"
        content["attribution"] = [
            {"source": s["source"], "url": s["url"], "title": "Studio Trigger announces a new anime film"}
            for s in sources
        ]
        return json.dumps(content)

    def bind(cluster) -> None:
        nonlocal template
        template = good_content(cluster)

    return respond, bind


def _configure(settings, server) -> None:
    settings.OPENAI_BASE_URL = server.base_url
    settings.OPENAI_API_KEY = "bench"
    settings.NEWSROOM_MODEL = "bench-model"
    settings.NEWSROOM_MODEL_OUTPUT_MODE = "json_schema"
    settings.NEWSROOM_DAILY_BUDGET_USD = 1000


def _overhead(server, bind) -> str:
    from django.conf import settings

    from rewrites.generation.write import write_rewrite
    from rewrites.models import ModelCall, Rewrite
    from tests.factories import make_cluster

    rows = []
    for label, base_url in [("test model server, 250 ms latency", server.base_url), ("offline writer (no model)", "")]:
        settings.OPENAI_BASE_URL = base_url
        totals, latencies = [], []
        for number in range(20):
            cluster = make_cluster(number=1000 + number + (100 if base_url == "" else 0))
            bind(cluster)
            rewrite = Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED)
            started = time.perf_counter()
            result = write_rewrite(rewrite_id=rewrite.id)
            totals.append((time.perf_counter() - started) * 1000)
            assert result.status == Rewrite.Status.DRAFT, result.failure_reason
            latencies.append(ModelCall.objects.filter(rewrite=rewrite).get().latency_ms)
        total, latency = statistics.median(totals[2:]), statistics.median(latencies[2:])
        rows.append(
            f"| {label} | {total:.0f} ms | {latency:.0f} ms | {total - latency:.0f} ms | "
            f"{(total - latency) / total:.0%} |"
        )
    settings.OPENAI_BASE_URL = server.base_url
    return "\n".join(
        [
            "Time per rewrite in `write_rewrite` (claim, prompt, call, validation, sanitising, lints, one-transaction "
            "store), median of 18 after 2 warm-up rewrites of a two-source cluster. The overhead is everything "
            "but the model's answer (the recorded call latency).",
            "",
            "| model | total | model call | pipeline overhead | overhead share |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


def _throughput(server, bind) -> str:
    import redis
    from django.conf import settings
    from django.db import connection
    from rq import Queue

    from rewrites.generation.jobs import generate_rewrite_job
    from rewrites.models import Rewrite
    from tests.factories import make_cluster

    redis_url = _bench_redis_url(settings.REDIS_URL)
    connection_redis = redis.Redis.from_url(redis_url)
    queue = Queue("generate", connection=connection_redis)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "bench",
        "NEWSROOM_MODEL": "bench-model",
        "NEWSROOM_MODEL_OUTPUT_MODE": "json_schema",
        "NEWSROOM_DAILY_BUDGET_USD": "1000",
        "LOG_LEVEL": "WARNING",
    }
    rows = []
    for workers in (1, 2, 4):
        connection_redis.flushdb()
        processes = [
            subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "rqworker", "generate"],
                env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            deadline = time.monotonic() + 60
            while len(connection_redis.smembers("rq:workers")) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError("The benchmark's RQ workers did not start within 60 seconds.")
                time.sleep(0.1)
            ids = []
            for number in range(THROUGHPUT_REWRITES):
                cluster = make_cluster(number=2000 + workers * 100 + number)
                bind(cluster)
                ids.append(Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED).id)
            started = time.perf_counter()
            for rewrite_id in ids:
                queue.enqueue(generate_rewrite_job, rewrite_id, None, False, job_timeout=600)
            while Rewrite.objects.filter(id__in=ids, status=Rewrite.Status.DRAFT).count() < len(ids):
                if time.perf_counter() - started > 300:
                    raise RuntimeError("The benchmark's rewrites were not all written within 5 minutes.")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        rate = len(ids) / elapsed * 60
        rows.append(f"| {workers} | {elapsed:.1f} s | {rate:.0f} | {rate / 60 * THROUGHPUT_LATENCY:.2f} |")
    connection_redis.flushdb()
    return "\n".join(
        [
            f"{THROUGHPUT_REWRITES} rewrites on the `generate` queue, model latency {THROUGHPUT_LATENCY:g} s, "
            "real `rqworker` processes (forking a work-horse per job), timed from enqueue to the last draft.",
            "",
            "| workers | wall time | rewrites per minute | rewrites per model-latency |",
            "|---|---|---|---|",
            *rows,
        ]
    )


def _typical_articles():
    """A Japanese Wikinews article of typical length if the shared data is present, else the test cluster's."""
    from clusters.models import Article, Source

    source = Source(name="Wikinews")
    if DATA.exists():
        with gzip.open(DATA, "rt", encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                if 1200 <= len(item["article"]) <= 2500:
                    article = Article(source=source, url="https://ja.wikinews.org/", title=item["headline"], text=item["article"])
                    return [article], "a Japanese Wikinews article of {} characters (../shared/data)".format(len(item["article"]))
    from tests.factories import ENGLISH_TEXT, JAPANESE_TEXT

    articles = [
        Article(source=source, url="https://a.example.com/", title="Studio Trigger announces film", text=ENGLISH_TEXT),
        Article(source=source, url="https://b.example.jp/", title="トリガー新作", text=JAPANESE_TEXT),
    ]
    return articles, "the two-article test cluster"


def _tokens() -> str:
    from rewrites.generation.budget import estimate_tokens
    from rewrites.generation.prompt import OUTPUT_SCHEMA, build_messages
    from rewrites.generation.prompt import field_schema as _field_schema

    def tokens(messages) -> int:
        return estimate_tokens("".join(message["content"] for message in messages))

    rows = []
    articles, what = _typical_articles()
    for label, json_mode in [("strict JSON schema", False), ("JSON mode (schema in the prompt)", True)]:
        one = tokens(build_messages(articles=articles, json_mode=json_mode, schema=OUTPUT_SCHEMA))
        per_field = sum(
            tokens(build_messages(articles=articles, json_mode=json_mode, schema=_field_schema(name), field=name))
            for name in OUTPUT_SCHEMA["required"]
        )
        rows.append(f"| {label} | {one:,} | {per_field:,} | {per_field / one:.1f}× |")
    return "\n".join(
        [
            f"Input tokens (estimated: one per CJK character, one per four other characters) for {what}: one "
            f"structured call for every field against one call per output ({len(OUTPUT_SCHEMA['required'])} "
            "calls, each carrying the sources).",
            "",
            "| output mode | one call | one call per field | ratio |",
            "|---|---|---|---|",
            *rows,
        ]
    )


def run() -> str:
    from django.conf import settings
    from django.test.utils import override_settings

    from clusters.evaluation import scratch_database
    from tests.llm_server import Behaviour, LLMServer

    for name in ("httpx", "httpx2", "openai"):
        logging.getLogger(name).setLevel(logging.WARNING)
    respond, bind = _responder()
    with scratch_database():
        with LLMServer(default=Behaviour(respond=respond, delay=LATENCY)) as server, override_settings():
            _configure(settings, server)
            overhead = _overhead(server, bind)
            server.default = Behaviour(respond=respond, delay=THROUGHPUT_LATENCY)
            throughput = _throughput(server, bind)
        tokens = _tokens()
    load = os.getloadavg()[0]
    return "\n\n".join(
        [
            f"Load average when the run ended: {load:.1f} on {os.cpu_count()} cores (other work shares the machine; "
            "absolute times vary between runs, the proportions hold).",
            "### Pipeline overhead per rewrite",
            overhead,
            "### Throughput with 1, 2 and 4 workers",
            throughput,
            "### Input tokens per rewrite",
            tokens,
        ]
    )
