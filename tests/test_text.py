"""The text rules shared by the models and the import (articles.text): paragraphs, the lead,
normalised text, match keys and proposed headlines. Pure Python: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.models import Article
from articles.text import propose_headline


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
