"""Outbound webhooks: signed, retried with backoff through a real worker, logged, redeliverable."""

import json
import logging
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from rq import SimpleWorker

from newsroom.models import AuditEntry, Notification
from rewrites.models import PublishedStory, PublishJob, Webhook, WebhookAttempt, WebhookDelivery
from rewrites.publishing.jobs import kill_story, request_publish
from rewrites.publishing.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, backoff, sign, verify_signature
from rewrites.records import record_for
from tests.factories import make_approved
from tests.http_server import Reply
from tests.publishing_helpers import Receiver, edit_rewrite, run_publish_queue_until_settled

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-shared-with-the-receiver"


@pytest.fixture(autouse=True)
def fast_webhooks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NEWSROOM_WEBHOOK_BACKOFF_SECONDS = 1
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 4
    settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS = 5


def make_webhook(url: str, **fields) -> Webhook:
    return Webhook.objects.create(name="site build", url=url, secret=SECRET, **fields)


def publish_through_the_queue(rewrite_id: str, editor) -> PublishJob:
    job = request_publish(rewrite_id=rewrite_id, user=editor)
    run_publish_queue_until_settled()
    job.refresh_from_db()
    return job


def test_signature_verifies_with_the_secret_and_fails_with_another():
    body = json.dumps({"rewrite": {"id": "r_" + "0" * 24}}).encode()
    signature = sign(secret=SECRET, timestamp="1783178432", body=body)

    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature(secret=SECRET, timestamp="1783178432", body=body, signature=signature)
    assert not verify_signature(secret="another secret", timestamp="1783178432", body=body, signature=signature)
    assert not verify_signature(secret=SECRET, timestamp="1783178433", body=body, signature=signature)
    assert not verify_signature(secret=SECRET, timestamp="1783178432", body=body + b" ", signature=signature)


def test_published_event_carries_the_record_signed_with_the_secret(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=51)
    with Receiver() as receiver:
        make_webhook(receiver.hook_url)
        publish_through_the_queue(rewrite.id, editor)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["x-newsroom-event"] == "published"
    assert verify_signature(
        secret=SECRET, timestamp=headers[TIMESTAMP_HEADER.lower()], body=request.body,
        signature=headers[SIGNATURE_HEADER.lower()],
    )
    assert not verify_signature(
        secret="wrong", timestamp=headers[TIMESTAMP_HEADER.lower()], body=request.body,
        signature=headers[SIGNATURE_HEADER.lower()],
    )
    record = json.loads(request.body)
    rewrite.refresh_from_db()
    assert record == record_for(rewrite)
    assert record["rewrite"]["status"] == "published" and record["rewrite"]["publishedAt"]


def test_a_receiver_that_fails_twice_then_succeeds_gets_exactly_one_successful_delivery(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=52)
    with Receiver(statuses=[500, 503]) as receiver:
        make_webhook(receiver.hook_url)
        publish_through_the_queue(rewrite.id, editor)

    delivery = WebhookDelivery.objects.get()
    attempts = list(delivery.attempts.all())
    assert delivery.state == WebhookDelivery.State.SUCCEEDED and delivery.delivered_at
    assert [attempt.status_code for attempt in attempts] == [500, 503, 200]
    assert [attempt.succeeded for attempt in attempts] == [False, False, True]
    assert "HTTP 500" in attempts[0].error and attempts[2].error == ""
    assert WebhookAttempt.objects.filter(status_code=200).count() == 1
    assert len(receiver.requests) == 3
    gaps = [later.at - earlier.at for earlier, later in zip(receiver.requests, receiver.requests[1:])]
    assert gaps[0] >= backoff(1).total_seconds() - 0.1 and gaps[1] >= backoff(2).total_seconds() - 0.1


def test_a_failing_endpoint_never_blocks_or_undoes_the_publish(seed_record, editor, settings):
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 2
    rewrite = make_approved(seed=seed_record, number=53)
    with Receiver(statuses=[500] * 5) as receiver:
        make_webhook(receiver.hook_url)
        job = publish_through_the_queue(rewrite.id, editor)

    assert job.state == PublishJob.State.DONE
    assert PublishedStory.objects.live().filter(rewrite=rewrite).exists()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert delivery.attempts.count() == 2
    assert "HTTP 500" in delivery.last_error


def test_private_addresses_are_refused_unless_allowed(seed_record, editor, settings):
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = []
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 1
    rewrite = make_approved(seed=seed_record, number=54)
    with Receiver() as receiver:
        make_webhook(receiver.hook_url)
        publish_through_the_queue(rewrite.id, editor)

    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert "is a loopback address" in attempt.error
    assert "NEWSROOM_WEBHOOK_ALLOWED_HOSTS" in attempt.error


def test_a_refused_address_is_not_retried(seed_record, editor, settings):
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = []
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 6
    rewrite = make_approved(seed=seed_record, number=59)
    with Receiver() as receiver:
        make_webhook(receiver.url)
        publish_through_the_queue(rewrite.id, editor)

    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.state == WebhookDelivery.State.FAILED and delivery.next_attempt_at is None
    assert delivery.attempts.count() == 1 and delivery.last_error.startswith("Not sent:")


def test_only_active_webhooks_that_want_the_event_are_called(seed_record, editor):
    rewrite = make_approved(seed=seed_record, number=55)
    with Receiver() as wanted, Receiver() as unwanted, Receiver() as inactive:
        make_webhook(wanted.hook_url)
        make_webhook(unwanted.hook_url, on_published=False)
        make_webhook(inactive.hook_url, active=False)
        publish_through_the_queue(rewrite.id, editor)
        edit_rewrite(rewrite.id, headline="Changed")
        publish_through_the_queue(rewrite.id, editor)
        kill_story(rewrite_id=rewrite.id, user=editor, reason="Wrong story.")
        run_publish_queue_until_settled()

    assert [r.headers["X-Newsroom-Event"] for r in wanted.requests] == ["published", "republished", "unpublished"]
    assert [r.headers["X-Newsroom-Event"] for r in unwanted.requests] == ["republished", "unpublished"]
    assert inactive.requests == []
    assert json.loads(wanted.requests[2].body)["rewrite"]["status"] == "spiked"


def test_an_admin_can_redeliver(seed_record, editor, admin_user, client):
    rewrite = make_approved(seed=seed_record, number=56)
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    with Receiver() as receiver:
        make_webhook(receiver.hook_url)
        publish_through_the_queue(rewrite.id, editor)
        response = client.post(
            "/admin/rewrites/webhookdelivery/",
            {"action": "redeliver_selected", "_selected_action": [WebhookDelivery.objects.get().id]},
            follow=True,
        )
        run_publish_queue_until_settled()

    assert "Queued 1 redelivery on the publish queue." in response.content.decode()
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    copy = WebhookDelivery.objects.get(redelivery_of__isnull=False)
    assert copy.state == WebhookDelivery.State.SUCCEEDED


def test_the_admin_lists_deliveries_with_their_attempts(seed_record, editor, admin_user, client):
    rewrite = make_approved(seed=seed_record, number=57)
    with Receiver(statuses=[500]) as receiver:
        make_webhook(receiver.hook_url)
        publish_through_the_queue(rewrite.id, editor)
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    delivery = WebhookDelivery.objects.get()

    listing = client.get("/admin/rewrites/webhookdelivery/")
    detail = client.get(f"/admin/rewrites/webhookdelivery/{delivery.id}/change/")

    assert listing.status_code == 200 and "Succeeded" in listing.content.decode()
    page = detail.content.decode()
    assert "The endpoint answered HTTP 500" in page and "200" in page


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://127.0.0.1/hook", "Only http and https"),
        ("http://user:pass@127.0.0.1/hook", "contains a user name or password"),
        ("http://169.254.169.254/latest/meta-data", "is a cloud metadata service"),
        ("http://[::1]:9/hook", "is a loopback address"),
        ("http://10.1.2.3/hook", "is a private network address"),
        ("http://no-such-host.invalid/hook", "could not be resolved"),
    ],
)
def test_unsafe_webhook_addresses_are_refused_with_the_reason(url, reason):
    from newsroom.outbound import BlockedAddressError, FetchError, post

    with pytest.raises((BlockedAddressError, FetchError), match=reason):
        post(url, body=b"{}", headers={}, timeout=2)


def test_a_slow_endpoint_times_out_and_is_retried(seed_record, editor, settings):
    import time as clock

    settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 2
    rewrite = make_approved(seed=seed_record, number=58)
    with Receiver() as receiver:
        def slow_first(request):
            if len(receiver.requests) == 1:
                clock.sleep(1.5)
            return receiver.answer(request)

        receiver.routes[Receiver.PATH] = slow_first
        make_webhook(receiver.hook_url)
        publish_through_the_queue(rewrite.id, editor)

    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert "did not answer within 0.5 s" in attempts[0].error and attempts[0].status_code is None
    assert attempts[1].status_code == 200
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED


@pytest.mark.parametrize(
    "partial_answer",
    [b"HTTP/1.1 200 O", b"HTTP/1.1 200 OK\r\nContent-Type: text/pl"],
    ids=["status line cut off", "headers cut off"],
)
def test_a_receiver_that_never_finishes_its_headers_is_a_failed_attempt_and_retried(
    seed_record, editor, settings, partial_answer
):
    settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 2
    rewrite = make_approved(seed=seed_record, number=60)
    released = threading.Event()

    def never_finish(handler):
        # A byte every 50 ms keeps each read short of the read timeout, so only the request's total
        # deadline can end the wait, and the answer never gets past the point partial_answer leaves it.
        try:
            handler.wfile.write(partial_answer)
            while not released.wait(timeout=0.05):
                handler.wfile.write(b"x")
        except (BrokenPipeError, ConnectionResetError):
            pass

    with Receiver() as receiver:
        def stall_first(request):
            return Reply(body=never_finish) if len(receiver.requests) == 1 else receiver.answer(request)

        receiver.routes[Receiver.PATH] = stall_first
        make_webhook(receiver.hook_url)
        try:
            publish_through_the_queue(rewrite.id, editor)
        finally:
            released.set()

    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert attempts[0].status_code is None and "the receiver did not answer within 0.5 s" in attempts[0].error
    assert [attempt.succeeded for attempt in attempts] == [False, True]
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED


def test_a_delivery_whose_job_was_lost_is_put_back_by_the_scheduler(seed_record, editor):
    from datetime import timedelta

    import django_rq
    from django.utils import timezone

    from rewrites.publishing.jobs import enqueue_due_deliveries

    rewrite = make_approved(seed=seed_record, number=59)
    with Receiver() as receiver:
        make_webhook(receiver.hook_url)
        request_publish(rewrite_id=rewrite.id, user=editor)
        # Run the publish job only: the delivery's job is queued, then Redis loses it.
        django_rq.get_worker("publish", worker_class=SimpleWorker).work(burst=True, max_jobs=1)
        assert WebhookDelivery.objects.get().state == WebhookDelivery.State.PENDING
        django_rq.get_connection("publish").flushdb()
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))

        assert enqueue_due_deliveries() == 1
        run_publish_queue_until_settled()

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.SUCCEEDED


# Addresses: no credentials in them, and the form keeps the address policy delivery keeps

PASSWORD = "hunter2-in-the-address"
FORM_FIELDS = {"name": "Site build", "secret": SECRET, "active": "on", "on_published": "on", "on_republished": "on",
               "on_unpublished": "on"}


@pytest.fixture
def admin_client(client, admin_user):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client.force_login(admin_user)
    return client


def url_errors(response) -> list[str]:
    return response.context["adminform"].form.errors.get("url", [])


def test_the_admin_refuses_an_address_with_a_user_name_or_password(admin_client):
    response = admin_client.post(
        reverse("admin:rewrites_webhook_add"), {**FORM_FIELDS, "url": f"https://build:{PASSWORD}@build.example/hook"}
    )

    assert any("put the shared secret in the Secret field" in error for error in url_errors(response))
    assert not Webhook.objects.exists()
    assert not AuditEntry.objects.filter(action="webhook_create").exists()


def test_model_validation_refuses_an_address_with_a_user_name_or_password():
    webhook = Webhook(name="site build", url=f"https://build:{PASSWORD}@build.example/hook", secret=SECRET)

    with pytest.raises(ValidationError) as refusal:
        webhook.full_clean()

    assert "put the shared secret in the Secret field" in str(refusal.value.message_dict["url"])


def test_a_stored_address_with_a_password_is_masked_on_the_admin_pages_and_in_the_audit_log(admin_client):
    webhook = make_webhook(f"https://build:{PASSWORD}@build.example/hook")
    change_url = reverse("admin:rewrites_webhook_change", args=[webhook.id])

    listing = admin_client.get(reverse("admin:rewrites_webhook_changelist"))
    form = admin_client.get(change_url)
    resaved = admin_client.post(change_url, {**FORM_FIELDS, "url": "https://***@build.example/hook"})
    fixed = admin_client.post(change_url, {**FORM_FIELDS, "url": "https://build.example/hook"})
    admin_client.post(reverse("admin:rewrites_webhook_delete", args=[webhook.id]), {"post": "yes"})

    assert "https://***@build.example/hook" in form.content.decode()
    assert PASSWORD not in listing.content.decode() + form.content.decode() + resaved.content.decode()
    assert any("put the shared secret in the Secret field" in error for error in url_errors(resaved))
    assert fixed.status_code == 302
    edited = AuditEntry.objects.get(action="webhook_edit")
    assert edited.changes["url"] == ["https://***@build.example/hook", "https://build.example/hook"]
    assert AuditEntry.objects.filter(action="webhook_delete").exists()
    assert PASSWORD not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_an_audit_entry_written_with_a_password_in_an_address_is_shown_masked(admin_client, admin_user):
    from newsroom.audit import record

    webhook = make_webhook("https://build.example/hook")
    # As the admin wrote entries before addresses were masked on the way in.
    entry = record(action="webhook_create", actor=admin_user, obj=webhook,
                   changes={"url": ["", f"https://build:{PASSWORD}@build.example/hook"]})

    page = admin_client.get(reverse("audit:list")).content.decode()
    export = b"".join(admin_client.get(reverse("audit:csv")).streaming_content).decode()
    admin_page = admin_client.get(reverse("admin:newsroom_auditentry_change", args=[entry.id])).content.decode()

    assert "https://***@build.example/hook" in page
    assert "https://***@build.example/hook" in export
    assert "https://***@build.example/hook" in admin_page
    assert PASSWORD not in page + export + admin_page


def test_a_view_only_admin_sees_a_stored_address_masked(client, editor):
    webhook = make_webhook(f"https://build:{PASSWORD}@build.example/hook")
    editor.is_staff = True
    editor.save()
    editor.user_permissions.add(Permission.objects.get(codename="view_webhook"))
    client.force_login(editor)

    page = client.get(reverse("admin:rewrites_webhook_change", args=[webhook.id]))

    assert page.status_code == 200 and "https://***@build.example/hook" in page.content.decode()
    assert PASSWORD not in page.content.decode()


def test_a_delivery_to_a_stored_address_with_a_password_never_records_or_logs_it(seed_record, editor, caplog):
    rewrite = make_approved(seed=seed_record, number=61)
    with Receiver() as receiver:
        make_webhook(f"http://build:{PASSWORD}@{receiver.host}{Receiver.PATH}")
        with caplog.at_level(logging.INFO):
            publish_through_the_queue(rewrite.id, editor)

    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == [] and delivery.state == WebhookDelivery.State.FAILED
    assert "contains a user name or password" in delivery.last_error
    said = [delivery.last_error, *WebhookAttempt.objects.values_list("error", flat=True),
            *Notification.objects.values_list("message", flat=True), caplog.text]
    assert PASSWORD not in "\n".join(said)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
        ("http://localhost/hook", "is a loopback address"),
        ("http://[::ffff:127.0.0.1]/hook", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a cloud metadata service"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private network address"),
    ],
)
def test_the_admin_refuses_an_address_delivery_would_refuse_and_says_why(admin_client, settings, url, reason):
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = []

    response = admin_client.post(reverse("admin:rewrites_webhook_add"), {**FORM_FIELDS, "url": url})

    errors = url_errors(response)
    assert any("Webhooks cannot be sent to this address" in error and reason in error for error in errors), errors
    assert not Webhook.objects.exists()


def test_the_admin_accepts_a_host_the_webhook_allow_list_names(admin_client, settings):
    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1:8000/hooks"]

    allowed = admin_client.post(reverse("admin:rewrites_webhook_add"), {**FORM_FIELDS, "url": "http://127.0.0.1:8000/hooks/a"})
    outside = admin_client.post(reverse("admin:rewrites_webhook_add"), {**FORM_FIELDS, "url": "http://127.0.0.1:8000/other"})

    assert allowed.status_code == 302
    assert Webhook.objects.get().url == "http://127.0.0.1:8000/hooks/a"
    assert any("allows only some paths" in error for error in url_errors(outside))


@pytest.mark.parametrize(
    "allowed_hosts",
    [[], ["127.0.0.1"], ["localhost"], ["127.0.0.1:9/hooks"], ["169.254.169.254"]],
)
def test_the_form_and_delivery_refuse_the_same_addresses(settings, allowed_hosts):
    from newsroom.outbound import BlockedAddressError, FetchError, post

    settings.NEWSROOM_WEBHOOK_ALLOWED_HOSTS = allowed_hosts
    urls = ["http://127.0.0.1:9/hooks/a", "http://127.0.0.1:9/other", "http://localhost:9/hooks/a",
            "http://[::1]:9/hooks/a", "http://169.254.169.254:9/latest", "http://10.1.2.3:9/hook",
            "http://192.0.2.1:9/hook", f"http://user:{PASSWORD}@127.0.0.1:9/hooks/a"]

    def form_refuses(url: str) -> bool:
        try:
            Webhook(name="site build", url=url, secret=SECRET).full_clean()
        except ValidationError:
            return True
        return False

    def delivery_refuses(url: str) -> bool:
        try:
            post(url, body=b"{}", headers={}, timeout=0.2)
        except BlockedAddressError:
            return True
        except FetchError:
            return False
        return False

    assert {url: form_refuses(url) for url in urls} == {url: delivery_refuses(url) for url in urls}
