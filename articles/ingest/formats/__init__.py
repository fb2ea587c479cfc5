"""The formats an import reads, chosen by a file's extension, and the items a file holds.

Pure Python, no Django. A scraped text file (parse.py) is one article, read lazily so that an
archive's files can be parsed in worker processes. A document of another format is read here,
in the importer's process, into its items: each a ParsedArticle, or the ItemError that refuses it
alone (one bad item of a feed never stops the others). Every format's parser has one shape:

    parse(data: bytes) -> list[ParsedArticle | ItemError]

raising ParseError when the document as a whole is refused (malformed XML, invalid JSON). Each
item's `original` is a document of the same format holding that item alone, so that the desk can
read it back with the same parser (`read_original`).
"""

import importlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath

from ..errors import InputError
from ..parse import TEXT, decode, parse_bytes

# What an imported original records as its format, beside parse.TEXT.
RSS = "rss"
ATOM = "atom"
NINJS = "ninjs"
HTML = "html"


class ItemError(InputError):
    """One item of a document refused (`line` in the document when known); its siblings go on."""


# {extension: the module of this package that parses it}: imported when first needed, so that
# a text-only import never loads a feed or page library.
_PARSERS = {".rss": "feeds", ".atom": "feeds", ".xml": "feeds", ".json": "ninjs",
            ".html": "pages", ".htm": "pages"}


def _parser(suffix):
    if suffix == ".txt":
        return lambda data: [parse_bytes(data)]
    return importlib.import_module(f"{__name__}.{_PARSERS[suffix]}").parse


EXTENSIONS = (".txt", ".rss", ".atom", ".xml", ".json", ".html", ".htm")
_FEEDS = (".rss", ".atom", ".xml")


def extension(name):
    """The import's extension of a file name ("" when it imports no file of that name)."""
    suffix = PurePath(name).suffix.lower()
    return suffix if suffix in EXTENSIONS else ""


def is_text(name):
    return extension(name) == ".txt"


def parse_document(name, data):
    """The items of the document `name` holds (see the module's docstring)."""
    return _parser(extension(name))(data)


def read_original(format_, data):
    """An imported original's article, read again by its format's parser."""
    by_format = {TEXT: ".txt", RSS: ".rss", ATOM: ".atom", NINJS: ".json", HTML: ".html"}
    items = _parser(by_format[format_])(data)
    if not items:
        raise InputError("the original holds no article")
    if isinstance(items[0], Exception):
        raise items[0]
    return items[0]


def original_text(format_, data):
    """An imported original's bytes as the text its format's parser read them (a saved page
    in the charset it declares)."""
    if format_ == HTML:
        return importlib.import_module(f"{__name__}.pages").decode(data)
    return decode(data)


def expand(inputs: Iterable, item_file):
    """`inputs` with each document of another format than text read into its items:
    `item_file(file, name, parsed, entry)` makes the stand-in of one item (parsed: its
    ParsedArticle, or the error that fails it; entry: the file's manifest entry, less one
    article's details for a document of several). Text files, refusals and warnings pass as
    they are."""
    for file in inputs:
        name = getattr(file, "name", None)
        if getattr(file, "read", None) is None or is_text(name):
            yield file
            continue
        try:
            items = parse_document(name, file.read())
        except Exception as error:  # unreadable, or refused whole: the file fails, alone
            yield item_file(file, name, error, file.entry)
            continue
        if not items:
            yield item_file(file, name, InputError("the document holds no article"), file.entry)
            continue
        # A feed's items are always numbered (a feed of one item today has more tomorrow).
        several = len(items) > 1 or extension(name) in _FEEDS
        entry = without_article_details(file.entry) if several else file.entry
        for number, item in enumerate(items, 1):
            yield item_file(file, f"{name}#{number}" if several else name, item, entry)


def without_article_details(entry):
    """A manifest entry of a document of several items: what applies to each of them (its
    source and status; not one article's headline, URL or time)."""
    if entry is None:
        return None
    return replace(entry, headline="", url="", published=None)
