"""What an article is about, read from its text: the countries it is about and the outlets it
cites. Pure Python, no Django: the import, the desk's save and the recompute command all call
analyse().

Countries are found from their names and demonyms in English and French, capitals included
("Mali", "Malian", "maliennes", "Ivory Coast", "Russie", "Moscow"), by one pass of one matcher
over the headline, kicker, caption and body (see matching.py, countries.py). A country counts
when the headline, kicker, image caption or lead names it at least once, or the rest of the body
at least twice: a story states what it is about at its top, and a single passing mention further
down ("the former colonial power France") is background, not the subject. The countries come
most prominent first: a mention in the headline weighs most, then the kicker or caption, then
the lead, then the rest of the body; ties go to the country named first.

Cited outlets are known outlets whose name stands in an attribution ("according to Reuters",
"selon l'AFP"; see citations.py), found in the same pass.
"""

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass

from . import citations, countries
from .countries import LANGUAGES, codes, country_name
from .matching import COUNTRY, Matcher

__all__ = ["About", "analyse", "codes", "country_name", "known_outlet_names", "matcher",
           "outlet_named"]

outlet_named = citations.outlet_named
known_outlet_names = citations.known_names

HEADLINE, KICKER, CAPTION, LEAD, BODY = "headline", "kicker", "caption", "lead", "body"
WEIGHTS = {HEADLINE: 4, KICKER: 3, CAPTION: 3, LEAD: 2, BODY: 1}
MIN_BODY_MENTIONS = 2  # below the lead, a country named once is background

_FIRST_PARAGRAPH = re.compile(r"\n\s*\n")
_SEPARATOR = "\n\n"  # between the parts: no name runs across two of them


@dataclass(frozen=True)
class About:
    """What `analyse` found."""

    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes, the most prominent first
    cited: tuple[str, ...] = ()  # the names of the outlets cited, in the order first cited


@functools.cache
def matcher():
    """The one matcher of every country's and outlet's names (built once per process)."""
    return Matcher([*countries.names(), *citations.names()])


def analyse(headline="", body="", *, kicker="", image_caption="", language=""):
    """The countries an article is about and the outlets it cites (an About). `body` is its
    paragraphs separated by blank lines, `language` its ISO 639-1 code ("" when unknown:
    names of every language count)."""
    lead, rest = _lead_and_rest(body)
    parts = [(HEADLINE, headline), (KICKER, kicker), (CAPTION, image_caption), (LEAD, lead),
             (BODY, rest)]
    starts, texts, offset = [], [], 0
    for _, text in parts:
        starts.append(offset)
        texts.append(text)
        offset += len(text) + len(_SEPARATOR)
    scan = matcher().scan(_SEPARATOR.join(texts),
                          language if language in LANGUAGES else "")

    tally = {}  # code: [score, mentions above the body, mentions in the body, first start]
    for mention in scan.mentions:
        if mention.kind != COUNTRY:
            continue
        part = parts[bisect_right(starts, mention.start) - 1][0]
        counts = tally.setdefault(mention.value, [0, 0, 0, mention.start])
        counts[0] += WEIGHTS[part]
        counts[2 if part == BODY else 1] += 1
    found = sorted((code for code, (_, top, below, _) in tally.items()
                    if top or below >= MIN_BODY_MENTIONS),
                   key=lambda code: (-tally[code][0], tally[code][3]))
    return About(countries=tuple(found), cited=citations.cited(scan))


def _lead_and_rest(body):
    lead, *rest = _FIRST_PARAGRAPH.split(body.strip(), maxsplit=1)
    return lead.strip(), rest[0].strip() if rest else ""
