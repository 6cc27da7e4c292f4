import json

import pytest

from rewrites.checks import lint
from rewrites.checks.lint import Draft, SourceText, findings_json, run_lints
from rewrites.records import LINT_FLAG
from tests.factories import ENGLISH_TEXT, JAPANESE_TEXT

ENGLISH = SourceText(
    title="Studio Trigger announces new anime film for 2027", text=ENGLISH_TEXT,
    url="https://wire.example.com/trigger", source="Example Wire",
)
JAPANESE = SourceText(
    title="トリガー新作映画「スターライト・リレー」2027年公開", text=JAPANESE_TEXT,
    url="https://anime.example.jp/trigger", source="アニメニュース",
)
GOOD_FIELDS = {
    "headline": "Studio Trigger Announces Starlight Relay Anime Film for 2027",
    "summary": (
        "Studio Trigger announced on July 10, 2026 that its new anime film, Starlight Relay, will open in "
        "Japanese cinemas in spring 2027. Director Hiroyuki Imaishi said the film runs 110 minutes."
    ),
    "whyItMatters": "The studio said 7.4 million people watched its previous series.",
    "webCardHtml": (
        "<p>Studio Trigger announced on July 10, 2026 that Starlight Relay will open in spring 2027.</p>"
        "<p>Tickets go on sale on August 1.</p>"
    ),
    "blueskyPost": "Studio Trigger's new anime film Starlight Relay opens in spring 2027. #anime",
    "twitterPost": "Studio Trigger's anime film Starlight Relay opens in spring 2027. https://wire.example.com/trigger",
    "threadsPost": "Studio Trigger has announced Starlight Relay, a new anime film opening in spring 2027.",
    "newsletterBlurb": "Studio Trigger's Starlight Relay will open in spring 2027. Tickets go on sale on August 1.",
}
GOOD_ATTRIBUTION = [
    {"source": "Example Wire", "url": "https://wire.example.com/trigger", "title": "Studio Trigger announces a film"},
    {"source": "アニメニュース", "url": "https://anime.example.jp/trigger", "title": "Trigger's new film opens in 2027"},
]


def draft(sources=(ENGLISH, JAPANESE), attribution=GOOD_ATTRIBUTION, raw_web_card=None, **fields) -> Draft:
    return Draft(
        fields={**GOOD_FIELDS, **fields}, attribution=list(attribution), sources=list(sources),
        raw_web_card=raw_web_card,
    )


def found(check, subject: Draft, field: str | None = None) -> list:
    return [finding for finding in check(subject) if field is None or finding.field == field]


def test_the_good_draft_has_no_findings():
    assert run_lints(draft()) == []


def test_findings_json_matches_the_record_shape():
    findings = run_lints(draft(headline=""))
    flags = json.loads(findings_json(findings))

    import jsonschema

    jsonschema.validate(flags, {"type": "array", "items": LINT_FLAG})
    assert flags[0] == {
        "code": "empty-field", "field": "headline", "severity": "error",
        "message": "This field is empty; every field must be written.", "span": None,
    }
    assert findings_json([]) is None


# One test that fires and one that stays quiet for every lint.


def test_empty_field_fires():
    assert [f.field for f in found(lint.lint_empty_fields, draft(threadsPost="  "))] == ["threadsPost"]


def test_empty_field_quiet():
    assert found(lint.lint_empty_fields, draft()) == []


def test_bluesky_limit_fires_at_301_graphemes_with_the_span_of_the_excess():
    text = "a" * 290 + "👨‍👩‍👧" * 11
    findings = found(lint.lint_network_limits, draft(blueskyPost=text))
    assert [(f.code, f.severity) for f in findings] == [("bluesky-too-long", "error")]
    assert findings[0].span == (len(text) - 5, len(text))


def test_bluesky_limit_quiet_at_300_graphemes_of_family_emoji():
    assert found(lint.lint_network_limits, draft(blueskyPost="👨‍👩‍👧" * 300)) == []


def test_x_limit_counts_cjk_as_two():
    findings = found(lint.lint_network_limits, draft(twitterPost="映" * 141))
    assert [f.code for f in findings] == ["x-too-long"]


def test_x_limit_quiet_with_a_long_link_counted_as_23():
    text = "a" * 256 + " https://example.com/" + "x" * 200
    assert found(lint.lint_network_limits, draft(twitterPost=text)) == []


def test_threads_limit_fires_over_500():
    assert [f.code for f in found(lint.lint_network_limits, draft(threadsPost="a" * 501))] == ["threads-too-long"]


def test_threads_limit_quiet_at_500():
    assert found(lint.lint_network_limits, draft(threadsPost="a" * 500)) == []


def test_headline_too_long_fires(settings):
    settings.NEWSROOM_HEADLINE_MAX_CHARS = 20
    findings = found(lint.lint_headline_length, draft())
    assert findings[0].code == "headline-too-long" and findings[0].span == (20, len(GOOD_FIELDS["headline"]))


def test_headline_length_quiet():
    assert found(lint.lint_headline_length, draft()) == []


@pytest.mark.parametrize("number", ["8.4", "111", "3 million"])
def test_unsupported_number_fires(number):
    text = f"The film runs {number} minutes."
    findings = found(lint.lint_unsupported_numbers, draft(summary=text))
    assert [(f.code, f.field, f.severity) for f in findings] == [("unsupported-number", "summary", "error")]
    assert text[slice(*findings[0].span)] == f"{number} minutes"


@pytest.mark.parametrize(
    "text, source",
    [
        ("Sales rose 7.4% on July 10.", "売上は７．４％増えた。"),
        ("About 30,000 people came.", "約3万人が来場した。"),
        ("It earned 1.5 billion yen.", "15億円を稼いだ。"),
        ("It has twenty-five episodes, 25 in all.", "全二十五話。"),
        ("Version 2.9.1 shipped.", "バージョン2.9.1を公開。"),
        ("The 2 studios agreed.", "The two studios agreed."),
    ],
)
def test_unsupported_number_quiet_for_japanese_and_full_width_forms(text, source):
    sources = [SourceText(title="記事", text=source)]
    assert found(lint.lint_unsupported_numbers, draft(sources=sources, summary=text), "summary") == []


def test_unsupported_date_fires():
    findings = found(lint.lint_unsupported_dates, draft(summary="Tickets go on sale on August 2, 2026."))
    assert [f.code for f in findings] == ["unsupported-date"]
    assert "August 2, 2026" in findings[0].message


@pytest.mark.parametrize("text", ["It opens July 10, 2026.", "It opens on 10 July.", "It opens 2026-07-10."])
def test_unsupported_date_quiet_for_a_japanese_date(text):
    sources = [SourceText(title="記事", text="公開は2026年7月10日。")]
    assert found(lint.lint_unsupported_dates, draft(sources=sources, summary=text), "summary") == []


def test_unsupported_name_is_an_error_when_none_of_its_words_are_in_english_sources():
    findings = found(lint.lint_unsupported_names, draft(sources=[ENGLISH], summary="Producer Masahiko Otsuka joined."), "summary")
    assert [(f.code, f.severity) for f in findings] == [("unsupported-name", "error")]
    assert "Masahiko Otsuka" in findings[0].message


def test_unsupported_name_is_a_warning_when_some_of_its_words_are_in_english_sources():
    findings = found(lint.lint_unsupported_names, draft(sources=[ENGLISH], summary="Director Hiroyuki Tanaka spoke."), "summary")
    assert [(f.code, f.severity, f.text) for f in findings] == [("unsupported-name", "warning", "Hiroyuki Tanaka")]
    assert "Tanaka not found" in findings[0].message


def test_unsupported_name_quiet_for_names_in_the_sources():
    text = "Director Hiroyuki Imaishi said Studio Trigger's Starlight Relay is ready."
    assert found(lint.lint_unsupported_names, draft(sources=[ENGLISH], summary=text), "summary") == []


def test_unsupported_quote_fires_as_error_against_english_sources():
    findings = found(lint.lint_unsupported_quotes, draft(sources=[ENGLISH], summary='Imaishi said "this is our best film ever".'))
    assert [(f.code, f.severity) for f in findings] == [("unsupported-quote", "error")]


def test_unsupported_quote_quiet_when_the_words_are_in_a_source():
    text = 'The studio said “7.4 million people watched its previous series”.'
    assert found(lint.lint_unsupported_quotes, draft(sources=[ENGLISH], summary=text)) == []


def test_source_language_fires_with_the_span_of_the_japanese():
    text = "Studio Trigger announced スターライト・リレー today."
    findings = found(lint.lint_source_language, draft(summary=text))
    assert findings[0].code == "source-language"
    assert text[slice(*findings[0].span)] == "スターライト・リレー"


def test_source_language_reports_once_per_field():
    findings = found(lint.lint_source_language, draft(summary="映画 and 公開 and 2027年"))
    assert len(findings) == 1 and "2 more place(s)" in findings[0].message


def test_source_language_quiet_for_english():
    assert found(lint.lint_source_language, draft()) == []


def test_attribution_missing_fires_for_an_uncredited_source():
    findings = found(lint.lint_attribution, draft(attribution=GOOD_ATTRIBUTION[:1]))
    assert [f.code for f in findings] == ["attribution-missing"]
    assert "https://anime.example.jp/trigger" in findings[0].message


def test_attribution_outside_cluster_fires():
    outside = GOOD_ATTRIBUTION + [{"source": "Elsewhere", "url": "https://evil.example.net/", "title": "Other"}]
    assert [f.code for f in found(lint.lint_attribution, draft(attribution=outside))] == ["attribution-outside-cluster"]


def test_attribution_quiet_when_every_source_is_credited():
    assert found(lint.lint_attribution, draft()) == []


def test_unsafe_html_fires_for_script_handlers_and_htmx():
    card = '<p hx-get="/x" onclick="y()">Hi</p><script>z()</script>'
    findings = found(lint.lint_unsafe_html, draft(webCardHtml=card))
    assert len(findings) == 3 and {f.code for f in findings} == {"unsafe-html"}


def test_unsafe_html_fires_on_the_raw_reply_even_after_sanitising():
    findings = found(lint.lint_unsafe_html, draft(raw_web_card="<p>Hi</p><script>z()</script>", webCardHtml="<p>Hi</p>"))
    assert [f.code for f in findings] == ["unsafe-html"] and findings[0].span is None


def test_unsafe_html_quiet_for_plain_paragraphs_and_links():
    assert found(lint.lint_unsafe_html, draft(webCardHtml='<p>See <a href="https://a.example">this</a>.</p>')) == []


@pytest.mark.parametrize("card", ["<p>Open <strong>bold</p>", "<div>Not a paragraph</div>", "<p>Hi</p></em>"])
def test_invalid_html_fires(card):
    assert {f.code for f in found(lint.lint_invalid_html, draft(webCardHtml=card))} == {"invalid-html"}


def test_invalid_html_quiet_for_well_formed_cards():
    card = "<p>One <em>two</em></p><ul><li>three<br>four</li></ul><blockquote><p>q</p></blockquote>"
    assert found(lint.lint_invalid_html, draft(webCardHtml=card)) == []


def test_hype_fires():
    findings = found(lint.lint_hype, draft(headline="Groundbreaking Trigger Film Is a Game-Changer"))
    assert [text for f in findings for text in [f.message.split("'")[1]]] == ["Groundbreaking", "Game-Changer"]


def test_hype_quiet():
    assert found(lint.lint_hype, draft()) == []


def test_ai_boilerplate_fires():
    findings = found(lint.lint_ai_boilerplate, draft(summary="As an AI language model, I think it is important."))
    assert findings[0].code == "ai-boilerplate" and findings[0].span == (0, 23)


def test_ai_boilerplate_quiet():
    assert found(lint.lint_ai_boilerplate, draft()) == []


def test_why_repeating_summary_fires():
    findings = found(lint.lint_summary_repeats_why, draft(whyItMatters=GOOD_FIELDS["summary"].split(". ")[0] + "."))
    assert [f.code for f in findings] == ["why-repeats-summary"]


def test_why_repeating_summary_quiet():
    assert found(lint.lint_summary_repeats_why, draft()) == []


def test_too_many_hashtags_fires_past_the_allowance():
    findings = found(lint.lint_hashtags_and_links, draft(blueskyPost="Trigger film #anime #film #trigger"))
    assert [(f.code, f.field) for f in findings] == [("too-many-hashtags", "blueskyPost")]


def test_too_many_links_fires_past_the_allowance():
    findings = found(lint.lint_hashtags_and_links, draft(threadsPost="See https://a.example.com and https://b.example.com"))
    assert [(f.code, f.field) for f in findings] == [("too-many-links", "threadsPost")]


def test_hashtags_and_links_quiet_within_the_allowance():
    assert found(lint.lint_hashtags_and_links, draft()) == []


def test_newsletter_too_long_fires():
    text = "One. Two. Three. Four."
    assert [f.code for f in found(lint.lint_newsletter_length, draft(newsletterBlurb=text))] == ["newsletter-too-long"]


def test_newsletter_length_quiet():
    assert found(lint.lint_newsletter_length, draft()) == []


@pytest.mark.django_db
def test_store_lints_reruns_the_lints_on_a_stored_rewrite_after_an_edit():
    from rewrites.checks.lint import store_lints
    from rewrites.models import Rewrite
    from tests.factories import make_cluster

    cluster = make_cluster()
    rewrite = Rewrite(cluster=cluster, status=Rewrite.Status.DRAFT, **{
        attribute: GOOD_FIELDS[name] for name, attribute in lint.MODEL_ATTRIBUTES.items()
    })
    rewrite.summary = "Studio Trigger said the film runs 45,000 minutes."

    findings = store_lints(rewrite)

    assert ("unsupported-number", "summary") in [(f.code, f.field) for f in findings]
    assert rewrite.lint_hits == len(findings) and json.loads(rewrite.lint_flags_json)[0]["code"]
