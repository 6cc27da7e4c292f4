"""The output-field registry (rewrites/fields.py): every list of output fields comes from its rows,
and a new network is one row."""

import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from rewrites.checks import lint
from rewrites.checks.counters import COUNTER_SPEC, NETWORKS, counter_spec, networks_for, threads_length
from rewrites.desk import workspace
from rewrites.desk.previews import StoryLinks, display_link, post_preview
from rewrites.fields import (
    OUTPUT_FIELDS,
    THREADS,
    Kind,
    LinkDisplay,
    Network,
    OutputField,
    Rule,
    by_record_name,
    social_posts,
)
from rewrites.generation import jobs, prompt
from rewrites.generation.offline import compose_post
from rewrites.models import HISTORY_FIELDS, OUTPUT_FIELD_NAMES, Rewrite
from rewrites.records import RECORD_SCHEMA, record_for
from tests.factories import make_draft

ROOT = Path(__file__).resolve().parent.parent

MASTODON = Network(
    key="mastodon", name="Mastodon", limit=500, unit="characters", rule=Rule.CODE_POINTS,
    hashtag_allowance=4, link_allowance=2, link_display=LinkDisplay(part="address", longest=30, kept=30, mark="…"),
    card_link="last",
)
# The desk's rows and one network it does not have (no model field: nothing here touches the database).
WITH_MASTODON = OUTPUT_FIELDS + [
    OutputField("mastodon_post", "mastodonPost", "Mastodon post", kind=Kind.POST, long=True, network=MASTODON),
]
LINKS = StoryLinks(story_paths=frozenset({"/stories/a-story/"}), headline="A story", summary="What happened.", card_image_url="/card.png")


def test_every_list_of_output_fields_is_the_registrys():
    names = [field.record_name for field in OUTPUT_FIELDS]
    posts = [field.record_name for field in OUTPUT_FIELDS if field.network is not None]
    assert names == [
        "headline", "summary", "whyItMatters", "webCardHtml", "blueskyPost", "twitterPost", "threadsPost", "newsletterBlurb",
    ]
    assert names == lint.TEXT_FIELDS
    assert {field.record_name: field.attribute for field in OUTPUT_FIELDS} == lint.MODEL_ATTRIBUTES
    assert [field.record_name for field in OUTPUT_FIELDS if field.claims_checked] + ["keyFacts"] == lint.CLAIM_FIELDS
    assert sorted(lint.FACT_FIELDS) == sorted(names + ["keyFacts"])
    assert [field.record_name for field in OUTPUT_FIELDS if field.kind == Kind.TEXT] == lint.PROSE_FIELDS
    assert list(NETWORKS) == posts == list(COUNTER_SPEC["networks"])
    assert [field.attribute for field in OUTPUT_FIELDS] == OUTPUT_FIELD_NAMES
    assert [name for name, _, _ in HISTORY_FIELDS] == OUTPUT_FIELD_NAMES + ["attribution_json"]
    assert {field.attribute for field in social_posts()} == workspace.SOCIAL_FIELDS
    assert {field.attribute for field in OUTPUT_FIELDS if field.long} == workspace.LONG_FIELDS
    assert list(workspace.FIELD_INFO) == OUTPUT_FIELD_NAMES
    assert {field.record_name: field.label for field in OUTPUT_FIELDS} == jobs.FIELD_LABELS
    assert prompt.OUTPUT_SCHEMA["required"][: len(names)] == names
    required = RECORD_SCHEMA["properties"]["rewrite"]["required"]
    assert required[4: 4 + len(names)] == names


def test_every_row_has_its_model_field():
    for field in OUTPUT_FIELDS:
        model_field = Rewrite._meta.get_field(field.attribute)
        assert model_field.get_internal_type() == "TextField" and model_field.null, field.attribute


def test_no_other_module_names_a_network_s_field():
    """The posts' record names and model fields are written out only in the registry, the model and the
    demo's texts: anything else that needs a list of them reads the registry."""
    allowed = {"rewrites/fields.py", "rewrites/models.py", "rewrites/demo.py"}
    files = [
        path for folder in ["rewrites", "newsroom", "clusters", "templates", "static/js"]
        for path in (ROOT / folder).rglob("*") if path.suffix in {".py", ".js", ".html"} and "migrations" not in path.parts
    ]
    found = []
    for field in social_posts():
        pattern = re.compile(
            rf"""["']{field.record_name}["']|["']{field.attribute}["']|\.{field.attribute}\b|\b{field.attribute}\s*:(?!:)"""
        )
        for path in files:
            name = path.relative_to(ROOT).as_posix()
            if name not in allowed and pattern.search(path.read_text(encoding="utf-8")):
                found.append((name, field.record_name))
    assert found == []


def test_a_new_network_row_reaches_the_counters_previews_prompt_and_page_script():
    networks = networks_for(WITH_MASTODON)
    assert networks["mastodonPost"].limit == 500
    assert networks["mastodonPost"].count("映画👍") == threads_length("映画👍") == 3

    spec = counter_spec(WITH_MASTODON)["networks"]["mastodonPost"]
    assert spec == {
        "field": "mastodon_post", "name": "Mastodon", "limit": 500, "unit": "characters", "rule": "code-points",
        "hashtags": 4, "links": 2,
    }

    text = "Read https://example.com/a/long/path/to/the/story/page and https://example.org/stories/a-story/"
    preview = post_preview("mastodonPost", text, links=LINKS, fields=WITH_MASTODON)
    assert preview.network == "mastodon" and preview.name == "Mastodon"
    assert preview.card.is_story  # the last link is the carded one
    assert display_link("mastodonPost", "https://example.com/a/long/path/to/the/story/page", fields=WITH_MASTODON) == (
        "example.com/a/long/path/to/the…"
    )

    schema = prompt.output_schema(WITH_MASTODON)
    assert "mastodonPost" in schema["required"] and schema["properties"]["mastodonPost"] == {"type": "string"}
    assert "mastodonPost: at most 500 characters." in prompt.post_limits(WITH_MASTODON)
    # The hashtags and links a post may carry are the fewest any network takes.
    assert prompt.post_limits(WITH_MASTODON).endswith("At most two hashtags and one link per post.")


def test_the_prompt_states_each_network_s_limit_from_its_row():
    for field in social_posts():
        assert f"{field.record_name}: at most {field.network.limit} " in prompt.SYSTEM_PROMPT
    assert prompt.post_limits([replace(by_record_name()["threadsPost"], network=replace(THREADS, limit=450))]) == (
        "threadsPost: at most 450 characters. At most three hashtags and one link per post."
    )


def test_the_offline_writer_writes_a_post_for_every_network():
    for field in social_posts():
        post = compose_post(field.record_name, lines=["A headline."], link="https://example.com/")
        assert NETWORKS[field.record_name].count(post) <= field.network.limit


@pytest.mark.django_db
def test_the_workspace_page_carries_each_post_s_network_as_json(client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{rewrite.id}/").content.decode()

    match = re.search(r'<script id="counter-spec" type="application/json">(.*?)</script>', html, re.S)
    shown = json.loads(match.group(1))
    assert shown["networks"] == json.loads(json.dumps(COUNTER_SPEC["networks"]))
    assert [network["rule"] for network in shown["networks"].values()] == ["graphemes", "x-weighted", "code-points"]


@pytest.mark.django_db
def test_the_record_s_keys_follow_the_registry_and_keep_the_seed_s_order(seed_record):
    rewrite = make_draft(seed=seed_record)

    record = record_for(rewrite)

    assert list(record["rewrite"]) == list(seed_record["rewrite"])
    jsonschema.validate(record, RECORD_SCHEMA)
