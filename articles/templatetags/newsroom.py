"""Small presentational helpers; no queries, no business rules."""

import base64
import functools
import hashlib
import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import url_for_slug

register = template.Library()

# The characters that could end a <script> element or open a comment, escaped as JSON allows.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _hours_minutes_seconds(seconds):
    hours, rest = divmod(int(seconds), 3600)
    return (hours, *divmod(rest, 60))


@register.filter
def duration_badge(seconds):
    """91 -> "01:31", 3723 -> "1:02:03"; None -> "" (the page said "Go to video")."""
    if seconds is None or seconds == "":
        return ""
    hours, minutes, secs = _hours_minutes_seconds(seconds)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@register.filter
def duration_iso(seconds):
    """Seconds as an ISO 8601 duration, for <time datetime>."""
    if seconds is None or seconds == "":
        return ""
    hours, minutes, secs = _hours_minutes_seconds(seconds)
    return f"PT{hours}H{minutes}M{secs}S" if hours else f"PT{minutes}M{secs}S"


@register.simple_tag(takes_context=True)
def news_article_json_ld(context, article):
    """schema.org NewsArticle for an article page, as a JSON-LD script element."""
    request = context["request"]
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
        "keywords": [tag.name for tag in article.tags.all()],
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


@register.simple_tag
def related_href(link):
    """Our article when the item resolved to a public one; else the external URL an editor
    gave; else our search for its text, so the sidebar never shows a dead link."""
    target = link.public_target
    if target:
        return target.get_absolute_url()
    if link.url:
        return link.url  # an editor pointed it at the story elsewhere
    return f"{_search_url()}?{urlencode({'q': link.text})}"


@functools.cache
def _search_url():
    return reverse("articles:list")


@register.filter
def tag_url(tag):
    return url_for_slug("articles:tag", tag.slug)
