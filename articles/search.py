"""Full-text search over articles: the one place that holds SQL the ORM cannot express.

`matching(articles, text)` narrows a QuerySet of articles to those holding every word of `text`,
each word matching as a prefix ("russia" finds "Russian"), and ranks them. On PostgreSQL it reads
a stored tsvector column that a trigger keeps current and a GIN index serves (migration 0006);
elsewhere it matches substrings, newest first. The 'simple' configuration (no stemming) keeps both
alike for plain words and fair to every language we publish in.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

MAX_SEARCH_WORDS = 10  # a bound on the query's size, whatever is pasted into the box

# PostgreSQL only: each article's headline (weight A), kicker (B) and body (C) as a tsvector. Not
# a model field: no query loads it, and other databases have no such column.
_DOCUMENT = RawSQL('"articles_article"."search_document"', [], output_field=SearchVectorField())


def words_of(text):
    """The words a search looks for, in order, at most MAX_SEARCH_WORDS."""
    return re.findall(r"\w+", text)[:MAX_SEARCH_WORDS]


def matching(articles, text):
    """`articles` holding every word of `text`, best match first; all of them when `text` has
    no words."""
    words = words_of(text)
    if not words:
        return articles
    if connections[articles.db].vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw",
                            config="simple")
        return (
            articles.alias(document=_DOCUMENT)
            .filter(document=query)
            .annotate(rank=SearchRank(_DOCUMENT, query))
            .order_by("-rank", "-published_at", "-pk")
        )
    for word in words:
        articles = articles.filter(
            Q(headline__icontains=word) | Q(kicker__icontains=word) | Q(body__icontains=word)
        )
    return articles.order_by("-published_at", "-pk")
