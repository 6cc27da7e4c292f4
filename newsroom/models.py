import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the records API. Only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'site build'.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="The token's first characters.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Creates a token for user and returns it with its key, which is shown only once."""
        key = "nr_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(key), prefix=key[:10])
        return token, key

    def set_new_key(self) -> str:
        key = "nr_" + secrets.token_urlsafe(32)
        self.key_hash = hash_token(key)
        self.prefix = key[:10]
        return key


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def editorial(self):
        return self.filter(category=AuditEntry.Category.EDITORIAL)


class AuditLogIsAppendOnly(Exception):
    """An attempt to change or delete an audit entry; the log only grows."""


class AuditEntry(models.Model):
    """One action someone (or a job acting for them) took on the desk. Append-only: ``newsroom.audit.record``
    writes entries; nothing changes or deletes them (the database refuses it too)."""

    class Category(models.TextChoices):
        EDITORIAL = "editorial", "Editorial"
        ADMIN = "admin", "Administration"
        ACCESS = "access", "Logins"

    at = models.DateTimeField(default=timezone.now, editable=False)
    # A plain id and the name at the time, so entries outlive the account and never change when it is deleted.
    actor_id = models.IntegerField(null=True, blank=True, editable=False)
    actor_name = models.CharField(max_length=150, blank=True, editable=False)
    category = models.CharField(max_length=20, choices=Category.choices, editable=False)
    action = models.CharField(max_length=50, editable=False)
    object_type = models.CharField(max_length=50, blank=True, editable=False)
    object_id = models.CharField(max_length=100, blank=True, editable=False)
    object_label = models.CharField(max_length=300, blank=True, editable=False)
    changes = models.JSONField(default=dict, blank=True, editable=False)
    reason = models.TextField(blank=True, editable=False)
    remote_addr = models.GenericIPAddressField(null=True, blank=True, editable=False)
    # The hash chain, written by the database as the entry is inserted (whatever is given here is replaced):
    # entry_hash covers the entry's content and previous_hash, the entry_hash of the entry before it.
    previous_hash = models.CharField(max_length=64, blank=True, db_default="", editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, db_default="", editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        permissions = [("view_all_audit", "Can see every audit entry, admin and login ones included")]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at"),
            models.Index(fields=["category", "-at", "-id"], name="audit_category_at"),
            models.Index(fields=["actor_name", "-at", "-id"], name="audit_actor_at"),
            models.Index(fields=["action", "-at", "-id"], name="audit_action_at"),
            models.Index(fields=["object_type", "object_id", "-at", "-id"], name="audit_object_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class Notification(models.Model):
    """Something that needs a person's attention, once per cause: ``newsroom.notifications.notify`` creates it,
    ``clear`` marks the cause gone (so it may fire again later)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    cause_key = models.CharField(max_length=200)
    message = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "cause_key"], condition=models.Q(cleared_at__isnull=True),
                name="notification_once_per_open_cause",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["cause_key"], condition=models.Q(cleared_at__isnull=True), name="notification_open"),
        ]

    def __str__(self) -> str:
        return self.message


class NotificationSettings(models.Model):
    """A person's own choices: which kinds reach their inbox and which are also emailed.

    ``choices`` maps a kind to {"inbox": bool, "email": bool}; a kind not in it takes the default of the
    person's role (``newsroom.notifications.default_choices``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    choices = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "notification settings"
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"
