"""Card leads, descriptions and feed summaries: cut on a sentence or a whole word."""

from hypothesis import given
from hypothesis import strategies as st

from articles.text import excerpt

LEAD = ("The foreign ministers of Mali, Burkina Faso, and Niger have convened in Moscow for a "
        "crucial two-day visit. This signals a growing shift in the geopolitical landscape of the "
        "Sahel region. The primary objective of this summit is to expand cooperation.")


def test_a_text_that_fits_is_whole():
    assert excerpt("  The ministers   met. ", 40) == "The ministers met."


def test_a_long_text_ends_on_its_last_whole_sentence():
    assert excerpt(LEAD, 200) == (
        "The foreign ministers of Mali, Burkina Faso, and Niger have convened in Moscow for a "
        "crucial two-day visit. This signals a growing shift in the geopolitical landscape of "
        "the Sahel region.")


def test_without_a_sentence_in_reach_it_ends_on_a_whole_word_with_an_ellipsis():
    assert excerpt(LEAD, 60) == "The foreign ministers of Mali, Burkina Faso, and Niger have…"


def test_a_sentence_too_short_to_fill_half_the_room_gives_way_to_words():
    text = "It rained. " + "The ministers then met in Niamey for two long days of talks."
    assert excerpt(text, 50) == "It rained. The ministers then met in Niamey for…"


def test_an_initial_is_no_sentence_end():
    text = "Troops of the U.S. Army arrived in Niamey on Monday, officials said this week."
    assert excerpt(text, 55) == "Troops of the U.S. Army arrived in Niamey on Monday…"


def test_a_single_long_word_is_cut_to_fit():
    assert excerpt("x" * 50, 10) == "x" * 9 + "…"


# A card's lead, a description: never longer than asked, never cut inside a word.
WORDS = st.lists(st.sampled_from(["a", "bb", "Mali.", "l'été", "U.S.", "ministers", "Niger,",
                                  "“quoted.”", "!", " ", "\n", "\t", "x…", "Supercalifragilistic"]),
                 max_size=60).map(" ".join)


@given(WORDS, st.integers(min_value=10, max_value=300))
def test_an_excerpt_fits_and_ends_on_a_sentence_or_a_whole_word(text, limit):
    result = excerpt(text, limit)
    words = text.split()
    assert len(result) <= limit
    if len(" ".join(words)) <= limit:
        assert result == " ".join(words)
    elif result.endswith("…") and len(result) > 1:
        kept = result[:-1].rstrip(",;:–—-(").split()
        if len(kept) > 1:  # whole words of the text, in order (a single long word is cut)
            assert kept[:-1] == words[:len(kept) - 1]
            assert words[len(kept) - 1].startswith(kept[-1])
    else:
        assert result[-1] in ".!?…\"'’”»)]"
