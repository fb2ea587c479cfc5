"""Which articles report the same event (articles.coverage): the evidence read from a text,
a pair's score and the online grouping. Pure Python: no database."""

from articles.coverage import Evidence, Grouper, evidence, score
from articles.coverage.features import names, numbers
from articles.coverage.grouping import ACROSS_LANGUAGES, CANDIDATES, DAY, SAME_LANGUAGE
from articles.coverage.measure import pairwise

HOUR = 3600.0

# One event, three outlets, two languages: written apart, sharing the facts.
EN_WIRE = ("Dockworkers strike shuts Abidjan port",
           "Dockworkers at the port of Abidjan walked off the job on Monday, halting the loading "
           "of 1,200 containers, the Ivorian port authority said.\n\n"
           "The union led by Kouassi Yao demands a 12.5% pay rise after fuel prices rose.\n\n"
           "Ships queued off Vridi as the strike entered its second day.")
EN_PARTNER = ("Abidjan port paralysed as dockers demand pay rise",
              "Côte d'Ivoire's main port stood idle as dockers pressed for a 12.5% increase.\n\n"
              "Union leader Kouassi Yao said 1,200 containers were stuck and that talks with "
              "the port authority had failed.\n\nVessels waited at anchor off Vridi.")
FR_OUTLET = ("Grève des dockers : le port d'Abidjan à l'arrêt",
             "Les dockers du port d'Abidjan ont cessé le travail lundi, bloquant 1 200 "
             "conteneurs, selon l'autorité portuaire ivoirienne.\n\n"
             "Le syndicat de Kouassi Yao réclame une hausse de 12,5 % des salaires.\n\n"
             "Des navires attendaient au large de Vridi.")
# The same kind of event, elsewhere, the same week.
EN_ELSEWHERE = ("Durban port workers strike over wages",
                "Dockworkers at the port of Durban walked off the job on Tuesday, halting the "
                "loading of 800 containers, Transnet said.\n\n"
                "The union led by Sipho Ndlovu demands an 8% pay rise after fuel prices rose.\n\n"
                "Ships queued off the Bluff as the strike entered its second day.")


def read(article, language, time=0.0, countries=("CI",)):
    headline, body = article
    return evidence(headline, body, language=language, time=time, countries=countries)


def rarity(feature):
    return 1.0


def test_figures_are_written_one_way_in_every_language():
    assert numbers("1,200 and 1 200 and 1\u202f200 and 1200") == {"1200"}
    assert numbers("12.5% or 12,5 %") == {"12.5"}
    assert numbers("4.500 soldats") == {"4500"}
    assert numbers("on 3 and 7 of them") == set()  # small integers tell nothing apart


def test_names_are_the_capitalised_words_that_are_not_common_words():
    found = names("Ministers met Sergei Lavrov in Moscow. The minister said the AES's plan "
                  "held.\nL'AFP a cité Abdoulaye Diop.")
    assert {"sergei", "lavrov", "moscow", "aes", "afp", "abdoulaye", "diop"} <= found
    assert "ministers" not in found and "the" not in found and "minister" not in found


def test_evidence_is_kept_as_json_and_read_back_whole():
    read_once = read(EN_WIRE, "en", time=1_700_000_000.0)
    assert Evidence.from_json(read_once.to_json()) == read_once


def test_one_event_scores_above_the_threshold_in_one_language_and_across_two():
    wire, partner, french = (read(EN_WIRE, "en"), read(EN_PARTNER, "en", 5 * HOUR),
                             read(FR_OUTLET, "fr", 9 * HOUR))
    assert score(wire, partner, rarity) >= SAME_LANGUAGE
    assert score(wire, french, rarity) >= ACROSS_LANGUAGES
    assert score(partner, french, rarity) >= ACROSS_LANGUAGES


def test_the_same_kind_of_event_elsewhere_does_not():
    wire = read(EN_WIRE, "en")
    elsewhere = read(EN_ELSEWHERE, "en", 20 * HOUR, countries=("ZA",))
    assert score(wire, elsewhere, rarity) < SAME_LANGUAGE


def test_articles_days_apart_are_other_events_whatever_they_share():
    wire = read(EN_WIRE, "en")
    assert score(wire, read(EN_PARTNER, "en", 5 * DAY), rarity) == 0.0


def test_a_near_duplicate_groups_even_beyond_the_window():
    grouper = Grouper()
    original = read(EN_WIRE, "en")
    grouper.add("wire", original, "story")
    _, body = EN_WIRE
    republished = evidence("Abidjan dockers walk out", body.replace("on Monday", "this week"),
                           language="en", time=5 * DAY, countries=("CI",))
    match = grouper.place(republished)
    assert match.key == "wire" and match.story == "story" and match.near_duplicate


def test_the_grouper_places_an_article_with_its_event_not_with_a_lookalike():
    grouper = Grouper()
    grouper.add("durban", read(EN_ELSEWHERE, "en", countries=("ZA",)), "strikes in Durban")
    grouper.add("wire", read(EN_WIRE, "en", HOUR), "strike in Abidjan")
    match = grouper.place(read(FR_OUTLET, "fr", 2 * HOUR))
    assert (match.key, match.story) == ("wire", "strike in Abidjan")
    assert grouper.place(read(("Festival", "A storytelling festival opened."), "en")) is None


def test_a_new_article_is_compared_with_a_few_held_ones_not_with_all_of_them():
    compared = []

    def counting(a, b, rarity, **kwargs):
        compared.append(b)
        return score(a, b, rarity, **kwargs)

    grouper = Grouper(scorer=counting)
    for number in range(500):
        grouper.add(number, evidence(
            f"Dockworkers strike in port {number}",
            f"Dockworkers at port number {number} stopped work, the union said of "
            f"{1000 + number} containers.", language="en", time=number * 60.0), None)
    grouper.place(read(EN_WIRE, "en", 500 * 60.0))
    assert 0 < len(compared) <= CANDIDATES


def test_bodies_too_short_to_tell_copies_are_no_copies():
    grouper = Grouper()
    grouper.add("video", evidence("Watch: the port at dawn", "Video.", language="en"), None)
    other = evidence("Watch: a football final", "Video.", language="en", time=HOUR)
    assert not other.signature
    assert grouper.place(other) is None


def test_the_window_slides_forward():
    grouper = Grouper()
    grouper.add("old", read(EN_WIRE, "en", 0.0), None)
    grouper.slide(60 * DAY)
    assert len(grouper) == 0
    assert grouper.place(read(EN_PARTNER, "en", 60 * DAY)) is None


def test_pairwise_precision_and_recall_count_pairs_by_their_languages():
    groups = {"a": (1, "en"), "b": (1, "fr"), "c": (1, "en"), "d": (None, "fr")}
    labels = {"a": "strike", "b": "strike", "c": "festival", "d": "strike"}
    figures = pairwise(groups, labels)
    # Grouped: a-b (true), a-c and b-c (false); true pairs: a-b, a-d, b-d.
    assert figures["all"] == (1 / 3, 1 / 3, 3, 3)
    assert figures["en-fr"] == (1 / 2, 1 / 2, 2, 2)  # a-b, c-b grouped; a-b, a-d true
    assert figures["en-en"] == (0.0, 1.0, 1, 0)
    assert figures["fr-fr"] == (1.0, 0.0, 0, 1)
