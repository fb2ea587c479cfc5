"""A saved article page (.html, .htm): one article, its main text extracted by trafilatura.

Pure Python, no Django. The page's own metadata gives the headline (og:title, else the
article's h1, else JSON-LD's headline, else the <title>), the time (article:published_time,
else JSON-LD datePublished), the original URL (<link rel=canonical>, else og:url, else
JSON-LD's url), the source (og:site_name, else JSON-LD's publisher), the language (<html lang>,
else og:locale, else JSON-LD's inLanguage, else detected) and the tags (article:tag, else
JSON-LD's keywords). The related-stories box, when the page has one, becomes the sidebar.

trafilatura finds the story, with comments left out and in its precision mode (its default mode
keeps a masthead's tagline and a page of links as a body). What it leaves of the page's
furniture is pruned before it runs (consent banners and walls, dialogs, bylines, the
related box) or filtered from its paragraphs after (the headline again, "Read also:" and
"Lire aussi :" promos, paragraphs made of link text): see _prune and _boilerplate.
"""

import codecs
import logging
import re

import lxml.html
import trafilatura
from lxml import etree

from ..parse import ParsedArticle, ParseError
from ..parse import decode_with_warnings as decode_text  # the text format's rules
from . import HTML
from .page_metadata import Page, unescaped

# trafilatura logs a page it finds no text in as a warning or an error; the import reports that
# page itself, as a failed file.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

NO_TEXT = "the page holds no article text"

# Where a page declares its charset: a <meta> in its head (or an XHTML page's XML declaration).
_HEAD_BYTES = 8192
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""")
# Labels that mean Windows-1252 on the web (WHATWG's encoding standard): a page that says
# ISO-8859-1 or ASCII is read as browsers read it, curly quotes and "œ" included.
_WINDOWS_1252 = {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
                 "latin-1", "l1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}
_UTF_16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# A saved page holds a doctype or an <html>, <head> or <body> tag; a fragment of one at least
# starts with a tag and holds a block of text.
_DOCUMENT = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>/]", re.I)
_BLOCK = re.compile(r"<(?:article|main|section|div|p|h[1-6])[\s>/]", re.I)
_FEED_ROOT = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b",
                        re.S)

# What trafilatura does not take out by itself, pruned from the page before it runs (see
# _prune): consent banners and walls (named so by their class or id, or shown as dialogs) and
# bylines.
_CONSENT_NAMES = re.compile("cookie|consent|gdpr|rgpd|didomi|onetrust|tarteaucitron", re.I)
_BYLINE_NAMES = re.compile("byline|author|auteur|dateline", re.I)
# A banner or a wall is a few paragraphs, a byline a line: an element of that name holding
# more wraps more than that.
MAX_BANNER_CHARS = 5000
MAX_BYLINE_CHARS = 200
_STORY_TAGS = ("html", "body", "main", "article")

# A paragraph that sends the reader to another story: "Read also: …", "» Lire aussi : …".
_PROMO = re.compile(
    r"^\W*(?:read (?:also|more)|also read|see also|related|more on this(?: story)?"
    r"|(?:à |a )?lire (?:aussi|également)|(?:à |a )?voir aussi|sur le même sujet)\s*[:：—–-]",
    re.I)
# A paragraph whose text is mostly the text of the page's links is navigation, a tag list or a
# promo, not the story.
_MOST_LINKS = 0.5



def parse(data: bytes) -> list[ParsedArticle]:
    """The page's one article. Raises ParseError for bytes that are not an HTML page, and for
    a page that holds no article text (navigation only, a cookie wall, an empty body)."""
    text, warnings = _decode(data)
    if _FEED_ROOT.match(text):
        raise ParseError("the file is a feed, not an HTML page: name it .rss or .atom")
    if not (_DOCUMENT.search(text) or (text.lstrip().startswith("<") and _BLOCK.search(text))):
        raise ParseError("the file is not HTML: it holds no HTML element")
    try:
        # A parser of its own: lxml's may not be shared between threads (the desk's requests).
        tree = lxml.html.document_fromstring(
            _XML_DECLARATION.sub("", text, count=1),
            parser=lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True))
    except (etree.ParserError, ValueError) as error:
        raise ParseError(f"the file cannot be read as HTML: {error}") from None
    page = Page(tree)
    published, when_warnings = page.published()
    box, related = page.related()
    if box is not None:
        box.drop_tree()  # its links are the sidebar, not the story
    paragraphs, body_line = _story(tree, page)
    if not paragraphs:
        raise ParseError(NO_TEXT)
    headline, headline_line = page.headline()
    return [ParsedArticle.of_document(
        paragraphs,
        related=related,
        language=page.language(),
        first_line=headline_line or body_line,
        body_line=body_line,
        warnings=(*warnings, *when_warnings),
        original=data,
        original_format=HTML,
        headline=headline,
        url=page.url,
        published=published,
        source_name=page.source_name(),
        tags=page.tags(),
    )]


# ---------------------------------------------------------------------------------------------
# Bytes to text


def decode(data):
    """The page's text: in the charset it declares, else as a text file is read (UTF-8, a
    stray byte replaced, else Windows-1252)."""
    return _decode(data)[0]


def _decode(data):
    """(text, warnings): see `decode`; a warning when bytes that are not UTF-8 were replaced."""
    if data.startswith(_UTF_16_BOMS):
        try:
            return data.decode("utf-16"), ()
        except UnicodeDecodeError:
            raise ParseError("the page starts as UTF-16 but is not UTF-16 text") from None
    declared = _declared_charset(data[:_HEAD_BYTES])
    misdeclared = ()
    if declared and declared != "utf-8" and b"\x00" not in data:
        try:
            return data.decode(declared), ()
        except UnicodeDecodeError:
            # A page that is not what it says: read as an undeclared one, and its author told.
            misdeclared = ((1, f"the page declares {declared} but is not {declared} text: read "
                               "as UTF-8, else Windows-1252"),)
    text, warnings = decode_text(data)
    return text.removeprefix("\ufeff"), (*misdeclared, *warnings)


def _declared_charset(head):
    """The codec of the charset the page's head declares, or None (none, or unknown)."""
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    if label.startswith("utf-16"):
        return "utf-8"  # bytes that spell an ASCII <meta> are not UTF-16 (WHATWG)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


# ---------------------------------------------------------------------------------------------
# The story


def _story(tree, page):
    """(paragraphs, the line of the first): the page's main text as trafilatura finds it, less
    what _boilerplate names."""
    _prune(tree)
    document = trafilatura.bare_extraction(
        tree, favor_precision=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, include_formatting=False)
    if document is None or document.body is None:
        return (), 1
    links = page.link_texts()
    repeated = {_folded(name) for name in page.headlines() if name}
    paragraphs = tuple(paragraph for paragraph in _paragraphs(document.body)
                       if paragraph and not _boilerplate(paragraph, links, repeated))
    return paragraphs, page.line_of(paragraphs[0]) if paragraphs else 1


def _prune(tree):
    """Take out of `tree` the page's furniture trafilatura keeps: consent banners and walls,
    dialogs and bylines; never the page's body, main or article, nor what holds them."""
    doomed = []
    for element in tree.iter(etree.Element):
        if element.tag in _STORY_TAGS:
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if (_CONSENT_NAMES.search(names) or element.get("role") == "dialog"
                or element.get("aria-modal") == "true"):
            most = MAX_BANNER_CHARS
        elif _BYLINE_NAMES.search(names) or element.get("rel") == "author":
            most = MAX_BYLINE_CHARS
        else:
            continue
        if (element.find(".//main") is None and element.find(".//article") is None
                and len(" ".join(element.text_content().split())) < most):
            doomed.append(element)
    for element in doomed:
        element.drop_tree()  # its tail, the text after it, stays


def _paragraphs(body):
    """trafilatura's blocks as plain-text paragraphs: a list's items and a table's rows one
    paragraph each."""
    for element in body:
        if element.tag == "list":
            yield from (_text(item) for item in element.iter("item"))
        elif element.tag == "table":
            for row in element.iter("row"):
                yield " | ".join(filter(None, (_text(cell) for cell in row.iter("cell"))))
        elif element.tag != "graphic":
            yield _text(element)


def _text(element):
    # Blocks and line breaks inside a block are spaces, never glued words.
    parts = []
    for piece in element.iter():
        if piece is not element and piece.tag in ("lb", "p", "item", "cell", "head", "quote"):
            parts.append(" ")
        if piece.text and piece.tag != "lb":
            parts.append(piece.text)
        if piece is not element and piece.tail:
            parts.append(piece.tail)
    return " ".join(unescaped("".join(parts)).split())


def _boilerplate(paragraph, link_texts, headlines):
    """Whether an extracted paragraph is the page's furniture: the headline again, a promo for
    another story, or mostly link text (a tag list, navigation)."""
    if _folded(paragraph) in headlines or _PROMO.match(paragraph):
        return True
    linked = sum(len(link) for link in link_texts if link in paragraph)
    return linked > _MOST_LINKS * len(paragraph)


def _folded(text):
    return " ".join(text.split()).casefold()

