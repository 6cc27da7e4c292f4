"""Numbers, dates and names across scripts (newsroom/facts.py): one test per script and format pair."""

from decimal import Decimal

import pytest

from newsroom.facts import (
    DateMention,
    extract_dates,
    extract_names,
    extract_quantities,
    normalise,
    parse_number,
    readings,
    romanise,
    same_name,
)


def only(text: str):
    quantities = extract_quantities(text)
    assert len(quantities) == 1, quantities
    return quantities[0]


@pytest.mark.parametrize(
    "text, value, kind, unit",
    [
        ("19秒19", "19.19", "duration", "s"),
        ("9秒58", "9.58", "duration", "s"),
        ("0秒62", "0.62", "duration", "s"),
        ("19.19 seconds", "19.19", "duration", "s"),
        ("1分30秒", "90", "duration", "s"),
        ("上映時間は110分", "6600", "duration", "s"),
        ("2時間30分", "9000", "duration", "s"),
        ("2 hours", "7200", "duration", "s"),
        ("1 hour 50 minutes", "6600", "duration", "s"),
        ("2 minutes and 30.5 seconds", "150.5", "duration", "s"),
        ("3か月", "3", "duration", "month"),
        ("5日間", "432000", "duration", "s"),
        ("約1万2千人", "12000", "count", "person"),
        ("12,000 people", "12000", "count", "person"),
        ("１２，０００人", "12000", "count", "person"),
        ("二十五話", "25", "count", "episode"),
        ("三千五百万人", "35000000", "count", "person"),
        ("7.4％", "7.4", "percent", "%"),
        ("７．４パーセント", "7.4", "percent", "%"),
        ("3割", "30", "percent", "%"),
        ("7.4 percent", "7.4", "percent", "%"),
        ("15億円", "1500000000", "money", "JPY"),
        ("1.5 billion yen", "1500000000", "money", "JPY"),
        ("1億5000万ドル", "150000000", "money", "USD"),
        ("$150 million", "150000000", "money", "USD"),
        ("$5m", "5000000", "money", "USD"),
        ("10ドル紙幣", "10", "money", "USD"),
        ("第68回", "68", "ordinal", "time"),
        ("3位", "3", "ordinal", None),
        ("68th", "68", "ordinal", None),
        ("2009年に", "2009", "year", None),
        ("in 2009,", "2009", "year", None),
        ("平成17年", "2005", "year", None),
        ("令和元年", "2019", "year", None),
        ("午後11時32分", "1412", "time", "clock"),
        ("23時36分", "1416", "time", "clock"),
        ("11:32 p.m.", "1412", "time", "clock"),
        ("11 am", "660", "time", "clock"),
        ("the 23-year-old", "23", "count", "age"),
        ("twenty-five episodes", "25", "count", "episode"),
    ],
)
def test_quantity_value_kind_and_unit(text, value, kind, unit):
    quantity = only(text)
    assert (quantity.value, quantity.kind, quantity.unit) == (Decimal(value), kind, unit)


@pytest.mark.parametrize(
    "text, low, high, unit",
    [
        ("10〜20人", "10", "20", "person"),
        ("10～20%", "10", "20", "%"),
        ("10-20%", "10", "20", "%"),
        ("10人から20人", "10", "20", "person"),
        ("1.5 to 2 hours", "5400", "7200", "s"),
        ("between 10 and 20 people", "10", "20", "person"),
    ],
)
def test_ranges_have_both_ends(text, low, high, unit):
    quantity = only(text)
    assert (quantity.kind, quantity.value, quantity.upper, quantity.unit) == ("range", Decimal(low), Decimal(high), unit)


def test_a_score_is_not_a_range():
    assert [q.kind for q in extract_quantities("won 3-2 at home")] == ["count", "count"]


def test_span_points_into_the_original_text_with_full_width_digits():
    text = "観客は約１万２千人だった"
    quantity = only(text)
    assert text[slice(*quantity.span)] == "１万２千人" and quantity.approximate


def test_seconds_written_japanese_style_keep_both_parts_as_numbers():
    assert only("19秒19").values >= {Decimal("19.19"), Decimal(19)}


def test_a_duration_can_be_cited_in_larger_units():
    assert {Decimal(90), Decimal("1.5")} <= only("1時間30分").values


def test_a_date_is_one_quantity_with_its_numbers():
    quantity = only("2011年4月7日")
    assert (quantity.kind, quantity.value, quantity.numbers) == ("date", Decimal(20110407), (2011, 4, 7))


def test_kanji_digits_inside_words_are_not_numbers():
    assert extract_quantities("四川省で五輪の統一見解") == []


def test_a_version_number_is_not_a_value():
    quantity = only("version 2.9.1")
    assert (quantity.unit, quantity.text) == ("version", "2.9.1")


@pytest.mark.parametrize(
    "written, value",
    [("1万2千", 12000), ("二十五", 25), ("1.5億", 150000000), ("1億5000万", 150000000), ("三千五百", 3500), ("１２", 12)],
)
def test_parse_number_reads_digits_and_kanji_numerals(written, value):
    assert parse_number(written) == value


def test_parse_number_refuses_what_is_not_a_number():
    assert parse_number("2.9.1") is None and parse_number("万") is None


def test_normalise_writes_kanji_numerals_as_digits_and_folds_full_width():
    assert normalise("全二十五話、７．４％") == "全25話、7.4%"


@pytest.mark.parametrize(
    "text, year, month, day",
    [
        ("2011年4月7日", 2011, 4, 7),
        ("２０１１年４月７日", 2011, 4, 7),
        ("平成23年4月7日", 2011, 4, 7),
        ("令和元年5月1日", 2019, 5, 1),
        ("昭和64年1月7日", 1989, 1, 7),
        ("4月7日", None, 4, 7),
        ("2005年4月", 2005, 4, None),
        ("February 2, 2009", 2009, 2, 2),
        ("2 Feb", None, 2, 2),
        ("Feb. 2", None, 2, 2),
        ("2nd of February", None, 2, 2),
        ("February 2009", 2009, 2, None),
        ("2009-02-02", 2009, 2, 2),
        ("2009/2/2", 2009, 2, 2),
    ],
)
def test_dates_whole_and_partial(text, year, month, day):
    [mention] = extract_dates(text)
    assert (mention.year, mention.month, mention.day) == (year, month, day)
    assert mention.span == (0, len(text))


def test_a_japanese_day_alone_takes_the_month_and_year_before_it():
    mentions = extract_dates("2011年5月12日に発生した地震は、13日2時53分に更新された。")
    assert [(m.year, m.month, m.day) for m in mentions] == [(2011, 5, 12), (2011, 5, 13)]


def test_a_japanese_day_with_nothing_before_it_knows_only_its_day():
    assert [(m.year, m.month, m.day) for m in extract_dates("24日に入院していた")] == [(None, None, 24)]


def test_days_of_duration_and_japan_are_not_dates():
    assert extract_dates("日本で3日間") == []


def test_may_the_verb_is_not_a_date():
    assert extract_dates("They may be late in March") == []


def test_partial_dates_agree_when_no_known_part_differs():
    full = DateMention("2009年2月2日", (0, 9), 2009, 2, 2)
    assert DateMention("2 Feb", (0, 5), None, 2, 2).agrees_with(full)
    assert DateMention("February 2009", (0, 13), 2009, 2, None).agrees_with(full)
    assert not DateMention("February 3, 2009", (0, 16), 2009, 2, 3).agrees_with(full)
    assert not DateMention("2010", (0, 4), 2010, None, None).agrees_with(DateMention("x", (0, 1), 2009, None, None))


def test_latin_names_skip_sentence_openers_and_split_at_of():
    text = "After the show, Hiroyuki Imaishi of Studio Trigger told NHK and The New York Times."
    assert [name.text for name in extract_names(text)] == ["Hiroyuki Imaishi", "Studio Trigger", "NHK", "New York Times"]


def test_a_capitalised_word_opening_a_sentence_is_not_a_name():
    assert extract_names("Sales rose. Critics agreed.") == []


def test_bracketed_katakana_and_proper_nouns_in_japanese_with_readings():
    text = "佐藤賢治代表は新作『スターライト・リレー』とジェームス・ブラウンについて東京で語った。"
    names = {(name.text, name.kind): name for name in extract_names(text)}
    assert ("スターライト・リレー", "bracketed") in names
    assert names[("ジェームス・ブラウン", "katakana")].readings[0] == "james brown"
    assert names[("佐藤賢治", "proper_noun")].readings == ("satou kenji",)
    assert names[("東京", "proper_noun")].readings == ("tokyo",)


def test_name_spans_point_into_the_text():
    text = "発表は「CHOKKA」で"
    [*_, bracketed] = [name for name in extract_names(text) if name.kind == "bracketed"]
    assert text[slice(*bracketed.span)] == "CHOKKA"


def test_romanise_uses_english_spelling_for_loanwords():
    assert romanise("ジェームス・ブラウン") == "james brown"
    assert "jeemusu buraun" in readings("ジェームス・ブラウン")


@pytest.mark.parametrize(
    "english, romanised",
    [
        ("Kenji Sato", "Satou Kenji"), ("James Brown", "jeemusu buraun"), ("Starlight Relay", "sutaa raito riree"),
        ("Studio Trigger", "sutajio torigaa"), ("Brown", "James Brown"), ("Tokyo", "toukyou"),
        ("Usain Bolt", "usein boruto"), ("Michael Jackson", "maikeru jakuson"), ("Alibaba", "aribaba"),
    ],
)
def test_same_name_across_romanisations(english, romanised):
    assert same_name(english, romanised)


@pytest.mark.parametrize(
    "english, romanised",
    [("Shigeru Miyamoto", "satou kenji"), ("Tanaka", "nakata"), ("Kyoto", "toukyou"), ("Imaishi", "Satou")],
)
def test_different_names_do_not_match(english, romanised):
    assert not same_name(english, romanised)
