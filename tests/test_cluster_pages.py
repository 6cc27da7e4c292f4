import pytest
from django.test import Client
from django.urls import reverse

from clusters.models import Cluster, ClusterChange
from rewrites.models import Rewrite
from tests.clustering_helpers import SUBWAY_A, SUBWAY_B, VOLCANO
from tests.factories import make_clustered_article, make_source

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
LIST = reverse("clusters:list")


def login(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def csrf_token(client: Client) -> str:
    response = client.get(LIST)
    assert response.status_code == 200
    return response.cookies["csrftoken"].value



@pytest.fixture
def stories():
    crash = make_clustered_article(source=make_source(name="Wire", domain="transport"), title=SUBWAY_A[0], text=SUBWAY_A[1])
    crash_two = make_clustered_article(source=make_source(name="Daily", domain="transport"), title=SUBWAY_B[0], text=SUBWAY_B[1], hours=1)
    fare = make_clustered_article(source=make_source(name="Metro", domain="city"), title=VOLCANO[0], text=VOLCANO[1], hours=2)
    assert crash.cluster_id == crash_two.cluster_id != fare.cluster_id
    return crash, crash_two, fare


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_account_without_a_role_is_refused(nobody):
    assert login(nobody).get(LIST).status_code == 403


def test_editors_see_clusters_with_their_articles_and_actions(editor, stories):
    crash, crash_two, fare = stories
    response = login(editor).get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    for article in stories:
        assert article.title in body
    assert "Wire" in body and "Metro" in body
    assert reverse("clusters:merge") in body
    assert 'href="/clusters/"' in body  # nav link


def test_staff_see_clusters_read_only(staff, stories):
    body = login(staff).get(LIST).content.decode()
    assert SUBWAY_A[0] in body
    assert reverse("clusters:merge") not in body
    assert reverse("clusters:move") not in body


def test_staff_cannot_change_clusters_even_by_posting(staff, stories):
    crash, _, fare = stories
    client = login(staff)
    token = csrf_token(client)
    response = client.post(
        reverse("clusters:merge"), {"keep": crash.cluster_id, "merge": fare.cluster_id, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403
    assert Cluster.objects.get(id=fare.cluster_id).status != Cluster.Status.MERGED


def test_search_and_filters_narrow_the_list(editor, stories):
    crash, _, fare = stories
    client = login(editor)
    searched = client.get(LIST, {"q": "volcano"}).content.decode()
    assert VOLCANO[0] in searched and SUBWAY_B[0] not in searched
    by_article_title = client.get(LIST, {"q": "East River"}).content.decode()
    assert SUBWAY_B[0] in by_article_title and VOLCANO[0] not in by_article_title
    solo = client.get(LIST, {"solo": "yes"}).content.decode()
    assert VOLCANO[0] in solo and SUBWAY_B[0] not in solo
    several = client.get(LIST, {"solo": "no"}).content.decode()
    assert SUBWAY_B[0] in several and VOLCANO[0] not in several
    domain = client.get(LIST, {"domain": "city"}).content.decode()
    assert VOLCANO[0] in domain and SUBWAY_B[0] not in domain


def test_stale_filter_shows_clusters_whose_rewrite_missed_a_source(editor, stories):
    crash, _, fare = stories
    Cluster.objects.filter(id=crash.cluster_id).update(written_source_count=1)
    Rewrite.objects.create(cluster_id=crash.cluster_id, headline="Trains collide")
    Cluster.objects.filter(id=fare.cluster_id).update(written_source_count=1)
    Rewrite.objects.create(cluster_id=fare.cluster_id, headline="Fare rises")

    body = login(editor).get(LIST, {"stale": "yes"}).content.decode()

    assert SUBWAY_B[0] in body
    assert VOLCANO[0] not in body


def test_htmx_requests_get_only_the_list(editor, stories):
    response = login(editor).get(LIST, {"q": "subway"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="cluster-list">')
    assert "<html" not in body


def test_pagination(editor, settings):
    settings.NEWSROOM_PAGE_SIZE = 2
    source = make_source()
    titles = ["Volcano erupts on island", "Chess champion retires", "Central bank raises rates"]
    for number, title in enumerate(titles):
        make_clustered_article(source=source, title=title, text=title, hours=number * 10)
    client = login(editor)
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert titles[0] not in first and titles[0] in second


def test_list_query_count_does_not_grow_with_clusters(editor, django_assert_max_num_queries):
    source = make_source()
    for number in range(12):
        make_clustered_article(source=source, title=f"Unrelated story number {number} zebra{number}", text="", hours=number)
    client = login(editor)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_posting_without_the_csrf_token_is_refused(editor, stories):
    crash, _, fare = stories
    response = login(editor).post(reverse("clusters:merge"), {"keep": crash.cluster_id, "merge": fare.cluster_id})
    assert response.status_code == 403
    assert not ClusterChange.objects.exists()


def test_editor_merges_with_htmx_and_gets_the_outcome_in_place_with_an_undo(editor, stories):
    crash, _, fare = stories
    client = login(editor)
    token = csrf_token(client)
    response = client.post(
        reverse("clusters:merge"),
        {"keep": crash.cluster_id, "merge": fare.cluster_id, "reason": "one story", "q": ""},
        HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<section class="cluster cluster-gone" id="{fare.cluster_id}"')
    assert "Merged into “" in body and "which now has 3 sources" in body
    assert reverse("clusters:undo") in body
    assert f'id="{crash.cluster_id}" aria-labelledby="title-{crash.cluster_id}" hx-swap-oob="outerHTML"' in body
    assert Cluster.objects.get(id=fare.cluster_id).status == Cluster.Status.MERGED
    assert Cluster.objects.get(id=crash.cluster_id).articles.count() == 3


def test_undo_puts_a_merge_back_as_it_was(editor, stories):
    crash, crash_two, fare = stories
    Rewrite.objects.create(cluster_id=fare.cluster_id, status=Rewrite.Status.DRAFT, headline="Fares")
    client = login(editor)
    token = csrf_token(client)
    client.post(reverse("clusters:merge"), {"keep": crash.cluster_id, "merge": fare.cluster_id},
                HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    change = ClusterChange.objects.get()

    response = client.post(reverse("clusters:undo"), {"change": change.id, "cluster": fare.cluster_id},
                           HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Undid the merge" in body
    assert body.lstrip().startswith(f'<section class="cluster" id="{fare.cluster_id}"')
    away = Cluster.objects.get(id=fare.cluster_id)
    assert away.status == Cluster.Status.DRAFT and away.merged_into_id is None
    assert list(away.articles.values_list("id", flat=True)) == [fare.id]
    assert set(Cluster.objects.get(id=crash.cluster_id).articles.values_list("id", flat=True)) == {crash.id, crash_two.id}
    again = client.post(reverse("clusters:undo"), {"change": change.id, "cluster": fare.cluster_id},
                        HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert again.status_code == 400 and "undone already" in again.content.decode()


def test_undo_puts_a_moved_article_back(editor, stories):
    crash, crash_two, _ = stories
    client = login(editor)
    token = csrf_token(client)
    moved = client.post(reverse("clusters:move"), {"article": crash_two.id, "to": "new"},
                        HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert "a new cluster" in moved.content.decode()
    crash_two.refresh_from_db()
    new_cluster = crash_two.cluster_id
    assert new_cluster != crash.cluster_id
    change = ClusterChange.objects.get()

    client.post(reverse("clusters:undo"), {"change": change.id, "cluster": crash.cluster_id},
                HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)

    crash_two.refresh_from_db()
    assert crash_two.cluster_id == crash.cluster_id
    assert Cluster.objects.get(id=crash.cluster_id).source_count == 2
    assert Cluster.objects.get(id=new_cluster).status == Cluster.Status.MERGED


def test_an_undo_after_the_articles_moved_again_says_why_not(editor, stories):
    crash, _, fare = stories
    client = login(editor)
    token = csrf_token(client)
    client.post(reverse("clusters:merge"), {"keep": crash.cluster_id, "merge": fare.cluster_id},
                HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    merge = ClusterChange.objects.get()
    client.post(reverse("clusters:move"), {"article": fare.id, "to": "new"}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)

    response = client.post(reverse("clusters:undo"), {"change": merge.id, "cluster": fare.cluster_id},
                           HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 400
    assert "moved since" in response.content.decode()


def test_the_target_of_a_merge_is_found_by_its_headline(editor, stories):
    crash, _, fare = stories
    Rewrite.objects.create(cluster_id=crash.cluster_id, status=Rewrite.Status.DRAFT, headline="Subway trains collide downtown")
    client = login(editor)

    found = client.get(reverse("clusters:targets"), {"target_q": "collide", "name": "keep", "exclude": fare.cluster_id},
                       HTTP_HX_REQUEST="true").content.decode()
    itself = client.get(reverse("clusters:targets"), {"target_q": "collide", "exclude": crash.cluster_id}).content.decode()
    short = client.get(reverse("clusters:targets"), {"target_q": "c"}).content.decode()

    assert f'name="keep" value="{crash.cluster_id}"' in found
    assert "Subway trains collide downtown" in found
    assert crash.cluster_id not in itself and "No other cluster" in itself
    assert "Type two or more letters" in short


def test_the_page_has_no_text_inputs_per_article_on_show(editor, stories):
    body = login(editor).get(LIST).content.decode()
    assert 'list="cluster-ids"' not in body
    assert body.count("<details class=\"cluster-action\">") >= 3


def test_editor_moves_an_article_out_with_a_plain_post(editor, stories):
    _, crash_two, _ = stories
    client = login(editor)
    token = csrf_token(client)
    response = client.post(
        reverse("clusters:move"), {"article": crash_two.id, "to": "", "csrfmiddlewaretoken": token, "solo": "yes"}
    )
    assert response.status_code == 302
    assert response["Location"] == LIST + "?solo=yes"
    crash_two.refresh_from_db()
    assert crash_two.cluster.source_count == 1
    assert "Moved the article" in client.get(response["Location"]).content.decode()


def test_editor_marks_a_roundup(editor, stories):
    crash, _, _ = stories
    client = login(editor)
    token = csrf_token(client)
    client.post(reverse("clusters:roundup"), {"cluster": crash.cluster_id, "roundup": "1", "csrfmiddlewaretoken": token})
    assert Cluster.objects.get(id=crash.cluster_id).is_roundup


def test_a_bad_merge_says_what_went_wrong(editor, stories):
    crash, _, _ = stories
    client = login(editor)
    token = csrf_token(client)
    response = client.post(
        reverse("clusters:merge"), {"keep": "c_" + "0" * 24, "merge": crash.cluster_id},
        HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token,
    )
    assert "does not exist" in response.content.decode()
    assert not ClusterChange.objects.exists()
