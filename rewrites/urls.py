from django.urls import path

from rewrites.desk import aid_views, views
from rewrites.desk.home import home

app_name = "rewrites"

urlpatterns = [
    path("", home, name="queue"),
    path("rewrites/bulk/", views.bulk, name="bulk"),
    path("rewrites/<str:rewrite_id>/", views.workspace, name="workspace"),
    path("rewrites/<str:rewrite_id>/state/", views.workspace_panels, name="state"),
    path("rewrites/<str:rewrite_id>/record/", views.record_detail, name="record"),
    path("rewrites/<str:rewrite_id>/fields/<str:field_name>/", views.field, name="field"),
    path("rewrites/<str:rewrite_id>/credits/", views.credits_form, name="credits"),
    path("rewrites/<str:rewrite_id>/credits/save/", views.attribution, name="save-credits"),
    path("rewrites/<str:rewrite_id>/slug/", views.slug, name="slug"),
    path("rewrites/<str:rewrite_id>/approve/", views.approve, name="approve"),
    path("rewrites/<str:rewrite_id>/spike/", views.spike, name="spike"),
    path("rewrites/<str:rewrite_id>/assign/", views.assign, name="assign"),
    path("rewrites/<str:rewrite_id>/merged-page/", views.merged_page, name="merged-page"),
    path("rewrites/<str:rewrite_id>/regenerate/", views.regenerate, name="regenerate"),
    path("rewrites/<str:rewrite_id>/progress/", views.progress, name="progress"),
    path(
        "rewrites/<str:rewrite_id>/suggestions/<int:suggestion_id>/<str:choice>/",
        views.suggestion, name="suggestion",
    ),
    path("rewrites/<str:rewrite_id>/findings/check/", views.check_finding, name="check-finding"),
    path("rewrites/<str:rewrite_id>/next/", views.next_in_queue, name="next"),
    path("rewrites/<str:rewrite_id>/card-preview.png", views.card_preview, name="card-preview"),
    path("rewrites/<str:rewrite_id>/history/", views.history, name="history"),
    path("rewrites/<str:rewrite_id>/history/restore/", views.restore, name="restore"),
    path("rewrites/<str:rewrite_id>/presence/", views.presence, name="presence"),
    path("rewrites/<str:rewrite_id>/evidence/", views.evidence, name="evidence"),
    path("rewrites/<str:rewrite_id>/lead-image/", aid_views.lead_image, name="lead-image"),
    path("rewrites/<str:rewrite_id>/images/<str:article_id>.jpg", aid_views.article_image, name="article-image"),
    path("rewrites/<str:rewrite_id>/translation/", aid_views.translation, name="translation"),
    path(
        "rewrites/<str:rewrite_id>/translation/progress/", aid_views.translation_progress_view,
        name="translation-progress",
    ),
]
