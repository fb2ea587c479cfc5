"""Turn files into articles: the one import service the command, the admin and tests call.

    files (files.py) -> ParsedArticle (parse.py, in workers for an archive: parallel.py)
      -> Prepared, which article it is (identity.py) -> rows (writer.py, bulk.py)
      -> links resolved (RelatedLink.objects.resolve) -> ImportReport (report.py)

A batch's new articles are written together in one transaction; if that fails, each file is
written alone, through the same writer. A known article is left as it is when an editor changed
it ("skipped") or when nothing changed; when readers see it, its new version is kept as a
pending version for an editor ("held"); otherwise it is updated, as one revision. Whatever one
file raises fails that file alone.
"""

import logging
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from itertools import chain
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import revisions, stories
from ..models import Article, RelatedLink
from ..workflow import can_publish
from . import formats, identity, parallel, tuning
from .dryrun import DryRunLedger
from .errors import ImportFailure
from .files import (
    MAX_FILES,
    InputFile,
    InputWarning,
    Refused,
    batches,
    count_files,
    iter_inputs,
    resumed,
)
from .manifest import ArticleEntry
from .parallel import article_from, default_workers, parse_ahead
from .parse import parse_bytes
from .report import (
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    FileResult,
    ImportReport,
    failure,
    held,
    raced,
    skipped,
)
from .uploads import unpack
from .writer import ArticleWriter, source_named

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # files read, looked up and written together
ANALYZE_AFTER = 1000  # articles created by one import before the planner's statistics are renewed


class ImportStopped(Exception):
    """The import could not go on (a parsing worker died); what it wrote is kept."""


class NothingToImport(ValueError):
    """The paths exist but hold no file to import."""


# ---------------------------------------------------------------------------------------------
# The services


def import_paths(paths, *, relative_to=None, refused=(), max_files=MAX_FILES, on_total=None,
                 workers=None, resume_after=0, reported_warnings=(), **options):
    """Import files and folders (see Importer for the options); returns an ImportReport.

    Counts the files first (TooManyFiles over `max_files`, NothingToImport for none) and tells
    `on_total`; an archive of parallel.MIN_FILES or more is parsed in worker processes unless
    `workers` says how many. `refused`: Refused items met before the import (an upload's members
    it does not take), reported first, as failed files. `resume_after`: the first files of the
    same import that an interrupted run already reported, passed over unread; warnings in
    `reported_warnings` are not reported again. Raises ImportStopped if a parsing worker
    dies."""
    total = count_files(paths, max_files=max_files)
    if not total and not refused and all(Path(path).exists() for path in paths):
        raise NothingToImport(f"No article files ({', '.join(formats.EXTENSIONS)}) found in "
                              f"{', '.join(map(str, paths))}.")
    if on_total:
        on_total(total)
    if workers is None:
        workers = default_workers() if total - resume_after >= parallel.MIN_FILES else 0
    importer = Importer(workers=workers, **options)
    # A document of several articles (a feed) is one line of the report per article.
    inputs = formats.expand(chain(refused, iter_inputs(paths, relative_to=relative_to)),
                            _item_file)
    if resume_after or reported_warnings:
        inputs = resumed(inputs, resume_after, reported_warnings)
    try:
        return importer.run(inputs)
    except BrokenProcessPool as error:
        raise ImportStopped(
            "A process parsing the files stopped unexpectedly (out of memory, or killed). The "
            "files written before it stopped are kept; run the import again to finish."
        ) from error


def import_uploads(uploads, user, **options):
    """Import files uploaded from the browser (uploads.Upload: .txt, manifest.toml, .zip) as
    `user`, who publishes only if they may. Raises uploads.UploadError, having written
    nothing, for an upload refused whole."""
    with tempfile.TemporaryDirectory(prefix="newsroom-upload-") as folder:
        not_imported = unpack(uploads, folder)
        return import_paths([folder], relative_to=folder, refused=not_imported,
                            allow_publish=can_publish(user), user=user, **options)


# ---------------------------------------------------------------------------------------------
# The importer


class Importer:
    """Imports a stream of files (and Refused items) a batch at a time.

    `parse` turns a file's bytes into a ParsedArticle (parse.parse_bytes; another format's
    adapter); with `workers` it runs in their processes, so it must be a module-level function.
    `writer` writes the rows (writer.ArticleWriter) and `find_existing` looks known articles up
    (identity.find_existing): seams a test may replace. `on_result` hears of each file and
    `on_batch` of the report so far after each batch, once its rows are committed. `user`, when
    a person runs the import, is who the revisions of the articles it updates name.
    """

    def __init__(self, *, source_name=None, publish=False, dry_run=False, on_result=None,
                 on_batch=None, keep_results=True, batch_size=BATCH_SIZE, allow_publish=True,
                 workers=0, parse=parse_bytes, writer=None, find_existing=identity.find_existing,
                 user=None):
        self.source_name = (source_name or "").strip()
        self.publish = publish and allow_publish
        # Who runs the import decides: a manifest cannot publish for a user who may not.
        self.allow_publish = allow_publish
        self.dry_run = dry_run
        self.on_result = on_result or (lambda result: None)
        self.on_batch = on_batch or (lambda report: None)
        self.keep_results = keep_results
        self.batch_size = batch_size
        self.workers = workers  # processes parsing files while this one writes (0: here)
        self.parse = parse
        self.writer = writer or ArticleWriter()
        self.find_existing = find_existing
        self.user = user
        self._sources = {}
        self._ledger = None

    def run(self, inputs: Iterable[InputFile | Refused]):
        report = ImportReport(keep_results=self.keep_results, dry_run=self.dry_run)
        self._ledger = DryRunLedger() if self.dry_run else None
        stream = batches(inputs, self.batch_size)
        with tuning.sqlite_cache_size():
            if self.workers:
                with closing(parse_ahead(stream, self.workers, parse=self.parse)) as parsed:
                    self._import_all(parsed, report)
            else:
                self._import_all(((batch, None) for batch in stream), report)
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
            self.on_batch(report)
        if not self.dry_run:
            self._resolve_links(report)
            if report.totals[CREATED] >= ANALYZE_AFTER:
                tuning.analyze()
            # The new articles' stories: here for a few, by the job worker for an archive.
            try:
                stories.group_waiting()
            except Exception:
                # The import is written and reported; the worker groups them when it starts.
                logger.exception("Grouping the imported articles failed")

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
        report.links_resolved = RelatedLink.objects.resolve()
        report.resolve_seconds = time.perf_counter() - started
        report.links_unresolved = RelatedLink.objects.unresolved().exclude(match_key="").count()

    def _import_batch(self, batch, report, parsed_files=None):
        """Import a batch and return its results, in order; `parsed_files`, when given, holds
        what workers made of each file (see parallel.article_from)."""
        results, prepared = {}, []
        for index, item in enumerate(batch):
            if isinstance(item, InputWarning):
                report.warnings.append(item)  # not a file: nothing to count
            elif isinstance(item, Refused):
                results[index] = FileResult(item.name, FAILED, reason=item.reason,
                                            line=item.line)
            else:
                try:
                    parsed = parsed_files[index] if parsed_files else None
                    p = self._prepare(item, None if parsed is None else article_from(parsed))
                    prepared.append((index, p))
                    report.warnings.extend(InputWarning(item.name, message, line)
                                           for line, message in p.parsed.warnings)
                except Exception as error:  # whatever it is, it is this file's alone
                    results[index] = failure(item.name, error)

        known, prepared = identity.look_up(self.find_existing, prepared, results)
        first, again, remembered = {}, [], {}  # first: identity -> (index, p) to create
        for index, p in prepared:
            found = known.get(p.identity)
            if self._ledger:
                found, remembered[index] = self._ledger.look_up(p, found)
            if remembered.get(index):
                results[index] = self._ledger.outcome(p, remembered[index])
            elif found:
                results[index] = _guarded(p.file.name, self._revisit, p, *found)
            elif p.identity in first:
                # The same story twice in one batch (a page and a feed's teaser of it): the
                # fuller text is created, the other comes after it.
                kept = first[p.identity]
                if len(p.values["body"]) > len(kept[1].values["body"]):
                    first[p.identity], (index, p) = (index, p), kept
                again.append((index, p))
            else:
                first[p.identity] = (index, p)
        new = sorted(first.values(), key=lambda item: item[0])
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
        if isinstance(file.parsed, Exception):
            raise file.parsed
        parsed = parsed or file.parsed or self.parse(file.read())
        identity.check_lengths(parsed)
        source = self._source_for(file, parsed)
        entry = file.entry or ArticleEntry(file=file.name)
        headline, proposed = parsed.headline_given(entry.headline)
        values = {
            "source": source,
            "headline": headline,
            "headline_proposed": proposed,
            "kicker": parsed.kicker,
            "image_caption": parsed.image_caption,
            "body": parsed.body,
            "language": parsed.language or source.language or "en",
            "original_url": entry.url or parsed.url,
            "source_file": file.name[-300:],  # the end of a long path says the most
            "fingerprint": parsed.fingerprint,
        }
        links = [identity.link_values(position, item)
                 for position, item in enumerate(parsed.related)]
        return identity.Prepared(file, parsed, entry, source, values, links,
                                 identity.content_digest(values, links))

    def _source_for(self, file, parsed):
        """The manifest's source, else the import's (--source), else the one the document
        names."""
        entry = file.entry.source if file.entry else None
        name = entry.name if entry else (self.source_name or parsed.source_name)
        if not name:
            raise ImportFailure("no source for this file: list it in manifest.toml with a "
                                "source, or pass --source")
        if name not in self._sources:
            # Its own transaction: a source must not vanish with a later batch's rollback.
            with transaction.atomic():
                self._sources[name] = source_named(name, entry)
        return self._sources[name]

    # -- writing ------------------------------------------------------------------------------

    def _publication(self, p):
        status = p.entry.status or (
            Article.Status.PUBLISHED if self.publish else Article.Status.DRAFT)
        if p.values["headline_proposed"]:
            status = Article.Status.DRAFT  # an editor must write the headline first
        elif status == Article.Status.PUBLISHED and not self.allow_publish:
            status = Article.Status.REVIEW
        published_at = p.entry.published or p.parsed.published
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = timezone.now()
        return {"status": status, "published_at": published_at}

    def _create(self, items):
        keys = self.writer.create([p for _, p in items], self._publication)
        return {index: FileResult(p.file.name, CREATED, pk, p.values["headline"])
                for pk, (index, p) in zip(keys, items, strict=True)}

    def _create_all(self, new):
        if not new:
            return {}
        try:
            with transaction.atomic():
                return self._create(new)
        except Exception:
            # One file (or a concurrent import) spoiled the batch: each file on its own now,
            # through the same writer, where whatever it raises fails it alone.
            logger.info("A batch of %d new articles failed; writing them one by one",
                        len(new), exc_info=True)
            return {index: raced(self._write_one(p)) for index, p in new}

    def _write_one(self, p):
        """Write one prepared file in its own transaction: create, update or leave it."""
        def write():
            with transaction.atomic():
                known = self.find_existing([p])
                if p.identity in known:
                    return self._revisit(p, *known[p.identity])
                return next(iter(self._create([(0, p)]).values()))

        try:
            try:
                return write()
            except IntegrityError:
                # Another import wrote this article (or took its slug) between our look-up and
                # our insert. Its rows are committed now: look again, once.
                return raced(write())
        except Exception as error:
            return failure(p.file.name, error)

    def _revisit(self, p, article, stored_links):
        """A known article: leave it (an editor changed it, or nothing is new), hold the new
        version for an editor (readers see the article), or update it."""
        name = p.file.name
        if identity.changed_by_an_editor(article, stored_links):
            return skipped(name, article)
        if p.digest == article.import_digest:
            return FileResult(name, UNCHANGED, article.pk, article.headline)
        fuller = self.writer.fuller_format(article, p)
        if fuller:
            return FileResult(name, UNCHANGED, article.pk, article.headline,
                              reason=f"the article keeps its fuller text ({fuller})")
        if article.status not in Article.REPORTER_STATUSES:
            return self._hold(article, p)
        with transaction.atomic():
            revisions.record_as_imported([article.pk])
            # Locked and checked again: an editor may have saved since our look-up.
            article = Article.objects.select_for_update().filter(pk=article.pk).first()
            if article is None:
                return FileResult(name, FAILED, reason="the article was deleted during the "
                                                       "import")
            if identity.changed_by_an_editor(article):
                return skipped(name, article)
            if article.status not in Article.REPORTER_STATUSES:
                return self._hold(article, p)
            with revisions.revision(self.user, f"re-import from {name}"):
                self.writer.update(article, p)
                revisions.add(Article.objects.filter(pk=article.pk))
        return FileResult(name, UPDATED, article.pk, article.headline)

    def _hold(self, article, p):
        """A new version of a live article: kept as a pending version, which waits on the
        article's page for an editor."""
        pending = self.writer.hold(article, p)
        return held(p.file.name, article, dismissed_at=pending.decided_at
                    if pending.state == pending.State.DISMISSED else None)


def _item_file(file, name, parsed, entry):
    """The InputFile of one item of a document read by formats.expand."""
    original = getattr(parsed, "original", b"")
    return InputFile(name, lambda: original, entry, parsed=parsed)


def _guarded(name, step, *args):
    """step(*args), or the failure of file `name` if it raises."""
    try:
        return step(*args)
    except Exception as error:
        return failure(name, error)
