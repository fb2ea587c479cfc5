"""Turn parsed files into rows: the one import service the command, the admin and tests call.

Each file is written in its own transaction, so a bad file never leaves half an article and never
stops the others. An article is the same article again when its original URL matches, or else its
source and the fingerprint of its body. What the import wrote last is remembered as a digest, so a
re-import can tell an editor's change (keep it, report "skipped") from its own earlier work.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.text import slugify

from ..cache import bump_content_version
from ..models import HEADLINE_KEY_CHARS, LEAD_KEY_CHARS, Article, RelatedLink, Source
from .errors import InputError
from .manifest import FILENAME as MANIFEST_FILENAME
from .manifest import ArticleEntry, Manifest, ManifestError, parse_manifest
from .parse import normalise, parse_bytes

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"
STATUSES = (CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)

MAX_FILES = 250_000  # one run; a bigger archive is imported folder by folder
MAX_PROPOSED_HEADLINE = 90
MAX_SLUG = 100


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class InputFile:
    """One file to import: its name as the user knows it, its bytes, its manifest entry."""

    name: str
    read: Callable[[], bytes]
    entry: ArticleEntry | None = None


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
    results: list[FileResult] = field(default_factory=list)
    links_resolved: int = 0
    links_unresolved: int = 0
    dry_run: bool = False

    def counts(self):
        counts = dict.fromkeys(STATUSES, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def failures(self):
        return [r for r in self.results if r.status == FAILED]

    @property
    def skipped(self):
        return [r for r in self.results if r.status == SKIPPED]

    @property
    def ok(self):
        return not self.failures

    def summary(self):
        counts = self.counts()
        parts = [f"{counts[status]} {status}" for status in STATUSES]
        prefix = "Dry run, nothing written: " if self.dry_run else ""
        return (f"{prefix}{len(self.results)} files: {', '.join(parts)}. Related links: "
                f"{self.links_resolved} resolved now, {self.links_unresolved} still unresolved.")


class ImportFailure(InputError):
    """A file refused for a reason the importer found (not the parser)."""


# ---------------------------------------------------------------------------------------------
# Finding files


class TooManyFiles(ValueError):
    """More files than one run may take; nothing was imported."""


def collect_files(paths, relative_to=None, max_files=MAX_FILES):
    """Expand files and folders (recursively, `*.txt`) into InputFiles, with manifest entries.

    Returns (files, failures): a path that does not exist or a broken manifest is a failure of
    its own; the files a broken manifest governs are failed too, never imported without it.
    Names are shown relative to `relative_to` when given (an upload's temporary folder).
    """

    def shown(path):
        return str(path.relative_to(relative_to)) if relative_to else str(path)

    files, failures = [], []
    manifests = {}  # folder -> Manifest, or ManifestError

    def manifest_in(folder):
        if folder not in manifests:
            path = folder / MANIFEST_FILENAME
            try:
                manifests[folder] = parse_manifest(path.read_bytes()) if path.is_file() else None
            except ManifestError as error:
                manifests[folder] = error
                failures.append(FileResult(shown(path), FAILED, reason=error.reason,
                                           line=error.line))
            except OSError as error:
                manifests[folder] = ManifestError(f"cannot read the manifest: {error.strerror}")
                failures.append(FileResult(shown(path), FAILED,
                                           reason=str(manifests[folder])))
        return manifests[folder]

    def entry_for(file, root):
        # The nearest manifest that lists the file, looking up to the folder the user named.
        folder = file.parent
        while True:
            manifest = manifest_in(folder)
            if isinstance(manifest, ManifestError):
                return manifest
            if isinstance(manifest, Manifest):
                entry = manifest.entry_for(PurePosixPath(file.relative_to(folder)).as_posix())
                if entry:
                    return entry
            if folder == root or folder.parent == folder:
                return None
            folder = folder.parent

    seen = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root, candidates = path, sorted(p for p in path.rglob("*.txt") if p.is_file())
        elif path.is_file():
            root, candidates = path.parent, [path]
        else:
            failures.append(FileResult(str(raw), FAILED, reason="no such file or folder"))
            continue
        for file in candidates:
            key = file.resolve()
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > max_files:
                raise TooManyFiles(f"{raw} holds more than {max_files:,} .txt files, the limit "
                                   "for one run: import it folder by folder (or raise "
                                   "--max-files).")
            entry = entry_for(file, root)
            if isinstance(entry, ManifestError):
                failures.append(FileResult(shown(file), FAILED,
                                           reason=f"its manifest is invalid: {entry}"))
                continue
            files.append(InputFile(shown(file), file.read_bytes, entry))
    return files, failures


# ---------------------------------------------------------------------------------------------
# The service


def import_paths(paths, relative_to=None, **options):
    """Import files and folders; see Importer for the options. Returns an ImportReport."""
    files, failures = collect_files(paths, relative_to=relative_to)
    return Importer(**options).run(files, failures=failures)


class Importer:
    def __init__(self, *, source_name=None, publish=False, dry_run=False, on_result=None):
        self.source_name = (source_name or "").strip()
        self.publish = publish
        self.dry_run = dry_run
        self.on_result = on_result or (lambda result: None)
        self._sources = {}

    def run(self, files: Iterable[InputFile], failures=()):
        report = ImportReport(dry_run=self.dry_run)
        for failure in failures:
            self._record(report, failure)
        if not self.dry_run:
            self._import_all(files, report)
            return report
        # A dry run does everything for real inside one transaction and rolls it back, so its
        # report is exactly what a real run would say.
        with transaction.atomic():
            self._import_all(files, report)
            transaction.set_rollback(True)
        return report

    def _import_all(self, files, report):
        for file in files:
            self._record(report, self.import_file(file))
        report.links_resolved = resolve_links()
        report.links_unresolved = RelatedLink.objects.unresolved().exclude(match_key="").count()

    def _record(self, report, result):
        report.results.append(result)
        self.on_result(result)

    def import_file(self, file):
        try:
            parsed = parse_bytes(file.read())
            source = self._source_for(file)
            try:
                with transaction.atomic():
                    return self._write(file, parsed, source)
            except IntegrityError:
                # Another import wrote this article (or took its slug) between our look-up and
                # our insert. Its rows are committed now: look again, once.
                with transaction.atomic():
                    result = self._write(file, parsed, source)
                if result.status == UNCHANGED:
                    result = replace(result, reason="already imported by another run just now")
                return result
        except InputError as error:
            return FileResult(file.name, FAILED, reason=error.reason, line=error.line)
        except OSError as error:
            return FileResult(file.name, FAILED, reason=f"cannot read: {error.strerror}")
        except DatabaseError as error:
            logger.exception("Database error importing %s", file.name)
            return FileResult(file.name, FAILED, reason=f"the database refused it: {error}")

    # -- sources ------------------------------------------------------------------------------

    def _source_for(self, file):
        entry = file.entry.source if file.entry else None
        name = entry.name if entry else self.source_name
        if not name:
            raise ImportFailure("no source for this file: list it in manifest.toml with a "
                                "source, or pass --source")
        if name not in self._sources:
            # Its own transaction: a source must not vanish with a later file's rollback.
            with transaction.atomic():
                self._sources[name] = _get_or_create_source(name, entry)
        return self._sources[name]

    # -- articles -----------------------------------------------------------------------------

    def _write(self, file, parsed, source):
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
            "source_file": file.name,
            "fingerprint": parsed.fingerprint,
        }
        links = [_link_values(position, item) for position, item in enumerate(parsed.related)]
        new_digest = content_digest(values, links)

        article = _find_existing(entry.url, source, parsed.fingerprint)
        if article is None:
            article = self._create(values, links, entry, parsed, new_digest)
            return FileResult(file.name, CREATED, article.pk, article.headline)

        if article.import_digest and stored_digest(article) != article.import_digest:
            return FileResult(file.name, SKIPPED, article.pk, article.headline,
                              reason="changed by an editor since the last import; kept as is")
        if new_digest == article.import_digest:
            return FileResult(file.name, UNCHANGED, article.pk, article.headline)

        old_kicker = article.kicker
        for name, value in values.items():
            setattr(article, name, value)
        article.import_digest = new_digest
        article.imported_at = timezone.now()
        article.save()
        _replace_links(article, links)
        if parsed.kicker and parsed.kicker != old_kicker:
            article.tags.add(parsed.kicker)
        return FileResult(file.name, UPDATED, article.pk, article.headline)

    def _create(self, values, links, entry, parsed, digest):
        status = entry.status or (Article.Status.PUBLISHED if self.publish else "draft")
        if values["headline_proposed"]:
            status = Article.Status.DRAFT  # an editor must write the headline first
        published_at = entry.published
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = timezone.now()
        article = Article.objects.create(
            **values,
            slug=unique_slug(values["headline"]),
            status=status,
            published_at=published_at,
            import_digest=digest,
            imported_at=timezone.now(),
        )
        RelatedLink.objects.bulk_create(RelatedLink(article=article, **link) for link in links)
        if parsed.kicker:
            article.tags.add(parsed.kicker)
        return article


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


def _find_existing(url, source, fingerprint):
    if url:
        found = Article.objects.filter(original_url=url).first()
        if found:
            return found
    # Also for a known URL: the article may have been imported before its URL was known.
    return Article.objects.filter(source=source, fingerprint=fingerprint, original_url="").first()


def _link_values(position, item):
    key = (f"h:{normalise(item.title)[:HEADLINE_KEY_CHARS]}" if item.title
           else f"l:{normalise(item.teaser)[:LEAD_KEY_CHARS]}")
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
    owned["source"] = values["source"].pk
    owned["links"] = [[link[name] for name in _OWNED_LINK_FIELDS]
                      for link in sorted(links, key=lambda link: link["position"])]
    return hashlib.sha256(json.dumps(owned, sort_keys=True).encode()).hexdigest()


def stored_digest(article):
    """The digest of the article as it now stands in the database."""
    values = {name: getattr(article, name) for name in _OWNED_FIELDS}
    values["source"] = article.source
    links = list(article.related_links.values("position", *_OWNED_LINK_FIELDS))
    return content_digest(values, links)


# ---------------------------------------------------------------------------------------------
# Headlines and slugs


def propose_headline(lead):
    """The lead's first sentence, cut on a word boundary: a stand-in until an editor writes one."""
    sentence = lead.split(". ")[0].rstrip(".")
    if len(sentence) <= MAX_PROPOSED_HEADLINE:
        return sentence
    cut = sentence[: MAX_PROPOSED_HEADLINE + 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return f"{cut}…"


def unique_slug(text, model=Article, max_length=MAX_SLUG):
    base = slugify(text)[:max_length].strip("-") or "article"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def unique_source_slug(name):
    return unique_slug(name, model=Source)


# ---------------------------------------------------------------------------------------------
# Link resolution


def resolve_links(links=None, chunk=500):
    """Point unresolved related links at the articles they name. Returns how many resolved.

    Videos match an article's headline; story teasers match the start of an article's lead.
    Runs in bulk, a chunk of links at a time, so its cost grows with the links, not their square.
    """
    pending = RelatedLink.objects.unresolved().exclude(match_key="")
    if links is not None:
        pending = pending.filter(pk__in=links.values("pk"))
    resolved = 0
    last_pk = 0
    while True:
        batch = list(pending.filter(pk__gt=last_pk).order_by("pk")
                     .only("pk", "article_id", "match_key")[:chunk])
        if not batch:
            return resolved
        last_pk = batch[-1].pk
        headlines = {link.match_key[2:] for link in batch if link.match_key.startswith("h:")}
        leads = {link.match_key[2:] for link in batch if link.match_key.startswith("l:")}
        by_key = {}
        # Published articles first, newest first: that is the story a reader should land on.
        candidates = (
            Article.objects.filter(Q(headline_key__in=headlines) | Q(lead_key__in=leads))
            .order_by(
                Case(When(status=Article.Status.PUBLISHED, then=0), default=1),
                F("published_at").desc(nulls_last=True),
                "-pk",
            )
            .values_list("pk", "headline_key", "lead_key")
        )
        for pk, headline_key, lead_key in candidates:
            by_key.setdefault(f"h:{headline_key}", []).append(pk)
            by_key.setdefault(f"l:{lead_key}", []).append(pk)
        changed = []
        for link in batch:
            target = next((pk for pk in by_key.get(link.match_key, ()) if pk != link.article_id),
                          None)
            if target:
                link.target_id = target
                changed.append(link)
        RelatedLink.objects.bulk_update(changed, ["target"])
        if changed:
            bump_content_version()
        resolved += len(changed)
