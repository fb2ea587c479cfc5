"""`manifest.toml`: the details a scrape loses, given per folder.

    [[source]]
    key = "africanews"            # how articles below refer to it
    name = "Africanews"           # required
    url = "https://www.africanews.com/"
    kind = "broadcaster"          # outlet, wire, broadcaster, agency, other
    country = "CG"
    language = "en"

    [[article]]
    file = "000_0c50d9fd883dd018.txt"   # required, relative to the manifest's folder
    source = "africanews"               # a source key above
    headline = "…"
    url = "https://…"                   # the original URL: the article's identity when known
    published = 2025-04-01T09:00:00Z    # a TOML date-time (or an ISO 8601 string), 1800-2200
    status = "published"                # draft, review or published

Pure Python, no Django: returns a `Manifest` value or raises `ManifestError` naming the line.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import tomli

from .errors import InputError

FILENAME = "manifest.toml"
MAX_MANIFEST_BYTES = 5 * 1024 * 1024
# Published times a newsroom's archive can hold: wider than any archive, narrow enough that
# every database and time zone can store and convert them.
MIN_YEAR = 1800
MAX_YEAR = 2200

SOURCE_KINDS = ("outlet", "wire", "broadcaster", "agency", "other")
STATUSES = ("draft", "review", "published")

_SOURCE_KEYS = {"key", "name", "url", "kind", "country", "language"}
# The database's limits, checked here so a manifest fails with its line on every database.
_MAX_CHARS = {"name": 200, "headline": 300, "url": 500, "language": 8, "file": 300}
_ARTICLE_KEYS = {"file", "source", "headline", "url", "published", "status"}
_TOML_LINE = re.compile(r"at line (\d+)")


class ManifestError(InputError):
    """The manifest is refused; `line` points into it where the fault can be placed."""


@dataclass(frozen=True)
class SourceEntry:
    key: str
    name: str
    url: str = ""
    kind: str = "outlet"
    country: str = ""
    language: str = ""


@dataclass(frozen=True)
class ArticleEntry:
    file: str
    source: SourceEntry | None = None
    headline: str = ""
    url: str = ""
    published: dt.datetime | None = None
    status: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Manifest:
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    articles: dict[str, ArticleEntry] = field(default_factory=dict)

    def entry_for(self, filename):
        return self.articles.get(filename)


def parse_manifest(data):
    """Parse a manifest's bytes. Raises ManifestError."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"the manifest is {len(data):,} bytes; the limit is "
                            f"{MAX_MANIFEST_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ManifestError("the manifest is not UTF-8 text") from error
    try:
        document = tomli.loads(text)
    except RecursionError as error:
        # tomli parses nested arrays and tables recursively: a hostile manifest can nest
        # deeper than the interpreter's stack.
        raise ManifestError("not valid TOML: arrays or tables nested too deeply") from error
    except tomli.TOMLDecodeError as error:
        match = _TOML_LINE.search(str(error))
        if match:
            line = int(match.group(1))
        elif "end of document" in str(error):
            line = max(1, len(text.splitlines()))
        else:
            line = None
        raise ManifestError(f"not valid TOML: {error}", line) from error
    locate = root = _Locator(text.splitlines())

    unknown = set(document) - {"source", "article"}
    if unknown:
        raise ManifestError(f"unknown table {sorted(unknown)[0]!r}; expected [[source]] and "
                            "[[article]]", locate.key(sorted(unknown)[0]))

    sources = {}
    for index, table in enumerate(_tables(document, "source", root)):
        locate = root.table("source", index)
        _check_keys(table, _SOURCE_KEYS, "source", locate)
        key = _text(table, "key", locate, required=True)
        if key in sources:
            raise ManifestError(f"source key {key!r} is given twice", locate.value("key", key))
        kind = _text(table, "kind", locate) or "outlet"
        if kind not in SOURCE_KINDS:
            raise ManifestError(f"source {key!r}: kind must be one of {', '.join(SOURCE_KINDS)}, "
                                f"not {kind!r}", locate.value("kind", kind))
        sources[key] = SourceEntry(
            key=key,
            name=_text(table, "name", locate, required=True),
            url=_text(table, "url", locate),
            kind=kind,
            country=_text(table, "country", locate),
            language=_text(table, "language", locate),
        )

    articles = {}
    for index, table in enumerate(_tables(document, "article", root)):
        locate = root.table("article", index)
        _check_keys(table, _ARTICLE_KEYS, "article", locate)
        name = _text(table, "file", locate, required=True)
        line = locate.value("file", name)
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ManifestError(f"file {name!r} must be a path inside the manifest's folder", line)
        # As the walk names files: "./a.txt", "sub//a.txt" and "sub/./a.txt" are sub/a.txt.
        path = path.as_posix()
        if path in articles:
            raise ManifestError(f"file {name!r} is listed twice", line)
        source_key = _text(table, "source", locate)
        if source_key and source_key not in sources:
            raise ManifestError(f"article {name!r}: unknown source key {source_key!r}",
                                locate.value("source", source_key))
        status = _text(table, "status", locate)
        if status and status not in STATUSES:
            raise ManifestError(f"article {name!r}: status must be one of {', '.join(STATUSES)}, "
                                f"not {status!r}", locate.value("status", status))
        articles[path] = ArticleEntry(
            file=path,
            source=sources.get(source_key),
            headline=" ".join(_text(table, "headline", locate).split()),
            url=_text(table, "url", locate),
            published=_datetime(table, locate, name),
            status=status,
            line=line,
        )
    return Manifest(sources=sources, articles=articles)


def _tables(document, name, locate):
    tables = document.get(name, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ManifestError(f"{name!r} must be an array of tables: write [[{name}]]",
                            locate.key(name))
    return tables


def _check_keys(table, allowed, kind, locate):
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ManifestError(f"unknown key {unknown[0]!r} in [[{kind}]]; allowed: "
                            f"{', '.join(sorted(allowed))}", locate.key(unknown[0]))


def _text(table, key, locate, required=False):
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ManifestError(f"{key!r} must be a string, not {type(value).__name__}",
                            locate.key(key))
    value = value.strip()
    if required and not value:
        raise ManifestError(f"{key!r} is required", locate.key(key))
    limit = _MAX_CHARS.get(key)
    if limit and len(value) > limit:
        raise ManifestError(f"{key!r} is {len(value):,} characters; the limit is {limit}",
                            locate.key(key))
    if key == "url" and value:
        parts = urlsplit(value)
        # Only web addresses: a URL is rendered as a link on public pages.
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ManifestError(f"url {value!r} must be an http:// or https:// address",
                                locate.value(key, value))
    if key == "country" and value and not (len(value) == 2 and value.isalpha()):
        raise ManifestError(f"country {value!r} must be a two-letter ISO 3166 code",
                            locate.value(key, value))
    return value


def _datetime(table, locate, name):
    value = table.get("published")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as error:
            raise ManifestError(f"article {name!r}: published {value!r} is not an ISO 8601 "
                                "date-time", locate.value("published", value)) from error
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        raise ManifestError(f"article {name!r}: published must be a date-time",
                            locate.key("published"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # the archive's times are UTC unless they say
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:  # year 1 east of UTC, year 9999 west of it
        utc = None
    if utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ManifestError(f"article {name!r}: published {value.isoformat()} is not between the "
                            f"years {MIN_YEAR} and {MAX_YEAR}", locate.key("published"))
    return utc


_HEADER = re.compile(r"^\s*\[\[\s*([\w-]+)\s*\]\]")


class _Locator:
    """Finds the line a key or value stands on, so semantic errors can point at it. `table()`
    narrows the search to one [[source]] or [[article]] table, where the same key recurs."""

    def __init__(self, lines, start=0, end=None):
        self.lines = lines
        self.start = start
        self.end = len(lines) if end is None else end
        self._tables = None

    def table(self, kind, index):
        if self._tables is None:
            # Each table's header line and where the next table starts, found once: a manifest
            # may list a whole archive.
            headers = [(n, m.group(1)) for n, line in enumerate(self.lines)
                       if (m := _HEADER.match(line))]
            ends = [n for n, _ in headers[1:]] + [len(self.lines)]
            self._tables = {}
            for (start, name), end in zip(headers, ends, strict=True):
                self._tables.setdefault(name, []).append((start, end))
        spans = self._tables.get(kind, [])
        if index >= len(spans):  # an inline array of tables: no header lines to narrow to
            return self
        return _Locator(self.lines, *spans[index])

    def key(self, key):
        def names_key(line):
            line = line.strip().lstrip("[").lstrip()
            return line.startswith(key) and line[len(key):].lstrip()[:1] in ("=", "]")

        return self._first(names_key)

    def value(self, key, value):
        # Plain string tests, not regexes: this runs once per article of a large manifest.
        value = str(value)

        def holds_value(line):
            line = line.strip()
            return (line.startswith(key) and line[len(key):].lstrip()[:1] == "="
                    and value in line)

        return self._first(holds_value) or self.key(key)

    def _first(self, matches):
        for number in range(self.start, self.end):
            if matches(self.lines[number]):
                return number + 1
        return None
