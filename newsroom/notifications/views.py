"""The inbox (``/notifications/``), marking read, and each person's own notification settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from newsroom.models import Notification
from newsroom.notifications import KINDS, choices_for, mark_all_read, mark_read, save_choices
from newsroom.rules import Action, requires

INBOX_SIZE = 100


@require_GET
@requires(Action.NOTIFICATIONS)
def inbox(request: HttpRequest) -> TemplateResponse:
    """The person's latest notifications, unread first marked, each linking to where they act."""
    notifications = list(Notification.objects.filter(recipient=request.user)[:INBOX_SIZE])
    for notification in notifications:
        notification.kind_label = KINDS[notification.kind].label if notification.kind in KINDS else notification.kind
    return TemplateResponse(request, "newsroom/notifications.html", {"notifications": notifications})


@require_POST
@requires(Action.NOTIFICATIONS)
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks one notification read, then goes where it links (``?go=1``) or back to the inbox."""
    if not mark_read(request.user, notification_id):
        messages.error(request, "That notification is not in your inbox; it may belong to someone else.")
        return redirect("notifications:inbox")
    link = Notification.objects.filter(id=notification_id).values_list("link", flat=True).first() or ""
    if request.POST.get("go") and link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:inbox")


@require_POST
@requires(Action.NOTIFICATIONS)
def read_all(request: HttpRequest) -> HttpResponse:
    count = mark_all_read(request.user)
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} read.")
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
@requires(Action.NOTIFICATIONS)
def notification_settings(request: HttpRequest) -> TemplateResponse | HttpResponse:
    """The person's own choice, per kind, of inbox and email."""
    if request.method == "POST":
        save_choices(request.user, {
            kind: {"inbox": f"{kind}-inbox" in request.POST, "email": f"{kind}-email" in request.POST}
            for kind in KINDS
        })
        note = "" if request.user.email else " Add an email address to your account to receive email."
        messages.success(request, "Saved your notification settings." + note)
        return redirect("notifications:settings")
    chosen = choices_for(request.user)
    rows = [{"kind": kind, "label": spec.label, **chosen[kind]} for kind, spec in KINDS.items()]
    return TemplateResponse(request, "newsroom/notification_settings.html", {"rows": rows})
