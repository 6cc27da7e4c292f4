from django.urls import path

from rewrites.publishing import public_views

app_name = "public"

urlpatterns = [
    path("stories/", public_views.front_page, name="front"),
    path("sections/<slug:domain>/", public_views.section_page, name="section"),
    path("stories/<slug:slug>/", public_views.story_page, name="story"),
    path("stories/<slug:slug>/image.jpg", public_views.story_image, name="image"),
    path("stories/<slug:slug>/card.png", public_views.story_card, name="card"),
    path("feeds/rss.xml", public_views.rss_feed, name="rss"),
    path("feeds/feed.json", public_views.json_feed, name="json"),
]
