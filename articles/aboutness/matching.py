"""Every name we look for, found in one pass over a text: an Aho-Corasick automaton.

A text is folded before it is matched: case, accents (é is e), apostrophes and dashes of every
kind, so "Côte d'Ivoire" (with a typographic apostrophe too), "Cote d'Ivoire" and
"CÔTE D'IVOIRE" are one name. Folding keeps each character in its place, so a match stands
where it stands in the text as read. For the automaton, every character that is not a letter
or a digit is a space, and each name is looked for with a space on either side: whole words
only ("Oman" is not in "woman", nor "Niger" in "Nigeria"). Where two names overlap, the
leftmost wins, then the longest ("Guinea-Bissau" over "Guinea", "France 24" over "France").
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

COUNTRY = "country"
OUTLET = "outlet"
IGNORED = "ignored"  # a name that wins over the shorter names inside it, and names nothing

# The characters folding changes: Latin letters with accents, and the typographic punctuation
# of Latin scripts (quotes, apostrophes, dashes, spaces), each to one ASCII character. A folded
# article is then ASCII, which Python lowercases and translates fastest.
_LATIN = range(0x80, 0x250)
_PUNCTUATION = range(0x2000, 0x2070)
_APOSTROPHES = "’‘ʼ′´"
_QUOTES = "«»“”„‟‹›″"
_DASHES = "‐‑‒–—―−"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_table():
    table = {}
    for code in _LATIN:
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char.lower())
                       if not unicodedata.combining(c))
        if len(base) == 1:  # one for one: every character keeps its place
            table[char] = base
    for code in _PUNCTUATION:
        table[chr(code)] = " "
    table["\u0130"] = "i"  # İ: lower() would give two characters, and move everything after it
    table.update({c: "'" for c in _APOSTROPHES})
    table.update({c: '"' for c in _QUOTES})
    table.update({c: "-" for c in _DASHES})
    table.update({"\u2026": ".", "\u00a0": " "})
    return table


_FOLDED = _fold_table()
_COMMON = [(char, _FOLDED[char]) for char in "éèêëàâäçîïôöûùüÿœæÉÈÊÀÂÇÎÔ’‘«»“”…–—\u00a0"
           if _FOLDED.get(char, char) != char]
# Indexed by code point: a lookup that never fails is what makes str.translate fast.
_SPACES = [" " if not chr(code).isalnum() else chr(code) for code in range(0x2070)]


def _fold_char(match):
    char = match.group()
    return _FOLDED.get(char, char)


def fold(text):
    """`text` lowercased, without accents, with plain quotes, apostrophes and hyphens; each
    character where it was."""
    if not text.isascii():
        # The characters French and English text is made of, replaced whole (str.replace is
        # many times faster than a substitution character by character); then any others.
        for char, plain in _COMMON:
            if char in text:
                text = text.replace(char, plain)
        if not text.isascii():
            text = _NON_ASCII.sub(_fold_char, text)
    return text.lower()


def key_of(name):
    """The words of `name` as the automaton looks for them."""
    return " ".join(fold(name).translate(_SPACES).split())


def shape(text):
    """The words of `text` in their own case: how a name matched in one case only compares."""
    return " ".join(text.translate(_SPACES).split())


@dataclass(frozen=True)
class Name:
    """What a name found in a text stands for."""

    kind: str  # COUNTRY, OUTLET or IGNORED
    value: str  # the ISO code, or the outlet's name
    languages: frozenset = frozenset()  # where the name is matched; empty: in every language
    exact: str = ""  # the name's shape when it matches in that case only ("US", not "us")


class Mention(NamedTuple):
    """A name found in a text: what it stands for, and where (start, stop) in the text."""

    kind: str
    value: str
    start: int
    stop: int


@dataclass(frozen=True)
class Scan:
    """What one pass over a text found, with the text folded (for context around a mention)."""

    folded: str
    mentions: tuple[Mention, ...]


class Matcher:
    """Finds names in texts. `names`: (name as written, Name) pairs; where one written name
    stands for several things, the first pair that applies to the text wins."""

    def __init__(self, names):
        by_key = {}
        for written, name in names:
            key = key_of(written)
            if key:
                by_key.setdefault(key, {})[name] = None  # in order, each once
        languages = {"", *(language for candidates in by_key.values() for name in candidates
                           for language in name.languages)}
        self._automaton = ahocorasick.Automaton()
        for key, candidates in by_key.items():
            # Sorted out by language once, here, rather than for each match.
            by_language = {language: tuple(name for name in candidates if not language
                                           or not name.languages or language in name.languages)
                           for language in languages}
            self._automaton.add_word(f" {key} ", (len(key), by_language))
        self._automaton.make_automaton()
        self.size = len(by_key)

    def scan(self, text, language=""):
        """The names in `text` (an article in `language`, or "" when unknown), in order."""
        folded = fold(text)
        spaced = f" {folded.translate(_SPACES)} "
        found = []
        for end, (length, by_language) in self._automaton.iter(spaced):
            candidates = by_language.get(language, by_language[""])
            if not candidates:
                continue
            # `end` is the space after the name in `spaced`, which has one more space first.
            start = end - length - 1
            name = candidates[0]
            if name.exact or len(candidates) > 1:
                name = _choose(candidates, text, start, end - 1)
            if name is not None:
                found.append((start, -length, name))
        found.sort(key=_leftmost_longest)
        mentions, reach = [], 0
        for start, negative_length, name in found:
            if start >= reach:
                reach = start - negative_length
                if name.kind != IGNORED:
                    mentions.append(Mention(name.kind, name.value, start, reach))
        return Scan(folded, tuple(mentions))


def _leftmost_longest(hit):
    return hit[0], hit[1]


def _choose(candidates, text, start, stop):
    for name in candidates:
        if name.exact and shape(text[start:stop]) != name.exact:
            continue
        return name
    return None
