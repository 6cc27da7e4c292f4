"""'Translate sources' in the workspace: one model call per cluster, cached, in the ledger, within the budget."""

import json
import re

import pytest
from django.test import Client

from rewrites.models import ModelCall, Rewrite, SourceTranslation
from tests.factories import make_cluster
from tests.llm_server import Behaviour

pytestmark = pytest.mark.django_db


def translating(body: dict) -> str:
    """The model server's reply: every source it was sent, 'translated' by tagging its id."""
    payload = re.search(r"<<<SOURCES>>>\n(.*)\n<<<END SOURCES>>>", body["messages"][-1]["content"], re.S).group(1)
    items = json.loads(payload)
    return json.dumps({"translations": [
        {"id": item["id"], "title": f"English title of {item['id']}", "text": f"English text of {item['id']}.\n\nSecond paragraph."}
        for item in items
    ]})


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POSTs "Translate sources" as the client's user, running the enqueueing that waits for the commit."""

    def post(client, rewrite, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/rewrites/{rewrite.id}/translation/", **headers)

    return post


@pytest.fixture
def rewrite(db):
    return Rewrite.objects.create(cluster=make_cluster(), status=Rewrite.Status.DRAFT)


def test_translating_makes_one_model_call_and_shows_each_source_beside_its_translation(llm, rewrite, editor, run_jobs, ask):
    llm.push(Behaviour(respond=translating))
    client = Client()
    client.force_login(editor)

    asked = ask(client, rewrite, HTTP_HX_REQUEST="true")
    run_jobs("generate")
    panel = client.get(f"/rewrites/{rewrite.id}/translation/").content.decode()

    assert "Waiting for a worker to translate the sources" in asked.content.decode()
    call = ModelCall.objects.get(purpose="translate-sources")
    assert call.rewrite_id == rewrite.id and call.outcome == ModelCall.Outcome.OK and call.cost_usd > 0
    assert len(llm.requests) == 1
    assert "トリガー新作映画「スターライト・リレー」2027年公開" in panel  # the original, beside
    assert "English title of S1" in panel and "English text of S1." in panel
    assert "Machine translation, to check the rewrite against" in panel and "never published" in panel
    assert SourceTranslation.objects.count() == 1  # only the Japanese source needs one


def test_asking_again_uses_the_stored_translation(llm, rewrite, editor, run_jobs, ask):
    llm.push(Behaviour(respond=translating))
    client = Client()
    client.force_login(editor)
    ask(client, rewrite)
    run_jobs("generate")

    ask(client, rewrite)
    run_jobs("generate")

    assert len(llm.requests) == 1
    assert ModelCall.objects.filter(purpose="translate-sources").count() == 1
    assert "Translate sources</button>" not in client.get(f"/rewrites/{rewrite.id}/translation/").content.decode()


def test_a_changed_source_text_is_translated_again(llm, rewrite, editor, run_jobs, ask):
    llm.push(Behaviour(respond=translating), Behaviour(respond=translating))
    client = Client()
    client.force_login(editor)
    ask(client, rewrite)
    run_jobs("generate")
    article = rewrite.cluster.articles.get(language="ja")
    article.text += "追記。"
    article.save()

    ask(client, rewrite)
    run_jobs("generate")

    assert len(llm.requests) == 2 and SourceTranslation.objects.count() == 2


def test_translation_waits_for_the_daily_budget(llm, settings, rewrite, editor, run_jobs, ask):
    settings.NEWSROOM_DAILY_BUDGET_USD = 0
    client = Client()
    client.force_login(editor)

    ask(client, rewrite)
    run_jobs("generate")
    progress = client.get(f"/rewrites/{rewrite.id}/translation/progress/")

    assert llm.requests == [] and not SourceTranslation.objects.exists()
    assert "The sources could not be translated: Waiting for the daily budget" in progress.content.decode()
    assert progress["HX-Trigger"] == '{"translation-ready": {}}'


def test_without_a_model_the_panel_says_what_to_configure(settings, rewrite, editor, ask):
    settings.OPENAI_BASE_URL = ""
    client = Client()
    client.force_login(editor)

    panel = client.get(f"/rewrites/{rewrite.id}/translation/").content.decode()
    refused = ask(client, rewrite)

    assert "Translation needs a language model" in panel and "Translate sources</button>" not in panel
    assert refused.status_code == 400


def test_staff_see_translations_but_cannot_ask_for_one(llm, rewrite, staff, ask):
    client = Client()
    client.force_login(staff)

    assert "Translate sources</button>" not in client.get(f"/rewrites/{rewrite.id}/translation/").content.decode()
    assert ask(client, rewrite).status_code == 403
