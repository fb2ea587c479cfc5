"""What an import did, file by file: the values every entry point reads (the command's summary,
the admin's table, a job's page)."""

import logging
from dataclasses import dataclass, field, replace

from django.db import DatabaseError
from django.utils import timezone

from .errors import InputError
from .files import InputWarning
from .parallel import WorkerError

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
HELD = "held"
FAILED = "failed"
STATUSES = (CREATED, UPDATED, UNCHANGED, SKIPPED, HELD, FAILED)

MAX_INTERNAL_REASON = 200  # characters of an unexpected exception's message shown in a report


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
        kept = {FAILED: self.failures, SKIPPED: self.skipped, HELD: self.held}.get(result.status)
        if kept is not None:
            kept.append(result)

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


def skipped(name, article):
    return FileResult(name, SKIPPED, article.pk, article.headline,
                      reason="changed by an editor since the last import; kept as is")


def held(name, article, dismissed_at=None):
    # Published or withdrawn: what readers see (or saw) of it is the editors' alone, whoever
    # runs the import, so the live text, links and tags stay as they are, and the file's
    # version waits for an editor on the article's page.
    if dismissed_at is not None:
        waits = f"an editor dismissed this version on {timezone.localdate(dismissed_at)}"
    else:
        waits = "a pending version waits on the article's page"
    return FileResult(name, HELD, article.pk, article.headline,
                      reason=f"held for an editor: the article is "
                             f"{article.get_status_display().lower()}; {waits}")


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


def raced(result):
    """A result for a file that was new when looked up: another run imported it meanwhile."""
    if result.status == UNCHANGED:
        return replace(result, reason="already imported by another run just now")
    return result
