"""What the grouping reads of an article: its Evidence, from its text alone."""

import base64
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from .stopwords import BY_LANGUAGE, EVERY

SHINGLE = 3  # words in a shingle of the near-duplicate test; hashed by CRC-32, in C
MIN_WORDS = 20  # a shorter body has no signature: too few shingles to tell a copy
PERMUTATIONS = 64  # of the MinHash signature
SEED, SCHEME = 1, "affine32"  # the signature's hash functions: the same in every process
MAX_TERMS = 60  # an article's terms kept, the most frequent first
ROOT = 5  # letters of a word's root: "ministers" and "ministres" meet on "minis"
HEADLINE_WEIGHT = 3  # a word of the headline counts as this many of the body
SMALL_NUMBER = 10  # integers up to this are too common to be evidence

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:(?:[ \u00a0\u202f]|,(?=\d{3}\b)|\.(?=\d{3}\b))\d{3})+"
                     r"(?:[.,]\d+)?|(?<![\w.,])\d+(?:[.,]\d+)?")
# French elisions: "l'AFP" is AFP, "d'Ivoire" Ivoire.
_ELIDED = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?$|['’]s(?=-)", re.IGNORECASE)  # "AES's", "the Sahel's"


@dataclass
class Evidence:
    """An article's evidence of the event it reports.

    `terms` and `roots` are counts of its words (stems in its language; the first letters of
    the longer ones, for matching across languages), `names` its proper names and `numbers` its
    figures (both written alike in every language once folded), `countries` ISO codes, `time`
    seconds since the epoch, `signature` its MinHash over word shingles (near-duplicates)."""

    language: str
    time: float
    terms: dict = field(default_factory=dict)
    roots: dict = field(default_factory=dict)
    names: frozenset = frozenset()
    numbers: frozenset = frozenset()
    countries: frozenset = frozenset()
    signature: tuple = ()

    def to_json(self):
        """A JSON-able dict (what the database keeps), read back by from_json()."""
        packed = b"".join(value.to_bytes(4, "little") for value in self.signature)
        return {"l": self.language, "t": self.time, "w": self.terms, "r": self.roots,
                "n": sorted(self.names), "d": sorted(self.numbers),
                "c": sorted(self.countries), "s": base64.b64encode(packed).decode()}

    @classmethod
    def from_json(cls, data):
        packed = base64.b64decode(data["s"])
        return cls(language=data["l"], time=data["t"], terms=data["w"], roots=data["r"],
                   names=frozenset(data["n"]), numbers=frozenset(data["d"]),
                   countries=frozenset(data["c"]),
                   signature=tuple(int.from_bytes(packed[i:i + 4], "little")
                                   for i in range(0, len(packed), 4)))


def evidence(headline, body, *, language="", time=0.0, countries=(), kicker=""):
    """The Evidence of an article: `body` its paragraphs, `time` when it was published (epoch
    seconds), `countries` the ISO codes it is about (articles.aboutness)."""
    language = language if language in BY_LANGUAGE else ""
    stop = BY_LANGUAGE.get(language, EVERY)
    top, below = _words(f"{headline}\n{kicker}"), _words(body)
    words = top + below
    lower = [word.casefold() for word in words]

    terms, roots = Counter(), Counter()
    headline_words = set(lower[:len(top)])
    stem = _stemmer(language)
    for word in lower:
        if len(word) < 3 or word in stop:
            continue
        weight = HEADLINE_WEIGHT if word in headline_words else 1
        terms[stem(word)] += weight
        folded = fold(word)
        if len(folded) > ROOT:
            roots[folded[:ROOT]] += weight

    return Evidence(
        language=language, time=float(time),
        terms=dict(terms.most_common(MAX_TERMS)), roots=dict(roots.most_common(MAX_TERMS)),
        names=frozenset(_names(words, lower, stop)),
        numbers=frozenset(numbers(f"{headline}\n{kicker}\n{body}")),
        countries=frozenset(countries),
        # The body's alone: a story republished under a new headline is still a duplicate.
        signature=signature(lower[len(top):]),
    )


def names(text, stop=EVERY):
    """The proper names of `text`, folded ("Abdoulaye Diop" gives "abdoulaye" and "diop"): its
    capitalised words that are not common words, and its acronyms."""
    words = _words(text)
    return _names(words, [word.casefold() for word in words], stop)


def _names(words, lower, stop):
    lowered = {folded for word, folded in zip(words, lower, strict=True)
               if not word[:1].isupper()}
    found = set()
    for word, folded in zip(words, lower, strict=True):
        if not word[:1].isupper() or len(word) < 2 or folded in stop or folded in EVERY:
            continue
        if not word.isupper() and (folded in lowered or folded.rstrip("s") in lowered):
            # Written in lower case elsewhere, in the singular maybe: a common word
            # ("Minister", "Ministers met…" at a sentence's start).
            continue
        found.add(fold(folded))
    return found


def numbers(text):
    """The figures of `text`, written one way whatever the language's convention: "1,200",
    "1 200" and "1200" are "1200"; "3.5" and "3,5" are "3.5". Integers up to SMALL_NUMBER are
    too common to tell events apart."""
    found = set()
    for match in _NUMBER.finditer(text):
        written = re.sub(r"[ \u00a0\u202f]", "", match.group())
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", written):
            written = re.sub(r"[.,]", "", written)  # thousands separators
        else:
            written = re.sub(r"[.,](\d{3})(?=[.,]\d)", r"\1", written).replace(",", ".")
        try:
            value = float(written)
        except ValueError:
            continue
        if value.is_integer():
            if value <= SMALL_NUMBER:
                continue
            found.add(str(int(value)))
        else:
            found.add(f"{value:g}")
    return found


def signature(words):
    """The MinHash signature of the text's word shingles (datasketch, seeded: the same for
    every process), as 32-bit integers; none for a text too short to tell copies by (a
    headline-only item, a video's page)."""
    if len(words) < MIN_WORDS:
        return ()
    from datasketch import MinHash  # imports numpy and scipy: only where it is used

    shingles = {" ".join(words[i:i + SHINGLE]).encode()
                for i in range(max(1, len(words) - SHINGLE + 1))}
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32,
                      permutations=_permutations())
    minhash.update_batch(list(shingles))
    return tuple(int(value) for value in minhash.hashvalues)


@cache
def _permutations():
    """The signature's hash functions, drawn once per process (from SEED: the same in all)."""
    from datasketch import MinHash

    return MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME).permutations


@cache
def fold(word):
    """`word` without its accents ("sécurité" → "securite")."""
    return "".join(char for char in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(char))


def _words(text):
    return [_unelide(word) for word in _WORD.findall(text)]


def _unelide(word):
    if "'" not in word and "’" not in word:
        return word
    return _POSSESSIVE.sub("", _ELIDED.sub("", word))


@cache
def _stemmer(language):
    """Snowball's stemmer of `language` (PyStemmer, in C, with its own cache), or no stemming
    for a language we do not read."""
    import Stemmer

    name = {"en": "english", "fr": "french"}.get(language)
    return Stemmer.Stemmer(name).stemWord if name else str
