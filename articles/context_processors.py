import functools

from django.conf import settings
from django.urls import reverse


@functools.cache
def _site_urls():
    # The same on every page: resolved once per process, not a dozen times per page.
    return {name.replace("-", "_"): reverse(view) for name, view in (
        ("front", "articles:front"), ("list", "articles:list"),
        ("feed-rss", "articles:feed-rss"), ("feed-atom", "articles:feed-atom"),
        ("sitemap", "sitemap-index"),
    )}


def site(request):
    return {
        "newsroom_name": settings.NEWSROOM_NAME,
        "site_language": settings.LANGUAGE_CODE,
        "site_urls": _site_urls(),
    }
