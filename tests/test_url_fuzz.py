"""A fuzz pass over every URL the desk serves: hostile path arguments, query strings and form posts, as a visitor,
as Staff and as an Editor.

No request may end in a server error, and a request the role is not allowed to make may change nothing: a
fingerprint of every desk table and of the job queues is the same before and after. The URL conf is walked, so
a new view is covered the day it is added. The values are drawn from a generator seeded by the route's name, so
a failure reproduces.

The desk's code is watched as it reads a request's query string and form: every parameter a desk view reads then
gets each of EXTREME_VALUES on its own, and a view that reads a parameter FORM_KEYS does not list fails the test,
so that the list the random forms are drawn from keeps up with the views.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.http import QueryDict
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from clusters.models import Source
from newsroom.models import AuditEntry
from newsroom.notifications import KINDS
from newsroom.queues import get_queue
from newsroom.rules import may
from rewrites.models import PublishJob, Suggestion
from rewrites.records import import_record
from tests.url_walk import routes

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = [
    "", " ", "0", "-1", "1.5", "9" * 400, "99999999999999999999", "1e400", "NaN", "-Infinity", "true", "null",
    "r_" + "0" * 24, "c_" + "f" * 24, "../../etc/passwd", "..%2f..%2fsettings", "%2e%2e%2f", "a" * 3000,
    "'; DROP TABLE rewrites_rewrite; --", '" onmouseover="alert(1)', "<script>alert(1)</script>",
    "{{ settings.SECRET_KEY }}", "{% debug %}", "${7*7}", "javascript:alert(1)", "http://127.0.0.1:1/",
    "http://[::1", "file:///etc/passwd", "//evil.example/", "https://evil.example/@x", "\u202eevil",
    "フリーレン" * 50, "👩‍💻", "\ufeff", "\r\nSet-Cookie: x=1", "9999-12-31T23:59:59.999-23:59",
    "0001-01-01T00:00:00+14:00", "2026-02-30", "headline", "summary", "approve", "publish", "discard", "accept",
]
# Sent on their own in every parameter each view reads: digits int() or isdigit() take that are not 0-9, numbers
# past PostgreSQL's integer and past Python's 4,300-digit limit, the calendar's ends and a dotted name.
EXTREME_VALUES = ["²", "٣", "1" * 20, "9" * 5000, "9999-12-31", "0001-01-01", "a.b"]
HOSTILE_TEXT += EXTREME_VALUES
# Bytes that are not UTF-8, a lone surrogate's encoding and an overlong slash, sent raw in the query string.
RAW_QUERIES = ["q=%ff%fe", "q=%ed%a0%80", "q=%c0%af", "page=%e3%81", "since=%2B%2B&limit=%ff"]
FORM_KEYS = [
    "headline", "summary", "why_it_matters", "web_card_html", "twitter_post", "bluesky_post", "threads_post",
    "newsletter_blurb", "field", "text", "value", "version", "base_version", "reason", "status", "slug", "name",
    "feed_url", "site_url", "url", "language", "domain", "trust", "poll_interval_minutes", "enabled", "licence",
    "q", "since", "until", "after", "limit", "page", "next", "cluster", "cluster_id", "article", "article_id",
    "target", "choice", "alt", "credit", "image", "username", "password", "email", "token", "format", "date",
    "date_from", "date_to", "ids", "rewrite", "rewrite_ids", "action", "section", "sort", "order",
    "a", "b", "assigned", "assignee", "before", "change", "confirm", "content_type", "correction_note", "drop",
    "edit", "errors", "exclude", "filters_key", "from", "keep", "leaving", "merge", "move", "number", "object",
    "override_reason", "person", "queue", "range", "rows", "solo", "source", "source-0", "stale", "state", "target_q", "title-0",
    "type", "url-0", *[f"{kind}-{channel}" for kind in KINDS for channel in ("inbox", "email")],
]
# The code whose reads of a request's query or form count as the views' parameters (forms read through widgets).
DESK_MODULES = ("newsroom.", "clusters.", "rewrites.", "django.forms.")
PATH_VALUES = ["0", "99999999999999999999", "-1", "r_" + "0" * 24, "c_" + "0" * 24, "a" * 300, "フリーレン",
               "..", "%2e%2e", "headline'--", "<b>", "1 OR 1=1"]


def desk_tables() -> list:
    tables = [model for model in apps.get_models() if model._meta.app_label in {"clusters", "rewrites", "newsroom"}]
    return tables + [User, Group]


def fingerprint() -> dict[str, str]:
    """A digest of every row of the desk's tables (logins aside: the last-login time and the audit log's
    login, logout and failed-login entries) and the length of every job queue."""
    state = {}
    for model in desk_tables():
        fields = [field.attname for field in model._meta.concrete_fields if field.attname != "last_login"]
        rows = model.objects.order_by("pk")
        if model is AuditEntry:
            rows = rows.exclude(category=AuditEntry.Category.ACCESS)
        rows = rows.values_list(*fields)
        state[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    for name in ("default", "ingest", "generate", "publish"):
        queue = get_queue(name)
        state[f"queue {name}"] = f"{queue.count} queued, {queue.scheduled_job_registry.count} scheduled"
    return state


@pytest.fixture
def desk(seed_record, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    rewrite, _ = import_record(seed_record)
    source = Source.objects.create(name="Probe source", feed_url="https://example.com/probe.xml")
    publish_job = PublishJob.objects.create(rewrite=rewrite, state=PublishJob.State.DONE, outcome="published")
    suggestion = Suggestion.objects.create(rewrite=rewrite, field="summary", text="A regenerated summary.")
    return {
        "rewrite_id": rewrite.id, "field_name": "headline", "source_id": str(source.pk), "slug": rewrite.slug or "x",
        "article_id": rewrite.cluster.articles.first().id, "suggestion_id": str(suggestion.id), "choice": "discard",
        "job_id": "0123456789abcdef", "path": "wikinews-a/feed.xml", "app_label": "auth", "model_name": "user",
        "object_id": "1", "queue_index": "0", "job_status": "finished",
        "publishing:progress:job_id": str(publish_job.id),
    }


ROUTE_NAMES = [
    route.name for route in routes({"path": "wikinews-a/feed.xml", "app_label": "auth", "model_name": "user"})[0]
]


def may_change(user, path: str, method: str) -> bool:
    """Whether the user's role allows the desk action the view behind path needs for method."""
    if user is None:
        return False
    view = resolve(path.split("?")[0]).func
    by_method = getattr(view, "actions_by_method", None)
    if by_method is None:
        return user.is_staff  # Django's admin and the queue dashboard; the public pages change nothing
    actions = by_method.get(method, by_method["*"])
    return all(may(user, action) for action in actions)


def hostile_paths(name: str, kwargs: dict, rng: random.Random) -> list[str]:
    found = []
    for argument in kwargs:
        for value in rng.sample(PATH_VALUES, 4):
            try:
                found.append(reverse(name, kwargs={**kwargs, argument: value}))
            except NoReverseMatch:
                continue
    return found


@pytest.fixture
def parameters_read(monkeypatch) -> set[str]:
    """The names the desk's code asks a query string or form for while the test runs (numbered names, such as a
    credit's source-3, as source-0); the test empties it to learn what one request read."""
    read: set[str] = set()

    def watch(method: str) -> None:
        original = getattr(QueryDict, method)

        def watched(self, key, *args, **kwargs):
            if isinstance(key, str) and sys._getframe(1).f_globals.get("__name__", "").startswith(DESK_MODULES):
                read.add(re.sub(r"-[0-9]+$", "-0", key))
            return original(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, method, watched)

    for method in ("get", "getlist", "__getitem__", "__contains__"):
        watch(method)
    return read


def hostile_form(rng: random.Random) -> dict[str, str]:
    return {key: rng.choice(HOSTILE_TEXT) for key in rng.sample(FORM_KEYS, 8)}


def requests_for(path: str, name: str, kwargs: dict, rng: random.Random) -> list[tuple[str, str, dict, dict]]:
    """(method, path, data, headers) for one role: the real address and hostile ones, GET and POST, htmx or not."""
    htmx = {"HTTP_HX_REQUEST": "true"}
    made = [
        ("GET", path, hostile_form(rng), {}),
        ("GET", f"{path}?{rng.choice(RAW_QUERIES)}", {}, {}),
        ("POST", path, hostile_form(rng), {}),
        ("POST", path, hostile_form(rng), htmx),
        ("POST", path, {}, htmx),
    ]
    for hostile in hostile_paths(name, kwargs, rng):
        made.append((rng.choice(["GET", "POST"]), hostile, hostile_form(rng), rng.choice([{}, htmx])))
    return made


def extreme_requests(path: str, read: dict[str, set[str]], rng: random.Random) -> list[tuple[str, str, dict, dict]]:
    """Each parameter the view read (by method) alone with each extreme value; a POST carries it in the query
    string too, since a view may read either."""
    made = []
    for method, names in read.items():
        for name in sorted(names):
            for value in EXTREME_VALUES:
                headers = rng.choice([{}, {"HTTP_HX_REQUEST": "true"}])
                if method == "GET":
                    made.append(("GET", path, {name: value}, headers))
                else:
                    made.append(("POST", f"{path}?{urlencode({name: value})}", {name: value}, headers))
    return made


def log_in_again(client: Client, user) -> None:
    """Logs the user in unless still logged in (a request to log out, or to log in as someone else, ends it)."""
    if user is not None and client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)


def send(client: Client, method: str, path: str, data: dict, headers: dict):
    if method == "GET":
        return client.get(path, data, **headers)
    return client.post(path, data, **headers)


def exchange(client: Client, role: str, user, made: list, parameters_read: set[str], route_path: str) -> dict:
    """Sends the requests as the user: none may fail, and those the role may not make must change nothing.

    Returns the parameters the view at route_path read, by method.
    """
    read: dict[str, set[str]] = {}

    def answer(method: str, path: str, data: dict, headers: dict) -> None:
        log_in_again(client, user)
        parameters_read.clear()
        response = send(client, method, path, data, headers)
        assert response.status_code < 500, (role, method, path, str(data)[:300], response.status_code)
        if path.split("?")[0] == route_path:
            read.setdefault(method, set()).update(parameters_read)

    refused_requests = []
    for method, path, data, headers in made:
        if may_change(user, path, method):
            answer(method, path, data, headers)
        else:
            refused_requests.append((method, path, data, headers))
    before = fingerprint()
    for method, path, data, headers in refused_requests:
        answer(method, path, data, headers)
    changed = {table for table, digest in fingerprint().items() if before[table] != digest}
    assert not changed, f"{role} changed {sorted(changed)} with {[(m, quote(p)) for m, p, _, _ in refused_requests]}"
    return read


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_hostile_requests_to_every_url_never_fail_and_change_nothing_they_may_not(
    request, desk, parameters_read, name
):
    rng = random.Random(name)
    users = {
        "anonymous": None,
        "staff": request.getfixturevalue("staff"),
        "editor": request.getfixturevalue("editor"),
    }
    route = next(route for route in routes(desk)[0] if route.name == name)
    desk_view = resolve(route.path).func.__module__.startswith(DESK_MODULES)
    tried: dict[str, set[str]] = {}  # each parameter gets the extreme values once, as the first role that reaches it
    for role, user in users.items():
        client = Client()
        read = exchange(client, role, user, requests_for(route.path, name, route.kwargs, rng), parameters_read, route.path)
        if not desk_view:
            continue  # Django's admin and the queue dashboard: their parameters are theirs
        unknown = set().union(*read.values()) - set(FORM_KEYS)
        assert not unknown, f"{name} reads parameters the fuzz pass never sends: {sorted(unknown)}; add them to FORM_KEYS"
        untried = {method: names - tried.get(method, set()) for method, names in read.items()}
        exchange(client, role, user, extreme_requests(route.path, untried, rng), parameters_read, route.path)
        for method, names in untried.items():
            tried.setdefault(method, set()).update(names)
