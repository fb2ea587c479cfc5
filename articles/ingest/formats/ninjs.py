"""Read IPTC NINJS (News in JSON) items, 1.x and 2.x: a document of one object, or a JSON array
of them, one article each.

Pure Python, no Django. Each object is checked with jsonschema against IPTC's own schema of its
version, vendored in schemas/ (with IPTC's licence; no network, at run time or build time). The
version is the one the object declares (`standard` in 2.x, `$standard` in 1.x: its schema's URI,
else its version; or a top-level `$schema`); an object that declares none is checked against the
newest 2.x schema when it uses a property only 2.x defines (headlines, bodies, subjects, …), else
against the newest 1.x. Properties IPTC's schema does not define are let through, as the
provider extensions the NINJS guidelines describe (Superdesk's `keywords`, say): every property
the schema defines must still be as it says, and `uri` is required.

Mapping: headline `headline` (2.x: the main `headlines[]`); body `body_text`, else `body_html`
(2.x: `bodies[]`, the main one), as paragraphs, a rendition with markup winning when it parts
paragraphs a plain one runs together; published `versioncreated` else `firstcreated`; url `uri`
when it is http(s), else a `links[]` entry's (rel canonical, else alternate, else self);
source `copyrightholder`, else `provider`, else the first `infosource(s)`; language `language`,
else detected; tags the names of `subject[]`/`subjects[]` and `keywords[]`. Each item's original
is that object's JSON, as the document has it, in UTF-8.
"""

import copy
import datetime as dt
import functools
import json
import re
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

from ..parse import ParsedArticle, ParseError
from . import NINJS, ItemError
from .feeds import html_paragraphs, iso639_1

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# The vendored schemas, oldest first within each major version.
VERSIONS = ("1.3", "1.4", "1.5", "1.6", "2.0", "2.1", "2.2")
# The schemas of 2.0 and later point at GeoJSON's for places' shapes: served from here too.
_GEOJSON = "https://geojson.org/schema/GeoJSON.json"

_DECLARED = re.compile(r"ninjs-schema_(\d+)\.(\d+)\.json")
_NUMBER = re.compile(r"^\s*(\d+)\.(\d+)")
_WEB = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)
_MARKUP = re.compile(r"<(?:p|div|br|h[1-6]|ul|ol|li|section|article|span|a|b|i|em|strong)\b",
                     re.IGNORECASE)
_LINK_RELS = ("canonical", "alternate", "self")
_MAX_REASON = 200


def parse(data: bytes) -> list:
    """The articles of a NINJS document (one object, or an array of objects), each a
    ParsedArticle or the ItemError that refuses it alone. Raises ParseError for a document that
    is no JSON, or no object nor array of objects."""
    text = _decode(data)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ParseError(f"invalid JSON at column {error.colno}: {error.msg}",
                         error.lineno) from None
    except _NotJSON as error:
        raise ParseError(f"invalid JSON: {error} is not a JSON value") from None
    if isinstance(document, list):
        return [_read_object(value, source, line)
                for value, source, line in _elements(text, document)]
    if isinstance(document, dict):
        start = len(text) - len(text.lstrip())
        return [_read_object(document, text.strip(), text.count("\n", 0, start) + 1)]
    raise ParseError(f"not NINJS: the document is {_kind(document)}, not an object or an array "
                     "of objects", 1)


# ---------------------------------------------------------------------------------------------
# The document


class _NotJSON(ValueError):
    pass


def _refuse_constant(name):
    # Python's json reads NaN and Infinity; JSON has neither.
    raise _NotJSON(name)


def _decode(data):
    if not data.strip():
        raise ParseError("the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ParseError("invalid JSON: not UTF-8 text (JSON is UTF-8)", line) from None


def _elements(text, values):
    """(value, its JSON text, its line) for each element of the array `text` holds, which
    json has read (into `values`) already."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    line, counted = 1, 0  # the line of text[counted]
    for value in values:
        while text[position] in " \t\r\n,":
            position += 1
        _, end = decoder.raw_decode(text, position)
        line += text.count("\n", counted, position)
        yield value, text[position:end], line
        counted, position = position, end


def _kind(value):
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


# ---------------------------------------------------------------------------------------------
# Validation


def _read_object(value, source, line):
    if not isinstance(value, dict):
        return ItemError(f"not NINJS: the item is {_kind(value)}, not an object", line)
    version = _version(value)
    if version not in VERSIONS:
        return ItemError(f"NINJS {version} is not read here: only 1.x and 2.x are (the schemas "
                         f"of {', '.join(VERSIONS)})", line)
    error = jsonschema.exceptions.best_match(_validator(version).iter_errors(value))
    if error is not None:
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                        for part in error.absolute_path).lstrip(".")
        message = error.message if len(error.message) <= _MAX_REASON else (
            error.message[:_MAX_REASON - 1] + "…")
        return ItemError(f"not NINJS: {f'{where}: ' if where else ''}{message} (ninjs "
                         f"{version} schema)", line)
    return _article(value, source.encode(), line)


def _version(item):
    """The vendored schema version to check `item` against (see the module's docstring), or
    the version it declares when no schema of that major version is vendored."""
    declared = None
    for key in ("standard", "$standard"):
        standard = item.get(key)
        if isinstance(standard, dict):
            declared = (_DECLARED.search(str(standard.get("schema", "")))
                        or _NUMBER.match(str(standard.get("version", ""))))
            if declared:
                break
    if not declared and isinstance(item.get("$schema"), str):
        declared = _DECLARED.search(item["$schema"])
    if not declared:
        return VERSIONS[-1] if _TWO_ONLY.intersection(item) else _newest("1")
    major, minor = declared.groups()
    same_major = [v for v in VERSIONS if v.split(".")[0] == str(int(major))]
    if not same_major:
        return f"{int(major)}.{int(minor)}"
    # A minor version not vendored: the nearest one of its major version, which reads it (the
    # minor versions of NINJS only add properties).
    older = [v for v in same_major if int(v.split(".")[1]) <= int(minor)]
    return (older or same_major)[-1 if older else 0]


def _newest(major):
    return [v for v in VERSIONS if v.startswith(f"{major}.")][-1]


@functools.cache
def _schema(version):
    return json.loads((SCHEMAS / f"ninjs-schema_{version}.json").read_text(encoding="utf-8"))


def _properties(version):
    schema = _schema(version)
    return set(schema.get("$defs", {}).get("ninjsType", schema).get("properties", {}))


_TWO_ONLY = frozenset(_properties("2.2") - _properties("1.6"))


@functools.cache
def _validator(version):
    """jsonschema's validator of IPTC's schema `version`, extension properties let through."""
    schema = copy.deepcopy(_schema(version))
    schema.pop("additionalProperties", None)  # 1.x and 2.0, at the top level
    schema.pop("unevaluatedProperties", None)  # 2.1 and later
    geojson = json.loads((SCHEMAS / "GeoJSON.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(_GEOJSON, Resource.from_contents(geojson))
    return jsonschema.validators.validator_for(schema)(schema, registry=registry)


# ---------------------------------------------------------------------------------------------
# Mapping


def _article(item, original, line):
    headline = _headline(item)
    paragraphs = _body(item)
    if not paragraphs:
        kind = item.get("type")
        reason = ("the item has no title and no text" if not headline
                  else f"the {kind} item has no text" if kind not in (None, "text", "composite")
                  else "the item has no text, only a headline")
        return ItemError(reason, line)
    warnings = []
    published = _published(item, line, warnings)
    return ParsedArticle.of_document(
        paragraphs,
        language=iso639_1(_string(item.get("language"))),
        first_line=line,
        body_line=line,
        warnings=warnings,
        original=original,
        original_format=NINJS,
        headline=headline,
        url=_url(item),
        published=published,
        source_name=_source(item),
        tags=_tags(item),
    )


def _string(value):
    return value if isinstance(value, str) else ""


def _headline(item):
    """`headline` (1.x), else the main of `headlines` (2.x): the one whose role is "main", else
    one with no role, else the first."""
    if _string(item.get("headline")).strip():
        return " ".join(item["headline"].split())
    entries = [h for h in item.get("headlines") or () if isinstance(h, dict)
               and _string(h.get("value")).strip()]
    ranked = sorted(entries, key=lambda h: (h.get("role") != "main", bool(h.get("role"))))
    for entry in ranked:
        return " ".join(_paragraphs(entry["value"], entry.get("contenttype")))
    return ""


def _body(item):
    """The story's paragraphs: the plain text, unless a rendition with markup parts into more
    paragraphs (IPTC's own examples run a body_text's paragraphs together)."""
    renditions = []  # (paragraphs, is plain text), in the provider's order
    for key, value in item.items():
        # 1.x: body_text, body_html, body_xhtml, … (its schema allows any body_ name).
        if key.startswith("body_") and isinstance(value, str):
            kind = "text/plain" if key == "body_text" else "text/html"
            renditions.append((_paragraphs(value, kind), kind == "text/plain"))
    bodies = [b for b in item.get("bodies") or () if isinstance(b, dict)
              and isinstance(b.get("value"), str)]
    main = [b for b in bodies if b.get("role") in (None, "", "main")] or bodies
    for body in main:
        paragraphs = _paragraphs(body["value"], body.get("contenttype"))
        renditions.append((paragraphs, _is_plain(body["value"], body.get("contenttype"))))
    renditions = [(paragraphs, plain) for paragraphs, plain in renditions if paragraphs]
    if not renditions:
        return ()
    # The most paragraphs; among as many, plain text first, then the provider's order.
    return max(renditions, key=lambda r: (len(r[0]), r[1]))[0]


def _is_plain(value, contenttype):
    if contenttype:
        return contenttype == "text/plain"
    return not _MARKUP.search(value)  # undefined, "up to the provider" (2.x): look


def _paragraphs(value, contenttype):
    if _is_plain(value, contenttype):
        # Plain text in NINJS parts its paragraphs with line breaks.
        return tuple(p for p in (" ".join(line.split()) for line in value.splitlines()) if p)
    return html_paragraphs(value)


def _published(item, line, warnings):
    for key in ("versioncreated", "firstcreated"):
        value = _string(item.get(key)).strip()
        if not value:
            continue
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            warnings.append((line, f"the {key} “{value}” is not an ISO 8601 date and time: "
                                   "it is left out"))
            continue
        # RFC 3339, as NINJS asks, always has an offset; a time without one is taken as UTC.
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return None


def _url(item):
    """`uri` when it is a web address; else a link's, rel canonical, else alternate, else self
    (`links` is no property of NINJS 1.x or 2.x, but providers send it)."""
    uri = _string(item.get("uri")).strip()
    if _WEB.match(uri):
        return uri
    links = [link for link in item.get("links") or () if isinstance(link, dict)]
    for rel in _LINK_RELS:
        for link in links:
            href = next((_string(link.get(key)).strip() for key in ("href", "uri", "url")
                         if _string(link.get(key)).strip()), "")
            if link.get("rel") == rel and _WEB.match(href):
                return href
    return ""


def _source(item):
    """`copyrightholder`, else `provider` (a name, or an object with one), else the first
    named `infosource` (1.x) or `infosources` (2.x)."""
    provider = item.get("provider")
    candidates = [item.get("copyrightholder"),
                  provider.get("name") if isinstance(provider, dict) else provider]
    for key in ("infosource", "infosources"):
        candidates += [source.get("name") for source in item.get(key) or ()
                       if isinstance(source, dict)]
    return next((" ".join(c.split()) for c in candidates if _string(c).strip()), "")


def _tags(item):
    """The names of its subjects and its keywords, each once (case aside)."""
    names = {}
    subjects = [*(item.get("subject") or ()), *(item.get("subjects") or ())]
    values = [s.get("name") for s in subjects if isinstance(s, dict)]
    values += list(item.get("keywords") or ()) if isinstance(item.get("keywords"), list) else []
    for value in values:
        name = " ".join(_string(value).split())
        if name:
            names.setdefault(name.casefold(), name)
    return tuple(names.values())
