"""When readers see an article, and when they were last told it changed. Pure Python: the
models, the cache and the pages all ask here."""

import operator
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

PUBLISHED = "published"  # Article.Status.PUBLISHED
# An import stamps an article's updated_at within this of its imported_at.
IMPORT_STAMP = timedelta(seconds=1)


def _publication_rule():
    """The publication rule, the one place it is written, as (field, lookup, value): readers see
    an article once it is published and its published time has come. A time in the future
    schedules the article: it goes live with no job to run."""
    return (("status", "exact", PUBLISHED), ("published_at", "lte", timezone.now()))


# How an article loaded in memory is held to the rule's lookups (published_at may be empty).
_LOOKUPS = {"exact": operator.eq, "lte": lambda value, bound: value is not None and value <= bound}


def published_q(prefix=""):
    """The publication rule as a query condition; `prefix` applies it across a relation
    ("target__")."""
    return Q(**{f"{prefix}{field}__{lookup}": value
                for field, lookup, value in _publication_rule()})


def is_published(article):
    """The publication rule held to an article in memory."""
    return all(_LOOKUPS[lookup](getattr(article, field), value)
               for field, lookup, value in _publication_rule())


def last_change(article):
    """When readers were last told of a change to `article` (dateModified): a correction, or an
    editor's save after the import's own; else its published time. The import's own writes are
    no news: a story published months ago and imported today was not modified today."""
    times = [time for time in (article.published_at, article.corrected_at) if time]
    if not article.imported_at or article.updated_at - article.imported_at > IMPORT_STAMP:
        times.append(article.updated_at)
    return max(times, default=article.updated_at)
