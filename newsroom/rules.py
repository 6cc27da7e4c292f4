"""Who may do what on the desk: the one permission rule set.

``RULES`` maps every action to the Django permission it needs and the roles that
have it; ``newsroom/roles.py`` builds the Editors, Staff and Admins groups from
the same table. ``may(user, action)`` answers for the user's role;
``refusal(user, action, obj)`` also asks the object's state rules (a rewrite's
status: ``rewrites/states.py``) and returns the sentence that says why not, or
"" when the action is allowed. Views are decorated with ``@requires(action)``,
templates read ``may`` and ``navigation`` from the ``desk`` context processor,
and the API uses ``@requires(Action.READ_API, api=True)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

EDITORS = "Editors"
STAFF = "Staff"
ADMINS = "Admins"
ROLES = (EDITORS, STAFF, ADMINS)


class Action(StrEnum):
    VIEW = "view"
    VIEW_CLUSTERS = "view_clusters"
    VIEW_SOURCES = "view_sources"
    EDIT = "edit"
    APPROVE = "approve"
    SPIKE = "spike"
    RESTORE = "restore"
    REGENERATE = "regenerate"
    TRANSLATE = "translate"
    PUBLISH = "publish"
    REPUBLISH = "republish"
    KILL = "kill"
    ASSIGN = "assign"
    EDIT_CLUSTERS = "edit_clusters"
    MANAGE_SOURCES = "manage_sources"
    EXPORT_NEWSLETTER = "export_newsletter"
    READ_API = "read_api"
    VIEW_DASHBOARD = "view_dashboard"
    RETRY_JOBS = "retry_jobs"
    VIEW_AUDIT = "view_audit"
    VIEW_ALL_AUDIT = "view_all_audit"
    NOTIFICATIONS = "notifications"


@dataclass(frozen=True)
class Rule:
    permission: str
    roles: tuple[str, ...]
    what: str  # completes "Your role cannot ..."


EVERY_ROLE = (EDITORS, STAFF, ADMINS)
DESK = (EDITORS, ADMINS)

RULES: dict[Action, Rule] = {
    Action.VIEW: Rule("rewrites.view_rewrite", EVERY_ROLE, "read the desk's rewrites"),
    Action.VIEW_CLUSTERS: Rule("clusters.view_cluster", EVERY_ROLE, "see the clusters"),
    Action.VIEW_SOURCES: Rule("clusters.view_source", EVERY_ROLE, "see the sources"),
    Action.EDIT: Rule("rewrites.review_rewrite", DESK, "edit rewrites"),
    Action.APPROVE: Rule("rewrites.review_rewrite", DESK, "approve rewrites"),
    Action.SPIKE: Rule("rewrites.review_rewrite", DESK, "spike rewrites"),
    Action.RESTORE: Rule("rewrites.review_rewrite", DESK, "restore earlier revisions"),
    Action.REGENERATE: Rule("rewrites.review_rewrite", DESK, "regenerate rewrites"),
    Action.TRANSLATE: Rule("rewrites.review_rewrite", DESK, "have sources machine-translated"),
    Action.ASSIGN: Rule("rewrites.review_rewrite", DESK, "assign rewrites"),
    Action.PUBLISH: Rule("rewrites.publish_rewrite", DESK, "publish stories"),
    Action.REPUBLISH: Rule("rewrites.publish_rewrite", DESK, "republish stories"),
    Action.KILL: Rule("rewrites.publish_rewrite", DESK, "take stories off the public site"),
    Action.EDIT_CLUSTERS: Rule("clusters.change_cluster", DESK, "merge clusters, move articles or mark roundups"),
    Action.MANAGE_SOURCES: Rule("clusters.change_source", (ADMINS,), "add, edit, disable or fetch sources"),
    Action.EXPORT_NEWSLETTER: Rule("rewrites.export_newsletter", EVERY_ROLE, "export the newsletter"),
    Action.READ_API: Rule("rewrites.view_rewrite", EVERY_ROLE, "read records through the API"),
    Action.VIEW_DASHBOARD: Rule("rewrites.view_dashboard", EVERY_ROLE, "see the operations dashboard"),
    Action.RETRY_JOBS: Rule("rewrites.retry_job", (ADMINS,), "retry failed background jobs"),
    Action.VIEW_AUDIT: Rule("newsroom.view_auditentry", DESK, "read the audit log"),
    Action.VIEW_ALL_AUDIT: Rule(
        "newsroom.view_all_audit", (ADMINS,), "read the admin and login entries of the audit log"
    ),
    Action.NOTIFICATIONS: Rule("newsroom.view_notification", EVERY_ROLE, "receive notifications"),
}

# The desk's pages in the navigation, each with the action that opens it.
NAVIGATION: list[tuple[str, str, Action]] = [
    ("Queue", "rewrites:queue", Action.VIEW),
    ("Sources", "sources:list", Action.VIEW_SOURCES),
    ("Newsletter", "newsletter:page", Action.EXPORT_NEWSLETTER),
    ("Clusters", "clusters:list", Action.VIEW_CLUSTERS),
    ("Dashboard", "dashboard:page", Action.VIEW_DASHBOARD),
    ("Audit log", "audit:list", Action.VIEW_AUDIT),
]


def role_permissions(role: str) -> list[str]:
    """The permissions the role's group holds: those of every action the table gives it."""
    return sorted({rule.permission for rule in RULES.values() if role in rule.roles})


def may(user, action: Action | str) -> bool:
    """Whether the user's role allows the action (whatever the state of any object)."""
    return bool(user is not None and user.is_authenticated and user.has_perm(RULES[Action(action)].permission))


def role_refusal(user, action: Action | str) -> str:
    """"" when the user's role allows the action; else the sentence saying what the role cannot do."""
    rule = RULES[Action(action)]
    if user is None or not user.is_authenticated:
        return f"Log in to {rule.what}."
    if may(user, action):
        return ""
    roles = list(user.groups.values_list("name", flat=True))
    if not roles:
        return (
            f"Your account has no role yet, so it cannot {rule.what}: "
            f"ask an admin to add you to {', '.join(ROLES[:-1])} or {ROLES[-1]}."
        )
    return f"Your role ({', '.join(sorted(roles))}) cannot {rule.what}."


# Objects whose state also decides what may be done to them register here (rewrites/apps.py).
_STATE_RULES: dict[type, Callable[..., str]] = {}


def register_state_rules(model: type, check: Callable[..., str]) -> None:
    """Makes ``refusal`` ask check(obj, action, **facts) about objects of model ("" = allowed)."""
    _STATE_RULES[model] = check


def state_refusal(obj: Any, action: Action | str, **facts) -> str:
    """"" when obj's state allows the action (or obj has no state rules); else why not."""
    check = _STATE_RULES.get(type(obj))
    return check(obj, Action(action), **facts) if check else ""


def refusal(user, action: Action | str, obj: Any = None, **facts) -> str:
    """"" when the user may do the action (to obj, in its current state); else the sentence why not."""
    return role_refusal(user, action) or (state_refusal(obj, action, **facts) if obj is not None else "")


def actor_refusal(actor, action: Action | str, obj: Any = None, **facts) -> str:
    """What a service asks before it acts: refusal() for a person, and for the desk itself (actor None: a
    scheduled sweep, a command run by the operator) only the object's state, since no role is acting."""
    if actor is None:
        return state_refusal(obj, action, **facts) if obj is not None else ""
    return refusal(actor, action, obj, **facts)


def allowed_actions(user, obj: Any, actions: list[Action], **facts) -> set[Action]:
    """The actions of the list that the user may do to obj now."""
    return {action for action in actions if may(user, action) and not state_refusal(obj, action, **facts)}


def navigation(user) -> list[dict[str, str]]:
    """The pages the user may open, in navigation order, as {"label", "url"}."""
    links = [
        {"label": label, "url": reverse(url_name)} for label, url_name, action in NAVIGATION if may(user, action)
    ]
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        links.append({"label": "Admin", "url": reverse("admin:index")})
    return links


def requires(*actions: Action, api: bool = False, **by_method: Action):
    """Decorates a view that needs the role for every one of actions (or, for an HTTP method named in
    by_method, for by_method[METHOD] instead).

    A visitor who is not logged in is sent to the login page (``api``: 401
    JSON); a user whose role does not allow the action gets 403 with the
    sentence saying what the role cannot do (``api``: as JSON).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            needed = [by_method[request.method]] if request.method in by_method else actions
            user = request.user
            if not user.is_authenticated:
                if api:
                    return JsonResponse(
                        {"error": "Log in, or send 'Authorization: Bearer <token>' with a token an admin created."},
                        status=401,
                    )
                return redirect_to_login(request.get_full_path())
            for action in needed:
                if sentence := role_refusal(user, action):
                    if api:
                        return JsonResponse({"error": sentence}, status=403)
                    raise PermissionDenied(sentence)
            return view(request, *args, **kwargs)

        wrapper.actions_by_method = {"*": actions, **{method: (needed,) for method, needed in by_method.items()}}
        return wrapper

    return decorator


def require(user, action: Action) -> None:
    """Raises PermissionDenied, saying what the role cannot do, unless the user's role allows the action."""
    if sentence := role_refusal(user, action):
        raise PermissionDenied(sentence)
