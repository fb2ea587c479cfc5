"""What an article is about (articles.aboutness): the countries it names, in English and in
French, and the outlets it cites. Pure Python: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles import aboutness
from articles.aboutness import countries
from articles.aboutness.matching import COUNTRY, OUTLET, Matcher, Name, fold
from articles.ingest.manifest import parse_manifest
from articles.ingest.parse import parse_bytes
from tests.conftest import SEEDS


def countries_named(text, language=""):
    """The countries `text` names, in order, each once (a headline counts every mention)."""
    found = aboutness.matcher().scan(text, language).mentions
    return list(dict.fromkeys(m.value for m in found if m.kind == COUNTRY))


def cited(text, language=""):
    return aboutness.analyse("", text, language=language).cited


# -------------------------------------------------------------------------------------------
# Names, demonyms and capitals, in English


@pytest.mark.parametrize(("text", "codes"), [
    ("Mali", ["ML"]),
    ("Malian troops withdrew", ["ML"]),
    ("Malians voted on Sunday", ["ML"]),
    ("MALI: the junta speaks", ["ML"]),
    ("Mali's foreign minister", ["ML"]),
    ("Bamako said on Monday", ["ML"]),
    ("The Kremlin and Moscow welcomed them", ["RU"]),
    ("Russian and Russia", ["RU"]),
    ("Burkina Faso's capital, Ouagadougou", ["BF"]),
    ("a Burkinabe soldier in Burkina", ["BF"]),
    ("Ivory Coast", ["CI"]),
    ("Côte d’Ivoire", ["CI"]),
    ("COTE D'IVOIRE", ["CI"]),
    ("Cote d'Ivoire's president", ["CI"]),
    ("Ivorian cocoa farmers in Abidjan", ["CI"]),
    ("Sudan and South Sudan", ["SD", "SS"]),
    ("South Sudanese refugees", ["SS"]),
    ("Sudanese refugees", ["SD"]),
    ("South Africa and South African police", ["ZA"]),
    ("the Central African Republic, or CAR", ["CF"]),
    ("a car bomb in Bangui", ["CF"]),
    ("DR Congo, the DRC and Kinshasa", ["CD"]),
    ("Democratic Republic of the Congo", ["CD"]),
    ("Congo-Brazzaville and Brazzaville", ["CG"]),
    ("The US, the U.S. and the USA", ["US"]),
    ("the United States and American officials in Washington", ["US"]),
    ("The UK and Britain, British and London", ["GB"]),
    ("France and French troops in Paris", ["FR"]),
    ("Chad, Chadian troops, N'Djamena", ["TD"]),
    ("South Korea and North Korean missiles", ["KR", "KP"]),
    ("Türkiye, Turkey, Turkish drones", ["TR"]),
    ("Chile and Chilean copper", ["CL"]),
    ("Equatorial Guinea's capital Malabo", ["GQ"]),
    ("Papua New Guinea", ["PG"]),
    ("Guinea-Bissau and Guinea Bissau", ["GW"]),
    ("Bissau-Guinean officials", ["GW"]),
    ("Guinea and Guinean officials in Conakry", ["GN"]),
    ("Guinea, Guinea-Bissau, Equatorial Guinea", ["GN", "GW", "GQ"]),
    ("an Omani tanker off Oman", ["OM"]),
    ("Senegal, Dakar and the Senegalese", ["SN"]),
])
def test_english_names_demonyms_and_capitals(text, codes):
    assert countries_named(text, "en") == codes


@pytest.mark.parametrize(("text", "codes"), [
    ("Niger", ["NE"]),
    ("Nigeria", ["NG"]),
    ("Nigerian", ["NG"]),
    ("Nigerians", ["NG"]),
    ("Nigerien", ["NE"]),
    ("Niger and Nigeria", ["NE", "NG"]),
    ("Nigeria and Niger", ["NG", "NE"]),
    ("Nigerien and Nigerian troops", ["NE", "NG"]),
    ("Niamey and Abuja", ["NE", "NG"]),
])
def test_niger_is_never_nigeria(text, codes):
    assert countries_named(text, "en") == codes


def test_a_name_inside_a_word_is_not_that_name():
    assert countries_named("a woman from Romania", "en") == ["RO"]  # no Oman in "woman"
    assert countries_named("Nigerians in Niger", "en") == ["NG", "NE"]
    assert countries_named("the Malians, Malibu and Somalia", "en") == ["ML", "SO"]


@pytest.mark.parametrize("text", [
    "the Congo Basin and the Congolese franc",  # which Congo? none
    "Korea and Korean culture",
    "the Gulf of Guinea",
    "the Niger Delta and the Niger River",
    "the Indian Ocean",
    "Latin America and Latin American leaders",
    "New Jersey and Georgia",
    "French-speaking countries",
    "Lake Chad",
    "they told us about it",  # "us", not the US
    "Us and them",
    "the Paris Agreement",
    "the Rome Statute",
    "a guinea pig",
    "African leaders met",
    "the Sahel and West Africa",
])
def test_names_that_are_no_country(text):
    assert countries_named(text, "en") == []


def test_outlet_names_name_no_country():
    assert countries_named("France 24 and Burkina 24 were suspended", "en") == []
    assert countries_named("The Washington Post and The Moscow Times", "en") == []
    assert countries_named("Radio France Internationale", "en") == []


# -------------------------------------------------------------------------------------------
# In French


@pytest.mark.parametrize(("text", "codes"), [
    ("Mali", ["ML"]),
    ("un soldat malien", ["ML"]),
    ("une délégation malienne", ["ML"]),
    ("les soldats maliens", ["ML"]),
    ("les autorités maliennes", ["ML"]),
    ("la junte nigérienne", ["NE"]),
    ("les Nigériens", ["NE"]),
    ("la police nigériane", ["NG"]),
    ("le Nigéria et le Nigeria", ["NG"]),
    ("le Niger et le Nigeria", ["NE", "NG"]),
    ("la Côte d’Ivoire", ["CI"]),
    ("les Ivoiriens et les Ivoiriennes", ["CI"]),
    ("l'armée ivoirienne", ["CI"]),
    ("la Russie", ["RU"]),
    ("à Moscou", ["RU"]),
    ("les Russes et la diplomatie russe", ["RU"]),
    ("le Tchad et l'armée tchadienne", ["TD"]),
    ("la Guinée", ["GN"]),
    ("la Guinée-Bissau", ["GW"]),
    ("la Guinée équatoriale", ["GQ"]),
    ("les États-Unis et les Etats-Unis", ["US"]),
    ("la diplomatie américaine", ["US"]),
    ("la RDC, la République démocratique du Congo et Kinshasa", ["CD"]),
    ("la République du Congo", ["CG"]),
    ("le Burkina, les Burkinabè et les burkinabés", ["BF"]),
    ("Le Caire", ["EG"]),
    ("l'Algérie et Alger", ["DZ"]),
    ("d'Algérie", ["DZ"]),
    ("la Turquie, les drones turcs et la diplomatie turque", ["TR"]),
    ("le Chili", ["CL"]),
    ("les autorités sénégalaises", ["SN"]),
    ("le Royaume-Uni et la presse britannique", ["GB"]),
    ("les EAU", ["AE"]),
    ("l'Afrique du Sud et les Sud-Africains", ["ZA"]),
    ("le Soudan et le Soudan du Sud", ["SD", "SS"]),
    ("l'île Maurice", ["MU"]),
    ("l'armée française", ["FR"]),
])
def test_french_names_and_their_genders_and_numbers(text, codes):
    assert countries_named(text, "fr") == codes


@pytest.mark.parametrize("text", [
    "la réunion des ministres",  # a meeting, not Réunion
    "La Réunion s'est tenue lundi",
    "Maurice Kamto, l'opposant",  # a first name, not Mauritius
    "l'eau potable",  # "eau", not the EAU
    "le golfe de Guinée",
    "le delta du Niger",
    "le fleuve Congo",
    "l'Amérique latine",
    "une grenade",
])
def test_french_words_that_are_no_country(text):
    assert countries_named(text, "fr") == []


def test_names_count_in_their_own_language():
    # "chili" is a dish in English, Chile in French; unknown, every language counts.
    assert countries_named("a bowl of chili", "en") == []
    assert countries_named("le Chili", "fr") == ["CL"]
    assert countries_named("le Chili", "") == ["CL"]
    assert countries_named("Maurice", "en") == []


# -------------------------------------------------------------------------------------------
# The matcher itself: whole words, the longest name first, one pass


def test_the_matcher_matches_whole_words_and_prefers_the_longest_name():
    m = Matcher([("Oman", Name(COUNTRY, "OM")), ("Guinea", Name(COUNTRY, "GN")),
                 ("Guinea-Bissau", Name(COUNTRY, "GW")), ("Niger", Name(COUNTRY, "NE")),
                 ("France", Name(COUNTRY, "FR")), ("France 24", Name(OUTLET, "France 24"))])
    found = m.scan("A woman in Nigeria; Guinea-Bissau, guinea and France 24 (and Oman).")
    assert [(x.kind, x.value) for x in found.mentions] == [
        (COUNTRY, "GW"), (COUNTRY, "GN"), (OUTLET, "France 24"), (COUNTRY, "OM")]
    # Mentions stand where the text has them, whatever folding did to it.
    text = "Déjà: CÔTE D’IVOIRE"
    m = Matcher([("Côte d'Ivoire", Name(COUNTRY, "CI"))])
    (mention,) = m.scan(text).mentions
    assert text[mention.start:mention.stop] == "CÔTE D’IVOIRE"


@given(st.text())
def test_folding_keeps_every_character_in_its_place(text):
    assert len(fold(text)) == len(text)
    for mention in aboutness.matcher().scan(text).mentions:
        assert 0 <= mention.start < mention.stop <= len(text)


@given(st.sampled_from(["Mali", "Côte d'Ivoire", "Guinea-Bissau", "Burkina Faso"]),
       st.text(alphabet=" ,.;:!?()«»“”’'-–—\n", max_size=3),
       st.text(alphabet=" ,.;:!?()«»“”’'-–—\n", max_size=3))
def test_a_name_between_any_punctuation_is_found(name, before, after):
    text = f"{before}{name}{after}"
    (mention,) = aboutness.matcher().scan(text, "en").mentions
    assert text[mention.start:mention.stop] == name


def test_a_name_in_one_case_only():
    m = Matcher([("US", Name(COUNTRY, "US", exact="US"))])
    assert [x.value for x in m.scan("the US and us, Us").mentions] == ["US"]


def test_names_split_across_a_paragraph_break_do_not_match():
    assert aboutness.analyse("Burkina", "Faso is a word here.\n\nMore.").countries == ("BF",)
    assert countries_named("Burkina\n\nFaso", "en") == ["BF"]
    assert countries_named("Sierra,  Leone", "en") == []


# -------------------------------------------------------------------------------------------
# Which mentions count, and in which order


BODY = ("The ministers met on Monday.\n\n"
        "They spoke of trade.\n\n"
        "Later they dined.")


def test_a_country_in_the_headline_kicker_caption_or_lead_counts_once_named():
    assert aboutness.analyse("Talks in Mali", BODY).countries == ("ML",)
    assert aboutness.analyse("Talks", BODY, kicker="Niger").countries == ("NE",)
    assert aboutness.analyse("Talks", BODY, image_caption="Chad's leader").countries == ("TD",)
    assert aboutness.analyse("Talks", "Ghana hosted them.\n\nMore.").countries == ("GH",)


def test_further_down_a_country_counts_from_two_mentions():
    once = "The ministers met.\n\nThey recalled the former colonial power France."
    twice = once + "\n\nFrench officials were not invited to the talks in Bamako."
    assert aboutness.analyse("Talks", once).countries == ()
    assert aboutness.analyse("Talks", twice).countries == ("FR",)


def test_countries_come_most_prominent_first():
    about = aboutness.analyse(
        "Ghana and Togo sign a deal", "Togo's president and Ghana's met in Lomé.\n\n"
        "Benin was not there.\n\nBenin may join later, officials in Cotonou said.",
        kicker="Togo")
    assert about.countries == ("TG", "GH", "BJ")
    # Ties go to the country named first.
    assert aboutness.analyse("Mali, Niger", "").countries == ("ML", "NE")
    assert aboutness.analyse("Niger, Mali", "").countries == ("NE", "ML")


def seed(name, headline=""):
    parsed = parse_bytes((SEEDS / name).read_bytes())
    return aboutness.analyse(headline or parsed.headline, parsed.body, kicker=parsed.kicker,
                             image_caption=parsed.image_caption, language="en")


@pytest.mark.parametrize("name", ["000_0c50d9fd883dd018.txt", "003_3a914f44e5e3521d.txt"])
def test_the_sample_files_are_about_mali_burkina_faso_niger_and_russia(name):
    headline = parse_manifest((SEEDS / "manifest.toml").read_bytes()).entry_for(name).headline
    assert headline
    for about in (seed(name, headline), seed(name)):
        # France, the "former colonial power", is named once below the lead: background.
        assert set(about.countries) == {"ML", "BF", "NE", "RU"}
        assert about.countries[0] == "RU"


def test_a_french_report_of_the_same_event():
    about = aboutness.analyse(
        "Les ministres de l'AES à Moscou",
        "Les ministres des Affaires étrangères du Mali, du Burkina Faso et du Niger sont "
        "arrivés lundi à Moscou, selon l'AFP.\n\n"
        "La délégation malienne a rencontré Sergueï Lavrov.\n\n"
        "Les relations avec la France, ancienne puissance coloniale, sont rompues.",
        language="fr")
    assert set(about.countries) == {"ML", "BF", "NE", "RU"}
    assert about.cited == ("AFP",)


# -------------------------------------------------------------------------------------------
# Cited outlets


@pytest.mark.parametrize(("text", "outlets"), [
    ("The objective of this summit, as reported by Burkina 24, is to deepen ties.",
     ("Burkina 24",)),
    ("According to Reuters, the talks ended late.", ("Reuters",)),
    ("The talks ended late, according to AFP.", ("AFP",)),
    ("Reuters reported on Monday that the talks had ended.", ("Reuters",)),
    ("“We are ready,” the minister told AFP.", ("AFP",)),
    ("Diop told the BBC that the alliance would hold.", ("BBC",)),
    ("He said in an interview with Al Jazeera that the talks went well.", ("Al Jazeera",)),
    ("The deal was signed, according to the Russian state news agency TASS.", ("TASS",)),
    ("The ministry said so, citing RIA Novosti.", ("RIA Novosti",)),
    ("At least 40 died, according to a Reuters tally.", ("Reuters",)),
    ("The Associated Press reported the attack.", ("AP",)),
    ("The spokesman told France 24 the border would reopen.", ("France 24",)),
    ("Xinhua news agency reported the visit.", ("Xinhua",)),
    ("The army has withdrawn, Le Monde reported.", ("Le Monde",)),
    ("According to Reuters, and as AFP reported, the talks ended; Reuters reported more.",
     ("Reuters", "AFP")),
])
def test_english_attributions_cite_the_outlet(text, outlets):
    assert cited(text, "en") == outlets


@pytest.mark.parametrize(("text", "outlets"), [
    ("Les ministres sont arrivés à Moscou, selon l'AFP.", ("AFP",)),
    ("Selon l’AFP, les ministres sont arrivés.", ("AFP",)),
    ("« Nous sommes prêts », a déclaré le ministre malien à RFI.", ("RFI",)),
    ("« Nous sommes prêts », a-t-il déclaré à l'AFP.", ("AFP",)),
    ("La junte prépare un remaniement, rapporte Jeune Afrique.", ("Jeune Afrique",)),
    ("D'après Le Monde, l'armée s'est retirée.", ("Le Monde",)),
    ("Le ministre a indiqué à Jeune Afrique que rien n'était décidé.", ("Jeune Afrique",)),
    ("Selon l'agence Anadolu, la visite aura lieu en mai.", ("Anadolu",)),
    ("Selon le quotidien Le Monde, l'accord est signé.", ("Le Monde",)),
    ("Selon l'agence de presse russe TASS, l'accord est signé.", ("TASS",)),
    ("Interrogé par RFI, le porte-parole n'a pas répondu.", ("RFI",)),
    ("Il s'exprimait au micro de RFI.", ("RFI",)),
    ("L'AFP a appris de source sécuritaire que l'attaque a fait dix morts.", ("AFP",)),
    ("RFI rapporte que la frontière est fermée.", ("RFI",)),
    ("Des propos cités par Sputnik ont été démentis.", ("Sputnik",)),
])
def test_french_attributions_cite_the_outlet(text, outlets):
    assert cited(text, "fr") == outlets


@pytest.mark.parametrize("text", [
    "According to the minister, the talks ended late.",
    "According to Diop, the alliance will hold.",
    "The minister told reporters that the border would reopen.",
    "Reuters could not independently verify the report.",
    "France 24 and RFI were suspended in Mali last year.",
    "AFP journalists saw the bodies.",
    "The AFP office in Dakar was closed.",
    "According to the economist who studied the deal, it will cost more.",
    "Selon le ministre, les pourparlers sont terminés.",
    "« Nous sommes prêts », a déclaré le ministre à Bamako.",
    "Selon le monde de la finance, l'accord coûtera cher.",
    "Le Monde a été interdit au Mali.",
    "Selon des sources sécuritaires, l'attaque a fait dix morts.",
    "Il a travaillé pour l'AFP pendant dix ans.",
])
def test_no_outlet_is_cited_without_an_attribution(text):
    assert cited(text) == ()


def test_an_attribution_in_another_sentence_does_not_count():
    assert cited("The talks ended, according to officials. AFP journalists left.") == ()


# -------------------------------------------------------------------------------------------
# Names readers see, and the outlets our sources may be


def test_country_names_in_english_and_french():
    assert aboutness.country_name("ML") == "Mali"
    assert aboutness.country_name("RU") == "Russia"
    assert aboutness.country_name("RU", "fr") == "Russie"
    assert aboutness.country_name("CI", "fr") == "Côte d'Ivoire"
    assert aboutness.country_name("US", "fr") == "États-Unis"
    # pycountry's own name, and its French translation, where the table has none.
    assert aboutness.country_name("BO") == "Bolivia"
    assert aboutness.country_name("IS", "fr") == "Islande"
    assert aboutness.country_name("ML", "de") == "Mali"  # another language: English
    assert aboutness.country_name("XX") == ""


def test_french_adjectives_take_every_gender_and_number():
    assert countries.french_forms("malien") == ["malien", "malienne", "maliennes", "maliens"]
    assert countries.french_forms("sénégalais") == ["sénégalais", "sénégalaise",
                                                    "sénégalaises"]
    assert countries.french_forms("russe") == ["russe", "russes"]
    assert countries.french_forms("turc/turque") == ["turc", "turque", "turques", "turcs"]
    assert countries.english_plurals("Malian") == ["Malian", "Malians"]
    assert countries.english_plurals("Chinese") == ["Chinese"]


def test_every_curated_code_is_a_country():
    assert set(countries.table()) - {"ignored"} <= aboutness.codes()


def test_a_source_is_an_outlet_by_any_of_its_names():
    assert aboutness.outlet_named("Agence France-Presse") == "AFP"
    assert aboutness.outlet_named("afp") == "AFP"
    assert aboutness.outlet_named(" burkina 24 ") == "Burkina 24"
    assert aboutness.outlet_named("Africanews") == "Africanews"
    assert aboutness.outlet_named("Sahel Partner Desk") is None
