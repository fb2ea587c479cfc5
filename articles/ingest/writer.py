"""Write prepared files as rows: the one create path, and the update of a known article.

The batched import writes a batch's new articles with create(); when the database refuses the
batch, the same create() writes each file alone in its own transaction, so the two can never
drift apart (match keys, the stored lead, tags, what the cache is told).
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.models import Tag

from ..models import Article, RelatedLink, Source, TaggedArticle
from ..signals import content_changed
from ..slugs import unique_slugs, unique_source_slug
from . import bulk


class ArticleWriter:
    """Writes articles for the importer. A test may give the importer a subclass that fails a
    step, to see what a refused write leaves behind."""

    def create(self, items, publication):
        """INSERT new articles for `items` (Prepared), with their links and kicker tags;
        `publication(p)` gives each one's status and published time. Returns their keys."""
        now = timezone.now()
        slugs = unique_slugs([p.values["headline"] for p in items])
        keys = bulk.insert(Article, [
            {**p.values, **publication(p),
             **Article.derived_values(p.values["headline"], p.parsed.lead,
                                      p.parsed.normalised_lead),
             "slug": slug, "import_digest": p.digest, "imported_at": now}
            for p, slug in zip(items, slugs, strict=True)
        ], now)
        self.insert_links([{**link, "article_id": pk, "target_id": None}
                           for pk, p in zip(keys, items, strict=True) for link in p.links])
        tags = tags_named({p.parsed.kicker for p in items if p.parsed.kicker})
        bulk.insert_rows(TaggedArticle, [
            {"content_object_id": pk, "tag_id": tags[p.parsed.kicker.casefold()].pk}
            for pk, p in zip(keys, items, strict=True) if p.parsed.kicker
        ])
        # Bulk writes send no model signals. New articles have no page of their own yet: the
        # lists, sources and tags they join have.
        content_changed.send(sender=ArticleWriter, sources={p.source.pk for p in items},
                             tags={tag.pk for tag in tags.values()})
        return keys

    def insert_links(self, rows):
        bulk.insert_rows(RelatedLink, rows)

    def update(self, article, p):
        """Write what the import owns of `p` over `article` (locked by the caller): status,
        times and slug stay the editors'."""
        old_kicker = article.kicker
        for name, value in p.values.items():
            setattr(article, name, value)
        article.import_digest = p.digest
        article.imported_at = timezone.now()
        article.save(update_fields=[*p.values, "import_digest", "imported_at", "updated_at"])
        # Keep a target an editor picked by hand when the same item comes back.
        kept = dict(article.related_links.exclude(target=None)
                    .values_list("match_key", "target"))
        article.related_links.all().delete()
        RelatedLink.objects.bulk_create(
            RelatedLink(article=article, target_id=kept.get(link["match_key"]), **link)
            for link in p.links
        )
        if p.parsed.kicker and p.parsed.kicker != old_kicker:
            article.tags.add(p.parsed.kicker)


def tags_named(names):
    """{casefolded name: Tag} for the kicker tags of a batch, creating the missing ones."""
    wanted = {name.casefold(): name for name in names}
    # Exact names too: SQLite's LOWER() (and PostgreSQL's in the C locale) folds ASCII only, so
    # "Россия" would not find itself, and creating it again would spoil the batch.
    tags = {tag.name.casefold(): tag for tag in Tag.objects.annotate(folded=Lower("name"))
            .filter(Q(folded__in=[name.lower() for name in names]) | Q(name__in=names))}
    for folded, name in wanted.items():
        if folded not in tags:
            tags[folded] = Tag.objects.create(name=name)  # the slug rule makes its slug
    return tags


def source_named(name, entry):
    """The source called `name` (any case), created if new; a manifest's details fill what it
    is missing, never what an editor set."""
    source = Source.objects.filter(name__iexact=name).first()
    details = {}
    if entry:
        details = {"homepage_url": entry.url, "kind": entry.kind, "country": entry.country.upper(),
                   "language": entry.language}
    if source is None:
        try:
            with transaction.atomic():
                return Source.objects.create(name=name, slug=unique_source_slug(name), **details)
        except IntegrityError:
            # Created by an import running at the same time.
            source = Source.objects.get(name__iexact=name)
    missing = {key: value for key, value in details.items()
               if value and not getattr(source, key)}
    if missing:
        for key, value in missing.items():
            setattr(source, key, value)
        source.save(update_fields=[*missing, "updated_at"])
    return source
