from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles.sitemaps import SITEMAPS, NewsSitemap
from articles.views import RobotsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    # The news section needs its own template (the <news:news> elements); it must come first.
    path(
        "sitemap-news.xml", sitemap_views.sitemap,
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
    ),
    path(
        "sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", include("articles.urls")),
]
