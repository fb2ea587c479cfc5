"""The Jinja2 environment of the public pages, and the small presentational helpers they use.

The reader pages are rendered with Jinja2 rather than Django's template language: a front page
of twenty cards spent most of its time in the template engine. The admin keeps Django's
templates. Helpers here run no queries and hold no business rules; everything imported is
escaped by the environment's autoescaping, as in Django templates.
"""

import base64
import functools
import hashlib
import json

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import QueryDict
from django.template.defaultfilters import linebreaksbr
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language_info
from jinja2 import Environment

from .cache import page_parameters
from .slugs import url_for_slug
from .text import excerpt

# The characters that could end a <script> element or open a comment, escaped as JSON allows.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def environment(**options):
    # Always, whatever the settings say: every page shows text the import took from outside.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals.update(
        static=static_url,
        url=url,
        querystring=querystring,
        related_href=related_href,
        news_article_json_ld=news_article_json_ld,
        site_image=site_image,
    )
    env.filters.update(
        date=date,
        excerpt=excerpt,
        linebreaksbr=linebreaksbr,
        pluralize=pluralize,
        duration_badge=duration_badge,
        duration_iso=duration_iso,
        tag_url=tag_url,
        og_locale=og_locale,
        language_name=language_name,
    )
    return env


def url(name, *args, **kwargs):
    return reverse(name, args=args or None, kwargs=kwargs or None)


def querystring(request, **changes):
    """The page's own query string (see cache.page_parameters) with `changes` applied, as
    Django's {% querystring %} tag does to the whole of it."""
    query = QueryDict(mutable=True)
    for name, value in page_parameters(request):
        query.appendlist(name, value)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    return f"?{query.urlencode()}"


def date(value, format_string):
    """Django's |date filter with a literal format, in the site's time zone and language
    (TIME_ZONE, LANGUAGE_CODE: the reader pages activate no other). "c" (ISO 8601) gives
    whole seconds: HTML's datetime attributes allow at most three digits of a second."""
    if value in (None, ""):
        return ""
    return _formatted_date(value, format_string)


@functools.lru_cache(maxsize=4096)
def _formatted_date(value, format_string):
    # A list page shows the same few dozen times to every reader: format each once.
    value = template_localtime(value)
    if format_string == "c":
        return value.isoformat(timespec="seconds")
    return dateformat.format(value, format_string)


def _iso(value):
    return date(value, "c") or None


@receiver(setting_changed)
def _forget_formatted_dates(setting, **kwargs):
    if setting in ("TIME_ZONE", "USE_TZ", "LANGUAGE_CODE"):  # in tests
        _formatted_date.cache_clear()


@functools.lru_cache(maxsize=256)
def static_url(path):
    """static(path), looked up once per path: the files' manifest does not change while a
    process runs, and the look-up (about 25 us) ran three times on every page."""
    return static(path)


@receiver(setting_changed)
def _forget_static_urls(setting, **kwargs):
    if setting in ("STATIC_URL", "STATIC_ROOT", "STORAGES"):  # in tests
        static_url.cache_clear()


def pluralize(count, suffix="s"):
    return "" if count == 1 else suffix


def _hours_minutes_seconds(seconds):
    hours, rest = divmod(int(seconds), 3600)
    return (hours, *divmod(rest, 60))


def duration_badge(seconds):
    """91 -> "01:31", 3723 -> "1:02:03"; None -> "" (the page said "Go to video")."""
    if seconds is None or seconds == "":
        return ""
    hours, minutes, secs = _hours_minutes_seconds(seconds)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def duration_iso(seconds):
    """Seconds as an ISO 8601 duration, for <time datetime>."""
    if seconds is None or seconds == "":
        return ""
    hours, minutes, secs = _hours_minutes_seconds(seconds)
    return f"PT{hours}H{minutes}M{secs}S" if hours else f"PT{minutes}M{secs}S"


def language_name(code):
    """A language's English name ("fr" → "French"), else its code."""
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


def tag_url(tag):
    return url_for_slug("articles:tag", tag.slug)


def related_href(link):
    """Our article when the item resolved to a public one; else the external URL an editor
    gave; else None: the item is shown without a link (a search for its text mostly found
    nothing, and no link may lead to an empty page)."""
    target = link.public_target
    if target:
        return target.get_absolute_url()
    return link.url or None  # an editor pointed it at the story elsewhere


def site_image(request, name):
    """The absolute URL and size of a site picture: "logo" (the publisher's logo) or "share"
    (the picture a story without one of its own is shared with). Configured as static paths or
    absolute URLs (NEWSROOM_LOGO, NEWSROOM_SHARE_IMAGE)."""
    path, width, height = settings.NEWSROOM_IMAGES[name]
    url = path if path.startswith(("https://", "http://")) else request.build_absolute_uri(
        static_url(path))
    return {"url": url, "width": width, "height": height}


def og_locale(language):
    """An ISO 639-1 code as Open Graph's locale (language_TERRITORY)."""
    return OG_LOCALES.get(language, language)


# The territory a language's readers here are most likely in; Open Graph wants one.
OG_LOCALES = {"en": "en_US", "fr": "fr_FR", "ar": "ar_AR", "ru": "ru_RU", "pt": "pt_PT",
              "es": "es_ES", "sw": "sw_KE"}


def news_article_json_ld(request, article, tags):
    """schema.org NewsArticle for an article page, as a JSON-LD script element."""
    url = request.build_absolute_uri(article.get_absolute_url())
    source = article.source
    logo, picture = site_image(request, "logo"), site_image(request, "share")
    # No byline in what we import: the story is the source's, as news sites credit wires.
    author = {"@type": "Organization", "name": source.name,
              "url": source.homepage_url or request.build_absolute_uri(source.get_absolute_url())}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": excerpt(article.lead, 300),
        "image": [{"@type": "ImageObject", **picture}],
        "mainEntityOfPage": url,
        "url": url,
        "inLanguage": article.language,
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.modified_at),
        "articleSection": article.kicker or None,
        "keywords": [tag.name for tag in tags],
        "isBasedOn": article.original_url or None,
        "author": [author],
        "sourceOrganization": {"@type": "Organization", "name": source.name},
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": settings.NEWSROOM_NAME,
            "url": request.build_absolute_uri("/"),
            "logo": {"@type": "ImageObject", **logo},
        },
    }
    data = {key: value for key, value in data.items() if value not in (None, "", [])}
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    # The Content-Security-Policy allows this block by its hash (see newsroom.middleware).
    digest = base64.b64encode(hashlib.sha256(payload.encode()).digest()).decode()
    if not hasattr(request, "csp_script_hashes"):
        request.csp_script_hashes = []
    request.csp_script_hashes.append(f"'sha256-{digest}'")
    return format_html('<script type="application/ld+json">{}</script>',
                       mark_safe(payload))  # noqa: S308 - escaped above like json_script
