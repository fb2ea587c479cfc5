from django.urls import path
from taggit.models import Tag

from . import feeds, views
from .cache import public_cache
from .models import Source

app_name = "articles"

urlpatterns = [
    path("", public_cache(views.FrontPageView.as_view()), name="front"),
    path("articles/", public_cache(views.ArticleListView.as_view()), name="list"),
    path("articles/<slug:slug>/", public_cache(views.ArticleDetailView.as_view()),
         name="detail"),
    path("sources/<slug:slug>/", public_cache(views.SectionView.as_view(
        model=Source, field="source", template_name="articles/source.html")), name="source"),
    path("tags/<slug:slug>/", public_cache(views.SectionView.as_view(
        model=Tag, field="tags", template_name="articles/tag.html")), name="tag"),
    path("feeds/rss/", public_cache(feeds.ArticlesFeed()), name="feed-rss"),
    path("feeds/atom/", public_cache(feeds.ArticlesAtomFeed()), name="feed-atom"),
    path("tags/<slug:tag>/rss/", public_cache(feeds.ArticlesFeed()), name="tag-feed-rss"),
    path("tags/<slug:tag>/atom/", public_cache(feeds.ArticlesAtomFeed()), name="tag-feed-atom"),
    path("sources/<slug:source>/rss/", public_cache(feeds.ArticlesFeed()),
         name="source-feed-rss"),
    path("sources/<slug:source>/atom/", public_cache(feeds.ArticlesAtomFeed()),
         name="source-feed-atom"),
    path("healthz", views.health, name="health"),
]
