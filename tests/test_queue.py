import pytest

from rewrites.records import import_record
from tests.records_data import full_record, null_record

pytestmark = pytest.mark.django_db


def test_queue_lists_rewrites_and_filters_by_status(client, editor, seed_record):
    for record in [seed_record, full_record(seed_record), null_record(seed_record)]:
        import_record(record)
    client.force_login(editor)

    everything = client.get("/").content.decode()
    drafts = client.get("/", {"status": "draft"}).content.decode()

    assert "Alibaba Bans Employees" in everything
    assert "Season 2 Confirmed" in everything
    assert "Season 2 Confirmed" in drafts
    assert "Alibaba Bans Employees" not in drafts


def test_queue_htmx_request_gets_only_the_list(client, editor, seed_record):
    import_record(seed_record)
    client.force_login(editor)

    response = client.get("/", {"status": "published"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="rewrite-list"')
    assert "<html" not in html
    assert "Alibaba Bans Employees" in html


def test_queue_pages_by_seeking_past_the_last_row(client, editor, seed_record, settings):
    from tests.factories import varied_record

    settings.NEWSROOM_PAGE_SIZE = 2
    for number in range(1, 6):
        record = varied_record(seed_record, number=number)
        record["rewrite"]["headline"] = f"Story number {number}"
        record["rewrite"]["updatedAt"] = f"2026-07-0{number}T00:00:00.000Z"
        import_record(record)
    client.force_login(editor)

    first = client.get("/")
    second = client.get("/?" + first.context["next_query"])
    third = client.get("/?" + second.context["next_query"])
    back = client.get("/?" + third.context["previous_query"])

    def headlines(response):
        return [row.headline for row in response.context["page"].rows]

    assert headlines(first) == ["Story number 5", "Story number 4"]
    assert headlines(second) == ["Story number 3", "Story number 2"]
    assert headlines(third) == ["Story number 1"]
    assert third.context["next_query"] == ""
    assert headlines(back) == ["Story number 3", "Story number 2"]


def test_queue_filters_search_and_sort(client, editor, seed_record):
    from tests.factories import varied_record

    first = varied_record(seed_record, number=1)
    first["rewrite"].update(headline="Sony unveils a new handheld console", summary="Games news.", lintHits=3)
    first["cluster"].update(entitiesJson=first["cluster"]["entitiesJson"].replace('"other"', '"games"'), contentType="review")
    first["entities"]["domain"] = "games"
    second = varied_record(seed_record, number=2)
    second["rewrite"].update(headline="Toei announces a film", summary="Anime film.", lintHits=1)
    second["cluster"].update(canonicalTitle="東映が映画を発表", sourceCount=2, writtenSourceCount=1)
    for record in [first, second]:
        import_record(record)
    client.force_login(editor)

    def headlines(**query):
        return [row.headline for row in client.get("/", query).context["page"].rows]

    assert headlines(q="consoles") == ["Sony unveils a new handheld console"]
    assert headlines(q="映画") == ["Toei announces a film"]
    assert headlines(domain="games") == ["Sony unveils a new handheld console"]
    assert headlines(type="review") == ["Sony unveils a new handheld console"]
    assert headlines(stale="1") == ["Toei announces a film"]
    assert headlines(sort="lints") == ["Sony unveils a new handheld console", "Toei announces a film"]
    assert headlines(sort="sources")[0] == "Toei announces a film"


def test_queue_filters_by_error_lints_and_source(client, editor, seed_record):
    import json

    from tests.factories import varied_record

    flagged = varied_record(seed_record, number=1)
    flagged["rewrite"].update(
        headline="Flagged story", lintHits=1,
        lintFlagsJson=json.dumps([{"code": "empty-field", "field": "summary", "severity": "error", "message": "Empty", "span": None}]),
    )
    flagged["attribution"][0]["source"] = "Natalie"
    clean = varied_record(seed_record, number=2)
    clean["rewrite"]["headline"] = "Clean story"
    for record in [flagged, clean]:
        import_record(record)
    client.force_login(editor)
    from clusters.models import Source

    natalie = Source.objects.get(name="Natalie")

    errors = client.get("/", {"errors": "1"}).context["page"].rows
    by_source = client.get("/", {"source": natalie.id}).context["page"].rows

    assert [row.headline for row in errors] == ["Flagged story"]
    assert [row.headline for row in by_source] == ["Flagged story"]


def test_queue_says_when_a_filter_value_is_unknown(client, editor):
    client.force_login(editor)

    html = client.get("/", {"status": "done", "sort": "random", "after": "garbage!"}).content.decode()

    assert "There is no status “done”" in html
    assert "There is no sort “random”" in html
    assert "That page link is damaged" in html


@pytest.fixture
def queue_of_29(client, editor, seed_record):
    from tests.factories import varied_record

    for number in range(1, 30):
        import_record(varied_record(seed_record, number=number))
    client.force_login(editor)
    client.get("/")  # fills the cache of filter choices
    return client


RARE_FILTERS = {"status": "published", "q": "Alibaba", "stale": "1", "errors": "1", "domain": "other"}


def force_estimate(monkeypatch, share: float) -> None:
    """The planner's estimate is still asked for (its query counted), and share is used instead of its answer."""
    from rewrites.desk import review_queue

    asked = review_queue._estimated_share
    monkeypatch.setattr(review_queue, "_estimated_share", lambda rewrites: (asked(rewrites), share)[1])


# Which way a filtered page is found depends on the planner's estimate of how common the filters are, and so
# on the table's statistics; each way is forced here and its queries pinned on their own.


def test_queue_query_count_when_the_planner_expects_matches_near_the_top_of_the_sort(
    queue_of_29, monkeypatch, django_assert_num_queries
):
    force_estimate(monkeypatch, 1.0)

    # The estimate, the walk down the first rows of the sort (nothing matches there), then the sorted matches:
    # five statements inside the test's transaction (a savepoint, the read's setting, the read, the rollback to
    # the savepoint and its release). Nothing matches, so no rows are fetched.
    with django_assert_num_queries(13):
        queue_of_29.get("/", RARE_FILTERS)


def test_queue_query_count_when_the_planner_expects_the_filters_to_be_rare(
    queue_of_29, monkeypatch, django_assert_num_queries
):
    force_estimate(monkeypatch, 0.0)

    # The estimate, then straight to the sorted matches (five statements, as above); no walk.
    with django_assert_num_queries(12):
        queue_of_29.get("/", RARE_FILTERS)


def test_a_page_found_near_the_top_of_the_sort_reads_no_further(
    queue_of_29, seed_record, monkeypatch, django_assert_num_queries
):
    from rewrites.desk.review_queue import QueueFilters, queue_page

    force_estimate(monkeypatch, 1.0)
    filters = QueueFilters.from_query({"status": seed_record["rewrite"]["status"]})

    # The estimate, the walk (which finds a page and one more), and the page's rows with their clusters.
    with django_assert_num_queries(3):
        page = queue_page(filters, size=3)

    assert len(page.rows) == 3 and page.next_cursor


def test_queue_query_count_does_not_grow_with_rows(queue_of_29, seed_record, monkeypatch, django_assert_num_queries):
    from tests.factories import varied_record

    force_estimate(monkeypatch, 0.0)
    with django_assert_num_queries(12):
        queue_of_29.get("/", RARE_FILTERS)
    for number in range(30, 60):
        import_record(varied_record(seed_record, number=number))

    with django_assert_num_queries(12):
        queue_of_29.get("/", RARE_FILTERS)


def test_record_page_shows_every_field_and_the_attribution(client, editor, seed_record):
    import_record(seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{seed_record['rewrite']['id']}/record/").content.decode()

    for name in list(seed_record["rewrite"]) + list(seed_record["cluster"]):
        assert f"<dt>{name}</dt>" in html, name
    assert "GIGAZINE" in html
    assert "アリババが従業員のClaude Code使用を禁止" in html


def test_record_page_htmx_partial(client, editor, seed_record):
    import_record(seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{seed_record['rewrite']['id']}/record/", HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<div id="record-fields"')
    assert "<html" not in html


def test_record_page_escapes_model_written_html(client, editor, seed_record):
    seed_record["rewrite"]["webCardHtml"] = "<script>alert(1)</script><p>card</p>"
    import_record(seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{seed_record['rewrite']['id']}/record/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_rewrite_is_a_404(client, editor):
    client.force_login(editor)

    assert client.get("/rewrites/r_000000000000000000000000/").status_code == 404


def test_filter_menus_list_each_domain_and_type_once(client, editor, seed_record):
    from django.core.cache import cache

    from tests.factories import varied_record

    for number in range(1, 4):
        import_record(varied_record(seed_record, number=number))
    cache.delete("queue-filter-choices")
    client.force_login(editor)

    choices = client.get("/").context["choices"]

    assert choices["domains"] == ["other"]
    assert choices["content_types"] == ["news"]


def test_the_queue_columns_follow_the_cluster_as_it_changes(seed_record, editor):
    from clusters.models import Cluster
    from rewrites.models import Rewrite
    from tests.factories import make_draft

    rewrite = make_draft(seed=seed_record)
    cluster = Cluster.objects.filter(id=rewrite.cluster_id)
    cluster.update(domain="games", content_type="review", source_count=3, written_source_count=2)
    copy = Rewrite.objects.get(id=rewrite.id)
    assert (copy.queue_domain, copy.queue_content_type, copy.queue_stale, copy.queue_source_count) == ("games", "review", True, 3)

    rewrite.headline = "Saved from an instance read before the cluster changed"
    rewrite.save()
    assert Rewrite.objects.get(id=rewrite.id).queue_domain == "games"

    from tests.factories import make_article, make_source

    other = make_source(name="Another wire")
    added = make_article(source=other, cluster=cluster.get())
    assert other.id in Rewrite.objects.get(id=rewrite.id).queue_sources
    added.delete()
    assert other.id not in Rewrite.objects.get(id=rewrite.id).queue_sources

    cluster.update(written_source_count=3, status=Cluster.Status.MERGED)
    copy = Rewrite.objects.get(id=rewrite.id)
    assert copy.queue_stale is False and copy.queue_merged is True


def test_a_filtered_queue_lists_the_same_rows_whether_its_matches_are_near_the_top_of_the_sort_or_not(seed_record, editor):
    """A page is first sought among the rows at the top of the sort, then by sorting the filters' matches;
    small windows force either way (0 goes straight to sorting, None lets the planner's estimate choose),
    and every page, forwards and back, must be the filtered rows in order."""
    from rewrites.desk.review_queue import QueueFilters, queue_page
    from rewrites.models import Rewrite
    from tests.factories import make_draft

    for number in range(1, 16):
        rewrite = make_draft(seed=seed_record, number=number)
        # Few distinct lint counts, so that sorting by lints has ties for the id to break.
        Rewrite.objects.filter(id=rewrite.id).update(
            lint_hits=number % 3, lint_errors=1 if number % 4 == 0 else 0,
            assigned_to=editor if number % 2 else None, status="approved" if number > 11 else "draft",
        )
    everything = list(Rewrite.objects.filter(queue_merged=False))
    cases = [
        ({"errors": True}, lambda row: row.lint_errors > 0),
        ({"status": "approved"}, lambda row: row.status == "approved"),
        ({"assigned": "mine", "user_id": editor.id}, lambda row: row.assigned_to_id == editor.id),
        ({"assigned": "unassigned", "errors": True}, lambda row: row.assigned_to_id is None and row.lint_errors > 0),
    ]
    for sort, (column, _) in [("updated", ("updated_at", "")), ("lints", ("lint_hits", "")), ("created", ("created_at", ""))]:
        for arguments, keeps in cases:
            expected = [
                row.id for row in sorted(everything, key=lambda row: (getattr(row, column), row.id), reverse=True)
                if keeps(row)
            ]
            assert expected, arguments
            for window in (0, 1, 3, 2000, None):
                filters = QueueFilters(sort=sort, **arguments)
                shown, pages, after = [], [], ""
                while True:
                    page = queue_page(filters, after=after, size=2, window=window)
                    pages.append(page)
                    shown += [row.id for row in page.rows]
                    if page.next_cursor is None:
                        break
                    after = page.next_cursor
                assert shown == expected, (sort, arguments, window)
                # Back from the last page: each earlier page again.
                for earlier, later in zip(reversed(pages[:-1]), reversed(pages[1:])):
                    back = queue_page(filters, before=later.previous_cursor, size=2, window=window)
                    assert [row.id for row in back.rows] == [row.id for row in earlier.rows], (sort, arguments, window)


@pytest.mark.django_db(transaction=True)  # ANALYZE runs as the table's owner, on a connection of its own
def test_the_planner_estimate_chooses_how_a_filtered_page_is_found(seed_record):
    """Filters the planner expects to be common are looked for among the first rows of the sort; filters it
    expects to be rare there go straight to sorting their matches."""
    from rewrites.desk.review_queue import WINDOW, QueueFilters, _window_for, filtered_rewrites
    from rewrites.models import Rewrite
    from tests.database_owner import analyze
    from tests.factories import make_draft

    for number in range(1, 61):
        rewrite = make_draft(seed=seed_record, number=number)
        Rewrite.objects.filter(id=rewrite.id).update(status="failed" if number == 1 else "draft")
    analyze("rewrites_rewrite")

    # Pages of 500: a page of drafts is expected among the first rows of the sort, a page of failed ones not.
    assert _window_for(filtered_rewrites(QueueFilters(status="draft")), 500) == WINDOW
    assert _window_for(filtered_rewrites(QueueFilters(status="failed")), 500) == 0


@pytest.mark.django_db(transaction=True)
def test_the_sorted_read_turns_plain_index_scans_off_for_itself_only(seed_record):
    """Sorting a page's matches reads them through bitmaps of the filters' indexes; the setting that asks for
    it holds during that read and ends with it, on its own and inside a caller's transaction (whose own
    writes stay), so no later query is planned under it."""
    from django.db import connection, transaction

    from rewrites.desk.review_queue import QueueFilters, queue_page
    from rewrites.models import Rewrite
    from tests.factories import make_draft

    rewrite = make_draft(seed=seed_record, number=1)

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_indexscan")
            return cursor.fetchone()[0]

    during = []

    def watch(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "COALESCE" in sql and not during:
            during.append(setting())
        return result

    with connection.execute_wrapper(watch):
        page = queue_page(QueueFilters(status="draft"), window=0)
    assert [row.id for row in page.rows] == [rewrite.id]
    assert during == ["off"]
    assert setting() == "on"

    with transaction.atomic():
        Rewrite.objects.filter(id=rewrite.id).update(headline="Written before the queue was read")
        assert [row.headline for row in queue_page(QueueFilters(status="draft"), window=0).rows] == [
            "Written before the queue was read"
        ]
        assert setting() == "on"
    assert setting() == "on"
    assert Rewrite.objects.get(id=rewrite.id).headline == "Written before the queue was read"


def test_a_row_that_stops_matching_while_a_page_is_read_leaves_the_older_link(seed_record):
    """A page is found by its ids, then its rows are read; a rewrite that another editor changes in between
    drops out of the page, and the link to the older rows stays, so no row is skipped."""
    from django.db import connection

    from rewrites.desk.review_queue import QueueFilters, queue_page
    from rewrites.models import Rewrite
    from tests.factories import make_draft

    drafts = [make_draft(seed=seed_record, number=number).id for number in range(1, 5)]
    newest_first = list(Rewrite.objects.filter(id__in=drafts).order_by("-updated_at", "-id").values_list("id", flat=True))
    ids_read = []

    def approve_the_first_in_between(execute, sql, params, many, context):
        if ids_read == [True] and '"rewrites_rewrite"."id" IN (' in sql:
            ids_read.append(True)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE rewrites_rewrite SET status = 'approved' WHERE id = %s", [newest_first[0]])
        result = execute(sql, params, many, context)
        if "COALESCE" in sql:
            ids_read.append(True)
        return result

    with connection.execute_wrapper(approve_the_first_in_between):
        first = queue_page(QueueFilters(status="draft"), size=2, window=0)
    older = queue_page(QueueFilters(status="draft"), after=first.next_cursor, size=2, window=0)

    assert [row.id for row in first.rows] == newest_first[1:3]
    assert first.next_cursor is not None
    assert [row.id for row in older.rows] == newest_first[3:]


def test_a_page_link_whose_position_does_not_fit_the_sort_shows_the_first_page_and_says_so(client, editor, seed_record):
    import base64
    import json

    import_record(seed_record)
    client.force_login(editor)
    # A position by time (from the Last change sort) used under the lint-hits sort, and one that is not a position.
    by_time = base64.urlsafe_b64encode(json.dumps([{"t": "2026-01-01T00:00:00+00:00"}, "r_x"]).encode()).decode()
    not_a_position = base64.urlsafe_b64encode(json.dumps([["a"], {"b": 1}]).encode()).decode()

    for query in ({"sort": "lints", "after": by_time}, {"before": not_a_position}, {"errors": "1", "after": by_time, "sort": "sources"}):
        response = client.get("/", query)
        assert response.status_code == 200
        assert "That page link is damaged; showing the first page." in response.content.decode()
    assert "Alibaba Bans Employees" in client.get("/", {"sort": "lints", "after": by_time}).content.decode()
