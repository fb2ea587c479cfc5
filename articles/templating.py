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
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from jinja2 import Environment

from .cache import page_parameters
from .slugs import url_for_slug

# The characters that could end a <script> element or open a comment, escaped as JSON allows.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def environment(**options):
    # Always, whatever the settings say: every page shows text the import took from outside.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals.update(
        static=static,
        url=url,
        querystring=querystring,
        related_href=related_href,
        news_article_json_ld=news_article_json_ld,
    )
    env.filters.update(
        date=date,
        truncatechars=truncatechars,
        truncatewords=truncatewords,
        linebreaksbr=linebreaksbr,
        pluralize=pluralize,
        duration_badge=duration_badge,
        duration_iso=duration_iso,
        tag_url=tag_url,
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


@receiver(setting_changed)
def _forget_formatted_dates(setting, **kwargs):
    if setting in ("TIME_ZONE", "USE_TZ", "LANGUAGE_CODE"):  # in tests
        _formatted_date.cache_clear()


def truncatechars(value, length):
    return Truncator(value).chars(length)


def truncatewords(value, length):
    """Django's |truncatewords for plain text, without a lazy Truncator per card."""
    if length <= 0:
        return ""
    words = value.split()
    if len(words) <= length:
        return " ".join(words)
    text = " ".join(words[:length])
    return text if text.endswith(" …") else f"{text} …"


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


def news_article_json_ld(request, article, tags):
    """schema.org NewsArticle for an article page, as a JSON-LD script element."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.lead[:300],
        "mainEntityOfPage": url,
        "url": url,
        "inLanguage": article.language,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "articleSection": article.kicker or None,
        "keywords": [tag.name for tag in tags],
        "isBasedOn": article.original_url or None,
        "sourceOrganization": {"@type": "Organization", "name": article.source.name},
        "publisher": {
            "@type": "Organization",
            "name": settings.NEWSROOM_NAME,
            "url": request.build_absolute_uri("/"),
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
