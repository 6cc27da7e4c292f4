import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clusters.models import Article, Source
from tests.http_server import LocalHTTPServer, Reply
from tests.ingest_helpers import rss


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ingest_feed_from_a_file_prints_each_outcome(db, tmp_path, settings):
    settings.NEWSROOM_AFTER_ARTICLE_STORED = []
    path = tmp_path / "feed.xml"
    path.write_bytes(rss([
        {"title": "First", "link": "https://a.example/1", "description": "one"},
        {"title": "First again", "link": "https://a.example/1?utm_source=x", "description": "one"},
        {"title": "No link", "description": "three"},
    ]))

    output = run("ingest_feed", str(path), "--source", "Files")

    assert output.splitlines() == [
        "stored: First <https://a.example/1>",
        "duplicate: First again <https://a.example/1?utm_source=x>: An article with this address is stored already.",
        "refused: No link: The entry was skipped because it has no link.",
        "Files: 1 stored, 1 duplicate, 1 refused.",
    ]
    assert Article.objects.get().source.name == "Files"


def test_ingest_feed_ends_non_zero_when_the_feed_cannot_be_read(db, tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body>nope</body></html>")

    with pytest.raises(CommandError, match="The feed could not be read: This is not an RSS"):
        run("ingest_feed", str(path))


def test_ingest_feed_from_an_address_records_the_source_health(db, settings):
    server = LocalHTTPServer().start()
    try:
        settings.NEWSROOM_FETCH_ALLOWED_HOSTS = [server.host]
        server.routes["/feed"] = Reply(200, rss([{"title": "Web", "link": server.url("/1"), "description": "web text"}]))

        output = run("ingest_feed", server.url("/feed"), "--no-pages")
    finally:
        server.stop()

    source = Source.objects.get()
    assert "stored: Web" in output
    assert (source.feed_url, source.name) == (server.url("/feed"), "127.0.0.1")
    assert source.last_success_at is not None


def test_ingest_feed_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match="neither an http"):
        run("ingest_feed", "/no/such/feed.xml")


def test_evaluate_extraction_prints_scores_as_one_json_line(tmp_path):
    (tmp_path / "html").mkdir()
    body = "The council approved the new budget on Monday after a long debate. " * 5
    page = f"<html><body><nav>Home News Sport</nav><article><h1>Budget</h1><p>{body}</p></article></body></html>"
    (tmp_path / "html" / "p1.html.gz").write_bytes(gzip.compress(page.encode()))
    (tmp_path / "ground-truth.json").write_text(json.dumps({"p1": {"articleBody": body}}))

    result = json.loads(run("evaluate_extraction", str(tmp_path)))

    assert result["pages"] == 1
    assert result["recall"] == 1.0 and 0.9 < result["precision"] <= 1.0


def test_evaluate_extraction_explains_a_wrong_folder(tmp_path):
    with pytest.raises(CommandError, match="ground-truth.json"):
        run("evaluate_extraction", str(tmp_path))
