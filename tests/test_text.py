"""The text rules shared by the models and the import (articles.text): paragraphs, the lead,
normalised text, match keys and proposed headlines. Pure Python: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.models import Article, RelatedLink
from articles.text import (
    HEADLINE_KEY_CHARS,
    LEAD_KEY_CHARS,
    MAX_PROPOSED_HEADLINE,
    lead_of,
    match_keys,
    normalise,
    paragraphs_of,
    propose_headline,
)

# -------------------------------------------------------------------------------------------
# Paragraphs and the lead


def test_paragraphs_are_what_blank_lines_separate():
    body = "First.\n\n  \nSecond, line one.\nSecond, line two.\n \t\nThird.  \n\n"
    assert paragraphs_of(body) == ["First.", "Second, line one.\nSecond, line two.", "Third."]
    assert paragraphs_of("") == paragraphs_of("\n\n \n") == []


@pytest.mark.parametrize(("body", "lead"), [
    ("The lead.\n\nThe second paragraph.", "The lead."),
    ("\n \n  The lead, after blank lines.\nStill the lead.\n\nSecond.",
     "The lead, after blank lines.\nStill the lead."),
    ("Only one paragraph.  ", "Only one paragraph."),
    ("", ""),
], ids=["two paragraphs", "blank lines first", "one paragraph", "empty"])
def test_the_lead_is_the_first_paragraph_however_the_body_starts(body, lead):
    assert lead_of(body) == lead


# -------------------------------------------------------------------------------------------
# What matching compares: normalised text and the match keys


@pytest.mark.parametrize(("typed", "plain"), [
    ("“Wagner” — the group’s clip…", "\"Wagner\" - the group's clip..."),
    ("  MANY   spaces\n\tand\u00a0a no-break space ", "many spaces and a no break space"),
    ("Élection à Dakar", "E\u0301lection a\u0300 Dakar"),  # composed, and decomposed
    ("ﬁnal ＡＢＣ", "final abc"),  # a ligature and full-width letters: their compatibility forms
    ("STRASSE", "straße"),  # case folded, not only lowered
], ids=["typography", "spacing", "composition", "compatibility", "case"])
def test_normalise_makes_typography_case_and_composition_alike(typed, plain):
    assert normalise(typed) == normalise(plain)


def test_normalise_keeps_only_the_words_in_lower_case():
    assert normalise("“Wagner” — the group’s 2025 clip…") == "wagner the group s 2025 clip"
    assert normalise("Élection à Dakar!") == "élection à dakar"
    assert normalise(" … — ") == ""


def test_match_keys_are_normalised_and_fit_their_columns():
    keys = match_keys("The “Joint” Force " * 40, "the ministers met " * 10)
    assert keys["headline_key"] == normalise("The “Joint” Force " * 40)[:HEADLINE_KEY_CHARS]
    assert keys["lead_key"] == ("the ministers met " * 10)[:LEAD_KEY_CHARS]
    # A related item's key is the same text behind a two-character prefix ("h:" or "l:").
    assert len(keys["headline_key"]) + 2 == RelatedLink._meta.get_field("match_key").max_length
    assert len(keys["lead_key"]) == LEAD_KEY_CHARS <= Article._meta.get_field("lead_key").max_length
    assert match_keys("Short", "short lead") == {"headline_key": "short",
                                                 "lead_key": "short lead"}


# -------------------------------------------------------------------------------------------
# Proposed headlines


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("Short lead. Then more.", "Short lead"),
        ("U.S. troops left Niger on Friday. Then more.", "U.S. troops left Niger on Friday"),
        ("Prices rose 3.5 percent in May. The bank", "Prices rose 3.5 percent in May"),
        ("word " * 40, ("word " * 18).strip() + "…"),
    ],
)
def test_proposed_headline_is_short_and_on_a_word_boundary(lead, expected):
    headline = propose_headline(lead)
    assert headline == expected
    assert len(headline) <= 91


# The stored lead is the body's first paragraph, however the body is spaced.
BODIES = st.lists(st.sampled_from(["A", "b c", "\n", "\n\n", " ", "\t", "\u00a0", "\r\n", "é"]),
                  max_size=30).map("".join)


@given(BODIES)
def test_the_lead_is_the_first_paragraph(body):
    article = Article(headline="A story", body=body)
    article.refresh_derived_fields()
    paragraphs = article.paragraphs
    assert article.lead == (paragraphs[0] if paragraphs else "")


@pytest.mark.parametrize(("lead", "expected"), [
    ("Talks failed! Then they resumed.", "Talks failed!"),
    ("Is the alliance over? Not yet.", "Is the alliance over?"),
    ("The minister spoke. “We agree,” she said.", "The minister spoke"),
    ("A lead without a full stop", "A lead without a full stop"),
    # Cut on a word boundary, without the comma before the cut.
    ("Alpha, beta; gamma: delta, " * 5, "Alpha, beta; gamma: delta, Alpha, beta; gamma: delta, "
                                        "Alpha, beta; gamma: delta, Alpha…"),
], ids=["exclamation", "question", "quotation", "no full stop", "long"])
def test_a_proposed_headline_is_the_first_sentence_cut_clean(lead, expected):
    headline = propose_headline(lead)
    assert headline == expected
    assert len(headline) <= MAX_PROPOSED_HEADLINE + 1
