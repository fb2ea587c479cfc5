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

from .. import about
from ..models import Article, ImportedOriginal, PendingVersion, RelatedLink, Source, TaggedArticle
from ..signals import content_changed
from ..slugs import unique_slugs, unique_source_slug
from . import bulk

# The originals of what the article now says (not those of versions waiting or dismissed).
LIVE_ORIGINALS = (Q(pending_version__isnull=True)
                  | Q(pending_version__state=PendingVersion.State.ACCEPTED))


class ArticleWriter:
    """Writes articles for the importer. A test may give the importer a subclass that fails a
    step, to see what a refused write leaves behind."""

    def create(self, items, publication):
        """INSERT new articles for `items` (Prepared), with their links and tags;
        `publication(p)` gives each one's status and published time. Returns their keys."""
        now = timezone.now()
        slugs = unique_slugs([p.values["headline"] for p in items])
        # Its values' text is its parsed article's: read by a parse worker when there was one.
        abouts = [p.parsed.about(p.values["headline"], p.values["language"]) for p in items]
        keys = bulk.insert(Article, [
            {**p.values, **publication(p),
             **Article.derived_values(p.values["headline"], p.parsed.lead,
                                      p.parsed.normalised_lead),
             **about.page_fields(what), "slug": slug, "import_digest": p.digest,
             "imported_at": now}
            for p, slug, what in zip(items, slugs, abouts, strict=True)
        ], now)
        self.insert_links([{**link, "article_id": pk, "target_id": None}
                           for pk, p in zip(keys, items, strict=True) for link in p.links])
        tags = tags_named({name for p in items for name in p.tags})
        bulk.insert_rows(TaggedArticle, [
            {"content_object_id": pk, "tag_id": tag_id}
            for pk, p in zip(keys, items, strict=True)
            # Two names may be one tag (its slug): tagged once.
            for tag_id in dict.fromkeys(tags[name.casefold()].pk for name in p.tags)
        ])
        prepare = bulk.RowPreparer(ImportedOriginal, now)
        bulk.insert_rows(ImportedOriginal, [
            prepare(original_values(p, now, article=pk)) for pk, p in zip(keys, items, strict=True)
        ])
        # Its countries and cited outlets (an update's follow its save: see articles.about).
        about.insert(((pk, p.source.pk, what) for pk, p, what in zip(keys, items, abouts,
                                                                    strict=True)),
                     fields_written=True)
        # Bulk writes send no model signals. New articles have no page of their own yet: the
        # lists, sources and tags they join have.
        content_changed.send(sender=ArticleWriter, sources={p.source.pk for p in items},
                             tags={tag.pk for tag in tags.values()})
        return keys

    def insert_links(self, rows):
        bulk.insert_rows(RelatedLink, rows)

    def update(self, article, p):
        """Write what the import owns of `p` over `article` (locked by the caller): status,
        times and slug stay the editors'. Its original becomes the article's."""
        now = timezone.now()
        self.overwrite(article, p.values, p.links, p.digest, p.tags, now)
        keep_original(article, ImportedOriginal.objects.create(
            **original_values(p, now, article=article)))

    def overwrite(self, article, values, links, digest, tags, imported_at):
        """The update of a known article (locked by the caller): the import's `values`, its
        `links` (RelatedLink values in order) and `tags` (names, added) over the article's,
        remembered by `digest`."""
        old_kicker = article.kicker
        for name, value in values.items():
            setattr(article, name, value)
        article.import_digest = digest
        article.imported_at = imported_at
        article.save(update_fields=[*values, "import_digest", "imported_at", "updated_at"])
        # Keep a target an editor picked by hand when the same item comes back.
        kept = dict(article.related_links.exclude(target=None)
                    .values_list("match_key", "target"))
        article.related_links.all().delete()
        RelatedLink.objects.bulk_create(
            RelatedLink(article=article, target_id=kept.get(link["match_key"]), **link)
            for link in links
        )
        new_tags = [name for name in tags if name != old_kicker]
        if new_tags:
            article.tags.add(*new_tags)

    def fuller_format(self, article, p):
        """The format of the article's original when it came in another format than `p` and
        with a fuller text (the same story as a page and as a feed's one-line description):
        whichever arrives last, the fuller text stays. None otherwise."""
        if len(p.values["body"]) >= len(article.body):
            return None
        stored = (ImportedOriginal.objects.filter(article=article).filter(LIVE_ORIGINALS)
                  .values_list("format", flat=True).first())
        if stored is None or stored == p.parsed.original_format:
            return None
        return ImportedOriginal.Format(stored).label

    def hold(self, article, p):
        """Keep `p` as a version of `article` (published or withdrawn: its live text stays) for
        an editor to accept or dismiss. One waits at a time: a version with other content
        replaces it; the same content as one waiting, or as one an editor dismissed, adds
        none. Returns the PendingVersion the file is."""
        with transaction.atomic():
            known = (PendingVersion.objects.select_for_update()
                     .filter(article=article, digest=p.digest)
                     .exclude(state=PendingVersion.State.ACCEPTED).first())
            if known:
                return known
            replaced = PendingVersion.objects.waiting().filter(article=article)
            ImportedOriginal.objects.filter(pending_version__in=replaced).delete()
            replaced.delete()
            now = timezone.now()
            original = ImportedOriginal.objects.create(**original_values(p, now,
                                                                         article=article))
            return PendingVersion.objects.create(
                article=article, original=original, digest=p.digest, imported_at=now,
                links=p.links, tags=p.tags,
                **{name: p.values[name] for name in PendingVersion.VALUE_FIELDS})


def original_values(p, imported_at, article):
    """ImportedOriginal values for prepared file `p` of `article` (an Article or its key)."""
    return {"article": article, "content": p.parsed.original, "format": p.parsed.original_format,
            "file_name": p.values["source_file"], "fingerprint": p.parsed.fingerprint,
            "imported_at": imported_at}


def keep_original(article, original):
    """Make `original` the article's latest; the ones before it go, but for those of pending
    versions (waiting, or dismissed: kept in the history)."""
    (ImportedOriginal.objects.filter(article=article).filter(LIVE_ORIGINALS)
     .exclude(pk=original.pk).delete())


def tags_named(names):
    """{casefolded name: Tag} for the tags of a batch, creating the missing ones."""
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
