"""Plain helpers that create rows through the ORM, for the view and feed tests."""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Article, RelatedLink, Source

_counter = itertools.count(1)

LEAD = "The ministers met on Monday to agree a joint plan."


def make_source(name=None, slug=None, **fields):
    number = next(_counter)
    name = name or f"Source {number}"
    return Source.objects.create(name=name, slug=slug or f"source-{number}", **fields)


def make_article(headline=None, *, source=None, status=Article.Status.PUBLISHED, age=None,
                 published_at=None, tags=(), body=None, slug=None, **fields):
    """A published article, `age` ago (one hour by default). A draft gets no time unless given
    one; pass `age` negative (or a future `published_at`) to schedule it."""
    number = next(_counter)
    if published_at is None and (age is not None or status == Article.Status.PUBLISHED):
        published_at = timezone.now() - (timedelta(hours=1) if age is None else age)
    article = Article.objects.create(
        source=source or make_source(),
        headline=headline or f"Headline number {number}",
        slug=slug or f"article-{number}",
        body=body if body is not None else f"{LEAD}\n\nA second paragraph, number {number}.",
        status=status,
        published_at=published_at,
        **fields,
    )
    if tags:
        article.tags.add(*tags)
    return article


def make_articles(count, *, source=None, tags=(), **fields):
    """`count` published articles, the first the newest, an hour apart."""
    source = source or make_source()
    return [
        make_article(f"Story {i:02d} of {count}", source=source, tags=tags,
                     age=timedelta(hours=i + 1), **fields)
        for i in range(count)
    ]


def make_link(article, kind=RelatedLink.Kind.STORY, *, position=None, **fields):
    if position is None:
        position = article.related_links.count()
    if kind == RelatedLink.Kind.VIDEO:
        fields.setdefault("title", f"Video {position}")
    else:
        fields.setdefault("teaser", f"Teaser {position}")
    return RelatedLink.objects.create(article=article, kind=kind, position=position, **fields)
