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

    assert html.lstrip().startswith('<div id="rewrite-list">')
    assert "<html" not in html
    assert "Alibaba Bans Employees" in html


def test_queue_paginates(client, editor, seed_record, settings):
    from tests.conftest import varied_record

    settings.NEWSROOM_PAGE_SIZE = 2
    for number in range(1, 6):
        record = varied_record(seed_record, number=number)
        record["rewrite"]["headline"] = f"Story number {number}"
        import_record(record)
    client.force_login(editor)

    first = client.get("/").content.decode()
    last = client.get("/", {"page": 3}).content.decode()

    assert "Page 1 of 3" in first
    assert "Page 3 of 3" in last
    assert first.count("Story number") == 2
    assert last.count("Story number") == 1


def test_queue_query_count_does_not_grow_with_rows(client, editor, seed_record, django_assert_num_queries):
    from tests.conftest import varied_record

    for number in range(1, 30):
        import_record(varied_record(seed_record, number=number))
    client.force_login(editor)
    client.get("/")

    with django_assert_num_queries(6):
        client.get("/")


def test_record_page_shows_every_field_and_the_attribution(client, editor, seed_record):
    import_record(seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{seed_record['rewrite']['id']}/").content.decode()

    for name in list(seed_record["rewrite"]) + list(seed_record["cluster"]):
        assert f"<dt>{name}</dt>" in html, name
    assert "GIGAZINE" in html
    assert "アリババが従業員のClaude Code使用を禁止" in html


def test_record_page_htmx_partial(client, editor, seed_record):
    import_record(seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{seed_record['rewrite']['id']}/", HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<div id="record-fields"')
    assert "<html" not in html


def test_record_page_escapes_model_written_html(client, editor, seed_record):
    seed_record["rewrite"]["webCardHtml"] = "<script>alert(1)</script><p>card</p>"
    import_record(seed_record)
    client.force_login(editor)

    html = client.get(f"/rewrites/{seed_record['rewrite']['id']}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_rewrite_is_a_404(client, editor):
    client.force_login(editor)

    assert client.get("/rewrites/r_000000000000000000000000/").status_code == 404
