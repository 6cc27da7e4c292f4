"""Notifications: something needs a person, said once per cause.

``notify`` creates one notification per person who wants that kind, unless
they already have one for the same cause that has not cleared (a partial
unique constraint makes this hold under concurrency too), and emails those
who asked for email. ``clear`` marks a cause gone when the problem is fixed
(the source fetched again, the story republished, ...), so the next time it
happens it is said again. Each feature calls both at the one place its state
changes; nothing here knows about sources or rewrites.

Who gets what is each person's choice (``NotificationSettings``); without a
choice, a kind goes to the inbox of the roles it is meant for
(``KINDS``) and is not emailed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from newsroom.models import Notification, NotificationSettings
from newsroom.rules import ADMINS, EDITORS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    label: str
    roles: tuple[str, ...]  # who gets it by default


KINDS: dict[str, Kind] = {
    "source": Kind("A source failing fetch after fetch, or disabled", (ADMINS,)),
    "job": Kind("A publish job or webhook delivery that failed for good", (ADMINS,)),
    "budget": Kind("The daily model budget at 80% and at 100%", (ADMINS,)),
    "stale": Kind("A published story that gained new sources", (EDITORS,)),
    "generation": Kind("A generation that failed after its repairs", (EDITORS,)),
    "assigned": Kind("A rewrite assigned to you", (EDITORS,)),
}


def _roles(user) -> set[str]:
    roles = {group.name for group in user.groups.all()}
    if user.is_superuser:
        roles.add(ADMINS)
    return roles


def default_choices(user) -> dict[str, dict[str, bool]]:
    """The choices of a person who has not chosen: the kinds meant for their roles in the inbox, no email."""
    roles = _roles(user)
    return {kind: {"inbox": bool(roles & set(spec.roles)), "email": False} for kind, spec in KINDS.items()}


def choices_for(user) -> dict[str, dict[str, bool]]:
    """The person's choice for every kind: their own where they made one, the role's default elsewhere."""
    chosen = default_choices(user)
    try:
        own = user.notification_settings.choices
    except NotificationSettings.DoesNotExist:
        own = {}
    for kind, choice in own.items():
        if kind in chosen and isinstance(choice, dict):
            inbox = bool(choice.get("inbox"))
            chosen[kind] = {"inbox": inbox, "email": inbox and bool(choice.get("email"))}
    return chosen


def save_choices(user, choices: dict[str, dict[str, bool]]) -> NotificationSettings:
    """Stores the person's choice for every kind (email only with the inbox)."""
    cleaned = {
        kind: {"inbox": bool(choices.get(kind, {}).get("inbox")),
               "email": bool(choices.get(kind, {}).get("inbox")) and bool(choices.get(kind, {}).get("email"))}
        for kind in KINDS
    }
    saved, _ = NotificationSettings.objects.update_or_create(user=user, defaults={"choices": cleaned})
    return saved


def _people():
    return (
        get_user_model().objects.filter(is_active=True)
        .filter(Q(groups__isnull=False) | Q(is_superuser=True)).distinct()
        .prefetch_related("groups").select_related("notification_settings")
    )


def notify(*, kind: str, cause_key: str, message: str, link: str = "", recipients=None) -> list[Notification]:
    """Tells everyone who wants this kind (or only recipients) about a cause, once until the cause clears.

    Returns the notifications created now: none for a person who already has an
    uncleared one for cause_key. Emails go out once the transaction commits.
    """
    if kind not in KINDS:
        raise ValueError(f"“{kind}” is not a kind of notification; add it to newsroom.notifications.KINDS.")
    people = _people() if recipients is None else recipients
    told = set(
        Notification.objects.filter(cause_key=cause_key, cleared_at__isnull=True).values_list("recipient_id", flat=True)
    )
    created = []
    for person in people:
        choice = choices_for(person)[kind]
        if not choice["inbox"] or person.pk in told:
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=person, kind=kind, cause_key=cause_key, message=message, link=link
                )
        except IntegrityError:
            continue  # Someone else said it at the same moment.
        created.append(notification)
        if choice["email"] and person.email:
            transaction.on_commit(lambda notification=notification: send_notification_email(notification.id))
    return created


def clear(cause_key: str) -> int:
    """Marks the cause gone for everyone, so that it is said again if it happens again; returns how many cleared."""
    return Notification.objects.filter(cause_key=cause_key, cleared_at__isnull=True).update(cleared_at=timezone.now())


def send_notification_email(notification_id: int) -> None:
    """Emails one notification to its recipient through Django's email backend; a failure is logged, not raised."""
    notification = Notification.objects.filter(id=notification_id).select_related("recipient").first()
    if notification is None or notification.emailed_at is not None:
        return
    base = settings.NEWSROOM_DESK_URL
    body = notification.message
    if notification.link:
        body += f"\n\n{base}{notification.link}" if notification.link.startswith("/") else f"\n\n{notification.link}"
    body += (
        f"\n\nYou get this email because you asked for it in your notification settings: "
        f"{base}/notifications/settings/"
    )
    try:
        send_mail(
            subject="[Newsroom] " + " ".join(notification.message.split())[:120],
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        logger.exception("Could not email notification %s to %s", notification.id, notification.recipient)
        return
    Notification.objects.filter(id=notification.id).update(emailed_at=timezone.now())


def unread_count(user) -> int:
    """How many of the person's notifications are unread (one query on a partial index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, notification_id: int) -> bool:
    """Marks one of the person's notifications read; False when it is not theirs or does not exist."""
    return bool(
        Notification.objects.filter(recipient=user, id=notification_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        or Notification.objects.filter(recipient=user, id=notification_id).exists()
    )


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
