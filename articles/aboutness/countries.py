"""The names of countries: pycountry's (in English, and in French through its gettext
catalogue), and the curated table beside this module (countries.toml: short names, demonyms in
both languages with their French genders and numbers, capitals, acronyms, and the names that are
no one country)."""

import functools
import gettext
import tomllib
from pathlib import Path

import pycountry

from .matching import COUNTRY, IGNORED, Name, shape

LANGUAGES = ("en", "fr")
TABLE = Path(__file__).with_name("countries.toml")

_EN = frozenset({"en"})
_FR = frozenset({"fr"})
_ANY = frozenset()


@functools.cache
def _french():
    """pycountry's French catalogue, or None where it is not installed."""
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:
        return None


def _translated(name, language):
    if language == "en" or not name:
        return name
    catalogue = _french()
    return catalogue.gettext(name) if catalogue else ""


def _plain(name):
    """Whether pycountry's name reads as one in running text: "Korea, Republic of" and
    "Holy See (Vatican City State)" do not."""
    return bool(name) and "," not in name and "(" not in name


@functools.cache
def table():
    """The curated table (countries.toml), by code; "ignored" holds the names of no country."""
    with TABLE.open("rb") as file:
        return tomllib.load(file)


def codes():
    """Every ISO 3166-1 alpha-2 code pycountry knows."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


def english_plurals(word):
    """A demonym and its plural: "Malian", "Malians"; "Chinese" and "French" have none."""
    if word.endswith(("s", "sh", "ch", "x", "z", "ese")):
        return [word]
    return [word, f"{word}s"]


def french_forms(word):
    """A French adjective of nationality, from its masculine singular, in its genders and
    numbers: "malien" -> malien, malienne, maliens, maliennes. "turc/turque" gives the
    feminine of an irregular one."""
    masculine, _, feminine = word.partition("/")
    if not feminine:
        if masculine.endswith("en"):
            feminine = f"{masculine}ne"
        elif masculine.endswith("e"):
            feminine = masculine
        else:
            feminine = f"{masculine}e"
    forms = [masculine, feminine, feminine + "s"]
    if not masculine.endswith(("s", "x")):
        forms.append(masculine + "s")
    return list(dict.fromkeys(forms))


def names():
    """(name as written, Name) for every name of a country, the names of no country first (so
    that they win where both are written alike)."""
    curated = table()
    ignored = curated.get("ignored", {})
    for language in LANGUAGES:
        for written in ignored.get(language, ()):
            yield written, Name(IGNORED, "", frozenset({language}))
    for code, entry in curated.items():
        if code == "ignored":
            continue
        for written in entry.get("en", ()):
            yield written, Name(COUNTRY, code, _EN)
        for demonym in entry.get("en_people", ()):
            for written in english_plurals(demonym):
                yield written, Name(COUNTRY, code, _EN)
        for written in entry.get("fr", ()):
            yield written, Name(COUNTRY, code, _FR)
        for adjective in entry.get("fr_people", ()):
            for written in french_forms(adjective):
                yield written, Name(COUNTRY, code, _FR)
        for written in entry.get("capitals", ()):
            yield written, Name(COUNTRY, code, _ANY)
        for written in entry.get("exact", ()):
            yield written, Name(COUNTRY, code, _ANY, exact=shape(written))
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            english = getattr(country, attribute, "")
            for language, languages in (("en", _EN), ("fr", _FR)):
                written = _translated(english, language)
                if _plain(written):
                    yield written, Name(COUNTRY, country.alpha_2, languages)


def country_name(code, language="en"):
    """The name readers see for the country `code` in `language` (English unless "fr" and
    pycountry's French catalogue is installed); "" for a code pycountry does not know."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ""
    if language not in LANGUAGES or (language == "fr" and _french() is None):
        language = "en"
    curated = table().get(code, {}).get(language)
    if curated:
        return curated[0]
    for attribute in ("common_name", "name", "official_name"):
        written = _translated(getattr(country, attribute, ""), language)
        if _plain(written):
            return written
    return _translated(country.name, language)
