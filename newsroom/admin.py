import json

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from newsroom.audit import diff, record, shown_changes
from newsroom.models import ApiToken, AuditEntry, NotificationSettings
from newsroom.rules import Action, may


class AuditedAdmin(admin.ModelAdmin):
    """An admin whose every add, change and delete writes one audit entry (after the related objects are saved,
    so a change of groups or permissions is in the same entry)."""

    audit_fields: list[str] = []
    audit_masked: list[str] = []  # recorded as "(changed)", never their value

    def audit_values(self, obj) -> dict:
        values = {}
        for name in self.audit_fields:
            value = getattr(obj, name)
            if hasattr(value, "all"):
                value = sorted(str(item) for item in value.all())
            values[name] = value
        return values

    def audit_action(self, *, created: bool, before: dict, after: dict) -> str:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        request._audit_before = (
            self.audit_values(type(obj).objects.get(pk=obj.pk)) if change and obj.pk is not None else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_before", None)
        after = self.audit_values(obj)
        changes = diff(before or {}, after)
        if before is not None and not changes:
            return
        for name in self.audit_masked:
            if name in changes:
                changes[name] = ["(hidden)", "(changed)"] if before is not None else ["", "(set)"]
        record(action=self.audit_action(created=before is None, before=before or {}, after=after),
               obj=obj, changes=changes, request=request)

    def audit_delete_action(self, obj) -> str:
        raise NotImplementedError

    def delete_model(self, request, obj):
        record(action=self.audit_delete_action(obj), obj=obj, changes=diff(self.audit_values(obj), {}), request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(action=self.audit_delete_action(obj), obj=obj, changes=diff(self.audit_values(obj), {}),
                   request=request)
        super().delete_queryset(request, queryset)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    audit_fields = ["user", "name", "prefix", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            key = obj.set_new_key()
            messages.warning(
                request,
                f"The new token is {key} . Copy it now: it is not stored and will not be shown again.",
            )
        super().save_model(request, obj, form, change)

    def audit_action(self, *, created: bool, before: dict, after: dict) -> str:
        if created:
            return "token_create"
        if before.get("revoked_at") is None and after.get("revoked_at") is not None:
            return "token_revoke"
        return "token_edit"

    def audit_delete_action(self, obj) -> str:
        return "token_revoke"


# Users and roles: the admin is where accounts and groups change, so it records them.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    audit_fields = [
        "username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser", "groups",
        "user_permissions", "password",
    ]
    audit_masked = ["password"]

    def audit_action(self, *, created: bool, before: dict, after: dict) -> str:
        return "user_create" if created else "user_change"

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            record(action="user_change", obj=self.get_object(request, id), request=request,
                   changes={"password": ["(hidden)", "(changed)"]})
        return response

    def audit_delete_action(self, obj) -> str:
        return "user_delete"


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    audit_fields = ["name", "permissions"]

    def audit_action(self, *, created: bool, before: dict, after: dict) -> str:
        return "role_change"

    def audit_delete_action(self, obj) -> str:
        return "role_change"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries can be looked at by those who may read the whole log, never added, changed or deleted."""

    list_display = ["at", "actor_name", "action", "object_type", "object_label", "remote_addr"]
    list_filter = ["category", "action"]
    search_fields = ["actor_name", "object_id", "object_label"]
    readonly_fields = [
        "at", "actor_id", "actor_name", "category", "action", "object_type", "object_id", "object_label",
        "shown_changes", "reason", "remote_addr",
    ]
    fields = readonly_fields
    actions = None

    @admin.display(description="changes")
    def shown_changes(self, obj: AuditEntry) -> str:
        return json.dumps(shown_changes(obj.changes), ensure_ascii=False)

    def has_view_permission(self, request, obj=None) -> bool:
        return may(request.user, Action.VIEW_ALL_AUDIT)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user"]
    raw_id_fields = ["user"]
