"""Read RSS and Atom feeds: one article per item (RSS) or entry (Atom).

Pure Python, no Django. The feed is first split by a strict XML parser (expat, the one
feedparser's own strict mode uses) that reads no DTD, declares no entity and fetches nothing:
malformed XML fails the whole file with its line, even where feedparser's lenient mode would
recover part of it (what it calls a "bozo" feed). Each item's original is the feed with its other
items cut out, byte for byte, and the item is read by feedparser from that document: reading an
original again (formats.read_original) gives the same article.

Mapping: headline the title; body `content:encoded` or Atom content, else the description or
summary, as plain paragraphs; published the pubDate or Atom published, else updated (UTC); url the
link, or the guid when it is a permalink (http or https only); source the channel's title; language
the item's or the feed's (dc:language, <language>, xml:lang), else detected; tags the categories.
"""

import datetime as dt
import io
import re
from html.parser import HTMLParser
from xml.parsers import expat

import feedparser

from ..parse import ParsedArticle, ParseError
from . import ATOM, RSS, ItemError

# (root element, elements whose children are items): RSS 0.9x/2.0 nest items in <channel>;
# RSS 1.0 (RDF) and Atom put them in the root.
_ROOTS = {"rss": ("channel",), "RDF": ("RDF",), "feed": ("feed",)}
_ITEMS = ("item", "entry")
# An item's elements its body is read from, in feedparser's order of preference.
_CONTENT = ("encoded", "content")
_SUMMARY = ("description", "summary")
_WEB = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


def parse(data: bytes) -> list:
    """The articles of an RSS or Atom feed, one per item, each a ParsedArticle or the ItemError
    that refuses it alone. Raises ParseError when the feed is refused whole."""
    feed = _split(data)
    return [_read_item(original, line, lines) for original, line, lines in feed]


# ---------------------------------------------------------------------------------------------
# Splitting the feed into one-item documents


class _Refused(Exception):
    """Raised from expat's handlers: the document declares what we never read."""


def _split(data):
    """[(one-item document, its line in the feed, {child element: line})], in the feed's order.
    Raises ParseError for a document that is no well-formed feed."""
    if not data.strip():
        raise ParseError("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        # Byte offsets below are cut at ASCII "<" and ">": that needs an ASCII-compatible
        # encoding. Feeds in UTF-16 are vanishingly rare.
        raise ParseError("the feed is in UTF-16 or UTF-32: only UTF-8 and single-byte "
                         "encodings are read; save it as UTF-8")
    parser = expat.ParserCreate(namespace_separator=" ")
    # Never a DTD's parameter entities, an external entity or an entity declared in the
    # document: they can read files, reach the network or expand without bound.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_entities(*args):
        raise _Refused("the feed declares XML entities (refused: an entity can read files or "
                       "expand without bound)")

    parser.EntityDeclHandler = refuse_entities
    parser.UnparsedEntityDeclHandler = refuse_entities
    parser.ExternalEntityRefHandler = refuse_entities

    split = _Splitter(parser, data)
    try:
        parser.Parse(data, True)
    except _Refused as refusal:
        raise ParseError(str(refusal), parser.CurrentLineNumber) from None
    except expat.ExpatError as error:
        raise ParseError(f"malformed XML at column {error.offset + 1}: "
                         f"{expat.ErrorString(error.code)}", error.lineno) from None
    if split.root not in _ROOTS:
        raise ParseError(f"not an RSS or Atom feed: its root element is <{split.root}>", 1)
    return [(original, item.line, item.lines)
            for original, item in zip(_one_item_feeds(data, split.items), split.items,
                                      strict=True)]


class _Item:
    def __init__(self, start, line, depth):
        self.start, self.end, self.line, self.depth = start, None, line, depth
        self.lines = {}  # {child element's local name: its first line}


class _Splitter:
    """expat's handlers: where each item starts and ends, in bytes, and its children's lines."""

    def __init__(self, parser, data):
        self.parser, self.data = parser, data
        self.root = ""
        self.items = []
        self.path = []  # the local names of the open elements
        self.open = None  # the item being read
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end

    def start(self, name, attributes):
        local = name.rpartition(" ")[2]
        depth = len(self.path)
        if not depth:
            self.root = local
        elif self.open:
            if depth == self.open.depth + 1:
                self.open.lines.setdefault(local, self.parser.CurrentLineNumber)
        elif local in _ITEMS and self.path[-1] in _ROOTS.get(self.root, ()) and depth <= 2:
            self.open = _Item(self.parser.CurrentByteIndex, self.parser.CurrentLineNumber, depth)
            self.items.append(self.open)
        self.path.append(local)

    def end(self, name):
        self.path.pop()
        if self.open and len(self.path) == self.open.depth:
            start_tag_end = _tag_end(self.data, self.open.start)
            if self.data[start_tag_end - 2:start_tag_end] == b"/>":
                self.open.end = start_tag_end  # <item/>: no end tag
            else:
                self.open.end = _tag_end(self.data, self.parser.CurrentByteIndex)
            self.open = None


def _tag_end(data, start):
    """The byte after the tag that starts at `start` (a ">" in an attribute's value aside)."""
    quote = None
    for index in range(start + 1, len(data)):
        byte = data[index:index + 1]
        if quote:
            if byte == quote:
                quote = None
        elif byte in (b'"', b"'"):
            quote = byte
        elif byte == b">":
            return index + 1
    return len(data)


def _one_item_feeds(data, items):
    """For each item, the feed's bytes with every other item cut out (with the blank space
    before it): what stands between items is joined once, not once an item."""
    gaps, starts, position = [], [], 0  # gaps[k]: the bytes before item k, after item k - 1
    for item in items:
        start = item.start
        while start > position and data[start - 1:start] in (b" ", b"\t", b"\r", b"\n"):
            start -= 1
        gaps.append(data[position:start])
        starts.append(start)
        position = item.end
    after = [data[position:]]  # after[j]: what follows item n - 1 - j, to the end
    for gap in reversed(gaps[1:]):
        after.append(gap + after[-1])
    after.reverse()
    before = b""
    for index, item in enumerate(items):
        before += gaps[index]
        yield before + data[starts[index]:item.end] + after[index]


# ---------------------------------------------------------------------------------------------
# Reading one item


def _read_item(original, line, lines):
    parsed = feedparser.parse(io.BytesIO(original), resolve_relative_uris=False)
    if parsed.bozo:
        # The document was well-formed to expat; what feedparser still objects to (a declared
        # encoding the bytes do not follow) spoils every item alike: the feed is refused.
        raise ParseError(f"feedparser refused the feed: {parsed.bozo_exception}")
    if len(parsed.entries) != 1:
        return ItemError(f"feedparser reads {len(parsed.entries)} items here, not one", line)
    entry, feed = parsed.entries[0], parsed.feed
    headline = " ".join(_detail_paragraphs(entry.get("title_detail")))
    paragraphs, body_element = _body(entry)  # body_element: its possible local names
    if not paragraphs:
        reason = ("the item has no title and no text" if not headline
                  else "the item has no text, only a title")
        return ItemError(reason, line)
    warnings = []
    published = _published(entry, line, warnings)
    return ParsedArticle.of_document(
        paragraphs,
        language=(iso639_1(entry.get("language"))
                  or iso639_1(_body_detail(entry).get("language"))
                  or iso639_1(feed.get("language"))),
        first_line=line,
        body_line=next((lines[name] for name in body_element if name in lines), line),
        warnings=warnings,
        original=original,
        original_format=ATOM if parsed.version.startswith("atom") else RSS,
        headline=headline,
        url=_url(entry),
        published=published,
        source_name=" ".join(feed.get("title", "").split()),
        tags=_tags(entry),
    )


def _body_detail(entry):
    for content in entry.get("content", ()):
        if _detail_paragraphs(content):
            return content
    return entry.get("summary_detail") or {}


def _body(entry):
    """(paragraphs, the element they came from): the full content when it says anything, else
    the description or summary."""
    for content in entry.get("content", ()):
        paragraphs = _detail_paragraphs(content)
        if paragraphs:
            return paragraphs, _CONTENT
    return _detail_paragraphs(entry.get("summary_detail")), _SUMMARY


def _detail_paragraphs(detail):
    """The paragraphs of one of feedparser's text constructs (HTML, XHTML or plain text)."""
    if not detail or not detail.get("value"):
        return ()
    if detail.get("type") == "text/plain":
        return text_paragraphs(detail["value"])
    if detail.get("type") in ("text/html", "application/xhtml+xml"):
        return html_paragraphs(detail["value"])
    return ()  # an image, or content elsewhere (Atom's src): no text


def _published(entry, line, warnings):
    for key in ("published", "updated"):
        # dict.get: feedparser's own get() answers "updated" with the published time.
        parsed, raw = dict.get(entry, f"{key}_parsed"), dict.get(entry, key)
        if parsed:
            # feedparser gives UTC (a time with no zone is taken as UTC).
            return dt.datetime(*parsed[:6], tzinfo=dt.UTC)
        if raw:
            warnings.append((line, f"the date “{raw}” is not one feedparser reads: it is left "
                                   "out"))
    return None


def _url(entry):
    """The item's web address: its link (Atom: the alternate one), else its guid when that is
    a permalink (RSS's default). Only http(s): an Atom id such as urn:uuid:… is no address."""
    for link in entry.get("links", ()):
        if link.get("rel", "alternate") == "alternate" and _WEB.match(link.get("href", "")):
            return link["href"].strip()
    guid = entry.get("id", "")
    if entry.get("guidislink") and not entry.get("links") and _WEB.match(guid):
        return guid.strip()
    return ""


def _tags(entry):
    """RSS categories and Atom category terms, each once (case aside), in the feed's order."""
    names = {}
    for tag in entry.get("tags", ()):
        name = " ".join((tag.get("term") or "").split())
        if name:
            names.setdefault(name.casefold(), name)
    return tuple(names.values())


# ---------------------------------------------------------------------------------------------
# Text helpers, shared with the NINJS reader


def iso639_1(tag):
    """The ISO 639-1 code of a language tag ("fr" from "fr-FR" or "fr_FR"), or ""."""
    primary = re.split(r"[-_]", (tag or "").strip(), maxsplit=1)[0].lower()
    return primary if len(primary) == 2 and primary.isascii() and primary.isalpha() else ""


_BLANK_LINE = re.compile(r"\n\s*\n")


def text_paragraphs(text):
    """Plain text's paragraphs: blank lines part them; spacing within one is collapsed."""
    return tuple(p for p in (" ".join(part.split()) for part in _BLANK_LINE.split(text)) if p)


def html_paragraphs(html):
    """HTML's text as paragraphs: each block (p, div, li, heading, br, …) its own, markup
    stripped, entities decoded, scripts, styles, images, embeds and captions left out."""
    reader = _Paragraphs()
    reader.feed(html)
    reader.close()
    return tuple(reader.paragraphs)


# Elements that end a paragraph where they open or close.
_BLOCKS = frozenset(
    "address article aside blockquote br dd details div dl dt fieldset figure footer form h1 h2 "
    "h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td th thead tfoot "
    "tr ul".split())
# Elements whose content is no text of the story.
_SKIPPED = frozenset(
    "audio button canvas figcaption head iframe map math noscript object script select style "
    "svg template textarea title video".split())
# The markup social networks' embeds are pasted as (a quoted post is not the story's text).
_EMBEDS = frozenset("twitter-tweet twitter-video instagram-media tiktok-embed fb-post".split())


class _Paragraphs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs = []
        self._text = []
        self._skipped = None  # the element being left out, and how deep in its own kind
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if self._skipped:
            self._depth += tag == self._skipped
        elif tag in _SKIPPED or _EMBEDS.intersection((dict(attrs).get("class") or "").split()):
            self._skipped, self._depth = tag, 1
        elif tag in _BLOCKS:
            self._flush()

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS and not self._skipped:
            self._flush()

    def handle_endtag(self, tag):
        if self._skipped:
            self._depth -= tag == self._skipped
            if not self._depth:
                self._skipped = None
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skipped:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush()

    def _flush(self):
        paragraph = " ".join("".join(self._text).split())
        if paragraph:
            self.paragraphs.append(paragraph)
        self._text = []
