"""What the earlier batches of a dry run wrote, before each was rolled back.

A dry run writes each batch for real and rolls it back before the next, so the desk and other
imports wait for one batch at most; this ledger lets a later batch report what a real run would.
"""

from dataclasses import dataclass

from ..models import Article
from .identity import content_digest
from .report import CREATED, UNCHANGED, UPDATED, FileResult, held


@dataclass
class _Written:
    """An article as an earlier batch of a dry run left it before the rollback."""

    pk: int
    status: str  # what readers would see of it decides whether a new version is held
    key: tuple = ()
    digest: str = ""
    headline: str = ""


class DryRunLedger:
    """What the earlier batches of a dry run wrote before they were rolled back, so that a
    later batch reports what a real run would: a story met again is unchanged or updated, not
    created twice. It finds articles as identity.find_existing does: by original URL first, else
    by source and body among those without a URL. Sources are named, not numbered: the ones a
    batch created are created again, with other keys, by the next."""

    def __init__(self):
        self.written = {}  # look-up key -> _Written
        self.moved = set()  # articles of the database a batch updated: their rows are stale

    @staticmethod
    def _source(p):
        return p.source.name.casefold()  # names are unique, and found ignoring case

    def _keys(self, p):
        url = ("url", p.url) if p.url else None
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
        if found and p.url and found[0].original_url == p.url:
            return found, None
        if body in self.written:
            return None, self.written[body]
        return found, None

    def outcome(self, p, written):
        if self._digest(p) == written.digest:
            return FileResult(p.file.name, UNCHANGED, written.pk, written.headline)
        if written.status not in Article.REPORTER_STATUSES:
            return held(p.file.name, Article(pk=written.pk, headline=written.headline,
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
