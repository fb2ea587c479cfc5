from django.urls import path

from . import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.FrontPageView.as_view(), name="front"),
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("sources/<slug:slug>/", views.SourceView.as_view(), name="source"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("feeds/rss/", feeds.ArticlesFeed(), name="feed-rss"),
    path("feeds/atom/", feeds.ArticlesAtomFeed(), name="feed-atom"),
    path("tags/<slug:tag>/rss/", feeds.ArticlesFeed(), name="tag-feed-rss"),
    path("tags/<slug:tag>/atom/", feeds.ArticlesAtomFeed(), name="tag-feed-atom"),
    path("sources/<slug:source>/rss/", feeds.ArticlesFeed(), name="source-feed-rss"),
    path("sources/<slug:source>/atom/", feeds.ArticlesAtomFeed(), name="source-feed-atom"),
]
