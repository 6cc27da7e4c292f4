"""The audit log: every editorial and admin action writes exactly one entry with the right actor, object and
changes; entries cannot be changed; the page and its CSV export show each role what it may read."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from clusters.models import Source
from newsroom.audit import PAGE_SIZE, record
from newsroom.models import ApiToken, AuditEntry, AuditLogIsAppendOnly
from newsroom.roles import EDITORS, ensure_roles
from rewrites.desk.review import edit_field
from rewrites.generation.jobs import regenerate_rewrite
from rewrites.models import Rewrite, Webhook
from rewrites.publishing.jobs import kill_story, request_publish
from tests.factories import make_approved, make_cluster, make_draft, make_source, make_user

pytestmark = pytest.mark.django_db


def last_id() -> int:
    return AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0


def only_new_entry(since: int) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(id__gt=since).order_by("id"))
    assert len(entries) == 1, [(entry.action, entry.object_label) for entry in entries]
    return entries[0]


@pytest.fixture
def desk_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client.force_login(admin_user)
    return client


# Editorial actions, through the paths editors take


def test_a_field_edit_records_who_changed_what_from_where(desk_client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    before, mark = rewrite.headline, last_id()

    desk_client.post(
        reverse("rewrites:field", args=[rewrite.id, "headline"]),
        {"value": "Alibaba bans Claude Code for staff", "version": rewrite.version},
    )

    entry = only_new_entry(mark)
    assert (entry.action, entry.category, entry.actor_id, entry.actor_name) == ("edit", "editorial", editor.id, "eda")
    assert (entry.object_type, entry.object_id) == ("rewrite", rewrite.id)
    assert entry.changes == {"headline": [before, "Alibaba bans Claude Code for staff"]}
    assert entry.remote_addr == "127.0.0.1"


def test_an_approval_over_error_lints_records_the_override_reason(desk_client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    Rewrite.objects.filter(id=rewrite.id).update(
        lint_flags_json='[{"code":"over-limit","field":"twitterPost","severity":"error","message":"Too long"}]'
    )
    mark = last_id()

    desk_client.post(reverse("rewrites:approve", args=[rewrite.id]), {"override_reason": "Checked with the desk"})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_id) == ("approve", editor.id, rewrite.id)
    assert entry.reason == "Approved over 1 error lint(s): Checked with the desk"
    assert entry.changes == {"status": ["draft", "approved"]}


def test_a_spike_records_the_reason(desk_client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    mark = last_id()

    desk_client.post(reverse("rewrites:spike", args=[rewrite.id]), {"reason": "Duplicate of yesterday's story"})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.reason) == ("spike", editor.id, "Duplicate of yesterday's story")
    assert entry.changes == {"status": ["draft", "spiked"]}


def test_a_restore_records_the_fields_it_brought_back(desk_client, editor, seed_record):
    rewrite = make_draft(seed=seed_record)
    for text in ("The first summary.", "The second summary."):
        rewrite = edit_field(rewrite_id=rewrite.id, field="summary", value=text, base_version=rewrite.version,
                             user=editor)
    first = rewrite.revisions.get(changed_fields=["summary"], fields__summary="The first summary.")
    mark = last_id()

    desk_client.post(reverse("rewrites:restore", args=[rewrite.id]), {"number": first.number, "version": rewrite.version})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.reason) == ("restore", editor.id, f"Restored revision {first.number}")
    assert entry.changes == {"summary": ["The second summary.", "The first summary."]}


def test_a_regeneration_names_the_editor_who_asked(editor, seed_record, django_capture_on_commit_callbacks):
    rewrite = make_draft(seed=seed_record)
    mark = last_id()

    with django_capture_on_commit_callbacks():
        regenerate_rewrite(rewrite_id=rewrite.id, field="summary", user=editor)

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_id) == ("regenerate", editor.id, rewrite.id)
    assert "Summary" in entry.reason


def test_a_publish_run_by_the_worker_names_the_editor_who_asked(
    editor, seed_record, run_jobs, django_capture_on_commit_callbacks
):
    rewrite = make_approved(seed=seed_record, number=2)
    with django_capture_on_commit_callbacks(execute=True):
        request_publish(rewrite_id=rewrite.id, user=editor)
    mark = last_id()

    run_jobs("publish")

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.actor_name, entry.object_id) == ("publish", editor.id, "eda", rewrite.id)
    assert entry.changes["status"] == ["approved", "published"]
    assert entry.remote_addr is None


def test_a_republish_records_its_correction(editor, seed_record, run_jobs, django_capture_on_commit_callbacks):
    rewrite = make_approved(seed=seed_record, number=3)
    with django_capture_on_commit_callbacks(execute=True):
        request_publish(rewrite_id=rewrite.id, user=editor)
    run_jobs("publish")
    rewrite.refresh_from_db()
    edit_field(rewrite_id=rewrite.id, field="summary", value="Corrected summary.", base_version=rewrite.version,
               user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        request_publish(rewrite_id=rewrite.id, user=editor, correction_note="The date was wrong.")
    mark = last_id()

    run_jobs("publish")

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.reason) == ("republish", editor.id, "Correction: The date was wrong.")


def test_a_kill_records_the_reason(editor, seed_record, run_jobs, django_capture_on_commit_callbacks):
    rewrite = make_approved(seed=seed_record, number=4)
    with django_capture_on_commit_callbacks(execute=True):
        request_publish(rewrite_id=rewrite.id, user=editor)
    run_jobs("publish")
    mark = last_id()

    with django_capture_on_commit_callbacks():
        kill_story(rewrite_id=rewrite.id, user=editor, reason="Legal asked us to take it down")

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.reason) == ("kill", editor.id, "Legal asked us to take it down")
    assert entry.changes == {"status": ["published", "spiked"]}


def test_a_cluster_merge_records_both_clusters_articles(desk_client, editor):
    keep, away = make_cluster(number=1), make_cluster(number=2)
    mark = last_id()

    desk_client.post(reverse("clusters:merge"), {"keep": keep.id, "merge": away.id, "reason": "Same launch"})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "cluster_merge", editor.id, "cluster", keep.id,
    )
    assert "Same launch" in entry.reason
    moved, kept = entry.changes["articles"]
    assert len(moved) == 2 and len(kept) == 2


def test_an_article_move_records_where_it_went(desk_client, editor):
    origin, target = make_cluster(number=1), make_cluster(number=2)
    article = origin.articles.first()
    mark = last_id()

    desk_client.post(reverse("clusters:move"), {"article": article.id, "to": target.id, "reason": "Other story"})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_id) == ("cluster_move", editor.id, target.id)
    assert article.id in entry.reason


# Admin actions


def test_adding_a_source_records_its_settings(admin_client, admin_user):
    mark = last_id()

    admin_client.post(reverse("sources:add"), {
        "name": "Anime Wire", "feed_url": "https://animewire.example/feed", "language": "en", "domain": "anime",
        "trust": 3, "poll_interval_minutes": 30, "enabled": "on",
    })

    entry = only_new_entry(mark)
    source = Source.objects.get(name="Anime Wire")
    assert (entry.action, entry.category, entry.actor_id, entry.object_id) == (
        "source_add", "admin", admin_user.id, str(source.id),
    )
    assert entry.changes["feed_url"] == [None, "https://animewire.example/feed"]


def test_editing_a_source_records_before_and_after(admin_client, admin_user):
    source = make_source(name="Old Name", poll_interval_minutes=30)
    mark = last_id()

    admin_client.post(reverse("sources:edit", args=[source.id]), {
        "name": "New Name", "feed_url": source.feed_url, "language": "", "domain": "", "trust": 3,
        "poll_interval_minutes": 30, "enabled": "on",
    })

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id) == ("source_edit", admin_user.id)
    assert entry.changes == {"name": ["Old Name", "New Name"]}


def test_disabling_a_source_is_recorded(admin_client, admin_user):
    source = make_source()
    mark = last_id()

    admin_client.post(reverse("sources:toggle", args=[source.id]))

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.changes) == ("source_disable", admin_user.id, {"enabled": [True, False]})


def test_fetch_now_is_recorded(admin_client, admin_user):
    source = make_source()
    mark = last_id()

    admin_client.post(reverse("sources:fetch", args=[source.id]))

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_id) == ("source_fetch", admin_user.id, str(source.id))


def test_creating_and_turning_off_a_webhook_are_recorded_without_the_secret(admin_client, admin_user):
    fields = {"name": "Site build", "url": "https://build.example/hook", "secret": "s3cret-value", "active": "on",
              "on_published": "on", "on_republished": "on", "on_unpublished": "on"}
    mark = last_id()
    admin_client.post(reverse("admin:rewrites_webhook_add"), fields)
    created = only_new_entry(mark)
    webhook = Webhook.objects.get(name="Site build")

    mark = last_id()
    admin_client.post(reverse("admin:rewrites_webhook_change", args=[webhook.id]), {**fields, "active": ""})
    revoked = only_new_entry(mark)

    assert (created.action, created.actor_id, created.object_id) == ("webhook_create", admin_user.id, str(webhook.id))
    assert created.changes["secret"] == ["", "(set)"]
    assert (revoked.action, revoked.changes) == ("webhook_revoke", {"active": [True, False]})
    assert "s3cret-value" not in str(created.changes) + str(revoked.changes)


def test_creating_and_revoking_an_api_token_are_recorded(admin_client, admin_user):
    mark = last_id()
    admin_client.post(reverse("admin:newsroom_apitoken_add"), {"user": admin_user.id, "name": "site build"})
    created = only_new_entry(mark)
    token = ApiToken.objects.get(name="site build")
    now = timezone.now()

    mark = last_id()
    admin_client.post(reverse("admin:newsroom_apitoken_change", args=[token.id]), {
        "user": admin_user.id, "name": "site build",
        "revoked_at_0": now.strftime("%Y-%m-%d"), "revoked_at_1": now.strftime("%H:%M:%S"),
    })
    revoked = only_new_entry(mark)

    assert (created.action, created.actor_id, created.object_id) == ("token_create", admin_user.id, str(token.id))
    assert (revoked.action, revoked.actor_id) == ("token_revoke", admin_user.id)
    assert revoked.changes["revoked_at"][0] is None


def test_creating_a_user_and_giving_them_a_role_are_recorded(admin_client, admin_user):
    groups = ensure_roles()
    mark = last_id()
    admin_client.post(reverse("admin:auth_user_add"), {
        "username": "newbie", "password1": "a long passphrase 123", "password2": "a long passphrase 123",
        "usable_password": "true",
    })
    created = only_new_entry(mark)
    user = created_user = type(admin_user).objects.get(username="newbie")

    mark = last_id()
    admin_client.post(reverse("admin:auth_user_change", args=[user.id]), {
        "username": "newbie", "first_name": "", "last_name": "", "email": "newbie@example.com", "is_active": "on",
        "groups": [groups[EDITORS].id], "date_joined_0": "2026-11-30", "date_joined_1": "04:00:00",
    })
    changed = only_new_entry(mark)

    assert (created.action, created.actor_id, created.object_id) == ("user_create", admin_user.id, str(created_user.id))
    assert created.changes["password"] == ["", "(set)"]
    assert (changed.action, changed.actor_id) == ("user_change", admin_user.id)
    assert changed.changes["groups"] == [[], [EDITORS]]
    assert changed.changes["email"] == ["", "newbie@example.com"]


def test_changing_a_roles_permissions_is_recorded(admin_client, admin_user):
    group = ensure_roles()[EDITORS]
    kept = list(group.permissions.values_list("id", flat=True))[:-1]
    mark = last_id()

    admin_client.post(reverse("admin:auth_group_change", args=[group.id]), {"name": EDITORS, "permissions": kept})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_label) == ("role_change", admin_user.id, EDITORS)
    before, after = entry.changes["permissions"]
    assert len(before) == len(after) + 1


def test_a_login_and_a_failed_login_are_recorded_with_the_address(client, editor):
    mark = last_id()
    client.post(reverse("login"), {"username": "eda", "password": "correct horse battery"})
    login = only_new_entry(mark)

    mark = last_id()
    client.post(reverse("login"), {"username": "eda", "password": "wrong"})
    failed = only_new_entry(mark)

    assert (login.action, login.category, login.actor_id, login.remote_addr) == ("login", "access", editor.id, "127.0.0.1")
    assert (failed.action, failed.actor_id, failed.object_label, failed.remote_addr) == (
        "login_failed", None, "eda", "127.0.0.1",
    )


# Entries cannot be changed


def test_an_entry_refuses_to_be_saved_again_or_deleted(admin_user):
    entry = record(action="login", actor=admin_user)
    entry.reason = "tampered"

    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(id=entry.id).update(reason="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(id=entry.id).delete()


def test_the_database_refuses_the_desk_an_update_or_delete_of_an_entry(admin_user):
    entry = record(action="login", actor=admin_user)

    for statement in ("UPDATE newsroom_auditentry SET reason = 'x' WHERE id = %s",
                      "DELETE FROM newsroom_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement, [entry.id])

    assert AuditEntry.objects.get(id=entry.id).reason == ""


def test_the_admin_shows_entries_but_cannot_change_or_delete_them(admin_client, admin_user):
    entry = record(action="login", actor=admin_user, reason="kept")

    page = admin_client.get(reverse("admin:newsroom_auditentry_change", args=[entry.id]))
    changed = admin_client.post(reverse("admin:newsroom_auditentry_change", args=[entry.id]), {"reason": "tampered"})
    deleted = admin_client.post(reverse("admin:newsroom_auditentry_delete", args=[entry.id]), {"post": "yes"})
    added = admin_client.get(reverse("admin:newsroom_auditentry_add"))

    assert page.status_code == 200 and "kept" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert added.status_code == 403
    assert AuditEntry.objects.get(id=entry.id).reason == "kept"


# The page, per role


def entries_for_every_category(editor, admin_user) -> None:
    record(action="edit", actor=editor, object_type="rewrite", object_id="r_1", object_label="An edited story")
    record(action="source_add", actor=admin_user, object_type="source", object_id="7", object_label="Added Wire")
    record(action="login_failed", object_type="user", object_label="mallory")


def test_admins_see_every_entry(client, admin_user, editor):
    entries_for_every_category(editor, admin_user)
    client.force_login(admin_user)

    text = client.get(reverse("audit:list")).content.decode()

    assert "An edited story" in text and "Added Wire" in text and "mallory" in text
    assert f'href="{reverse("rewrites:workspace", args=["r_1"])}"' in text
    assert f'href="{reverse("sources:list")}#source-7"' in text


def test_editors_see_only_the_desks_editorial_actions(client, admin_user, editor):
    entries_for_every_category(editor, admin_user)
    client.force_login(editor)

    text = client.get(reverse("audit:list")).content.decode()
    exported = b"".join(client.get(reverse("audit:csv")).streaming_content).decode()

    assert "An edited story" in text
    assert "Added Wire" not in text and "mallory" not in text
    assert "An edited story" in exported and "Added Wire" not in exported and "mallory" not in exported


def test_staff_and_visitors_cannot_open_the_audit_log(client, staff):
    assert client.get(reverse("audit:list")).status_code == 302
    client.force_login(staff)

    response = client.get(reverse("audit:list"))

    assert response.status_code == 403
    assert "cannot read the audit log" in response.content.decode()


def test_the_navigation_links_the_audit_log_for_editors_and_admins_only(client, editor, staff):
    client.force_login(editor)
    assert reverse("audit:list") in client.get(reverse("rewrites:queue")).content.decode()
    client.force_login(staff)
    assert reverse("audit:list") not in client.get(reverse("rewrites:queue")).content.decode()


def test_filters_by_person_action_object_and_time(client, admin_user, editor):
    other = make_user(username="olga", role=EDITORS)
    record(action="edit", actor=editor, object_type="rewrite", object_id="r_a", object_label="Story A")
    record(action="approve", actor=editor, object_type="rewrite", object_id="r_b", object_label="Story B")
    record(action="edit", actor=other, object_type="rewrite", object_id="r_a", object_label="Story A by olga")
    client.force_login(admin_user)
    url = reverse("audit:list")

    def shown(**params) -> set[str]:
        text = client.get(url, params).content.decode()
        return {label for label in ("Story A<", "Story B", "Story A by olga") if label in text}

    assert shown(person="olga") == {"Story A by olga"}
    assert shown(action="approve") == {"Story B"}
    assert shown(object="rewrite:r_a") == {"Story A<", "Story A by olga"}
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert shown(since=tomorrow) == set()
    assert shown(until=tomorrow) == {"Story A<", "Story B", "Story A by olga"}
    today = timezone.now().date().isoformat()
    assert shown(since=today, until=today) == {"Story A<", "Story B", "Story A by olga"}


def test_an_unreadable_filter_says_what_to_write(client, admin_user):
    client.force_login(admin_user)

    text = client.get(reverse("audit:list"), {"since": "last tuesday"}).content.decode()

    assert "“last tuesday” is not a time the from filter understands; use a date like 2026-11-30." in text


def test_older_pages_follow_a_cursor_without_gaps_or_repeats(client, admin_user):
    for number in range(PAGE_SIZE + 7):
        record(action="edit", actor=admin_user, object_type="rewrite", object_id=f"r_{number}",
               object_label=f"Story number {number}.")
    client.force_login(admin_user)

    first = client.get(reverse("audit:list"), {"action": "edit"})
    second = client.get(reverse("audit:list"), {"action": "edit", "after": first.context["next_cursor"]})

    seen = [entry.object_id for entry in first.context["entries"] + second.context["entries"]]
    assert len(first.context["entries"]) == PAGE_SIZE
    assert sorted(seen) == sorted(f"r_{number}" for number in range(PAGE_SIZE + 7))
    assert second.context["next_cursor"] == ""


def test_the_page_makes_the_same_queries_whatever_the_number_of_entries(client, admin_user, django_assert_num_queries):
    client.force_login(admin_user)
    for number in range(3):
        record(action="edit", actor=admin_user, object_type="rewrite", object_id=f"r_{number}")
    client.get(reverse("audit:list"))  # warm the session and permission caches of this client
    with django_assert_num_queries(6) as few:
        client.get(reverse("audit:list"))
    for number in range(80):
        record(action="edit", actor=admin_user, object_type="rewrite", object_id=f"r_more_{number}")

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("audit:list"))


def test_the_csv_export_is_streamed_and_safe_to_open_in_a_spreadsheet(client, admin_user):
    record(action="edit", actor=admin_user, object_type="rewrite", object_id="r_x",
           object_label='=HYPERLINK("https://evil.example","click")', changes={"headline": ["old", "@SUM(A1)"]})
    client.force_login(admin_user)

    response = client.get(reverse("audit:csv"))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "person", "action"]
    edit = next(row for row in rows[1:] if row[2] == "edit")
    assert edit[5] == "'=HYPERLINK(\"https://evil.example\",\"click\")"
    assert edit[1] == "ada"


def test_a_refused_action_writes_no_entry(desk_client, seed_record):
    rewrite = make_draft(seed=seed_record)
    mark = last_id()

    desk_client.post(reverse("rewrites:spike", args=[rewrite.id]), {"reason": "  "})
    desk_client.post(reverse("rewrites:field", args=[rewrite.id, "headline"]), {"value": "Stale", "version": 0})

    assert AuditEntry.objects.filter(id__gt=mark).count() == 0


def test_a_roundup_mark_is_recorded(desk_client, editor):
    cluster = make_cluster(number=5)
    mark = last_id()

    desk_client.post(reverse("clusters:roundup"), {"cluster": cluster.id, "roundup": "1", "reason": "Weekly list"})

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.changes) == ("cluster_roundup", editor.id, {"is_roundup": [False, True]})


def test_enabling_a_source_again_is_recorded(admin_client, admin_user):
    source = make_source(enabled=False, disabled_reason="Broken feed")
    mark = last_id()

    admin_client.post(reverse("sources:toggle", args=[source.id]))

    entry = only_new_entry(mark)
    assert (entry.action, entry.changes) == ("source_enable", {"enabled": [False, True]})


def test_deleting_a_webhook_a_token_and_a_user_in_the_admin_is_recorded(admin_client, admin_user):
    webhook = Webhook.objects.create(name="Old hook", url="https://old.example/hook", secret="x")
    token, _ = ApiToken.issue(user=admin_user, name="old build")
    leaver = make_user(username="leaver", role=EDITORS)
    deleted = []

    for url in (reverse("admin:rewrites_webhook_delete", args=[webhook.id]),
                reverse("admin:newsroom_apitoken_delete", args=[token.id]),
                reverse("admin:auth_user_delete", args=[leaver.id])):
        mark = last_id()
        admin_client.post(url, {"post": "yes"})
        deleted.append(only_new_entry(mark))

    assert [(entry.action, entry.object_label, entry.actor_id) for entry in deleted] == [
        ("webhook_delete", "Old hook", admin_user.id),
        ("token_revoke", str(token), admin_user.id),
        ("user_delete", "leaver", admin_user.id),
    ]
    assert deleted[2].changes["groups"] == [[EDITORS], None]


def test_a_password_set_in_the_admin_is_recorded_without_the_password(admin_client, admin_user):
    user = make_user(username="forgetful", role=EDITORS)
    mark = last_id()

    admin_client.post(reverse("admin:auth_user_password_change", args=[user.id]), {
        "password1": "another long passphrase 9", "password2": "another long passphrase 9", "usable_password": "true",
    })

    entry = only_new_entry(mark)
    assert (entry.action, entry.object_label, entry.changes) == (
        "user_change", "forgetful", {"password": ["(hidden)", "(changed)"]},
    )


def test_a_logout_is_recorded(client, editor):
    client.force_login(editor)
    mark = last_id()

    client.post(reverse("logout"))

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id) == ("logout", editor.id)


def test_the_csv_export_takes_the_pages_filters_and_every_page(client, admin_user):
    for number in range(PAGE_SIZE + 5):
        record(action="approve", actor=admin_user, object_type="rewrite", object_id=f"r_{number}")
    record(action="spike", actor=admin_user, object_type="rewrite", object_id="r_spiked")
    client.force_login(admin_user)

    response = client.get(reverse("audit:csv"), {"action": "approve"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))[1:]
    assert len(rows) == PAGE_SIZE + 5
    assert {row[2] for row in rows} == {"approve"}


def test_the_first_admin_created_on_the_first_run_is_recorded(db):
    from newsroom.first_admin import ensure_admin

    mark = last_id()
    user, _ = ensure_admin(username="first")
    ensure_admin(username="second")

    entry = only_new_entry(mark)
    assert (entry.action, entry.actor_id, entry.object_label) == ("user_create", None, "first")
    assert entry.object_id == str(user.id)
