from django.urls import path

from clusters import views as cluster_views

app_name = "clusters"

urlpatterns = [
    path("", cluster_views.cluster_list, name="list"),
    path("merge/", cluster_views.merge_clusters, name="merge"),
    path("move/", cluster_views.move_article, name="move"),
    path("roundup/", cluster_views.mark_roundup, name="roundup"),
    path("undo/", cluster_views.undo_change, name="undo"),
    path("targets/", cluster_views.targets, name="targets"),
]
