"""Social cards: the time and text measurements to draw one, for normal and hostile headlines."""

from __future__ import annotations

import contextlib
import os
import statistics
import time

TITLE = "Social card drawing (cards)"
RUNS = 20
NORMAL = "Frieren Season 2 Confirmed for January With Returning Studio Madhouse and Ten New Cast Members"
LONG_JAPANESE = (
    "『葬送のフリーレン』第2期が2027年1月に放送開始、マッドハウスが続投し新キャスト10名と主題歌アーティストも発表。"
    "原作者の山田鐘人とアベツカサがコメントを寄せ、放送記念のファンイベントが東京と大阪で開かれることも決まった"
)
CASES = [
    ("normal headline (94 characters)", NORMAL),
    ("one word of 2,000 characters", "W" * 2000),
    ("one word of 20,000 characters", "W" * 20_000),
    (f"long Japanese headline without spaces ({len(LONG_JAPANESE)} characters)", LONG_JAPANESE),
    ("Japanese without spaces, 20,000 characters", (LONG_JAPANESE * 200)[:20_000]),
    ("20,000 characters the font cannot draw, then words", "".join(map(chr, range(0x20000, 0x24E20))) + " Frieren"),
]
CREDIT = "Sources: Natalie, アニメ!アニメ!"


@contextlib.contextmanager
def _counting_measurements():
    """Counts Pillow's text measurements and renderings with any font while the block runs."""
    from PIL import ImageFont

    counter = {"count": 0}
    originals = {name: getattr(ImageFont.FreeTypeFont, name) for name in ("getlength", "getbbox", "getmask2")}

    def counted(original):
        def measure(self, text, *args, **kwargs):
            counter["count"] += 1
            return original(self, text, *args, **kwargs)

        return measure

    for name, original in originals.items():
        setattr(ImageFont.FreeTypeFont, name, counted(original))
    try:
        yield counter
    finally:
        for name, original in originals.items():
            setattr(ImageFont.FreeTypeFont, name, original)


def _draw(headline: str):
    from rewrites.publishing.cards import has_glyph, render_social_card

    has_glyph.cache_clear()  # every draw starts with no glyph checked: the slowest start
    return render_social_card(headline=headline, source_credit=CREDIT, site_name="Newsroom")


def run() -> str:
    _draw(NORMAL)  # fonts loaded once, as in a running web process
    lines = [
        f"`render_social_card` (what the workspace's card preview and publishing run: layout, drawing and PNG "
        f"encoding) {RUNS} times per headline, each with an empty glyph cache. Measurements are Pillow's text "
        "measurements and renderings in one drawing (`getlength`, `getbbox`, `getmask2`, glyph checks included).",
        "",
        "| headline | lines drawn | last line ends | measurements | median | worst |",
        "|---|---|---|---|---|---|",
    ]
    worst = (0.0, "")
    for name, headline in CASES:
        with _counting_measurements() as counter:
            card = _draw(headline)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            _draw(headline)
            times.append(time.perf_counter() - started)
        worst = max(worst, (max(times), name))
        last = card.headline_lines[-1]
        lines.append(
            f"| {name} | {len(card.headline_lines)} at {last.size} px | `{last.text[-6:]}` | {counter['count']} | "
            f"{statistics.median(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |"
        )
    lines += [
        "",
        "A text longer than the card's lines could hold is cut before layout (the same measurements for 2,000 "
        "and 20,000 characters); in the last row the characters read hold nothing the font can draw, so the "
        "card says \"Untitled story\".",
        "",
        f"Worst case measured: **{worst[0] * 1000:.0f} ms** ({worst[1]}). Load average when the run ended: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work slows these numbers).",
    ]
    return "\n".join(lines)
