"""The unsupported-claim lints across scripts: numbers, dates and names in English output checked
against Japanese (and English) sources, with severities and the source sentence as evidence."""

import pytest

from rewrites.checks import lint
from rewrites.checks.lint import Draft, SourceText


def sources(*texts: str) -> list[SourceText]:
    return [SourceText(title="", text=text, article_id=f"a_{index:024x}") for index, text in enumerate(texts, start=1)]


def findings(check, summary: str, *texts: str, **options) -> list:
    draft = Draft(fields={"summary": summary}, sources=sources(*texts), **options)
    return [finding for finding in check(draft) if finding.field == options.get("field", "summary")]


def numbers(summary: str, *texts: str) -> list:
    return findings(lint.lint_unsupported_numbers, summary, *texts)


RECORD = "男子100メートル決勝でボルトが9秒58の世界記録を出した。200メートルは19秒19だった。2位との差は0秒62。"


# The four false errors of issue 12, and the Japanese forms behind them.


@pytest.mark.parametrize(
    "summary",
    [
        "Bolt ran the 200 metres in 19.19.",
        "Bolt set a world record of 9.58 seconds.",
        "He won by 0.62 seconds.",
    ],
)
def test_seconds_written_japanese_style_support_the_english_number(summary):
    assert numbers(summary, RECORD) == []


def test_twelve_thousand_is_supported_by_ichiman_nisen_nin():
    assert numbers("About 12,000 people attended.", "会場には約1万2千人が訪れた。") == []


@pytest.mark.parametrize(
    "summary, source",
    [
        ("Sales rose 7.4% in June.", "売上高は６月に７．４％増えた。"),  # full-width digits and percent
        ("It has 25 episodes.", "全二十五話で構成される。"),  # kanji numerals
        ("It earned 1.5 billion yen.", "興行収入は15億円に達した。"),  # 億 and 円
        ("The deal is worth $150 million.", "買収額は1億5000万ドル。"),  # 億 and 万 with ドル
        ("The budget is 3,500 yen.", "予算は3千5百円だった。"),  # 千 and 百
        ("The film runs 110 minutes.", "上映時間は110分。"),  # 分
        ("The film runs 1 hour 50 minutes.", "上映時間は1時間50分。"),  # 時間 and 分, English hours too
        ("The film runs 110 minutes.", "上映時間は1時間50分。"),  # the same duration in other units
        ("The quake struck at 11:32 p.m.", "午後11時32分頃、地震があった。"),  # times with 時/分
        ("Between 10 and 20 people were hurt.", "10〜20人が負傷した。"),  # ranges
        ("Up to 30% of staff", "社員の3割が"),  # 割 as a percentage
        ("It was founded in 2005.", "平成17年に設立された。"),  # an era year
        ("It was the 68th edition.", "第68回大会が開かれた。"),  # ordinals
        ("The series drew 7,400,000 viewers.", "前作は740万人が視聴した。"),  # 万 with digits
    ],
)
def test_japanese_numbers_support_english_output(summary, source):
    assert numbers(summary, source) == []


@pytest.mark.parametrize(
    "summary, source",
    [
        ("Bolt ran 19.19 seconds.", "Bolt ran the 200m in 19.19 seconds."),
        ("About 12,000 people came.", "Some 12,000 people came to the show."),
        ("Two studios signed.", "The two studios signed the deal."),
        ("It cost $1.5bn.", "The project cost 1.5 billion dollars."),
    ],
)
def test_english_numbers_support_english_output(summary, source):
    assert numbers(summary, source) == []


@pytest.mark.parametrize(
    "summary, source, flagged",
    [
        ("Bolt ran 19.29 seconds.", RECORD, "19.29 seconds"),
        ("About 21,000 people attended.", "会場には約1万2千人が訪れた。", "21,000 people"),
        ("It earned 15 billion yen.", "興行収入は15億円に達した。", "15 billion yen"),
        ("The deal is worth 150 million yen.", "買収額は1億5000万ドル。", "150 million yen"),
        ("Sales rose 7.5%.", "売上高は７．４％増えた。", "7.5%"),
    ],
)
def test_a_different_quantity_is_an_error_whatever_the_script(summary, source, flagged):
    [finding] = numbers(summary, source)
    assert (finding.code, finding.severity, finding.text) == ("unsupported-number", "error", flagged)


def test_the_evidence_of_a_supported_number_marks_it_in_the_japanese_sentence():
    draft = Draft(fields={"summary": "He won by 0.62 seconds."}, sources=sources(RECORD))
    [quantity] = [q for q in lint.extract_quantities("He won by 0.62 seconds.")]
    evidence = draft.material.quantity_support(quantity)
    assert evidence.sentence == "2位との差は0秒62。"
    assert evidence.sentence[slice(*evidence.match)] == "0秒62"
    assert evidence.article_id == "a_000000000000000000000001"


def test_an_unsupported_number_shows_the_closest_source_sentence_not_an_unrelated_one():
    text = "首相は会見を開いた。男子100メートル決勝でボルトが9秒58の世界記録を出した。天気は晴れ。"
    [finding] = numbers("Bolt set a world record of 9.48 seconds in the 100 metres.", text)
    assert "ボルト" in finding.evidence.sentence
    assert finding.evidence.sentence[slice(*finding.evidence.match)] == "9秒58"
    assert finding.as_json()["evidence"]["articleId"] == "a_000000000000000000000001"


# Dates


@pytest.mark.parametrize(
    "summary, source",
    [
        ("It opens on February 2, 2009.", "公開は2009年2月2日。"),
        ("It opens on 2 Feb.", "公開は２００９年２月２日。"),
        ("It opened in April 2011.", "平成23年4月7日に開業した。"),
        ("It starts on May 1, 2019.", "令和元年5月1日に始まる。"),
        ("It was updated on May 13.", "5月12日に発生した地震の情報は、13日に更新された。"),
        ("It opens on February 2, 2009.", "It opens on Feb. 2, 2009."),
    ],
)
def test_japanese_and_english_dates_support_english_output(summary, source):
    assert findings(lint.lint_unsupported_dates, summary, source) == []


@pytest.mark.parametrize(
    "summary, source",
    [("It opens on February 3, 2009.", "公開は2009年2月2日。"), ("It opened in April 2012.", "平成23年4月7日に開業した。")],
)
def test_a_different_date_is_an_error(summary, source):
    [finding] = findings(lint.lint_unsupported_dates, summary, source)
    assert (finding.code, finding.severity) == ("unsupported-date", "error")
    assert finding.evidence.sentence.startswith(source[:3])


# Names


@pytest.mark.parametrize(
    "summary, source",
    [
        ("Soul singer James Brown died.", "ソウル歌手のジェームス・ブラウン氏が死去した。"),
        ("Kenji Sato leads the company.", "同社は佐藤賢治代表取締役が率いる。"),
        ("Director Hiroyuki Imaishi spoke.", "今石洋之監督が語った。"),
        ("It was held at Northern Illinois University.", "ノーザン・イリノイ大学で行われた。"),
        ("Claude Code was banned.", "アリババがClaude Codeの使用を禁止した。"),
    ],
)
def test_names_in_kana_kanji_or_latin_script_support_english_names(summary, source):
    assert findings(lint.lint_unsupported_names, summary, source) == []


def test_a_name_the_japanese_sources_do_not_romanise_to_is_noted_as_not_checked_never_an_error():
    [finding] = findings(lint.lint_unsupported_names, "Producer Masahiko Otsuka joined.", "今石洋之監督が語った。")
    assert (finding.code, finding.severity, finding.text) == ("name-not-checked", "info", "Masahiko Otsuka")
    assert "Could not check" in finding.message


def test_a_name_matched_through_the_entity_lists_is_supported():
    entities = {"studios": ["Studio Trigger"], "people": []}
    result = findings(lint.lint_unsupported_names, "Trigger Studio fans cheered.", "スタジオトリガーが発表した。", entities=entities)
    assert result == []


def test_name_evidence_marks_the_japanese_name():
    draft = Draft(fields={}, sources=sources("ソウル歌手のジェームス・ブラウン氏が死去した。"))
    evidence = draft.material.name_support("James Brown")
    assert evidence.sentence[slice(*evidence.match)] == "ジェームス・ブラウン"


# Unsupported content


ARTICLE = (
    "The city council approved a new budget on Monday. The budget raises spending on schools by 4%. "
    "Mayor Jane Ortiz said the plan would be reviewed next year."
)


def test_unsupported_content_warns_on_wording_the_english_sources_do_not_back():
    result = findings(lint.lint_unsupported_content, "The council cut police funding and closed two libraries.", ARTICLE)
    assert {(f.code, f.severity) for f in result} == {("unsupported-content", "warning")}
    assert any("police" in f.text for f in result)
    assert result[0].evidence.sentence in ARTICLE


def test_unsupported_content_is_quiet_for_wording_taken_from_the_sources():
    assert findings(lint.lint_unsupported_content, "The city council approved a new budget on Monday.", ARTICLE) == []


def test_unsupported_content_is_quiet_for_a_reordering_of_the_sources_words():
    summary = "On Monday, the city council approved a new budget that raises spending on schools by 4%."
    assert findings(lint.lint_unsupported_content, summary, ARTICLE) == []


def test_unsupported_content_warns_on_facts_moved_to_other_subjects_in_the_sources_own_words():
    summary = "The schools approved a budget that raises spending on the council by 4%."
    result = findings(lint.lint_unsupported_content, summary, ARTICLE)
    assert [f.text for f in result] == ["schools approved", "spending on the council"]


def test_one_unbacked_word_pair_alone_is_not_flagged():
    assert findings(lint.lint_unsupported_content, "The schools approved a new budget on Monday.", ARTICLE) == []


def test_unsupported_content_highlights_each_run_of_words_the_sources_never_put_together():
    summary = "Mayor Jane Ortiz cut police funding, and the city council approved a new budget on Monday."
    result = findings(lint.lint_unsupported_content, summary, ARTICLE)
    assert [f.text for f in result] == ["Ortiz cut police funding, and the city"]
    assert [summary[slice(*f.span)] for f in result] == [f.text for f in result]


def test_words_backed_together_only_within_a_few_words_of_each_other_in_one_source_sentence():
    material = Draft(fields={}, sources=sources("The mayor, who took office in a close race last spring, resigned. Taxes rose.")).material
    assert material.together("mayor", "took")
    assert not material.together("mayor", "resign")  # ten words apart
    assert material.together("mayor", "resign", window=10)
    assert not material.together("resign", "tax")  # in different sentences


def test_links_and_hashtags_are_neither_scored_nor_highlighted():
    draft = Draft(
        fields={"twitterPost": "The city council approved a new budget. #budget #citycouncil https://news.example.com/x/y"},
        sources=sources(ARTICLE),
    )
    assert list(lint.lint_unsupported_content(draft)) == []


def test_unsupported_content_is_silent_when_every_source_is_japanese():
    assert findings(lint.lint_unsupported_content, "The council cut police funding.", "市議会は予算を承認した。") == []


def test_unsupported_content_can_be_turned_off(settings):
    settings.NEWSROOM_LINT_CONTENT_THRESHOLD = 0
    assert findings(lint.lint_unsupported_content, "The council cut police funding.", ARTICLE) == []


def test_the_language_of_japanese_sources_is_not_a_name_to_check():
    note = "Untranslated extract from the Japanese source, for an editor to translate: 今石洋之監督が語った。"
    assert findings(lint.lint_unsupported_names, note, "今石洋之監督が語った。") == []


def test_key_facts_are_checked_with_spans_into_the_joined_facts():
    draft = Draft(fields={}, sources=sources(ARTICLE), key_facts=["The budget was approved.", "Spending rises 9%."])
    [finding] = [f for f in lint.lint_unsupported_numbers(draft)]
    assert finding.field == "keyFacts"
    assert draft.text("keyFacts")[slice(*finding.span)] == "9%"


def test_info_notes_are_stored_but_not_counted_as_lint_hits():
    class Stub:
        pass

    rewrite = Stub()
    note = lint.Finding("name-not-checked", "summary", lint.INFO, "Could not check", (0, 3), None, "Abc")
    error = lint.Finding("unsupported-number", "summary", lint.ERROR, "No", (4, 5), None, "9")
    lint.apply_findings(rewrite, [note, error])
    assert (rewrite.lint_hits, rewrite.lint_errors) == (1, 1)
    assert '"severity":"info"' in rewrite.lint_flags_json
