"""Word-level differences between two texts, as HTML: what was deleted in <del>, what was
inserted in <ins>, every fragment escaped. Pure Python.

Two levels, as SequenceMatcher is only quick on short sequences without common filler: first
the paragraphs, then the words inside the paragraphs that changed. Each word token carries the
space after it, so that no token repeats on every other position (a lone " " token makes the
matcher quadratic); `autojunk` is off, as it would turn a long text's changes into one
"replace everything".
"""

import re
from difflib import SequenceMatcher
from html import escape

# Above this many token pairs (old tokens times new ones) a changed block is shown whole, as
# deleted then inserted: a paragraph of thousands of repeated words would take seconds.
MAX_PAIRS = 4_000_000

_TOKEN = re.compile(r"\S+\s*|\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def blocks_of(text):
    """A text's paragraphs: separated by blank lines (a body), or one a line (a list)."""
    separator = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else "\n"
    parts = text.split(separator) if isinstance(separator, str) else separator.split(text)
    return [part.strip() for part in parts if part.strip()]


def _deleted(text):
    return f"<del>{escape(text)}</del>" if text else ""


def _inserted(text):
    return f"<ins>{escape(text)}</ins>" if text else ""


def words_diff(old, new):
    """The word-level difference of two short texts (a paragraph, a headline) as HTML."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) * len(b) > MAX_PAIRS:
        return _deleted(old) + _inserted(new)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
        else:  # delete, insert, or replace: the old words, then the new
            out.append(_deleted("".join(a[i1:i2])) + _inserted("".join(b[j1:j2])))
    return "".join(out)


def text_diff(old, new):
    """The difference of two texts of paragraphs, as a list of HTML paragraphs: unchanged ones
    as they are, removed ones wholly in <del>, added ones in <ins>, changed ones word by
    word."""
    a, b = blocks_of(old or ""), blocks_of(new or "")
    if len(a) * len(b) > MAX_PAIRS:
        return [_deleted(p) for p in a] + [_inserted(p) for p in b]
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(escape(p) for p in a[i1:i2])
        elif op == "delete":
            out.extend(_deleted(p) for p in a[i1:i2])
        elif op == "insert":
            out.extend(_inserted(p) for p in b[j1:j2])
        else:  # changed paragraphs, paired in order; those left over went or came whole
            old, new = a[i1:i2], b[j1:j2]
            out.extend(words_diff(x, y) for x, y in zip(old, new, strict=False))
            out.extend(_deleted(p) for p in old[len(new):])
            out.extend(_inserted(p) for p in new[len(old):])
    return out
