"""The optional model claim check after generation, against the local OpenAI-compatible test server."""

import json
from decimal import Decimal

import pytest

from rewrites.desk.review import edit_field
from rewrites.generation.budget import call_cost, estimate_tokens
from rewrites.generation.prompt import OUTPUT_SCHEMA, build_messages
from rewrites.generation.write import write_rewrite
from rewrites.models import ModelCall, Rewrite
from tests import llm_server as replies
from tests.factories import make_cluster
from tests.generate_helpers import good_content

pytestmark = pytest.mark.django_db

JAPANESE_SENTENCE = "上映時間は110分。"


@pytest.fixture
def claim_check(llm, settings):
    settings.NEWSROOM_CLAIM_CHECK = True
    return llm


def written(llm, *claims: dict, claim_reply=None) -> Rewrite:
    cluster = make_cluster()
    rewrite = Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED)
    llm.push(replies.good(good_content(cluster)), claim_reply or replies.good({"claims": list(claims)}, usage=(800, 200)))
    write_rewrite(rewrite_id=rewrite.id)
    return Rewrite.objects.select_related("cluster").get(id=rewrite.id)


def flags(rewrite: Rewrite, code: str) -> list[dict]:
    return [flag for flag in rewrite.lint_flags if flag["code"] == code]


CONTRADICTED = {
    "id": "summary:2", "claim": "the film runs 110 minutes", "verdict": "contradicted",
    "source_sentence": JAPANESE_SENTENCE,
}
NOT_FOUND = {"id": "whyItMatters:1", "claim": "7.4 million people", "verdict": "not_found", "source_sentence": ""}
SUPPORTED = {
    "id": "summary:1", "claim": "Studio Trigger announced", "verdict": "supported",
    "source_sentence": "Studio Trigger announced on July 10, 2026 that its new anime film, Starlight Relay, will open in Japanese cinemas in spring 2027.",
}


def test_contradicted_and_not_found_claims_become_lints_with_evidence(claim_check):
    rewrite = written(claim_check, SUPPORTED, CONTRADICTED, NOT_FOUND)

    [contradicted] = flags(rewrite, "claim-contradicted")
    assert (contradicted["severity"], contradicted["field"], contradicted["text"]) == ("error", "summary", "the film runs 110 minutes")
    assert rewrite.summary[slice(*contradicted["span"])] == "the film runs 110 minutes"
    assert contradicted["evidence"]["sentence"] == JAPANESE_SENTENCE
    assert contradicted["evidence"]["articleId"] == rewrite.cluster.articles.get(language="ja").id
    [not_found] = flags(rewrite, "claim-not-found")
    assert (not_found["severity"], not_found["field"]) == ("warning", "whyItMatters")
    assert rewrite.status == Rewrite.Status.DRAFT and rewrite.lint_errors == 1


def test_the_call_is_in_the_ledger_with_its_cost_and_counted_in_the_rewrite(claim_check):
    rewrite = written(claim_check, NOT_FOUND)

    call = ModelCall.objects.get(rewrite=rewrite, purpose="claim-check")
    assert call.outcome == "ok" and call.cost_usd == Decimal("0.0016")  # 800 * $1/M + 200 * $4/M
    assert rewrite.cost_usd == Decimal("0.0028") + Decimal("0.0016")  # the rewrite's call: 1200 in, 400 out
    request = claim_check.requests[1]
    assert request["response_format"]["json_schema"]["name"] == "claims"
    assert '"summary:1"' in request["messages"][1]["content"]


def test_a_verdict_quoting_text_that_is_not_in_the_sources_is_dropped(claim_check):
    invented = dict(CONTRADICTED, source_sentence="上映時間は95分と発表された。")

    rewrite = written(claim_check, invented)

    assert flags(rewrite, "claim-contradicted") == []
    assert "1 with quote not in sources" in ModelCall.objects.get(purpose="claim-check").error


def test_claims_on_invented_statement_ids_are_ignored(claim_check):
    rewrite = written(claim_check, dict(NOT_FOUND, id="summary:99"), dict(NOT_FOUND, id="headline:1"))

    assert flags(rewrite, "claim-not-found") == []
    assert "2 with unknown id" in ModelCall.objects.get(purpose="claim-check").error


def test_a_reply_that_breaks_the_schema_leaves_the_draft_as_it_was(claim_check):
    broken = replies.good({"claims": [{"id": "summary:1", "verdict": "maybe"}]})

    rewrite = written(claim_check, claim_reply=broken)

    call = ModelCall.objects.get(purpose="claim-check")
    assert call.outcome == "schema_error" and "claims.0" in call.error
    assert rewrite.status == Rewrite.Status.DRAFT and rewrite.lint_hits == 0 and rewrite.claim_check_json is None


def test_a_reply_that_is_not_json_is_recorded_and_ignored(claim_check):
    rewrite = written(claim_check, claim_reply=replies.malformed())

    assert ModelCall.objects.get(purpose="claim-check").outcome == "invalid_json"
    assert rewrite.status == Rewrite.Status.DRAFT


def test_no_claim_check_when_the_setting_is_off(llm):
    rewrite = written(llm, CONTRADICTED)

    assert len(llm.requests) == 1 and not ModelCall.objects.filter(purpose="claim-check").exists()
    assert flags(rewrite, "claim-contradicted") == []


def test_no_claim_check_call_when_it_would_pass_the_daily_budget(claim_check, settings):
    cluster = make_cluster()
    articles = list(cluster.articles.select_related("source").order_by("published_at"))
    messages = build_messages(articles=articles, json_mode=False, schema=OUTPUT_SCHEMA)
    first_worst_case = call_cost(estimate_tokens("".join(m["content"] for m in messages)), settings.NEWSROOM_MODEL_MAX_OUTPUT_TOKENS)
    # The rewrite's worst case fits; after it (0.0028 spent) no second worst case does.
    settings.NEWSROOM_DAILY_BUDGET_USD = first_worst_case + Decimal("0.0001")
    rewrite = Rewrite.objects.create(cluster=cluster, status=Rewrite.Status.QUEUED)
    claim_check.push(replies.good(good_content(cluster)), replies.good({"claims": [CONTRADICTED]}))

    write_rewrite(rewrite_id=rewrite.id)
    rewrite.refresh_from_db()

    assert len(claim_check.requests) == 1
    assert rewrite.status == Rewrite.Status.DRAFT and flags(rewrite, "claim-contradicted") == []


def test_claim_findings_stay_until_their_text_changes(claim_check, editor):
    rewrite = written(claim_check, CONTRADICTED)

    edit_field(rewrite_id=rewrite.id, field="why_it_matters", value="The studio said 7.4 million people watched its previous series.",
               base_version=rewrite.version, user=editor)
    rewrite.refresh_from_db()
    assert len(flags(rewrite, "claim-contradicted")) == 1

    edit_field(rewrite_id=rewrite.id, field="summary", value=rewrite.summary.replace("the film runs 110 minutes", "it is a film"),
               base_version=rewrite.version, user=editor)
    rewrite.refresh_from_db()
    assert flags(rewrite, "claim-contradicted") == []
    assert json.loads(rewrite.claim_check_json)[0]["code"] == "claim-contradicted"
