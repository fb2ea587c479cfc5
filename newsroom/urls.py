from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles.cache import LISTS, public_cache
from articles.sitemaps import SITEMAPS, NewsSitemap
from articles.views import RobotsView, favicon

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for it on pages that name no icon (the admin's).
    path("favicon.ico", favicon),
    path("robots.txt", public_cache(RobotsView.as_view()), name="robots"),
    path("sitemap.xml", public_cache(sitemap_views.index, keys=[LISTS]), {"sitemaps": SITEMAPS},
         name="sitemap-index"),
    # The news section needs its own template (the <news:news> elements); it must come first.
    path(
        "sitemap-news.xml", public_cache(sitemap_views.sitemap, keys=[LISTS]),
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
    ),
    path(
        "sitemap-<section>.xml", public_cache(sitemap_views.sitemap, keys=[LISTS]),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", include("articles.urls")),
]
