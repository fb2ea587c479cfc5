"""Parse functions that fail as a bug or a library's surprise would, for the importer's `parse`
argument. No Django here: the import's worker processes import this module."""

from dataclasses import replace

from articles.ingest.parse import parse_bytes

MARK = b"FAULTY"


def overflowing(data):
    """parse_bytes, but a file holding MARK raises an OverflowError (a date library's way)."""
    if MARK in data:
        raise OverflowError("date value out of range")
    return parse_bytes(data)


def unwritable(data):
    """parse_bytes, but a file holding MARK gets a kicker no database driver can encode (a
    lone surrogate), so that writing it raises UnicodeEncodeError, not a DatabaseError."""
    article = parse_bytes(data)
    if MARK in data:
        article = replace(article, kicker="Sahel \ud800")
    return article
