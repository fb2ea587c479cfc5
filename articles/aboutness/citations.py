"""The outlets a story cites: a known outlet's name (outlets.toml) where the words around it
attribute something to it, in English or French.

    before the name: "according to", "as reported by", "told", "in an interview with", "citing";
                     "selon", "d'après", "rapporte", "cité par", "au micro de", "a déclaré … à"
    after the name:  "reported", "has learned"; "rapporte", "a appris", "révèle"

A descriptor may stand between ("according to the Russian state news agency TASS", "selon le
quotidien Le Monde"). Precision over recall: a known outlet named without such words ("Reuters
could not verify", "France 24 was suspended") is not cited, and a person never is, since only
the listed outlets are looked for. The patterns read the folded text (matching.fold): lowercase,
without accents.
"""

import functools
import re
import tomllib
from pathlib import Path

from .matching import OUTLET, Name, shape

TABLE = Path(__file__).with_name("outlets.toml")
WINDOW = 160  # characters read on either side of a name: a clause, not the paragraph

_SENTENCE = re.compile(r"[.!?;\n]")

_EN_DESCRIPTOR = (r"(?:(?:[\w'-]+\s+){0,3}?(?:news\s+agency|press\s+agency|agency|newspaper|"
                  r"daily|weekly|magazine|broadcaster|channel|radio|television|website|outlet|"
                  r"wire(?:\s+service)?)\s+)?")
_FR_DESCRIPTOR = (r"(?:(?:le|la|l')\s*(?:journal|quotidien|hebdomadaire|magazine|mensuel|site|"
                  r"radio|chaine|television|agence|media)(?:\s+[\w'-]+){0,3}?\s+)?")
_FR_SPEECH = (r"(?:declare|dit|confie|indique|affirme|explique|assure|precise|raconte|souligne|"
              r"ajoute|estime|temoigne|reconnu|admis|confirme|revele|repondu|annonce|"
              r"fait\s+savoir)(?:e|es|s|ent)?")
_BEFORE = re.compile(
    r"(?:"
    # English
    r"\b(?:according\s+to|as\s+reported\s+(?:by|in)|reported\s+(?:by|in)|as\s+cited\s+by|"
    r"cited\s+by|quoted\s+(?:by|in)|as\s+told\s+to|told|speaking\s+(?:to|with)|"
    r"talking\s+to|in\s+an?\s+(?:interview|statement|e-?mail|comments?|remarks?)\s+"
    r"(?:to|with)|said\s+to|confirmed\s+to|citing|quoting|(?:an?|the)\s+report\s+(?:by|from|in)|"
    r"reporting\s+by|reports\s+by|wrote\s+in|writing\s+in|"
    r"(?:an?|the)\s+(?:tally|count|survey|investigation|analysis)\s+by)"
    r"\s+(?:the\s+|an?\s+)?" + _EN_DESCRIPTOR +
    r"|,\s*(?:reported|reports)\s+(?:the\s+)?" + _EN_DESCRIPTOR +
    # French
    r"|(?:\bselon|\bd'apres|\ba\s+en\s+croire|\brapporte(?:nt)?|\brapportait|\ba\s+appris|"
    r"\b(?:rapporte|cite|relaye|interroge|joint|contacte|sollicite|repris)(?:e|s|es)?\s+par|"
    r"\bcitant|\bau\s+micro\s+d[e']|\b(?:a|sur)\s+l'antenne\s+d[e']|"
    r"\bsur\s+les\s+ondes\s+d[e']|"
    r"\bdans\s+une?\s+(?:entretien|interview|declaration)\s+(?:accordee?\s+)?(?:a|au|avec)|"
    r"\b" + _FR_SPEECH + r"\b[^.!?;\n]{0,80}?\b(?:a|au|aupres\s+d[e']))"
    r"\s*(?:l'|la\s+|le\s+|les\s+)?" + _FR_DESCRIPTOR +
    r")\Z"
)
_AFTER = re.compile(
    r"(?:'s?)?\s*(?:,\s*)?"
    r"(?:(?:news\s+agency|agency|newspaper|daily|broadcaster|television|radio)\s+)?"
    r"(?:reported|reports|has\s+reported|had\s+reported|was\s+reporting|revealed|"
    r"has\s+learned|learned|learnt|quoted|cited|"
    r"rapporte(?:nt)?|a\s+rapporte|avait\s+rapporte|indique|a\s+indique|revele|a\s+revele|"
    r"a\s+appris|apprend|a\s+constate)\b"
)


@functools.cache
def outlets():
    """The outlets of outlets.toml, each a dict: name, names, exact."""
    with TABLE.open("rb") as file:
        return tuple(tomllib.load(file)["outlet"])


def names():
    """(name as written, Name) for every name of a known outlet."""
    for outlet in outlets():
        exact = outlet.get("exact", [])
        for written in dict.fromkeys([outlet["name"], *outlet.get("names", ())]):
            if written not in exact:
                yield written, Name(OUTLET, outlet["name"])
        for written in exact:
            yield written, Name(OUTLET, outlet["name"], exact=shape(written))


@functools.cache
def _by_name():
    return {written.casefold(): outlet["name"] for outlet in outlets()
            for written in (outlet["name"], *outlet.get("names", ()), *outlet.get("exact", ()))}


def known_names(outlet):
    """Every name of the outlet called `outlet` (its name first), by which a source of ours may
    be it."""
    for entry in outlets():
        if entry["name"] == outlet:
            return list(dict.fromkeys([entry["name"], *entry.get("names", ()),
                                       *entry.get("exact", ())]))
    return [outlet]


def outlet_named(name):
    """The known outlet a source called `name` is (any case, any of its names), or None."""
    return _by_name().get(name.strip().casefold())


def is_cited(folded, start, stop):
    """Whether the words around the outlet named at folded[start:stop] attribute to it."""
    before = folded[max(0, start - WINDOW):start]
    clause = _SENTENCE.split(before)[-1]
    if _BEFORE.search(clause):
        return True
    return _AFTER.match(folded, stop, min(len(folded), stop + WINDOW)) is not None


def cited(scan):
    """The outlets a scanned text (matching.Scan) cites, in the order it first cites them."""
    found = {}
    for mention in scan.mentions:
        if (mention.kind == OUTLET and mention.value not in found
                and is_cited(scan.folded, mention.start, mention.stop)):
            found[mention.value] = None
    return tuple(found)
