"""Social card images: 1200x630 PNGs with the headline and the source credit.

The font ships in static/fonts (Noto Sans JP Bold, a subset; see its README and
OFL licence) so Japanese and Latin text render the same on every machine.
"""

from __future__ import annotations

import io
import unicodedata
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


def drawable(text: str) -> str:
    """text in NFC with characters the font cannot draw left out and whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(char for char in text if has_glyph(char))
    return " ".join(kept.split())


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


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking of text so that no line is wider than width."""
    lines: list[str] = []
    line = ""
    for unit in _units(text):
        candidate = line + unit
        if font.getlength(candidate.rstrip()) <= width:
            line = candidate
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        while font.getlength(unit.rstrip()) > width:
            # A single word wider than the line: break it by characters.
            cut = len(unit)
            while cut > 1 and font.getlength(unit[:cut]) > width:
                cut -= 1
            lines.append(unit[:cut])
            unit = unit[cut:]
        line = unit
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    while line and font.getlength(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"


def _fits(lines: list[str], font: ImageFont.FreeTypeFont, size: int, bottom: int) -> bool:
    """True when every line, drawn where render_social_card puts it, ends above bottom (measured ink)."""
    return all(
        HEADLINE_TOP + int(index * size * LINE_SPACING) + font.getbbox(line)[3] <= bottom
        for index, line in enumerate(lines)
    )


def layout_headline(headline: str, *, card: SocialCard | None = None) -> tuple[int, list[str]]:
    """Returns the largest font size at which headline fits the card's headline area, and its lines."""
    left, top, right, bottom = (card or SocialCard(png=b"")).headline_area
    width = right - left
    for size in HEADLINE_SIZES:
        font = card_font(size)
        lines = wrap(headline, font, width)
        if len(lines) <= MAX_HEADLINE_LINES and _fits(lines, font, size, bottom):
            return size, lines
    size = HEADLINE_SIZES[-1]
    font = card_font(size)
    lines = wrap(headline, font, width)[:MAX_HEADLINE_LINES]
    while len(lines) > 1 and not _fits(lines, font, size, bottom):
        lines.pop()
    lines[-1] = _ellipsize(lines[-1], font, width)
    return size, lines


def _fit_single_line(text: str, size: int, width: int) -> str:
    font = card_font(size)
    return text if font.getlength(text) <= width else _ellipsize(text, font, width)


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

    site_text = _fit_single_line(drawable(site_name) or "Newsroom", 30, usable)
    card.site = DrawnText(site_text, (MARGIN, 44), 30)
    draw.text(card.site.xy, site_text, font=card_font(30), fill=MUTED_COLOUR)

    size, lines = layout_headline(drawable(headline) or "Untitled story", card=card)
    font = card_font(size)
    ascent, _ = font.getmetrics()
    y = HEADLINE_TOP
    for line in lines:
        drawn = DrawnText(line, (MARGIN, int(y)), size)
        draw.text(drawn.xy, line, font=font, fill=HEADLINE_COLOUR)
        card.headline_lines.append(drawn)
        y += size * LINE_SPACING

    credit_text = _fit_single_line(drawable(source_credit), 32, usable)
    if credit_text:
        card.credit = DrawnText(credit_text, (MARGIN, CREDIT_BASELINE - 40), 32)
        draw.text(card.credit.xy, credit_text, font=card_font(32), fill=MUTED_COLOUR)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    card.png = buffer.getvalue()
    return card
