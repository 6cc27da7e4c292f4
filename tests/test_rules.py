"""The permission rule set: every action x every role x anonymous, over HTTP, and the navigation per role."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from clusters.models import Source
from newsroom.roles import ensure_roles
from newsroom.rules import ADMINS, EDITORS, NAVIGATION, ROLES, RULES, STAFF, Action, may, role_permissions
from rewrites import states
from rewrites.models import PublishJob, Rewrite, Suggestion
from rewrites.records import import_record

pytestmark = pytest.mark.django_db

# Routes outside the desk's own rule set: Django's auth and admin, the public site, demo and media files.
OUTSIDE = ("accounts/", "admin/", "stories/", "sections/", "feeds/", "demo-feeds/", "^media/")
USERS = ["editor", "staff", "admin_user", "nobody", "anonymous"]
ROLE_OF = {"editor": EDITORS, "staff": STAFF, "admin_user": ADMINS, "nobody": None}


def desk_routes() -> list[tuple[str, str, object]]:
    """(url name, route, view) of every URL the desk serves itself."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(OUTSIDE):
                continue
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                found.append((namespace + (entry.name or ""), route, entry.callback))

    walk(get_resolver().url_patterns)
    return found


ROUTES = desk_routes()
CASES = [
    (name, method, actions)
    for name, _, view in ROUTES
    for method, actions in getattr(view, "actions_by_method", {"*": ()}).items()
]


def test_every_desk_view_names_the_action_it_needs():
    undecorated = [name for name, _, view in ROUTES if not getattr(view, "actions_by_method", None)]

    assert ROUTES and undecorated == []


def test_every_action_has_a_url():
    covered = {action for _, _, actions in CASES for action in actions}

    # VIEW_ALL_AUDIT widens what the audit page shows; it opens no page of its own.
    assert covered == set(Action) - {Action.VIEW_ALL_AUDIT}


@pytest.fixture
def desk(seed_record):
    """The objects the desk's URLs point at: a rewrite and a source."""
    rewrite, _ = import_record(seed_record)
    source = Source.objects.first()
    publish_job = PublishJob.objects.create(rewrite=rewrite, state=PublishJob.State.DONE, outcome="published")
    suggestion = Suggestion.objects.create(rewrite=rewrite, field="summary", text="A regenerated summary.")
    return {
        "rewrite_id": rewrite.id, "field_name": "headline", "source_id": source.id,
        "article_id": rewrite.cluster.articles.first().id,
        "suggestion_id": suggestion.id, "choice": "discard",
        "job_id": f"ingest-source-{source.id}-0",
        "notification_id": 1,
        # A route whose argument means something else there is keyed by its name.
        "publishing:progress:job_id": publish_job.id,
    }


def url_for(name: str, desk: dict) -> str:
    route = next(route for url_name, route, _ in ROUTES if url_name == name)
    needed = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(name, kwargs={key: desk.get(f"{name}:{key}", desk.get(key)) for key in needed})


def client_for(request, user: str) -> Client:
    client = Client()
    if user != "anonymous":
        client.force_login(request.getfixturevalue(user))
    return client


def method_of(name: str, method: str, url: str, request) -> str:
    """The HTTP method the view answers: the one named in its rule, else GET unless it allows only POST."""
    if method != "*":
        return method
    probe = Client()
    probe.force_login(request.getfixturevalue("admin_user"))
    return "POST" if probe.get(url).status_code == 405 else "GET"


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("name, method, actions", CASES, ids=[f"{n}-{m}" for n, m, _ in CASES])
def test_every_action_for_every_role_over_http(request, desk, name, method, actions, user):
    url = url_for(name, desk)
    method = method_of(name, method, url, request)
    client = client_for(request, user)

    response = client.get(url) if method == "GET" else client.post(url)

    is_api = name.startswith("api:")
    view = next(view for url_name, _, view in ROUTES if url_name == name)
    if user == "anonymous" and getattr(view, "public_for_visitors", False):
        assert response.status_code == 200  # the public front page
        return
    if user == "anonymous":
        if is_api:
            assert response.status_code == 401 and "Bearer" in response.json()["error"]
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    role = ROLE_OF[user]
    allowed = all(role in RULES[action].roles for action in actions)
    if allowed:
        assert response.status_code not in (401, 403), response.status_code
        assert "/accounts/login/" not in response.get("Location", "")
    else:
        refused = next(action for action in actions if role not in RULES[action].roles)
        assert response.status_code == 403
        text = response.json()["error"] if is_api else response.content.decode()
        sentence = f"cannot {RULES[refused].what}"
        assert (sentence if is_api else escape(sentence)) in text


@pytest.mark.parametrize("role", [*ROLES, None])
@pytest.mark.parametrize("action", list(Action))
def test_may_follows_the_rule_table(request, role, action):
    user = request.getfixturevalue({EDITORS: "editor", STAFF: "staff", ADMINS: "admin_user", None: "nobody"}[role])

    assert may(user, action) == (role in RULES[action].roles)


def test_anonymous_may_do_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert not any(may(AnonymousUser(), action) for action in Action)


def test_actions_that_share_a_permission_are_given_to_the_same_roles():
    roles_by_permission = {}
    for action, rule in RULES.items():
        roles_by_permission.setdefault(rule.permission, set(rule.roles))
        assert roles_by_permission[rule.permission] == set(rule.roles), action


def readme_roles_table() -> dict[str, tuple[str, set[str]]]:
    """action → (permission, roles marked yes) from the README's roles table."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.search(r"\(`\w+`", cells[0]):
            roles = {role for role, cell in zip(ROLES, cells[2:]) if cell == "yes"}
            for action in re.findall(r"`(\w+)`", cells[0]):
                rows[action] = (cells[1].strip("`"), roles)
    return rows


def test_the_readme_roles_table_says_what_the_rule_table_says():
    table = readme_roles_table()

    assert table == {action.value: (rule.permission, set(rule.roles)) for action, rule in RULES.items()}


def test_groups_hold_the_permissions_of_their_actions(db):
    groups = ensure_roles()

    for role in (EDITORS, STAFF):
        held = {f"{p.content_type.app_label}.{p.codename}" for p in groups[role].permissions.all()}
        assert held == set(role_permissions(role)), role
    assert groups[ADMINS].permissions.count() == Permission.objects.count()
    assert Group.objects.filter(name__in=ROLES).count() == 3


def test_a_refused_role_is_told_what_it_cannot_do(client, staff, seed_record):
    rewrite, _ = import_record(seed_record)
    client.force_login(staff)

    response = client.post(reverse("rewrites:approve", args=[rewrite.id]))

    assert response.status_code == 403
    assert "Your role (Staff) cannot approve rewrites." in response.content.decode()


def test_an_account_without_a_role_is_told_to_ask_for_one(client, nobody):
    client.force_login(nobody)

    response = client.get("/")

    assert response.status_code == 403
    assert "Your account has no role yet" in response.content.decode()
    assert "ask an admin to add you to Editors, Staff or Admins" in response.content.decode()


# Navigation


def nav_links(html: str) -> set[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    return set(re.findall(r'href="([^"]+)"', nav.group(1))) if nav else set()


@pytest.fixture
def staff_admin(admin_user):
    admin_user.is_staff = True
    admin_user.save()
    return admin_user


@pytest.mark.parametrize("user", ["editor", "staff", "admin_user", "staff_admin", "nobody"])
def test_navigation_shows_exactly_the_pages_the_role_may_open(request, user):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    pages = [reverse(url_name) for _, url_name, _ in NAVIGATION] + [reverse("admin:index")]

    opened = {page for page in pages if client.get(page).status_code == 200}
    shown = nav_links(client.get("/").content.decode())

    assert shown == opened
    assert (user == "nobody") == (not opened)


# The workspace shows the actions the rule set allows (role and status)


ACTION_MARKERS = {
    Action.APPROVE: "/approve/",
    Action.SPIKE: "/spike/",
    Action.REGENERATE: "/regenerate/",
    Action.EDIT: "?edit=1",
    Action.PUBLISH: '<button type="submit">Publish</button>',
    Action.REPUBLISH: "Republish</button>",
    Action.KILL: "/unpublish/",
}


@pytest.mark.parametrize("user", ["editor", "staff"])
@pytest.mark.parametrize("status", Rewrite.Status.values)
def test_workspace_offers_exactly_the_actions_the_role_and_status_allow(request, seed_record, status, user):
    rewrite, _ = import_record(seed_record)
    states.import_status(rewrite, status=status)
    client = Client()
    client.force_login(request.getfixturevalue(user))

    html = client.get(reverse("rewrites:workspace", args=[rewrite.id])).content.decode()

    offered = {action for action, marker in ACTION_MARKERS.items() if marker in html}
    expected = states.actions_for(rewrite) & set(ACTION_MARKERS) if user == "editor" else set()
    assert offered == expected
