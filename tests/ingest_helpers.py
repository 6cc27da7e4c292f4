"""Feeds and the third-party feed data for the ingestion tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party test data in ../shared/data is not on this machine.")
    return path


def rss(items: list[dict], *, encoding: str = "utf-8", title: str = "Example feed") -> bytes:
    """An RSS 2.0 document with the given items (title, link, description, pubDate, enclosure)."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{title}</title>'
             "<link>https://news.example/</link>"]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "description", "pubDate", "guid"):
            if key in item:
                parts.append(f"<{key}>{item[key]}</{key}>")
        if "image" in item:
            parts.append(f'<enclosure url="{item["image"]}" type="image/png" length="1"/>')
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding)
