"""Turn parsed files into rows: the one import service the command, the admin and tests call.

Each file is written in its own transaction, so a bad file never leaves half an article and never
stops the others. An article is the same article again when its original URL matches, or else its
source and the fingerprint of its body. What the import wrote last is remembered as a digest, so a
re-import can tell an editor's change (keep it, report "skipped") from its own earlier work. A
published or withdrawn article is never changed by a re-import: its new version is "held" for an
editor.
"""

import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable
from contextlib import closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import itemgetter

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    Field,
    Model,
    OuterRef,
    Q,
    Subquery,
    TextField,
    When,
)
from django.db.models.functions import Lower, Substr
from django.utils import timezone
from taggit.models import Tag

from ..models import Article, RelatedLink, Source, TaggedArticle
from ..signals import content_changed
from ..slugs import unique_slugs, unique_source_slug
from ..text import HEADLINE_KEY_CHARS, LEAD_KEY_CHARS, match_keys
from .errors import InputError
from .files import InputFile, InputWarning, Refused, iter_inputs
from .manifest import ArticleEntry
from .parallel import WorkerError, article_from, parse_ahead
from .parse import ParsedArticle, parse_bytes

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
HELD = "held"
FAILED = "failed"
STATUSES = (CREATED, UPDATED, UNCHANGED, SKIPPED, HELD, FAILED)

BATCH_SIZE = 500  # files read, looked up and written together
ANALYZE_AFTER = 1000  # articles created by one import before PostgreSQL's statistics are renewed
SQLITE_CACHE_KIB = 16 * 1024
MAX_PROPOSED_HEADLINE = 90
MAX_SLUG = 100
MAX_INTERNAL_REASON = 200  # characters of an unexpected exception's message shown in a report


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class FileResult:
    name: str
    status: str
    article_id: int | None = None
    headline: str = ""
    reason: str = ""
    line: int | None = None

    @property
    def location(self):
        return f"{self.name}:{self.line}" if self.line else self.name

    def __str__(self):
        return f"{self.location}: {self.reason}" if self.reason else f"{self.name}: {self.status}"


@dataclass
class ImportReport:
    """What an import did. `results` lists every file when `keep_results` (the admin's table);
    failures, skips, held files and warnings are always kept, whatever the size of the
    archive."""

    keep_results: bool = True
    results: list[FileResult] = field(default_factory=list)
    failures: list[FileResult] = field(default_factory=list)
    skipped: list[FileResult] = field(default_factory=list)
    held: list[FileResult] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    links_resolved: int = 0
    links_unresolved: int = 0
    resolve_seconds: float = 0.0
    dry_run: bool = False
    # False after a dry run of more than one batch: each batch was rolled back before the next,
    # so no moment held all the articles the links could point to.
    links_counted: bool = True

    def add(self, result):
        self.totals[result.status] += 1
        if self.keep_results:
            self.results.append(result)
        if result.status == FAILED:
            self.failures.append(result)
        elif result.status == SKIPPED:
            self.skipped.append(result)
        elif result.status == HELD:
            self.held.append(result)

    def counts(self):
        return dict(self.totals)

    @property
    def files(self):
        return sum(self.totals.values())

    @property
    def ok(self):
        return not self.failures

    def summary(self):
        parts = [f"{self.totals[status]} {status}" for status in STATUSES]
        prefix = "Dry run, nothing written: " if self.dry_run else ""
        links = (f"Related links: {self.links_resolved} resolved now in "
                 f"{self.resolve_seconds:.2f} s, {self.links_unresolved} still unresolved."
                 if self.links_counted else
                 "Related links: resolved by the real run only (a dry run resolves them when "
                 "the import fits in one batch).")
        warned = len(self.warnings)
        warnings = f" {warned} warning{'s' if warned > 1 else ''}." if warned else ""
        return f"{prefix}{self.files} files: {', '.join(parts)}. {links}{warnings}"


class ImportFailure(InputError):
    """A file refused for a reason the importer found (not the parser)."""


@dataclass
class _Prepared:
    """A file parsed and turned into the values the import owns, ready to write."""

    file: InputFile
    parsed: ParsedArticle
    entry: ArticleEntry
    source: Source
    values: dict
    links: list[dict]
    digest: str

    @property
    def identity(self):
        return self.entry.url or (self.source.pk, self.parsed.fingerprint)


# ---------------------------------------------------------------------------------------------
# The service


def import_paths(paths, relative_to=None, refused=(), **options):
    """Import files and folders; see Importer for the options. Returns an ImportReport.

    `refused`: Refused items met before the import (an upload's members it does not take),
    reported first, as failed files."""
    return Importer(**options).run(chain(refused, iter_inputs(paths, relative_to=relative_to)))


class Importer:
    """Imports a stream of files a batch at a time.

    New articles of a batch are written together in one transaction, which is what makes an
    archive import fast; if that batch fails, its files are written again one by one, each in
    its own transaction, so a bad file still fails alone and never leaves half an article. Known
    articles are checked in bulk and updated one by one. Whatever one file raises fails that
    file alone (see `failure`): the run goes on and returns its report.

    `parse` turns a file's bytes into a ParsedArticle (parse.parse_bytes; another format's
    adapter). With `workers` it runs in their processes, so it must be a module-level function.
    """

    def __init__(self, *, source_name=None, publish=False, dry_run=False, on_result=None,
                 keep_results=True, batch_size=BATCH_SIZE, allow_publish=True, workers=0,
                 parse=parse_bytes):
        self.source_name = (source_name or "").strip()
        self.publish = publish and allow_publish
        # Who runs the import decides: a manifest cannot publish for a user who may not.
        self.allow_publish = allow_publish
        self.dry_run = dry_run
        self.on_result = on_result or (lambda result: None)
        self.keep_results = keep_results
        self.batch_size = batch_size
        # Processes parsing files while this one writes (0: parse here). Worth it for an
        # archive: see parallel.MIN_FILES.
        self.workers = workers
        self.parse = parse
        self._sources = {}
        self._ledger = None

    def run(self, inputs: Iterable[InputFile | Refused]):
        report = ImportReport(keep_results=self.keep_results, dry_run=self.dry_run)
        self._ledger = _DryRunLedger() if self.dry_run else None
        batches = _batches(inputs, self.batch_size)
        with _sqlite_cache_size():
            if self.workers:
                with closing(parse_ahead(batches, self.workers, parse=self.parse)) as parsed:
                    self._import_all(parsed, report)
            else:
                self._import_all(((batch, None) for batch in batches), report)
        return report

    def _import_all(self, batches, report):
        for number, (batch, parsed_files) in enumerate(batches):
            if self.dry_run:
                results = self._try_batch(batch, report, parsed_files, first=number == 0)
            else:
                results = self._import_batch(batch, report, parsed_files)
            # Outside any transaction: whatever the caller does meanwhile, it holds no lock.
            for result in results:
                self.on_result(result)
        if not self.dry_run:
            self._resolve_links(report)
            if report.totals[CREATED] >= ANALYZE_AFTER:
                _analyze()

    def _try_batch(self, batch, report, parsed_files, first):
        """A dry run's batch: written for real and rolled back, so that its report is what a
        real run would say. One transaction a batch, not one for the run: SQLite has one write
        lock, and the editors' desk and other imports must not wait for a whole archive."""
        with transaction.atomic():
            results = self._import_batch(batch, report, parsed_files)
            if first:
                self._resolve_links(report)  # exactly a real run's figures, if no batch follows
            elif batch:
                report.links_counted = False
            transaction.set_rollback(True)
        self._sources.clear()  # those the batch created are gone with it
        return results

    def _resolve_links(self, report):
        started = time.perf_counter()
        report.links_resolved = resolve_links()
        report.resolve_seconds = time.perf_counter() - started
        report.links_unresolved = RelatedLink.objects.unresolved().exclude(match_key="").count()

    def _import_batch(self, batch, report, parsed_files=None):
        """Import a batch and return its results, in order; `parsed_files`, when given, holds
        what workers made of each file (see parallel.article_from), so it is not read and
        parsed here again."""
        results = {}
        prepared = []
        for index, item in enumerate(batch):
            if isinstance(item, InputWarning):
                report.warnings.append(item)  # not a file: nothing to count
                continue
            if isinstance(item, Refused):
                results[index] = FileResult(item.name, FAILED, reason=item.reason,
                                            line=item.line)
                continue
            try:
                article = None
                if parsed_files and parsed_files[index] is not None:
                    article = article_from(parsed_files[index])
                p = self._prepare(item, article)
                prepared.append((index, p))
                report.warnings.extend(InputWarning(item.name, message, line)
                                       for line, message in p.parsed.warnings)
            except Exception as error:  # whatever it is, it is this file's alone
                results[index] = failure(item.name, error)

        known, prepared = _look_up(prepared, results)
        new, seen, again, remembered = [], set(), [], {}
        for index, p in prepared:
            found = known.get(p.identity)
            if self._ledger:
                found, remembered[index] = self._ledger.look_up(p, found)
            if remembered.get(index):
                results[index] = self._ledger.outcome(p, remembered[index])
            elif found:
                results[index] = _guarded(p.file.name, self._revisit, p, *found)
            elif p.identity in seen:
                again.append((index, p))  # the same story twice in one batch: after the first
            else:
                seen.add(p.identity)
                new.append((index, p))
        results.update(self._create_all(new))
        for index, p in again:
            results[index] = self._write_one(p)
        if self._ledger:
            self._ledger.record(prepared, results, remembered,
                                lambda p: self._publication(p)["status"])

        ordered = [results[index] for index in sorted(results)]  # warnings are no files
        for result in ordered:
            report.add(result)
        return ordered

    # -- reading ------------------------------------------------------------------------------

    def _prepare(self, file, parsed=None):
        if parsed is None:
            parsed = self.parse(file.read())
        _check_lengths(parsed)
        source = self._source_for(file)
        entry = file.entry or ArticleEntry(file=file.name)
        headline = entry.headline or propose_headline(parsed.lead)
        values = {
            "source": source,
            "headline": headline,
            "headline_proposed": not entry.headline,
            "kicker": parsed.kicker,
            "image_caption": parsed.image_caption,
            "body": parsed.body,
            "language": parsed.language or source.language or "en",
            "original_url": entry.url,
            "source_file": file.name[-300:],  # the end of a long path says the most
            "fingerprint": parsed.fingerprint,
        }
        links = [_link_values(position, item) for position, item in enumerate(parsed.related)]
        return _Prepared(file, parsed, entry, source, values, links,
                         content_digest(values, links))

    def _source_for(self, file):
        entry = file.entry.source if file.entry else None
        name = entry.name if entry else self.source_name
        if not name:
            raise ImportFailure("no source for this file: list it in manifest.toml with a "
                                "source, or pass --source")
        if name not in self._sources:
            # Its own transaction: a source must not vanish with a later batch's rollback.
            with transaction.atomic():
                self._sources[name] = _get_or_create_source(name, entry)
        return self._sources[name]

    # -- new articles -------------------------------------------------------------------------

    def _create_all(self, new):
        if not new:
            return {}
        try:
            with transaction.atomic():
                created = self._insert(new)
        except Exception:
            # One file (or a concurrent import) spoiled the batch: each file on its own now,
            # where whatever it raises fails it alone.
            logger.info("A batch of %d new articles failed; writing them one by one",
                        len(new), exc_info=True)
            return {index: _if_raced(self._write_one(p)) for index, p in new}
        return created

    def _insert(self, new):
        now = timezone.now()
        slugs = unique_slugs([p.values["headline"] for _, p in new])
        articles = [
            {**p.values, **self._publication(p),
             **match_keys(p.values["headline"], p.parsed.normalised_lead),
             "lead": p.parsed.lead,
             "slug": slug, "import_digest": p.digest, "imported_at": now}
            for (_, p), slug in zip(new, slugs, strict=True)
        ]
        keys = _insert_articles(articles, now)
        _insert_rows(RelatedLink, [
            {**link, "article_id": pk, "target_id": None}
            for pk, (_, p) in zip(keys, new, strict=True) for link in p.links
        ])
        tags = _tags_named({p.parsed.kicker for _, p in new if p.parsed.kicker})
        _insert_rows(TaggedArticle, [
            {"content_object_id": pk, "tag_id": tags[p.parsed.kicker.casefold()].pk}
            for pk, (_, p) in zip(keys, new, strict=True) if p.parsed.kicker
        ])
        # Bulk writes send no model signals. New articles have no page of their own yet: the
        # lists, sources and tags they join have.
        content_changed.send(sender=Importer, sources={p.source.pk for _, p in new},
                             tags={tag.pk for tag in tags.values()})
        return {index: FileResult(p.file.name, CREATED, pk, p.values["headline"])
                for pk, (index, p) in zip(keys, new, strict=True)}

    def _publication(self, p):
        status = p.entry.status or (
            Article.Status.PUBLISHED if self.publish else Article.Status.DRAFT)
        if p.values["headline_proposed"]:
            status = Article.Status.DRAFT  # an editor must write the headline first
        elif status == Article.Status.PUBLISHED and not self.allow_publish:
            status = Article.Status.REVIEW
        published_at = p.entry.published
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = timezone.now()
        return {"status": status, "published_at": published_at}

    # -- one file at a time -------------------------------------------------------------------

    def _write_one(self, p):
        """Write one prepared file in its own transaction: create, update or leave it."""
        try:
            try:
                with transaction.atomic():
                    return self._write(p)
            except IntegrityError:
                # Another import wrote this article (or took its slug) between our look-up and
                # our insert. Its rows are committed now: look again, once.
                with transaction.atomic():
                    result = self._write(p)
                return _if_raced(result)
        except Exception as error:
            return failure(p.file.name, error)

    def _write(self, p):
        known = _existing_articles([p])
        if p.identity in known:
            return self._revisit(p, *known[p.identity])
        article = Article.objects.create(
            **p.values, **self._publication(p), slug=unique_slugs([p.values["headline"]])[0],
            import_digest=p.digest, imported_at=timezone.now(),
        )
        RelatedLink.objects.bulk_create(RelatedLink(article=article, **link) for link in p.links)
        if p.parsed.kicker:
            article.tags.add(p.parsed.kicker)
        return FileResult(p.file.name, CREATED, article.pk, article.headline)

    def _revisit(self, p, article, stored_links):
        """A known article: leave it (editor's change, nothing new, or readers see it) or
        update it."""
        name = p.file.name
        # An article the import never wrote (an editor's own) counts as changed by an editor.
        if stored_digest(article, stored_links) != article.import_digest:
            return FileResult(name, SKIPPED, article.pk, article.headline,
                              reason="changed by an editor since the last import; kept as is")
        if p.digest == article.import_digest:
            return FileResult(name, UNCHANGED, article.pk, article.headline)
        if article.status not in Article.REPORTER_STATUSES:
            return _held(name, article)
        try:
            with transaction.atomic():
                # Locked and checked again: an editor may have saved since our look-up.
                article = Article.objects.select_for_update().get(pk=article.pk)
                if stored_digest(article) != article.import_digest:
                    return FileResult(name, SKIPPED, article.pk, article.headline,
                                      reason="changed by an editor since the last import; "
                                             "kept as is")
                if article.status not in Article.REPORTER_STATUSES:
                    return _held(name, article)
                old_kicker = article.kicker
                for field_name, value in p.values.items():
                    setattr(article, field_name, value)
                article.import_digest = p.digest
                article.imported_at = timezone.now()
                # Only what the import owns: status, times and slug stay the editors'.
                article.save(update_fields=[*p.values, "import_digest", "imported_at",
                                            "updated_at"])
                _replace_links(article, p.links)
                if p.parsed.kicker and p.parsed.kicker != old_kicker:
                    article.tags.add(p.parsed.kicker)
        except Article.DoesNotExist:
            return FileResult(name, FAILED, reason="the article was deleted during the import")
        except DatabaseError as error:
            logger.exception("Database error updating %s", name)
            return FileResult(name, FAILED, reason=f"the database refused it: {error}")
        return FileResult(name, UPDATED, article.pk, article.headline)


def _held(name, article):
    # Published or withdrawn: what readers see (or saw) of it is the editors' alone, whoever
    # runs the import, so the live text, links and tags stay as they are.
    return FileResult(name, HELD, article.pk, article.headline,
                      reason=f"held for an editor: the article is "
                             f"{article.get_status_display().lower()}; an editor must accept "
                             "the new version")


def failure(name, error):
    """The result of a file whose import raised `error`, whatever it is: a refusal keeps its
    reason and line; an error no rule foresaw (a bug, a library's surprise) fails the file as
    an internal error, with its traceback in the log, and never the files around it."""
    if isinstance(error, InputError):
        return FileResult(name, FAILED, reason=error.reason, line=error.line)
    if isinstance(error, OSError):
        return FileResult(name, FAILED, reason=f"cannot read: {error.strerror or error}")
    if isinstance(error, DatabaseError):
        logger.error("Database error importing %s", name, exc_info=error)
        return FileResult(name, FAILED, reason=f"the database refused it: {error}")
    if isinstance(error, WorkerError):
        logger.error("Internal error importing %s, in a parsing worker:\n%s", name,
                     error.traceback)
        description = str(error)
    else:
        logger.error("Internal error importing %s", name, exc_info=error)
        description = f"{type(error).__name__}: {error}"
    if len(description) > MAX_INTERNAL_REASON:
        description = description[:MAX_INTERNAL_REASON - 1] + "…"
    return FileResult(name, FAILED, reason=f"internal error: {description}, see the log")


def _guarded(name, step, *args):
    """step(*args), or the failure of file `name` if it raises."""
    try:
        return step(*args)
    except Exception as error:
        return failure(name, error)


def _look_up(prepared, results):
    """(The known articles of a batch's prepared files, the files still to import.) Should the
    database refuse the batch's look-up, each file is looked up alone, and one it refuses
    fails with its reason in `results`."""
    try:
        with _savepoint():
            return _existing_articles([p for _, p in prepared]), prepared
    except Exception:
        logger.info("The look-up of a batch failed; looking its files up one by one",
                    exc_info=True)
    known, kept = {}, []
    for index, p in prepared:
        try:
            with _savepoint():
                known.update(_existing_articles([p]))
        except Exception as error:
            results[index] = failure(p.file.name, error)
        else:
            kept.append((index, p))
    return known, kept


def _savepoint():
    """Inside a transaction (a dry run's batch), a savepoint: on PostgreSQL a refused
    statement would otherwise spoil the rest of the transaction."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


@dataclass
class _Written:
    """An article as an earlier batch of a dry run left it before the rollback."""

    pk: int
    status: str  # what readers would see of it decides whether a new version is held
    key: tuple = ()
    digest: str = ""
    headline: str = ""


class _DryRunLedger:
    """What the earlier batches of a dry run wrote before they were rolled back, so that a
    later batch reports what a real run would: a story met again is unchanged or updated, not
    created twice. It finds articles as _existing_articles does: by original URL first, else
    by source and body among those without a URL. Sources are named, not numbered: the ones a
    batch created are created again, with other keys, by the next."""

    def __init__(self):
        self.written = {}  # look-up key -> _Written
        self.moved = set()  # articles of the database a batch updated: their rows are stale

    @staticmethod
    def _source(p):
        return p.source.name.casefold()  # names are unique, and found ignoring case

    def _keys(self, p):
        url = ("url", p.entry.url) if p.entry.url else None
        return url, ("body", self._source(p), p.parsed.fingerprint)

    def _digest(self, p):
        return content_digest({**p.values, "source": self._source(p)}, p.links)

    def look_up(self, p, found):
        """(The database's article for `p`, unless a batch changed it; what a batch wrote
        for `p`), either or both None."""
        if found and found[0].pk in self.moved:
            found = None  # what the run made of it is in `written`, under its new key
        url, body = self._keys(p)
        if url in self.written:
            return None, self.written[url]
        if found and p.entry.url and found[0].original_url == p.entry.url:
            return found, None
        if body in self.written:
            return None, self.written[body]
        return found, None

    def outcome(self, p, written):
        if self._digest(p) == written.digest:
            return FileResult(p.file.name, UNCHANGED, written.pk, written.headline)
        if written.status not in Article.REPORTER_STATUSES:
            return _held(p.file.name, Article(pk=written.pk, headline=written.headline,
                                              status=written.status))
        return FileResult(p.file.name, UPDATED, written.pk, p.values["headline"])

    def record(self, prepared, results, remembered, status_of):
        """Remember what the batch created or updated, as its files now describe them."""
        created = {}
        for index, p in prepared:
            result = results[index]
            if result.status not in (CREATED, UPDATED):
                continue
            written = remembered.get(index)
            if written is None and result.status == CREATED:
                written = created[result.article_id] = _Written(result.article_id,
                                                                status_of(p))
            elif written is None:  # a file met twice in the batch, or an article of the database
                written = created.get(result.article_id)
                if written is None:
                    self.moved.add(result.article_id)
                    # An article it updated was not live: a live one is held instead.
                    written = _Written(result.article_id, Article.Status.DRAFT)
            if self.written.get(written.key) is written:
                del self.written[written.key]
            url, body = self._keys(p)
            written.key, written.digest = url or body, self._digest(p)
            written.headline = p.values["headline"]
            self.written[written.key] = written


@contextmanager
def _sqlite_cache_size():
    """On SQLite, a page cache of SQLITE_CACHE_KIB for the import. Each batch writes into the
    same indexes (slugs, match keys, fingerprints, in no order); with SQLite's 2 MB default,
    their pages were read again for every batch and the writes took twice as long as one
    transaction would (see bench/import.py). Bounded, so memory stays flat."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
        page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
    # Negative: a size in KiB; positive: in pages.
    if (-previous if previous < 0 else previous * page_size // 1024) >= SQLITE_CACHE_KIB:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _analyze():
    """After an archive import on PostgreSQL, fresh planner statistics at once: until
    autovacuum gets to it, the planner takes the tables for as small as before the import and
    picks plans that read all of them (searching a rare word among 10,000 new articles: 34 ms
    instead of 1.3 ms)."""
    if connection.vendor == "postgresql":
        tables = [model._meta.db_table for model in (Article, RelatedLink, TaggedArticle)]
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")


def _batches(inputs, size):
    batch = []
    for item in inputs:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    yield batch  # even empty: a run always ends with a batch


def _check_lengths(parsed):
    """Refuse, with the line, text longer than its column holds (PostgreSQL would refuse the
    row without saying where; SQLite would keep it)."""
    kicker, caption, limit = _limits()
    for name, value, most in (("kicker", parsed.kicker, kicker),
                              ("image caption", parsed.image_caption, caption)):
        if len(value) > most:
            raise ImportFailure(f"the {name} is {len(value):,} characters; the limit is {most}",
                                parsed.first_line)
    for item in parsed.related:
        if len(item.title) > limit:
            raise ImportFailure(f"the video title is {len(item.title):,} characters; the limit "
                                f"is {limit}", item.line + 1)


@functools.cache
def _limits():
    """(kicker, image caption, video title): what their columns hold."""
    return (Article._meta.get_field("kicker").max_length,
            Article._meta.get_field("image_caption").max_length,
            RelatedLink._meta.get_field("title").max_length)


def _if_raced(result):
    # The file was new when we looked, and is known now: another run imported it meanwhile.
    if result.status == UNCHANGED:
        return replace(result, reason="already imported by another run just now")
    return result


def _existing_articles(prepared):
    """{identity: (article, its links' owned values)} for the prepared files already imported:
    by original URL, else (also for a URL not yet recorded) by source and body fingerprint."""
    if not prepared:
        return {}
    urls = {p.entry.url for p in prepared if p.entry.url}
    fingerprints = {p.parsed.fingerprint for p in prepared}
    by_url = {a.original_url: a for a in Article.objects.filter(original_url__in=urls)}
    by_body = {(a.source_id, a.fingerprint): a for a in Article.objects.filter(
        fingerprint__in=fingerprints, original_url="")}
    found = {}
    for p in prepared:
        article = by_url.get(p.entry.url) if p.entry.url else None
        article = article or by_body.get((p.source.pk, p.parsed.fingerprint))
        if article:
            found[p.identity] = article
    links = {}
    for row in RelatedLink.objects.filter(
        article__in=[a.pk for a in found.values()]
    ).order_by("position", "pk").values("article_id", "position", *_OWNED_LINK_FIELDS):
        links.setdefault(row.pop("article_id"), []).append(row)
    return {identity: (article, links.get(article.pk, [])) for identity, article in found.items()}


def _insert_articles(articles, now):
    """INSERT new articles (field values by name) with one executemany; returns their keys,
    read back by slug (unique)."""
    fields = [f for f in Article._meta.concrete_fields if not f.primary_key]
    prepare = _RowPreparer(fields, now)
    _insert_rows(Article, [prepare(values) for values in articles])
    keys = dict(Article.objects.filter(slug__in=[values["slug"] for values in articles])
                .values_list("slug", "pk"))
    return [keys[values["slug"]] for values in articles]


# get_prep_value implementations that return a value of this type unchanged.
_UNCHANGED = {CharField.get_prep_value: str, TextField.get_prep_value: str,
              BooleanField.get_prep_value: bool}


class _RowPreparer:
    """Field values by name to a row by column, each field preparing its own value as
    bulk_create does, without building model instances: the archive import's hot path.
    Text and flags go to the database as they are, other values are prepared once per batch
    (a batch shares its times and sources), and a missing field takes its default."""

    def __init__(self, fields, now):
        self.steps = []
        self.prepared = {}
        for f in fields:
            kind = type(f)
            plain = None
            if (kind.get_db_prep_save is Field.get_db_prep_save
                    and kind.get_db_prep_value is Field.get_db_prep_value):
                plain = _UNCHANGED.get(kind.get_prep_value)
            stamped = isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add)
            self.steps.append((f, f.column, plain, f.get_db_prep_save(now, connection)
                               if stamped else _NOT_STAMPED))

    def __call__(self, values):
        row = {}
        for f, column, plain, stamp in self.steps:
            if stamp is not _NOT_STAMPED:
                row[column] = stamp
                continue
            value = values[f.name] if f.name in values else f.get_default()
            if type(value) is plain:
                row[column] = value
                continue
            if f.is_relation and isinstance(value, Model):
                value = value.pk
            try:
                row[column] = self.prepared[f.name, value]
            except (KeyError, TypeError):  # not yet seen, or not hashable
                prepared = f.get_db_prep_save(value, connection)
                with suppress(TypeError):
                    self.prepared[f.name, value] = prepared
                row[column] = prepared
        return row


_NOT_STAMPED = object()


def _insert_rows(model, rows):
    """INSERT plain rows with one executemany. The archive import's hot path: bulk_create
    compiles every object through the ORM, which cost more than the database did here
    (see bench/import.py); these rows need no defaults, signals or returned keys."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = list(rows[0])
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608 - names from our models
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(map(values, rows)))


def _tags_named(names):
    """{casefolded name: Tag} for the kicker tags of a batch, creating the missing ones."""
    wanted = {name.casefold(): name for name in names}
    # Exact names too: SQLite's LOWER() (and PostgreSQL's in the C locale) folds ASCII only, so
    # "Россия" would not find itself, and creating it again would spoil the batch.
    tags = {tag.name.casefold(): tag for tag in Tag.objects.annotate(folded=Lower("name"))
            .filter(Q(folded__in=[name.lower() for name in names]) | Q(name__in=names))}
    for folded, name in wanted.items():
        if folded not in tags:
            tags[folded] = Tag.objects.create(name=name)  # taggit makes the slug unique
    return tags


def _get_or_create_source(name, entry):
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
    # Fill what is missing; never overwrite what an editor set.
    missing = {key: value for key, value in details.items()
               if value and not getattr(source, key)}
    if missing:
        for key, value in missing.items():
            setattr(source, key, value)
        source.save(update_fields=[*missing, "updated_at"])
    return source


def _link_values(position, item):
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
        "url": "",
        "match_key": key,
    }


def _replace_links(article, links):
    # Keep a target an editor picked by hand when the same item comes back.
    kept = dict(article.related_links.exclude(target=None).values_list("match_key", "target"))
    article.related_links.all().delete()
    RelatedLink.objects.bulk_create(
        RelatedLink(article=article, target_id=kept.get(link["match_key"]), **link)
        for link in links
    )


# ---------------------------------------------------------------------------------------------
# Digests: what the import owns, so a re-import can tell an editor's change from its own


_OWNED_FIELDS = ("headline", "kicker", "image_caption", "body", "language", "original_url")
_OWNED_LINK_FIELDS = ("kind", "title", "teaser", "truncated", "duration_seconds", "language",
                      "url")


def content_digest(values, links):
    owned = {name: values[name] for name in _OWNED_FIELDS}
    source = values["source"]
    owned["source"] = source.pk if isinstance(source, Source) else source
    owned["links"] = [[link[name] for name in _OWNED_LINK_FIELDS]
                      for link in sorted(links, key=lambda link: link["position"])]
    return hashlib.sha256(json.dumps(owned, sort_keys=True).encode()).hexdigest()


def stored_digest(article, links=None):
    """The digest of the article as it now stands in the database (`links`: its links' owned
    values, when already fetched)."""
    values = {name: getattr(article, name) for name in _OWNED_FIELDS}
    values["source"] = article.source_id
    if links is None:
        links = list(article.related_links.order_by("position", "pk")
                     .values("position", *_OWNED_LINK_FIELDS))
    return content_digest(values, links)


# ---------------------------------------------------------------------------------------------
# Headlines


# A sentence ends at . ! or ? before a capital, but not after an initial ("U.S. Army").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-Z“\"'])")


def propose_headline(lead):
    """The lead's first sentence, cut on a word boundary: a stand-in until an editor writes one."""
    sentence = _SENTENCE_END.split(lead, maxsplit=1)[0].rstrip(".")
    if len(sentence) <= MAX_PROPOSED_HEADLINE:
        return sentence
    cut = sentence[: MAX_PROPOSED_HEADLINE + 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return f"{cut}…"


# ---------------------------------------------------------------------------------------------
# Link resolution


def resolve_links(links=None):
    """Point unresolved related links at the articles they name. Returns how many resolved.

    Videos match an article's headline; story teasers match the start of an article's lead;
    published articles first, newest first: that is the story a reader should land on. Two
    UPDATE statements whatever the size of the archive, each link finding its article through
    an index, so the cost grows with the links, not with their square.
    """
    pending = RelatedLink.objects.unresolved()
    if links is not None:
        pending = pending.filter(pk__in=links.values("pk"))
    resolved = 0
    changed = set()
    for prefix, key in (("h:", "headline_key"), ("l:", "lead_key")):
        best = (
            Article.objects.filter(**{key: Substr(OuterRef("match_key"), len(prefix) + 1)})
            .exclude(pk=OuterRef("article_id"))
            .order_by(
                Case(When(status=Article.Status.PUBLISHED, then=0), default=1),
                F("published_at").desc(nulls_last=True),
                "-pk",
            )
            .values("pk")[:1]
        )
        matched = pending.filter(match_key__startswith=prefix).filter(Exists(best))
        changed.update(matched.values_list("article_id", flat=True))
        resolved += matched.update(target=Subquery(best))
    if resolved:
        # An update sends no model signals: the sidebars that now link somewhere changed.
        content_changed.send(sender=RelatedLink, articles=changed)
    return resolved
