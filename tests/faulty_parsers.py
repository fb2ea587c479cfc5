"""Parse functions that fail as a bug or a library's surprise would, for the importer's `parse`
argument. No Django here: the import's worker processes import this module."""

import os
from dataclasses import replace

from articles.ingest.parse import ParseError, parse_bytes

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


def telling_the_process(data):
    """parse_bytes, but a file holding MARK is refused with the id of the process parsing it."""
    if MARK in data:
        raise ParseError(f"parsed in process {os.getpid()}")
    return parse_bytes(data)


def dying(data):
    """The process parsing a file holding MARK exits at once, as if it were killed."""
    if MARK in data:
        os._exit(1)
    return parse_bytes(data)
