"""Drawing a social card costs a bounded number of text measurements, however long or odd the text."""

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from rewrites.publishing import cards
from rewrites.publishing.cards import HEADLINE_SIZES, MAX_HEADLINE_LINES, card_font, render_social_card
from rewrites.publishing.publish import publish_rewrite
from tests.factories import make_approved, make_draft

# Every way Pillow measures or renders text with a font goes through one of these; ImageDraw's
# textlength, textbbox and text call them too.
MEASURING_METHODS = ("getlength", "getbbox", "getmask2")
# More than a card needs (about 700 for any text); a layout that measures per character goes far past it.
MEASUREMENT_BUDGET = 1500
# A line of the narrowest characters is about 120 characters long; nothing measured is much longer.
LONGEST_MEASURED = 700


class MeasurementBudgetExceeded(AssertionError):
    pass


class Measurements:
    def __init__(self) -> None:
        self.count = 0
        self.longest = 0

    def record(self, text) -> None:
        self.count += 1
        self.longest = max(self.longest, len(text))
        if self.count > MEASUREMENT_BUDGET:
            # Stop the drawing here: a layout that measures per character would run for minutes.
            raise MeasurementBudgetExceeded(f"more than {MEASUREMENT_BUDGET} text measurements")


@pytest.fixture
def measurements(monkeypatch):
    """Counts every text measurement made with a card font, starting from an empty glyph cache."""
    counter = Measurements()
    for name in MEASURING_METHODS:
        original = getattr(ImageFont.FreeTypeFont, name)

        def counted(self, text, *args, _original=original, **kwargs):
            counter.record(text)
            return _original(self, text, *args, **kwargs)

        monkeypatch.setattr(ImageFont.FreeTypeFont, name, counted)
    cards.has_glyph.cache_clear()
    yield counter
    cards.has_glyph.cache_clear()


def _draw(headline: str, *, source_credit: str = "Source: GIGAZINE", site_name: str = "Newsroom"):
    return render_social_card(headline=headline, source_credit=source_credit, site_name=site_name)


def _measured_drawing(measurements: Measurements, headline: str, **texts) -> tuple[int, int]:
    cards.has_glyph.cache_clear()
    measurements.count = measurements.longest = 0
    _draw(headline, **texts)
    return measurements.count, measurements.longest


@pytest.mark.parametrize(
    "word",
    ["W", "Supercalifragilisticexpialidocious", "あ", "葬送のフリーレン第2期マッドハウス続投", "i|"],
)
def test_a_one_word_headline_costs_the_same_measurements_at_2000_and_20000_characters(measurements, word):
    short = _measured_drawing(measurements, (word * 2000)[:2000])
    long = _measured_drawing(measurements, (word * 20_000)[:20_000])

    assert short == long
    assert short[0] <= MEASUREMENT_BUDGET and short[1] <= LONGEST_MEASURED


def test_the_credit_and_site_name_cost_bounded_measurements_however_long(measurements):
    credit = "Sources: " + ", ".join(f"Source{number}" for number in range(3000))

    count, longest = _measured_drawing(measurements, "Short headline", source_credit=credit, site_name="N" * 20_000)

    assert count <= MEASUREMENT_BUDGET and longest <= LONGEST_MEASURED


def test_characters_the_font_cannot_draw_cost_bounded_measurements(measurements):
    # 20,000 different characters outside the font (CJK extension B), then words.
    headline = "".join(chr(0x20000 + number) for number in range(20_000)) + " Frieren returns"

    count, longest = _measured_drawing(measurements, headline)

    assert count <= MEASUREMENT_BUDGET and longest <= LONGEST_MEASURED


def _assert_inside_the_headline_area(card) -> None:
    image = Image.open(io.BytesIO(card.png))
    assert image.format == "PNG" and image.size == (cards.WIDTH, cards.HEIGHT)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = card.headline_area
    for line in card.headline_lines:
        box = draw.textbbox(line.xy, line.text, font=card_font(line.size))
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, (line.text, box)


@pytest.mark.parametrize("word", ["W", "Supercalifragilisticexpialidocious", "葬送のフリーレン"])
def test_a_20000_character_word_is_drawn_broken_into_lines_and_cut_with_an_ellipsis(measurements, word):
    headline = (word * 20_000)[:20_000]

    card = _draw(headline)

    _assert_inside_the_headline_area(card)
    lines = [line.text for line in card.headline_lines]
    assert 1 < len(lines) <= MAX_HEADLINE_LINES
    assert all(line.size == HEADLINE_SIZES[-1] for line in card.headline_lines)
    assert lines[-1].endswith("…") and not any(line.endswith("…") for line in lines[:-1])
    assert headline.startswith("".join(lines).removesuffix("…"))
    assert card.credit.text == "Source: GIGAZINE"


def test_a_long_credit_and_site_name_are_cut_with_an_ellipsis_on_one_line(measurements):
    credit = "Sources: " + ", ".join(f"Source{number}" for number in range(3000))

    card = _draw("Short headline", source_credit=credit, site_name="N" * 20_000)

    usable = card.headline_area[2] - cards.MARGIN
    for drawn in (card.credit, card.site):
        assert drawn.text.endswith("…") and card_font(drawn.size).getlength(drawn.text) <= usable
    assert credit.startswith(card.credit.text.removesuffix("…"))
    assert card.site.text.removesuffix("…") == "N" * (len(card.site.text) - 1)


def test_a_headline_cut_before_layout_still_ends_with_an_ellipsis_when_what_is_left_fits(monkeypatch):
    monkeypatch.setattr(cards, "HEADLINE_CHARACTER_LIMIT", 20)

    card = _draw("Frieren season two confirmed for January")

    assert [line.text for line in card.headline_lines] == ["Frieren season two…"]


def test_no_character_is_narrower_than_the_character_limits_assume():
    """The limits on the characters considered are what the narrowest character could fit on the lines.

    The font's subset has only characters of the Basic Multilingual Plane; any other is left out of the card.
    """
    font = card_font(HEADLINE_SIZES[-1])
    narrowest = min(
        font.getlength(char)
        for char in map(chr, range(0x20, 0x10000))
        if char.isprintable() and not char.isspace() and not 0xD800 <= ord(char) < 0xE000
    )

    assert min(narrowest, font.getlength(" ")) >= cards.NARROWEST_ADVANCE * HEADLINE_SIZES[-1]


@pytest.mark.django_db
def test_the_card_preview_of_a_20000_character_word_is_drawn_with_bounded_measurements(
    client, editor, seed_record, measurements
):
    rewrite = make_draft(seed=seed_record, headline="W" * 20_000)
    client.force_login(editor)
    measurements.count = 0

    response = client.get(f"/rewrites/{rewrite.id}/card-preview.png")

    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    assert measurements.count <= MEASUREMENT_BUDGET


@pytest.mark.django_db
def test_publishing_a_2000_character_word_draws_its_card_with_bounded_measurements(
    seed_record, editor, measurements, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    rewrite = make_approved(seed=seed_record, number=61, headline="W" * 2000)
    measurements.count = 0

    story = publish_rewrite(rewrite_id=rewrite.id, user=editor).story

    assert story.card and measurements.count <= MEASUREMENT_BUDGET
