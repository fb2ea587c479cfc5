"""What a saved page's head and markup say of its article (formats.pages): its headline, time,
address, source, language and tags, and its related-stories box. Pure Python, no Django."""

import datetime as dt
import html
import json
import re
from urllib.parse import urljoin, urlsplit

from ..language import detect_language
from ..manifest import MAX_YEAR, MIN_YEAR
from ..parse import STORY, RelatedItem

_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# The heading of a related-stories box, or a class or id naming one.
_RELATED_HEADING = re.compile(
    r"^(?:related(?: stories| articles| news| content| coverage| links)?|read more"
    r"|more on this(?: story| topic)?|see also|read also|also read|you may also like"
    r"|(?:à |a )?lire aussi|(?:à |a )?lire également|(?:à |a )?voir aussi|sur le même sujet"
    r"|(?:nos )?articles liés)$")
_RELATED_NAME = re.compile(r"(?:^|[\s_-])(?:related|lire-?aussi|a-lire)", re.I)
_NOT_A_PAGE = re.compile(r"^(?:javascript|mailto|tel|sms|data):", re.I)
_BOXES = ("aside", "section", "div", "nav", "ul", "ol")
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
_TEXT_BLOCKS = ("p", "h1", *_HEADINGS, "li", "blockquote", "td", "dd", "pre")
# What the sidebar's columns hold (RelatedLink.title and .url): a longer link text is no
# headline, and a longer address is kept out rather than refused by the database.
MAX_RELATED_TITLE_CHARS = 300
MAX_RELATED_URL_CHARS = 500

_ARTICLE_TYPES = ("Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
                  "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting", "Report")


def unescaped(text):
    """`text` with the entities a CMS escaped twice decoded ("&rsquo;" shown as text, as
    trafilatura's own text output decodes it); a bare "&" and what follows it stay."""
    return _ENTITY.sub(lambda entity: html.unescape(entity.group()), text)

# ---------------------------------------------------------------------------------------------
# The page's metadata


class Page:
    """What the page's head and markup say of its article."""

    def __init__(self, tree):
        self.tree = tree
        self.metas = {}  # {property or name: [(content, line)]}, in the page's order
        for meta in tree.iter("meta"):
            key = (meta.get("property") or meta.get("name") or "").strip().lower()
            content = " ".join((meta.get("content") or "").split())
            if key and content:
                self.metas.setdefault(key, []).append((content, meta.sourceline))
        self.ld = _json_ld_article(tree)
        self.url = self._url()

    def meta(self, key):
        found = self.metas.get(key)
        return found[0][0] if found else ""

    def _ld_text(self, key):
        value = self.ld.get(key)
        if isinstance(value, dict):
            value = value.get("name") or value.get("@id")
        return " ".join(unescaped(value).split()) if isinstance(value, str) else ""

    def _h1(self):
        for path in ("//article//h1", "//main//h1",
                     "//h1[not(ancestor::nav or ancestor::header or ancestor::footer"
                     " or ancestor::aside)]", "//h1"):
            for h1 in self.tree.xpath(path):
                text = " ".join(h1.text_content().split())
                if text:
                    return text, h1.sourceline
        return "", None

    def headlines(self):
        """Every name the page gives its story, which the story's text need not repeat."""
        return (self.meta("og:title"), self._h1()[0], self._ld_text("headline"),
                self.meta("twitter:title"))

    def headline(self):
        """(headline, its line): og:title, else the h1, else JSON-LD's, else the <title>
        less the site's name."""
        found = self.metas.get("og:title")
        if found:
            return found[0]
        h1 = self._h1()
        if h1[0]:
            return h1
        if self._ld_text("headline"):
            return self._ld_text("headline"), None
        title = self.tree.find(".//title")
        if title is None:
            return "", None
        text = " ".join(title.text_content().split())
        site = self.source_name()
        for separator in (" | ", " - ", " – ", " — ", " · ", " :: "):
            if site and text.endswith(f"{separator}{site}"):
                text = text[: -len(separator + site)]
        return text, title.sourceline

    def _url(self):
        base = ""
        for link in self.tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split():
                base = (link.get("href") or "").strip()
                break
        fallback = self.meta("og:url") or self._ld_text("url")
        # A relative canonical address is the page's own, read against the one og:url gives.
        url = urljoin(fallback, base) if base else fallback
        return url if _is_web(url) else (fallback if _is_web(fallback) else "")

    def published(self):
        """(aware UTC datetime or None, warnings)."""
        for value, line in self.metas.get("article:published_time", ()):
            when = _datetime(value)
            if when:
                return when, ()
            warning = (line or 1, f"article:published_time {value!r} is not an ISO 8601 "
                                  f"time of the years {MIN_YEAR} to {MAX_YEAR}: left out")
            break
        else:
            warning = None
        when = _datetime(self._ld_text("datePublished"))
        return when, (warning,) if warning and not when else ()

    def source_name(self):
        return self.meta("og:site_name") or self._ld_text("publisher")

    def language(self):
        """The page's ISO 639-1 code ("fr" from "fr-FR"), or "" when it says none."""
        root = self.tree.getroottree().getroot()
        for value in (root.get("lang"), root.get("xml:lang"), self.meta("og:locale"),
                      self._ld_text("inLanguage")):
            code = re.split(r"[-_]", (value or "").strip(), maxsplit=1)[0].lower()
            if len(code) == 2 and code.isascii() and code.isalpha():
                return code
        return ""

    def tags(self):
        names = [value for value, _ in self.metas.get("article:tag", ())]
        if not names:
            keywords = self.ld.get("keywords")
            if isinstance(keywords, str):
                names = keywords.split(",")
            elif isinstance(keywords, list):
                names = [name for name in keywords if isinstance(name, str)]
        names = (" ".join(unescaped(name).split()) for name in names)
        return tuple(dict.fromkeys(name for name in names if name))

    def link_texts(self):
        texts = {" ".join(a.text_content().split()) for a in self.tree.iter("a")}
        texts.discard("")
        return texts

    def line_of(self, paragraph):
        """The line of the page's block that starts with `paragraph`, else 1."""
        start = paragraph[:60]
        for element in self.tree.iter(*_TEXT_BLOCKS):
            if " ".join(element.text_content().split()).startswith(start):
                return element.sourceline or 1
        return 1

    def related(self):
        """(the related-stories box, its items in the page's order), or (None, ())."""
        for box in self.tree.iter(*_BOXES):
            if not _is_related_box(box):
                continue
            items, seen = [], set()
            for link in box.iter("a"):
                title = " ".join(link.text_content().split())
                href = (link.get("href") or "").strip()
                if href.startswith("#") or _NOT_A_PAGE.match(href):
                    continue  # a place in this page, a script, an address: no story
                url = _absolute(self.tree, self.url, href)
                if not title or len(title) > MAX_RELATED_TITLE_CHARS or (url and url in seen):
                    continue
                seen.add(url)
                items.append(RelatedItem(
                    kind=STORY, title=title,
                    url=url if len(url) <= MAX_RELATED_URL_CHARS else "",
                    language=detect_language(title) or "", line=link.sourceline or 0))
            if items:
                return box, tuple(items)
        return None, ()


def _is_related_box(box):
    """Whether `box` is a related-stories box: its label, its heading (before its first link)
    or its class or id says so, and it does not hold the story itself."""
    first = next(box.iter("a", *_HEADINGS), None)
    labels = [box.get("aria-label") or ""]
    if first is not None and first.tag != "a":
        labels.append(first.text_content())
    labelled = box.get("aria-labelledby")
    if labelled:
        labels += [e.text_content() for e in box.xpath("//*[@id=$id]", id=labelled.split()[0])]
    named = any(_RELATED_HEADING.match(" ".join(label.split()).casefold().rstrip(" :"))
                for label in labels)
    if not (named or _RELATED_NAME.search(f"{box.get('class') or ''} {box.get('id') or ''}")):
        return False
    return not box.xpath(".//h1 or .//article or .//main")


def _absolute(tree, page_url, href):
    """`href` as an absolute http(s) address (against <base href>, else the page's URL), or
    "" when it is none (a fragment, a script, a relative address of a page with no URL)."""
    href = href.strip()
    base = next((b.get("href") for b in tree.iter("base") if b.get("href")), "") or page_url
    url = urljoin(urljoin(page_url, base), href) if base else href
    return url if _is_web(url) else ""


def _is_web(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _datetime(value):
    """An ISO 8601 time as an aware UTC datetime (UTC when it gives no offset), or None (none,
    or a year a manifest would refuse too)."""
    try:
        when = dt.datetime.fromisoformat((value or "").strip())
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        when = when.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return when if MIN_YEAR <= when.year <= MAX_YEAR else None


def _json_ld_article(tree):
    """The page's JSON-LD object of an article type (in a @graph or a list too), else {}."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            found = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue  # a broken block of structured data: the page's other metadata stands
        candidates = found if isinstance(found, list) else [found]
        for candidate in list(candidates):
            if isinstance(candidate, dict) and isinstance(candidate.get("@graph"), list):
                candidates.extend(candidate["@graph"])
        for candidate in candidates:
            if not isinstance(candidate, dict):
                continue
            kinds = candidate.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(kind in _ARTICLE_TYPES for kind in kinds):
                return candidate
    return {}



