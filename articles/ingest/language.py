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
_ACCENTED = re.compile("[éèêàâçîôûùëïœ]")
_MIN_HITS = 2


def detect_language(text):
    """"en", "fr", or "" when the text is too short or too mixed to tell."""
    folded = text.casefold()
    tokens = _WORDS.findall(folded)
    scores = {lang: sum(map(vocabulary.__contains__, tokens))
              for lang, vocabulary in _FUNCTION_WORDS.items()}
    scores["fr"] += len(_ACCENTED.findall(folded)) // 2
    best, runner_up = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if best[1] >= _MIN_HITS and best[1] >= 2 * runner_up[1]:
        return best[0]
    return ""
