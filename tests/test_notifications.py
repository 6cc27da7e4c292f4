"""Notifications: each kind fires once per cause, again only after the cause clears; who gets what per role and
per person; email through Django's outbox; the inbox and settings pages."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusters.clustering import assign_article
from clusters.editing import merge_clusters
from clusters.models import Cluster
from clusters.sources.ingest import record_failure, record_success
from newsroom.models import Notification
from newsroom.notifications import clear, notify, save_choices
from newsroom.roles import ADMINS, EDITORS
from rewrites.generation.budget import OverBudget, finish_call, reserve_call
from rewrites.generation.jobs import regenerate_rewrite
from rewrites.generation.store import record_failed_attempt
from rewrites.models import Rewrite, Webhook
from rewrites.publishing.jobs import request_publish
from rewrites.publishing.webhooks import create_deliveries, deliver_webhook
from rewrites.records import import_record
from tests.clustering_helpers import SUBWAY_A, SUBWAY_B
from tests.factories import make_approved, make_article, make_cluster, make_draft, make_source, make_user
from tests.publishing_helpers import Receiver

pytestmark = pytest.mark.django_db


def inbox(user, kind: str | None = None) -> list[Notification]:
    found = Notification.objects.filter(recipient=user)
    return list(found.filter(kind=kind) if kind else found)


# Sources


def test_a_failing_source_is_said_once_to_admins_and_again_after_it_recovered(settings, admin_user, editor):
    settings.NEWSROOM_NOTIFY_SOURCE_FAILURES = 3
    source = make_source(name="Flaky Wire")

    for _ in range(5):
        record_failure(source, error="The feed answered HTTP 500.", now=timezone.now())
    first = inbox(admin_user, "source")
    record_success(source, now=timezone.now())
    for _ in range(3):
        record_failure(source, error="The feed answered HTTP 503.", now=timezone.now())

    assert len(first) == 1
    assert first[0].message.startswith("Source “Flaky Wire” failed 3 fetches in a row.")
    assert first[0].link == reverse("sources:list") + f"#source-{source.id}"
    assert len(inbox(admin_user, "source")) == 2
    assert inbox(editor) == []


def test_a_disabled_source_is_said_once_until_it_is_enabled_again(settings, admin_user):
    settings.NEWSROOM_INGEST_MAX_FAILURES = 2
    settings.NEWSROOM_NOTIFY_SOURCE_FAILURES = 10
    source = make_source(name="Gone Wire")

    for _ in range(3):
        record_failure(source, error="Not found.", now=timezone.now())
    disabled = [n for n in inbox(admin_user, "source") if "is disabled" in n.message]
    source.resume()
    source.save()
    record_success(source, now=timezone.now())
    for _ in range(2):
        record_failure(source, error="Not found.", now=timezone.now())

    assert len(disabled) == 1 and "Fix the feed address" in disabled[0].message
    assert len([n for n in inbox(admin_user, "source") if "is disabled" in n.message]) == 2


# Publish jobs and webhook deliveries


def test_a_failed_publish_is_said_once_until_a_publish_succeeds(
    seed_record, editor, admin_user, run_jobs, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=31)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            request_publish(rewrite_id=rewrite.id, user=editor)
        Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.DRAFT)
        run_jobs("publish")
        Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.APPROVED)
    failed = inbox(admin_user, "job")
    with django_capture_on_commit_callbacks(execute=True):
        request_publish(rewrite_id=rewrite.id, user=editor)
    run_jobs("publish")

    assert len(failed) == 1
    assert "failed" in failed[0].message and "approve it first" in failed[0].message
    assert failed[0].link == reverse("rewrites:workspace", args=[rewrite.id])
    assert Notification.objects.get(id=failed[0].id).cleared_at is not None


def test_a_webhook_delivery_that_gave_up_is_said_once_until_one_gets_through(seed_record, settings, admin_user):
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 1
    rewrite = make_approved(seed=seed_record, number=32)
    with Receiver(statuses=[500, 500]) as receiver:
        settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
        Webhook.objects.create(name="Site build", url=receiver.hook_url, secret="s")
        for _ in range(3):
            (delivery_id,) = create_deliveries(event="published", rewrite_id=rewrite.id)
            deliver_webhook(delivery_id=delivery_id)
            if _ == 1:
                said = inbox(admin_user, "job")

    assert len(said) == 1
    assert said[0].message.startswith("Webhook “Site build” gave up on the published event")
    assert "HTTP 500" in said[0].message
    assert Notification.objects.get(id=said[0].id).cleared_at is not None  # the third delivery got through


# Stale stories


def test_a_published_story_that_gains_sources_is_said_once_to_editors(seed_record, editor, admin_user):
    rewrite, _ = import_record(seed_record)

    merge_clusters(keep_id=rewrite.cluster_id, merge_id=make_cluster(number=1).id, user=editor)
    merge_clusters(keep_id=rewrite.cluster_id, merge_id=make_cluster(number=2).id, user=editor)
    said = inbox(editor, "stale")
    clear(f"stale:{rewrite.cluster_id}")
    merge_clusters(keep_id=rewrite.cluster_id, merge_id=make_cluster(number=3).id, user=editor)

    assert len(said) == 1
    assert "new source(s) since it was written" in said[0].message
    assert said[0].link == reverse("rewrites:workspace", args=[rewrite.id])
    assert len(inbox(editor, "stale")) == 2
    assert inbox(admin_user, "stale") == []


def test_a_new_article_joining_a_published_story_tells_the_editors_once(editor):
    first = make_article(source=make_source(), title=SUBWAY_A[0], text=SUBWAY_A[1])
    cluster = assign_article(article_id=first.id)
    rewrite = Rewrite.objects.create(cluster=cluster, headline=SUBWAY_A[0])
    Cluster.objects.filter(id=cluster.id).update(status=Cluster.Status.PUBLISHED, written_source_count=1)
    second = make_article(source=make_source(), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=2)
    third = make_article(source=make_source(), title=SUBWAY_B[0] + " again", text=SUBWAY_B[1], hours=3)

    assert assign_article(article_id=second.id).id == cluster.id
    assert assign_article(article_id=third.id).id == cluster.id

    (said,) = inbox(editor, "stale")
    assert said.message.startswith(f"The published story “{cluster.canonical_title}” has 1 new source(s)")
    assert said.link == reverse("rewrites:workspace", args=[rewrite.id])


def test_a_stale_story_written_again_clears_its_cause(
    seed_record, editor, run_jobs, django_capture_on_commit_callbacks
):
    rewrite, _ = import_record(seed_record)
    merge_clusters(keep_id=rewrite.cluster_id, merge_id=make_cluster(number=4).id, user=editor)
    (said,) = inbox(editor, "stale")

    with django_capture_on_commit_callbacks(execute=True):
        regenerate_rewrite(rewrite_id=rewrite.id, user=editor)
    run_jobs("generate")

    said.refresh_from_db()
    assert said.cleared_at is not None


# The budget


@pytest.fixture
def dear_tokens(settings):
    """Ten cents a token and a one-dollar day, so a few tokens cross the thresholds."""
    settings.NEWSROOM_DAILY_BUDGET_USD = Decimal("1")
    settings.NEWSROOM_PRICE_INPUT_PER_MTOK = Decimal("100000")
    settings.NEWSROOM_PRICE_OUTPUT_PER_MTOK = Decimal("100000")
    settings.NEWSROOM_MODEL_MAX_OUTPUT_TOKENS = 1


def spend(rewrite, tokens: int) -> None:
    call = reserve_call(rewrite=rewrite, model="test-model", purpose="write", input_estimate=1)
    finish_call(call, outcome="ok", started=time.monotonic(), input_tokens=tokens)


def test_the_budget_is_said_at_80_and_100_percent_once_each_a_day(seed_record, dear_tokens, admin_user, editor):
    rewrite = make_draft(seed=seed_record)

    spend(rewrite, 7)
    nothing_yet = inbox(admin_user, "budget")
    spend(rewrite, 1)
    at_80 = inbox(admin_user, "budget")
    spend(rewrite, 2)
    with pytest.raises(OverBudget):
        spend(rewrite, 1)

    assert nothing_yet == []
    assert [n.message.split(".")[0] for n in at_80] == ["The daily model budget is 80% used"]
    messages = sorted(n.message.split(".")[0] for n in inbox(admin_user, "budget"))
    assert messages == ["The daily model budget is 100% used", "The daily model budget is 80% used"]
    assert inbox(editor, "budget") == []


def test_saying_a_cause_again_costs_the_same_queries_however_many_people_were_told(admin_user):
    """Each finished model call past 80% says the budget again; asking who was already told is one query, not
    one a person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def repeat_costs() -> int:
        notify(kind="budget", cause_key="budget-80:today", message="The daily model budget is 80% used.")
        with CaptureQueriesContext(connection) as captured:
            assert notify(kind="budget", cause_key="budget-80:today", message="The daily model budget is 80% used.") == []
        return len(captured.captured_queries)

    one_told = repeat_costs()
    for number in range(4):
        make_user(username=f"admin{number}", role=ADMINS)
    assert repeat_costs() == one_told
    assert Notification.objects.filter(cause_key="budget-80:today").count() == 5


# Generations that fail after their repairs


def test_a_generation_that_gives_up_is_said_once_until_it_is_written(
    seed_record, settings, editor, run_jobs, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_REPAIR_LIMIT = 0
    rewrite = make_draft(seed=seed_record)
    Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.GENERATING)
    record_failed_attempt(rewrite.id, "The model's answer was not JSON.", in_place=False)
    (said,) = inbox(editor, "generation")

    with django_capture_on_commit_callbacks(execute=True):
        regenerate_rewrite(rewrite_id=rewrite.id, user=editor)
    run_jobs("generate")
    said.refresh_from_db()
    Rewrite.objects.filter(id=rewrite.id).update(status=Rewrite.Status.GENERATING)
    record_failed_attempt(rewrite.id, "The model timed out.", in_place=False)

    assert "failed" in said.message and "The model's answer was not JSON." in said.message
    assert said.link == reverse("rewrites:workspace", args=[rewrite.id])
    assert said.cleared_at is not None
    assert len(inbox(editor, "generation")) == 2


# Who gets what, and email


def test_staff_get_nothing_by_default(staff):
    notify(kind="source", cause_key="test:1", message="A source failed.")
    notify(kind="stale", cause_key="test:2", message="A story is stale.")

    assert inbox(staff) == []


def test_a_person_can_turn_a_kind_off_or_on(editor, staff):
    save_choices(editor, {"stale": {"inbox": False}})
    save_choices(staff, {"source": {"inbox": True}})

    notify(kind="stale", cause_key="test:stale", message="A story is stale.")
    notify(kind="source", cause_key="test:source", message="A source failed.")

    assert inbox(editor) == []
    assert [n.kind for n in inbox(staff)] == ["source"]


def test_email_is_sent_once_through_the_outbox_to_those_who_asked(editor, django_capture_on_commit_callbacks):
    other = make_user(username="quiet", role=EDITORS)
    other.email = "quiet@example.com"
    other.save()
    editor.email = "eda@example.com"
    editor.save()
    save_choices(editor, {"stale": {"inbox": True, "email": True}})

    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="stale", cause_key="stale:c_1", message="A story is stale.", link="/rewrites/r_1/")
        notify(kind="stale", cause_key="stale:c_1", message="A story is stale.", link="/rewrites/r_1/")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["eda@example.com"]
    assert mail.outbox[0].subject == "[Newsroom] A story is stale."
    assert "/rewrites/r_1/" in mail.outbox[0].body
    assert "notification settings" in mail.outbox[0].body


def test_an_unknown_kind_is_refused_with_its_name():
    with pytest.raises(ValueError, match="“gossip” is not a kind of notification"):
        notify(kind="gossip", cause_key="x", message="?")


# The pages


def test_the_header_shows_the_unread_count(client, editor):
    notify(kind="stale", cause_key="stale:a", message="First stale story.")
    notify(kind="stale", cause_key="stale:b", message="Second stale story.")
    client.force_login(editor)

    text = client.get(reverse("notifications:inbox")).content.decode()

    assert 'aria-label="2 unread">2</span>' in text
    assert "First stale story." in text and "Second stale story." in text


def test_the_unread_count_costs_one_query_whatever_the_number(client, editor, django_assert_num_queries):
    client.force_login(editor)
    notify(kind="stale", cause_key="stale:first", message="A story is stale.")
    client.get(reverse("notifications:inbox"))
    with django_assert_num_queries(6) as few:
        client.get(reverse("notifications:inbox"))
    for number in range(30):
        notify(kind="stale", cause_key=f"stale:{number}", message="Another story is stale.")

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:inbox"))


def test_marking_one_read_opens_where_the_person_acts(client, editor):
    (notification,) = notify(kind="stale", cause_key="stale:x", message="Stale.", link="/rewrites/r_x/")
    client.force_login(editor)

    response = client.post(reverse("notifications:read", args=[notification.id]), {"go": "1"})

    assert response.status_code == 302 and response["Location"] == "/rewrites/r_x/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read_empties_the_count(client, editor):
    for key in ("a", "b", "c"):
        notify(kind="stale", cause_key=f"stale:{key}", message="Stale.")
    client.force_login(editor)

    client.post(reverse("notifications:read-all"))

    assert Notification.objects.filter(recipient=editor, read_at__isnull=True).count() == 0
    assert "unread" not in client.get(reverse("notifications:inbox")).content.decode().split("<main")[0]


def test_no_one_can_mark_another_persons_notification(client, editor):
    other = make_user(username="otto", role=EDITORS)
    (theirs,) = notify(kind="stale", cause_key="stale:y", message="Stale.", recipients=[other])
    client.force_login(editor)

    response = client.post(reverse("notifications:read", args=[theirs.id]), follow=True)

    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "That notification is not in your inbox" in response.content.decode()


def test_the_settings_page_shows_the_role_defaults_and_saves_a_choice(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("notifications:settings")).content.decode()
    client.post(reverse("notifications:settings"), {"source-inbox": "on", "source-email": "on", "job-inbox": "on"})

    assert 'name="source-inbox" id="source-inbox" aria-label="A source failing fetch after fetch, or disabled: in my inbox" checked' in page
    assert 'name="stale-inbox" id="stale-inbox" aria-label="A published story that gained new sources: in my inbox">' in page
    choices = admin_user.notification_settings.choices
    assert choices["source"] == {"inbox": True, "email": True}
    assert choices["budget"] == {"inbox": False, "email": False}


def test_visitors_are_sent_to_log_in(client):
    assert client.get(reverse("notifications:inbox")).status_code == 302
    assert client.get(reverse("notifications:settings")).status_code == 302


def test_the_roles_of_each_kind_by_default(admin_user, editor, staff):
    for kind in ("source", "job", "budget", "stale", "generation", "assigned"):
        notify(kind=kind, cause_key=f"{kind}:1", message=kind)

    assert sorted(n.kind for n in inbox(admin_user)) == ["budget", "job", "source"]
    assert sorted(n.kind for n in inbox(editor)) == ["assigned", "generation", "stale"]
    assert ADMINS in {g.name for g in admin_user.groups.all()}


def test_open_never_leaves_the_desk(client, editor):
    (notification,) = notify(kind="stale", cause_key="stale:z", message="Stale.", link="https://evil.example/")
    client.force_login(editor)

    response = client.post(reverse("notifications:read", args=[notification.id]), {"go": "1"})

    assert response["Location"] == reverse("notifications:inbox")
