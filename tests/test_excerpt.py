"""Card leads, descriptions and feed summaries: cut on a sentence or a whole word."""

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
