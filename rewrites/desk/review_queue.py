"""The review queue: filters, full-text search, sorting and keyset pagination.

Pages are found by seeking past the last row shown (the sort value and id)
rather than by OFFSET, and the total is not counted, so a page costs the same
at row 20 and at row 200,000.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from clusters.models import Cluster, Source
from newsroom.parameters import ParameterError, whole_number
from rewrites.models import Rewrite

SORTS = {
    "updated": ("updated_at", "Last change"),
    "created": ("created_at", "Newest"),
    "lints": ("lint_hits", "Most lint hits"),
    "sources": ("queue_source_count", "Most sources"),
}
ASSIGNED = {"": "Anyone", "mine": "Assigned to me", "unassigned": "Nobody assigned"}
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]+")


@dataclass
class QueueFilters:
    status: str = ""
    domain: str = ""
    content_type: str = ""
    source: str = ""
    errors: bool = False
    stale: bool = False
    q: str = ""
    sort: str = "updated"
    assigned: str = ""  # "mine", "unassigned" or "" (anyone)
    user_id: int | None = None  # whose "mine" it is
    invalid: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query, *, user=None) -> "QueueFilters":
        """The filters a queue address asks for; user is who "mine" means."""
        filters = cls(
            status=query.get("status", ""),
            domain=query.get("domain", "").strip(),
            content_type=query.get("type", "").strip(),
            source=query.get("source", "").strip(),
            errors=query.get("errors") == "1",
            stale=Cluster.stale_requested(query.get("stale")),
            q=query.get("q", "").strip()[:200],
            sort=query.get("sort", "updated"),
            assigned=query.get("assigned", ""),
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        if filters.assigned not in ASSIGNED:
            filters.invalid.append(f"There is no assignment filter “{filters.assigned}”; showing everyone's.")
            filters.assigned = ""
        if filters.status and filters.status not in Rewrite.Status.values:
            filters.invalid.append(f"There is no status “{filters.status}”; showing every status.")
            filters.status = ""
        if filters.sort not in SORTS:
            filters.invalid.append(f"There is no sort “{filters.sort}”; sorting by last change.")
            filters.sort = "updated"
        if filters.source:
            try:
                whole_number(filters.source, name="source")  # queue_sources is an integer[]
            except ParameterError:
                shown = filters.source if len(filters.source) <= 40 else f"{filters.source[:20]}…"
                filters.invalid.append(f"“{shown}” is not a source; showing every source. Choose one from the list.")
                filters.source = ""
        return filters

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (defaults left out), for links that keep them."""
        query = {
            "status": self.status, "domain": self.domain, "type": self.content_type,
            "source": self.source, "errors": "1" if self.errors else "", "stale": "1" if self.stale else "",
            "q": self.q, "sort": "" if self.sort == "updated" else self.sort, "assigned": self.assigned,
        }
        return {key: value for key, value in query.items() if value}


def filtered_rewrites(filters: QueueFilters) -> QuerySet:
    rewrites = Rewrite.objects.select_related("cluster", "assigned_to").only(
        "id", "headline", "status", "model", "lint_hits", "lint_errors", "updated_at", "created_at",
        "has_unpublished_changes",
        "cluster__id", "cluster__canonical_title", "cluster__source_count",
        "cluster__written_source_count", "cluster__domain", "cluster__content_type", "cluster__status",
        "assigned_to__id", "assigned_to__username", "queue_source_count",
    ).filter(queue_merged=False)  # merged away: the story goes on in another rewrite
    if filters.status:
        rewrites = rewrites.filter(status=filters.status)
    if filters.assigned == "mine":
        rewrites = rewrites.filter(assigned_to_id=filters.user_id)
    elif filters.assigned == "unassigned":
        rewrites = rewrites.filter(assigned_to__isnull=True)
    # The cluster's columns are read from their copies on the rewrite (queue_*), kept by database triggers.
    if filters.domain:
        rewrites = rewrites.filter(queue_domain=filters.domain)
    if filters.content_type:
        rewrites = rewrites.filter(queue_content_type=filters.content_type)
    if filters.errors:
        rewrites = rewrites.filter(lint_errors__gt=0)
    if filters.stale:
        rewrites = rewrites.filter(queue_stale=True)
    if filters.source:
        rewrites = rewrites.filter(queue_sources__contains=[int(filters.source)])
    if filters.q:
        rewrites = rewrites.filter(search_vector=search_query(filters.q))
    return rewrites


def _pairs(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def search_query(text: str) -> SearchQuery:
    """A full-text query for text: English words stemmed, Japanese runs as character-pair phrases.

    It matches the vector the database keeps (migration 0003_search_triggers).
    """
    runs = CJK_RUN.findall(text)
    words = CJK_RUN.sub(" ", text).strip()
    query = None
    if runs:
        raw = " & ".join("(" + " <-> ".join(f"'{pair}'" for pair in _pairs(run)) + ")" for run in runs)
        query = SearchQuery(raw, config="simple", search_type="raw")
    if words:
        latin = SearchQuery(words, config="english", search_type="websearch") | SearchQuery(
            words, config="simple", search_type="websearch"
        )
        query = latin if query is None else query & latin
    return query


def _encode_cursor(value, rewrite_id: str) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, rewrite_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str):
    try:
        value, rewrite_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(value, dict) and "t" in value:
            value = datetime.fromisoformat(value["t"])
    except (ValueError, TypeError):
        return None
    return value, rewrite_id


def _fits(cursor, column: str) -> bool:
    """Whether a decoded cursor holds a value of the sort's column and a rewrite id (a damaged link may not)."""
    value, rewrite_id = cursor
    expected = datetime if column.endswith("_at") else int
    return isinstance(value, expected) and not isinstance(value, bool) and isinstance(rewrite_id, str)


@dataclass
class QueuePage:
    rows: list[Rewrite]
    next_cursor: str | None
    previous_cursor: str | None
    problem: str = ""


# The most rows at the top of the sort (past the cursor) a page reads in search of its matches.
WINDOW = 10_000


def _estimated_share(rewrites: QuerySet) -> float:
    """The planner's estimate of the share of the queue's rewrites that rewrites holds (0 to 1).

    Both counts come from one plan (the filtered rows, then every row), so the estimate costs one round
    trip and no scan. A table the planner knows nothing about counts as every row matching.
    """
    filtered, params = rewrites.order_by().values("id").query.sql_with_params()
    every, more = Rewrite.objects.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) ({filtered}) UNION ALL ({every})", (*params, *more))
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    parts = plan[0]["Plan"].get("Plans", [])
    if len(parts) != 2 or parts[1]["Plan Rows"] <= 0:
        return 1.0
    return min(1.0, parts[0]["Plan Rows"] / parts[1]["Plan Rows"])


def _window_for(rewrites: QuerySet, size: int) -> int:
    """How many rows at the top of the sort to read for a page of rewrites' matches: WINDOW when the planner
    expects a page of them there, else 0 (they are better found through the filters' indexes)."""
    return WINDOW if _estimated_share(rewrites) * WINDOW >= size + 1 else 0


def _seek_sql(column: str, *, backwards: bool) -> str:
    """Rows past a cursor (its value and id as the two parameters), as one row comparison so that the sort's
    index can seek to it."""
    return f'("rewrites_rewrite"."{column}", "rewrites_rewrite"."id") {">" if backwards else "<"} (%s, %s)'


def _seek(column: str, value, rewrite_id: str, *, backwards: bool) -> RawSQL:
    return RawSQL(_seek_sql(column, backwards=backwards), (value, rewrite_id), output_field=BooleanField())


def _first_matches(rewrites: QuerySet, column: str, cursor, *, backwards: bool, window: int, limit: int) -> list[str]:
    """Ids of the first limit of rewrites (the filters' matches) among the next window rows of the sort (past
    the cursor).

    The rows are read in the sort's order and the reading stops at the limit-th match, so common filters
    cost a few rows and rare ones at most window rows. The rows are taken in a subquery named like the
    table, so that the filters' conditions apply to it as written for the table.
    """
    query = rewrites.query
    where, where_params = query.get_compiler(connection=connection).compile(query.where)
    seek, params = "", []
    if cursor is not None:
        seek, params = "WHERE " + _seek_sql(column, backwards=backwards), list(cursor)
    direction = "ASC" if backwards else "DESC"
    order = f'"rewrites_rewrite"."{column}" {direction}, "rewrites_rewrite"."id" {direction}'
    sql = (
        f'SELECT "rewrites_rewrite"."id" FROM (SELECT * FROM rewrites_rewrite {seek} ORDER BY {order} '
        f'LIMIT {int(window)}) AS "rewrites_rewrite" WHERE {where} ORDER BY {order} LIMIT {int(limit)}'
    )
    with connection.cursor() as database:
        database.execute(sql, [*params, *where_params])
        return [row[0] for row in database.fetchall()]


def _sorted_matches(matches: QuerySet, order: list, limit: int) -> list[str]:
    """Ids of the first limit of matches in order, found through the filters' indexes and then sorted.

    The matches are sorted whichever way they are read, so reading them in an index's order gains nothing,
    while combining the filters' indexes (a bitmap scan of each, intersected) reads only the rows that
    match them all. The planner can still prefer walking one filter's index row by row: a column whose
    values lie in table order (one editor holding every assignment has correlation 1.0 in pg_stats) makes
    that walk look cheap, though it reads and checks every row that one filter matches. Plain index scans
    are switched off for this one read, in a transaction that is rolled back (the read changes nothing), so
    that the setting ends with the read even inside a caller's transaction.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        ids = list(matches.order_by(*order).values_list("id", flat=True)[:limit])
        transaction.set_rollback(True)
    return ids


def queue_page(
    filters: QueueFilters, *, after: str = "", before: str = "", size: int = 50, window: int | None = None
) -> QueuePage:
    """Returns one page of the queue, newest (largest sort value) first.

    Without filters the page is the next rows of the sort's index. With filters it is found in one of two
    ways, and both give the same rows:

    1. Among the first rows of the sort (past the cursor), when the planner expects the filters to be
       common enough there: the rows are read in the sort's order until a page of matches is found, or
       window rows have been read.
    2. Otherwise, or when that finds less than a page, the filters' matches are found through their own
       indexes and sorted (ordering by an expression keeps the planner from walking the sort's index
       through every row in search of matches that may not be there).

    window, when given, replaces the planner's choice (0 goes straight to the second way).
    """
    column, _ = SORTS[filters.sort]
    everywhere = filtered_rewrites(filters)  # the filters' matches, wherever the cursor is
    filtered = any((filters.status, filters.assigned, filters.domain, filters.content_type, filters.errors,
                    filters.stale, filters.source, filters.q))
    problem = ""
    cursor = _decode_cursor(after or before) if (after or before) else None
    if cursor is not None and not _fits(cursor, column):
        cursor = None
    if (after or before) and cursor is None:
        problem = "That page link is damaged; showing the first page."
    backwards = bool(before) and cursor is not None
    # The filters' matches past the cursor, two ways: as one row comparison, which the sort's index seeks to
    # (for reading down the sort), and as plain lookups, which combine with the filters' indexes (for sorting
    # the matches: the row comparison made that read up to 35 ms slower at 200,000 rewrites).
    past, matches = everywhere, everywhere
    if cursor is not None:
        value, rewrite_id = cursor
        if backwards:
            matches = matches.filter(Q(**{f"{column}__gt": value}) | Q(**{column: value, "id__gt": rewrite_id}))
        else:
            matches = matches.filter(Q(**{f"{column}__lt": value}) | Q(**{column: value, "id__lt": rewrite_id}))
        past = past.filter(_seek(column, value, rewrite_id, backwards=backwards))
    if backwards:
        order, sorted_matches = [column, "id"], [Coalesce(column, column).asc(), "id"]
    else:
        order, sorted_matches = [f"-{column}", "-id"], [Coalesce(column, column).desc(), "-id"]
    if filtered:
        if window is None:
            window = _window_for(everywhere, size)
        ids = _first_matches(everywhere, column, cursor, backwards=backwards, window=window, limit=size + 1) if window else []
        if len(ids) <= size:  # not a page's worth near the top of the sort: sort the matches instead
            ids = _sorted_matches(matches, sorted_matches, size + 1)
        # Only the rewrites' own columns were read; the page's few rows are joined to their clusters now. Whether
        # more follow is what the ids said: a row that stopped matching in between only shortens this page.
        more = len(ids) > size
        rows = list(everywhere.filter(id__in=ids).order_by(*order)) if ids else []
    else:
        rows = list(past.order_by(*order)[: size + 1])
        more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def key(row):
        value = row
        for part in column.split("__"):
            value = getattr(value, part)
        return _encode_cursor(value, row.id)

    has_next = more if not backwards else True
    has_previous = (more if backwards else cursor is not None)
    return QueuePage(
        rows=rows,
        next_cursor=key(rows[-1]) if rows and has_next else None,
        previous_cursor=key(rows[0]) if rows and has_previous else None,
        problem=problem,
    )


def filter_choices() -> dict:
    """Options for the filter menus; cached briefly since they change slowly."""
    choices = cache.get("queue-filter-choices")
    if choices is None:
        choices = {
            "domains": list(
                Cluster.objects.exclude(domain="").order_by("domain").values_list("domain", flat=True).distinct()
            ),
            "content_types": list(
                Cluster.objects.exclude(content_type__isnull=True).exclude(content_type="")
                .order_by("content_type").values_list("content_type", flat=True).distinct()
            ),
            "sources": list(Source.objects.order_by("name").values_list("id", "name")),
        }
        cache.set("queue-filter-choices", choices, 60)
    return choices


def cursor_for(rewrite: Rewrite, filters: QueueFilters) -> str:
    """The cursor that seeks past rewrite in the queue sorted as filters say (for "next in queue")."""
    value = rewrite
    for part in SORTS[filters.sort][0].split("__"):
        value = getattr(value, part)
    return _encode_cursor(value, rewrite.id)
