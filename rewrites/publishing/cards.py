"""Social card images: 1200x630 PNGs with the headline and the source credit.

The font ships in static/fonts (Noto Sans JP Bold, a subset; see its README and
OFL licence) so Japanese and Latin text render the same on every machine.

Drawing a card costs about the same whatever the text: only as many characters as could fit
on the card's lines are laid out (a longer text is cut and ends with "…"), and lines and
over-long words are broken by binary search on measured widths, never character by character.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, ImageOps

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (17, 24, 39)
ACCENT = (220, 38, 38)
HEADLINE_COLOUR = (255, 255, 255)
MUTED_COLOUR = (203, 213, 225)
HEADLINE_TOP = 150
CREDIT_BASELINE = HEIGHT - MARGIN
HEADLINE_SIZES = range(76, 39, -4)
MAX_HEADLINE_LINES = 5
LINE_SPACING = 1.22
# Characters that must not begin a line (Japanese line-breaking rules, kinsoku shori).
NO_LINE_START = set("、。，．・：；？！ー…‥）」』】〕〉》”’,.:;!?)]}%ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々ゝゞヽヾ")
# No character the font draws, nor the space between words, is narrower than this fraction of the font size
# ("|" is 0.296, a space 0.227): tests/test_card_layout.py holds it for every character of the font.
NARROWEST_ADVANCE = 0.22
# Characters read from a text for each one that may be drawn: room for whitespace and characters the
# font leaves out, while a text of thousands of them costs no more than this.
READ_PER_DRAWN_CHARACTER = 2


def character_limit(width: int, size: int, *, lines: int) -> int:
    """The most characters that could fit on lines lines of width pixels at size (a space dropped at each break)."""
    return lines * (int(width / (NARROWEST_ADVANCE * size)) + 1)


@dataclass
class DrawnText:
    text: str
    xy: tuple[int, int]
    size: int


# The lead image, when there is one that fits, fills a panel on the right of the card.
PHOTO_WIDTH = 440
PHOTO_MIN_SIDE = 200


@dataclass
class SocialCard:
    png: bytes
    headline_lines: list[DrawnText] = field(default_factory=list)
    credit: DrawnText | None = None
    site: DrawnText | None = None
    photo_box: tuple[int, int, int, int] | None = None

    @property
    def headline_area(self) -> tuple[int, int, int, int]:
        """The box the headline must stay inside: (left, top, right, bottom)."""
        right = WIDTH - MARGIN - (PHOTO_WIDTH if self.photo_box else 0)
        return (MARGIN, HEADLINE_TOP, right, CREDIT_BASELINE - 70)


def font_path() -> str:
    return str(settings.BASE_DIR / "static" / "fonts" / "NotoSansJP-Bold-subset.ttf")


@lru_cache(maxsize=32)
def card_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(), size)


# No headline of more characters than this can fit the card, even without a photo panel.
HEADLINE_CHARACTER_LIMIT = character_limit(WIDTH - 2 * MARGIN, HEADLINE_SIZES[-1], lines=MAX_HEADLINE_LINES)


@lru_cache(maxsize=1)
def _missing_glyph_mask() -> bytes:
    font = card_font(40)
    return bytes(font.getmask("\U0010fffd"))


@lru_cache(maxsize=4096)
def has_glyph(char: str) -> bool:
    """True when the shipped font draws char (rather than its 'missing glyph' box)."""
    if char.isspace():
        return True
    return bytes(card_font(40).getmask(char)) != _missing_glyph_mask()


def drawable(text: str, *, limit: int) -> str:
    """text in NFC with characters the font cannot draw left out and whitespace collapsed, at most limit characters.

    A longer text is cut and ends with "…". Only the first READ_PER_DRAWN_CHARACTER × limit characters are read.
    """
    read = text[: limit * READ_PER_DRAWN_CHARACTER]
    kept: list[str] = []
    for char in unicodedata.normalize("NFC", read):
        if char.isspace():
            if kept and kept[-1] != " ":
                kept.append(" ")
        elif has_glyph(char):
            kept.append(char)
            if len(kept) > limit:
                break
    shown = "".join(kept).rstrip()
    if len(shown) <= limit and len(read) == len(text):
        return shown
    return shown[: limit - 1].rstrip() + "…" if shown else ""


def _units(text: str) -> list[str]:
    """Splits text into line-breaking units: Latin words (with their trailing space), single CJK characters."""
    units: list[str] = []
    word = ""
    for char in text:
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        if char == " ":
            units.append(word + " ")
            word = ""
        elif wide:
            if word:
                units.append(word)
                word = ""
            if char in NO_LINE_START and units:
                units[-1] += char
            else:
                units.append(char)
        elif char in NO_LINE_START and not word and units:
            units[-1] += char
        else:
            word += char
    if word:
        units.append(word)
    return units


def _longest_fit(text: Callable[[int], str], most: int, font: ImageFont.FreeTypeFont, width: int) -> int:
    """The largest n up to most for which text(n), growing with n, is no wider than width (0 when none is).

    A binary search: about log2(most) measurements.
    """
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text(middle)) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, *, max_lines: int | None = None) -> list[str]:
    """Greedy line breaking of text so that no line is wider than width; stops after max_lines + 1 lines.

    Each line takes the most units that fit, and a word wider than the line is broken where the longest
    part fits, both found by binary search.
    """
    units = _units(text)
    most_per_line = character_limit(width, int(font.size), lines=1)
    lines: list[str] = []
    start = 0
    while start < len(units) and (max_lines is None or len(lines) <= max_lines):
        count = _longest_fit(
            lambda n, first=start: "".join(units[first:first + n]).rstrip(),
            min(len(units) - start, most_per_line), font, width,
        )
        if count:
            line = "".join(units[start:start + count]).rstrip()
            start += count
        else:
            # A single word wider than the line: break it by characters.
            word = units[start]
            most = min(len(word.rstrip()) - 1, most_per_line)
            cut = max(1, _longest_fit(lambda n, word=word: word[:n], most, font, width))
            line, units[start] = word[:cut], word[cut:]
        if line:
            lines.append(line)
    return lines


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """line cut where it fits with "…" after it."""
    keep = _longest_fit(lambda n: line[:n] + "…", len(line), font, width)
    return line[:keep].rstrip() + "…"


def _fits(lines: list[str], font: ImageFont.FreeTypeFont, size: int, bottom: int) -> bool:
    """True when every line, drawn where render_social_card puts it, ends above bottom (measured ink)."""
    return all(
        HEADLINE_TOP + int(index * size * LINE_SPACING) + font.getbbox(line)[3] <= bottom
        for index, line in enumerate(lines)
    )


def layout_headline(headline: str, *, card: SocialCard | None = None) -> tuple[int, list[str]]:
    """Returns the largest font size at which headline fits the card's headline area, and its lines.

    A headline that does not fit even at the smallest size is cut there, its last line ending with "…".
    """
    left, top, right, bottom = (card or SocialCard(png=b"")).headline_area
    width = right - left
    for size in HEADLINE_SIZES:
        font = card_font(size)
        lines = wrap(headline, font, width, max_lines=MAX_HEADLINE_LINES)
        if len(lines) <= MAX_HEADLINE_LINES and _fits(lines, font, size, bottom):
            return size, lines
    lines = lines[:MAX_HEADLINE_LINES]  # as wrapped at the smallest size
    while len(lines) > 1 and not _fits(lines, font, size, bottom):
        lines.pop()
    lines[-1] = _ellipsize(lines[-1].removesuffix("…"), font, width)
    return size, lines


def _single_line(text: str, size: int, width: int) -> str:
    """text as drawn on one line of width pixels at size: cut with "…" where it would be wider."""
    text = drawable(text, limit=character_limit(width, size, lines=1))
    font = card_font(size)
    return text if font.getlength(text) <= width else _ellipsize(text.removesuffix("…"), font, width)


def _photo(data: bytes | None) -> Image.Image | None:
    """The lead image cropped to fill the card's photo panel, or None when there is none or it is too small."""
    if not data:
        return None
    try:
        photo = Image.open(io.BytesIO(data))
        photo.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if min(photo.size) < PHOTO_MIN_SIDE:
        return None
    return ImageOps.fit(photo.convert("RGB"), (PHOTO_WIDTH, HEIGHT - 12))


def render_social_card(*, headline: str, source_credit: str, site_name: str, photo: bytes | None = None) -> SocialCard:
    """Draws the card for a story and returns the PNG with where each piece of text went.

    A lead image (``photo``) at least PHOTO_MIN_SIDE pixels on its short side fills a panel on the right.
    """
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    draw.rectangle((MARGIN, 96, MARGIN + 64, 102), fill=ACCENT)

    card = SocialCard(png=b"")
    panel = _photo(photo)
    if panel is not None:
        card.photo_box = (WIDTH - PHOTO_WIDTH, 12, WIDTH, HEIGHT)
        image.paste(panel, card.photo_box[:2])
    usable = card.headline_area[2] - MARGIN

    site_text = _single_line(site_name, 30, usable) or "Newsroom"
    card.site = DrawnText(site_text, (MARGIN, 44), 30)
    draw.text(card.site.xy, site_text, font=card_font(30), fill=MUTED_COLOUR)

    size, lines = layout_headline(drawable(headline, limit=HEADLINE_CHARACTER_LIMIT) or "Untitled story", card=card)
    font = card_font(size)
    ascent, _ = font.getmetrics()
    y = HEADLINE_TOP
    for line in lines:
        drawn = DrawnText(line, (MARGIN, int(y)), size)
        draw.text(drawn.xy, line, font=font, fill=HEADLINE_COLOUR)
        card.headline_lines.append(drawn)
        y += size * LINE_SPACING

    credit_text = _single_line(source_credit, 32, usable)
    if credit_text:
        card.credit = DrawnText(credit_text, (MARGIN, CREDIT_BASELINE - 40), 32)
        draw.text(card.credit.xy, credit_text, font=card_font(32), fill=MUTED_COLOUR)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    card.png = buffer.getvalue()
    return card
