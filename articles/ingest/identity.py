"""Which article a file is, and what of it the import owns.

An article is the same article again when its original URL matches, or else its source and the
fingerprint of its body. What the import wrote last is remembered as a digest of the values it
owns, so a re-import can tell an editor's change (the stored values no longer give the digest)
from its own earlier work.
"""

import functools
import hashlib
import json
import logging
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connection, transaction
from taggit.models import Tag

from ..models import Article, RelatedLink, Source
from ..text import HEADLINE_KEY_CHARS, LEAD_KEY_CHARS
from .errors import ImportFailure
from .files import InputFile
from .manifest import ArticleEntry
from .parse import ParsedArticle
from .report import failure

logger = logging.getLogger(__name__)

TAG_NAME_CHARS = Tag._meta.get_field("name").max_length
OWNED_FIELDS = ("headline", "kicker", "image_caption", "body", "language", "original_url")
OWNED_LINK_FIELDS = ("kind", "title", "teaser", "truncated", "duration_seconds", "language",
                     "url")


@dataclass
class Prepared:
    """A file parsed and turned into the values the import owns, ready to write."""

    file: InputFile
    parsed: ParsedArticle
    entry: ArticleEntry
    source: Source
    values: dict  # Article fields by name
    links: list[dict]  # RelatedLink fields by name, in the page's order
    digest: str

    @property
    def url(self):
        """The original URL: the manifest's, else the one the document gave."""
        return self.values["original_url"]

    @property
    def identity(self):
        return self.url or (self.source.pk, self.parsed.fingerprint)

    @property
    def tags(self):
        """Tag names: the kicker, then those the document gave, each once (case aside)."""
        names = {}
        for name in (self.parsed.kicker, *self.parsed.tags):
            # A feed's category longer than a tag's name may be is no label: left out.
            if name and len(name) <= TAG_NAME_CHARS:
                names.setdefault(name.casefold(), name)
        return list(names.values())


def link_values(position, item):
    """A parsed sidebar item as RelatedLink field values, with the key it is matched by."""
    key = (f"h:{item.normalised[:HEADLINE_KEY_CHARS]}" if item.title
           else f"l:{item.normalised[:LEAD_KEY_CHARS]}")
    return {
        "position": position,
        "kind": item.kind,
        "title": item.title,
        "teaser": item.teaser,
        "truncated": item.truncated,
        "duration_seconds": item.duration_seconds,
        "language": item.language,
        "url": item.url,
        "match_key": key,
    }


def content_digest(values, links):
    """The digest of what the import owns: the article's values and its links' (by position)."""
    owned = {name: values[name] for name in OWNED_FIELDS}
    source = values["source"]
    owned["source"] = source.pk if isinstance(source, Source) else source
    owned["links"] = [[link[name] for name in OWNED_LINK_FIELDS]
                      for link in sorted(links, key=lambda link: link["position"])]
    return hashlib.sha256(json.dumps(owned, sort_keys=True).encode()).hexdigest()


def stored_digest(article, links=None):
    """The digest of the article as it now stands in the database (`links`: its links' owned
    values, when already fetched)."""
    values = {name: getattr(article, name) for name in OWNED_FIELDS}
    values["source"] = article.source_id
    if links is None:
        links = list(article.related_links.order_by("position", "pk")
                     .values("position", *OWNED_LINK_FIELDS))
    return content_digest(values, links)


def changed_by_an_editor(article, links=None):
    """Whether the stored article differs from what the import last wrote (an article the
    import never wrote, an editor's own, counts as changed)."""
    return stored_digest(article, links) != article.import_digest


def find_existing(prepared):
    """{identity: (article, its links' owned values)} for the prepared files already imported:
    by original URL, else (also for a URL not yet recorded) by source and body fingerprint."""
    if not prepared:
        return {}
    urls = {p.url for p in prepared if p.url}
    fingerprints = {p.parsed.fingerprint for p in prepared}
    by_url = {a.original_url: a for a in Article.objects.filter(original_url__in=urls)}
    by_body = {(a.source_id, a.fingerprint): a for a in Article.objects.filter(
        fingerprint__in=fingerprints, original_url="")}
    found = {}
    for p in prepared:
        article = by_url.get(p.url) if p.url else None
        article = article or by_body.get((p.source.pk, p.parsed.fingerprint))
        if article:
            found[p.identity] = article
    links = {}
    for row in RelatedLink.objects.filter(
        article__in=[a.pk for a in found.values()]
    ).order_by("position", "pk").values("article_id", "position", *OWNED_LINK_FIELDS):
        links.setdefault(row.pop("article_id"), []).append(row)
    return {identity: (article, links.get(article.pk, [])) for identity, article in found.items()}


def look_up(find, prepared, results):
    """(The known articles of a batch's prepared files by `find` (find_existing), the files
    still to import.) Should the database refuse the batch's look-up, each file is looked up
    alone, and one it refuses fails with its reason in `results`."""
    try:
        with _savepoint():
            return find([p for _, p in prepared]), prepared
    except Exception:
        logger.info("The look-up of a batch failed; looking its files up one by one",
                    exc_info=True)
    known, kept = {}, []
    for index, p in prepared:
        try:
            with _savepoint():
                known.update(find([p]))
        except Exception as error:
            results[index] = failure(p.file.name, error)
        else:
            kept.append((index, p))
    return known, kept


def _savepoint():
    """Inside a transaction (a dry run's batch), a savepoint: on PostgreSQL a refused
    statement would otherwise spoil the rest of the transaction."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def check_lengths(parsed):
    """Refuse, with the line, text longer than its column holds (PostgreSQL would refuse the
    row without saying where; SQLite would keep it)."""
    kicker, caption, limit, headline, url = _limits()
    for name, value, most in (("kicker", parsed.kicker, kicker),
                              ("image caption", parsed.image_caption, caption),
                              ("headline", parsed.headline, headline),
                              ("original URL", parsed.url, url)):
        if len(value) > most:
            raise ImportFailure(f"the {name} is {len(value):,} characters; the limit is {most}",
                                parsed.first_line)
    for item in parsed.related:
        if len(item.title) > limit:
            raise ImportFailure(f"the video title is {len(item.title):,} characters; the limit "
                                f"is {limit}", item.line + 1)


@functools.cache
def _limits():
    """(kicker, image caption, video title, headline, original URL): what their columns
    hold."""
    article = Article._meta.get_field
    return (article("kicker").max_length, article("image_caption").max_length,
            RelatedLink._meta.get_field("title").max_length, article("headline").max_length,
            article("original_url").max_length)
