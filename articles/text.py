"""Text rules shared by the models and the import: how a body splits into paragraphs, and the
normalised keys that related items are matched by. Pure Python, no Django."""

import re
import unicodedata

# Teasers are cut at about 90 characters; matching on the first 48 of a lead is long enough to be
# unique in an archive and short enough for every real teaser to cover it.
LEAD_KEY_CHARS = 48
HEADLINE_KEY_CHARS = 298  # RelatedLink.match_key holds 300: the key after its "h:" prefix

MAX_PROPOSED_HEADLINE = 90

_BLANK_LINE = re.compile(r"\n\s*\n")
# A sentence ends at . ! or ? before a capital, but not after an initial ("U.S. Army").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-Z“\"'])")
# Words are what matching compares: quotes, dashes, ellipses and spacing all fall between them.
_WORD = re.compile(r"\w+")


def normalise(text):
    """Text reduced for matching: case, accents' composition, quotes, punctuation and spacing."""
    # Case is folded before words are cut: folding can add a combining mark ("İ" to "i̇"), which
    # is not part of a word. One pass over the text; bodies are hashed for every file imported.
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def paragraphs_of(body):
    """A body's paragraphs: it separates them with blank lines."""
    return [p.strip() for p in _BLANK_LINE.split(body) if p.strip()]


def lead_of(body):
    """A body's first paragraph."""
    return _BLANK_LINE.split(body.strip(), maxsplit=1)[0].strip()


def match_keys(headline, normalised_lead):
    """An article's headline_key and lead_key: what related items from other files find it by
    (a video's title its headline, a story's teaser the start of its lead)."""
    return {"headline_key": normalise(headline)[:HEADLINE_KEY_CHARS],
            "lead_key": normalised_lead[:LEAD_KEY_CHARS]}


def propose_headline(lead):
    """The lead's first sentence, cut on a word boundary: a stand-in until an editor writes one."""
    sentence = _SENTENCE_END.split(lead, maxsplit=1)[0].rstrip(".")
    if len(sentence) <= MAX_PROPOSED_HEADLINE:
        return sentence
    cut = sentence[: MAX_PROPOSED_HEADLINE + 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return f"{cut}…"


# A sentence ends at . ! ? (and a closing quote or bracket after it) before a space.
# Not after an initial ("U.S. Army").
_SENTENCE_STOP = re.compile(r"(?<!\b[A-Z])[.!?…][\"'’”»)\]]*(?=\s)")


def excerpt(text, limit):
    """`text` in at most `limit` characters, for a card, a description or a feed summary: whole
    when it fits; else cut after its last full sentence, when that keeps at least half of the
    room; else after a whole word, marked with an ellipsis. Never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[:limit - 1]  # the ellipsis takes one character
    stops = [stop.end() for stop in _SENTENCE_STOP.finditer(text[:limit + 1])
             if stop.end() <= limit]
    if stops and stops[-1] >= limit // 2:
        return text[:stops[-1]]
    whole = text[len(room)] == " "  # the room ends with a whole word
    cut = room if whole or " " not in room else room.rsplit(" ", 1)[0]
    return cut.rstrip(",;:–—-(") + "…"
