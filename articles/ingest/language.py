"""Tell English from French in short texts (teasers, titles, leads).

The partner feeds we ingest write in English and French; a general-purpose detector is unreliable
on a ten-word teaser and non-deterministic, while the function words of the two languages settle
it at once. Returns "" when the text gives no clear answer, so callers never guess.
"""

import re

# Letters only: an apostrophe splits "l'armée" into "l" and "armée", so elided articles count
# as the function words they are.
_WORDS = re.compile(r"[^\W\d_]+")

_FUNCTION_WORDS = {
    "en": frozenset(
        "the a an of and to in on for with from by at is are was were has have had be been "
        "this that these those it its as but or not will would says said after over into "
        "their his her they he she we who which what".split()
    ),
    "fr": frozenset(
        "le la les un une des du de et à au aux en dans pour par sur avec est sont été a ont "
        "ce cette ces qui que dont il elle ils elles nous vous son sa ses leur leurs pas ne "
        "plus selon après lors d l qu n s c j".split()
    ),
}
_ENGLISH = _FUNCTION_WORDS["en"]
_FRENCH = _FUNCTION_WORDS["fr"]
_ACCENTED = re.compile("[éèêàâçîôûùëïœ]")
_MIN_HITS = 2


def detect_language(text):
    """"en", "fr", or "" when the text is too short or too mixed to tell."""
    folded = text.casefold()
    tokens = _WORDS.findall(folded)
    # Two languages, compared directly: this runs for every teaser and title of an archive.
    english = sum(map(_ENGLISH.__contains__, tokens))
    french = sum(map(_FRENCH.__contains__, tokens)) + len(_ACCENTED.findall(folded)) // 2
    if english >= _MIN_HITS and english >= 2 * french:
        return "en"
    if french >= _MIN_HITS and french >= 2 * english:
        return "fr"
    return ""
