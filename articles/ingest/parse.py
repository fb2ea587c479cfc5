"""Read one scraped article file into a `ParsedArticle`.

Pure Python, no Django: the format's rules live here alone. The layout of a file is

    line 1       a kicker ("Russia") or an image caption ("AES leaders and Russia's Putin")
    body         one paragraph a line (blank lines between paragraphs are allowed)
    sidebar      optional, at the end, in one of two shapes:
                 related videos  - pairs of lines: a badge (`Go to video`, `MM:SS` or `H:MM:SS`)
                                   then the video's title;
                 related stories - teaser lines cut off with `…` or `...`.

The sidebar is found from the end of the file backwards, so it can never eat the body: it is only
what the end of the file proves to be a sidebar.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from .. import aboutness
from ..text import normalise, propose_headline
from .errors import InputError
from .language import detect_language

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LINE_CHARS = 20_000

TEXT = "text"  # the format of these files, as an imported original records it

VIDEO = "video"
STORY = "story"
VIDEOS = "videos"
STORIES = "stories"

GO_TO_VIDEO = "go to video"
_DURATION = re.compile(r"^(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)$")
_ELLIPSES = ("…", "...")
# A teaser is a sentence cut short; a line longer than this is a paragraph that ends in an ellipsis.
MAX_TEASER_CHARS = 300
# One trailing line ending in "…" is as likely the body trailing off as a sidebar: ask for two.
MIN_STORY_TEASERS = 2
# A kicker is a label of a few words; anything longer on line 1 is an image caption.
MAX_KICKER_WORDS = 4
MAX_KICKER_CHARS = 40


class ParseError(InputError):
    """The file cannot be read as an article; `line` is 1-based, or None for the whole file."""


@dataclass(frozen=True)
class RelatedItem:
    """One entry of the page's sidebar, in the order the page showed it."""

    kind: str  # VIDEO or STORY
    title: str  # a video's title; empty for a story, which only has its teaser
    teaser: str = ""  # a story's teaser, without the trailing ellipsis
    duration_seconds: int | None = None  # None where the page said "Go to video"
    truncated: bool = False  # the teaser was cut off on the page
    language: str = ""  # ISO 639-1 code when the text is clearly in one language, else ""
    line: int = 0
    url: str = ""  # where the item links, when its format says (a saved page's related box)

    @property
    def text(self):
        return self.title or self.teaser

    @cached_property
    def normalised(self):
        """The text as matched against articles' headlines and leads (see `normalise`)."""
        return normalise(self.text)


@dataclass(frozen=True)
class ParsedArticle:
    kicker: str
    image_caption: str
    paragraphs: tuple[str, ...]
    related: tuple[RelatedItem, ...]
    sidebar: str | None  # VIDEOS, STORIES or None
    language: str  # "" when the body does not say clearly
    first_line: int  # where the kicker or caption stands
    body_line: int  # where the first paragraph starts
    sidebar_line: int | None  # where the sidebar starts
    # (line, message): what was read but is worth telling the file's author (bytes replaced).
    warnings: tuple[tuple[int, str], ...] = ()
    # The file exactly as read, and its format: the import keeps it beside the article.
    original: bytes = field(default=b"", repr=False, compare=False)
    original_format: str = TEXT
    # What formats that carry metadata say of the article (a feed's item, a NINJS object, a
    # saved page); a scraped text file says none of it. A manifest's entry wins over each.
    headline: str = ""
    url: str = ""  # the original URL: the article's identity
    published: dt.datetime | None = None  # timezone-aware
    source_name: str = ""  # the outlet the document names (a channel's title, a site's name)
    tags: tuple[str, ...] = ()
    # What about() found, by the (headline, language) it was asked for: a parse worker fills
    # it, so that the importer's one writing process need not read the text again.
    _abouts: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of_document(cls, paragraphs, *, language, first_line, body_line, related=(),
                    warnings=(), **details):
        """The article of a format that carries its own metadata (a feed's item, a NINJS
        object, a saved page): no kicker or caption; `related` stories, if any, its sidebar;
        `language` the document's, else detected from the paragraphs; `details` the metadata
        fields, the original and its format."""
        language = language or body_language(paragraphs)
        return cls(kicker="", image_caption="", paragraphs=tuple(paragraphs),
                   related=_in_other_languages(related, language),
                   sidebar=STORIES if related else None, language=language,
                   first_line=first_line, body_line=body_line, sidebar_line=None,
                   warnings=tuple(warnings), **details)

    @property
    def lead(self):
        return self.paragraphs[0]

    @property
    def body(self):
        return "\n\n".join(self.paragraphs)

    @cached_property
    def fingerprint(self):
        return body_fingerprint(self.paragraphs)

    @cached_property
    def normalised_lead(self):
        """The lead as related items from other files are matched against it."""
        return normalise(self.lead)

    def headline_given(self, given=""):
        """(headline, proposed): `given` (a manifest's), else the document's own; else the
        lead's first sentence, proposed until an editor writes one."""
        headline = given or self.headline
        return (headline, False) if headline else (propose_headline(self.lead), True)

    def about(self, headline, language):
        """What the article is about (aboutness.About) under `headline`, in `language`."""
        key = headline, language
        if key not in self._abouts:
            self._abouts[key] = aboutness.analyse(
                headline, self.body, kicker=self.kicker, image_caption=self.image_caption,
                language=language)
        return self._abouts[key]


# ---------------------------------------------------------------------------------------------
# Text helpers shared by the importer (identity and link matching)

# Control characters other than line breaks and tabs: text has a few at most, binaries many.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def body_fingerprint(paragraphs):
    """A stable digest of a body, blind to spacing, quote style and case."""
    return hashlib.sha256(normalise(" ".join(paragraphs)).encode()).hexdigest()


def parse_duration(badge):
    """Seconds for `MM:SS` or `H:MM:SS`; None for anything else."""
    match = _DURATION.match(badge.strip())
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def is_badge(line):
    return line.casefold() == GO_TO_VIDEO or parse_duration(line) is not None


def is_teaser(line):
    return line.endswith(_ELLIPSES) and len(line) <= MAX_TEASER_CHARS


def strip_ellipsis(line):
    for ellipsis in _ELLIPSES:
        if line.endswith(ellipsis):
            return line[: -len(ellipsis)].rstrip()
    return line


# ---------------------------------------------------------------------------------------------
# Decoding


def decode(data):
    """Bytes to text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    return decode_with_warnings(data)[0]


# A well-formed multi-byte UTF-8 sequence. Windows-1252 text almost never holds one (it would
# take a letter such as "Ã" followed by a symbol such as "©"), so one is proof of UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_REPLACEMENT = "\ufffd"
_LINES_NAMED = 5  # in a warning, the further lines with replaced bytes named by number


def decode_with_warnings(data):
    """(text, warnings): see `decode`; a warning, with its line, when a UTF-8 file held bytes
    that are not UTF-8, replaced with U+FFFD rather than decoding the whole file as
    Windows-1252."""
    if not data.strip():
        raise ParseError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    if b"\x00" in data:
        raise ParseError("the file is binary, not text (it holds NUL bytes)")
    warnings = ()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if _UTF8_SEQUENCE.search(data):
            # UTF-8 with a stray bad byte (a cut-off character, a pasted Windows quote): the
            # rest of the file is UTF-8, and decoding it all as Windows-1252 would garble it.
            text = data.decode("utf-8-sig", errors="replace")
            # Text with bad bytes has a few; a binary read as UTF-8 has one every few bytes.
            if text.count(_REPLACEMENT) > max(2, len(text) // 10):
                raise ParseError("the file is binary, not text (it holds many bytes that are "
                                 "not UTF-8)") from None
            warnings = _replaced_lines(data)
        else:
            # Older scrapers and Windows tools save cp1252; bytes it leaves undefined mean
            # "not text".
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                raise ParseError("the file is neither UTF-8 nor Windows-1252 text") from error
    if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
        raise ParseError("the file is binary, not text (it holds control characters)")
    return text, warnings


def _replaced_lines(data):
    """One warning, at the first line where bytes that are not UTF-8 were replaced, naming the
    other lines: a file's warnings stay few whatever it holds."""
    lines = []  # (line number, bytes replaced on it)
    # The parser's own line breaks; in UTF-8 no character's bytes contain them.
    for number, line in enumerate(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                                  .split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            # U+FFFD written in the file itself is text, not a replacement.
            replaced = (line.decode("utf-8", errors="replace").count(_REPLACEMENT)
                        - line.count(_REPLACEMENT.encode()))
            lines.append((number, replaced))
    (first, count), others = lines[0], [number for number, _ in lines[1:]]
    message = ("invalid UTF-8 byte replaced with U+FFFD" if count == 1
               else f"{count} invalid UTF-8 bytes replaced with U+FFFD")
    if others:
        named = ", ".join(map(str, others[:_LINES_NAMED]))
        more = len(others) - _LINES_NAMED
        message += (f" (also on line{'s' if len(others) > 1 else ''} {named}"
                    f"{f' and {more:,} more' if more > 0 else ''})")
    return ((first, message),)


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_bytes(data):
    """Parse one article file's bytes (see `decode`), its warnings kept with it."""
    text, warnings = decode_with_warnings(data)
    return replace(parse_text(text), warnings=warnings, original=data)


def parse_text(text):
    """Parse one article's text. Raises ParseError with the line number for refused input."""
    text = text.removeprefix("\ufeff")
    lines = []  # (line number, text) of the non-blank lines
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = " ".join(raw.split())  # tabs, trailing and doubled spaces, non-breaking spaces
        if len(line) > MAX_LINE_CHARS:
            raise ParseError(f"the line is {len(line):,} characters; the limit is "
                             f"{MAX_LINE_CHARS:,}", number)
        if line:
            lines.append((number, line))
    if not lines:
        raise ParseError("the file is empty")

    first_line, first = lines[0]
    rest = lines[1:]
    sidebar, related, sidebar_start = _find_sidebar(rest)
    body = rest[:sidebar_start]
    if not body:
        where = lines[-1][0] if rest else first_line
        reason = ("the file has a sidebar but no body paragraphs" if related
                  else "the file has no body paragraphs after its first line")
        raise ParseError(reason, where)

    paragraphs = tuple(line for _, line in body)
    kicker, caption = _classify_first_line(first)
    language = body_language(paragraphs)
    return ParsedArticle(
        kicker=kicker,
        image_caption=caption,
        paragraphs=paragraphs,
        related=_in_other_languages(related, language),
        sidebar=sidebar,
        language=language,
        first_line=first_line,
        body_line=body[0][0],
        sidebar_line=rest[sidebar_start][0] if related else None,
    )


def body_language(paragraphs):
    """The language of an article's first paragraphs ("" when they do not say clearly)."""
    return detect_language(" ".join(paragraphs[:3]))


def _in_other_languages(related, language):
    # Only a language other than the article's is worth recording: it becomes a `lang` attribute.
    return tuple(replace(item, language="") if item.language == language else item
                 for item in related)


def _classify_first_line(line):
    words = line.split()
    is_label = (
        len(words) <= MAX_KICKER_WORDS
        and len(line) <= MAX_KICKER_CHARS
        and not line.endswith((".", "!", "?", ":", ";", ","))
    )
    return (line, "") if is_label else ("", line)


def _find_sidebar(lines):
    """(shape, items, index of the first sidebar line in `lines`), scanning from the end."""
    videos = _video_pairs_from_end(lines)
    if videos:
        start = len(lines) - 2 * len(videos)
        return VIDEOS, tuple(videos), start
    stories = _teasers_from_end(lines)
    if len(stories) >= MIN_STORY_TEASERS:
        return STORIES, tuple(stories), len(lines) - len(stories)
    return None, (), len(lines)


def _video_pairs_from_end(lines):
    pairs = []
    end = len(lines)
    while end >= 2:
        (badge_no, badge), (_, title) = lines[end - 2], lines[end - 1]
        if not is_badge(badge) or is_badge(title):
            break
        pairs.append(RelatedItem(
            kind=VIDEO,
            title=title,
            duration_seconds=parse_duration(badge),
            language=detect_language(title) or "",
            line=badge_no,
        ))
        end -= 2
    return pairs[::-1]


def _teasers_from_end(lines):
    teasers = []
    for number, line in reversed(lines):
        if not is_teaser(line) or is_badge(line):
            break
        text = strip_ellipsis(line)
        if not text:
            break
        teasers.append(RelatedItem(
            kind=STORY,
            title="",
            teaser=text,
            truncated=True,
            language=detect_language(text) or "",
            line=number,
        ))
    return teasers[::-1]
