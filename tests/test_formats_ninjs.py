"""IPTC NINJS (articles/ingest/formats/ninjs.py): the parser's API on the fixtures of
tests/fixtures/formats/ninjs/, the import end to end, and the same story arriving as a feed's
item and as a NINJS item (one article, the fuller text)."""

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse

from articles.ingest import formats
from articles.ingest.formats import ItemError, ninjs
from articles.ingest.parse import ParseError
from articles.models import Article, ImportedOriginal, Source
from tests.import_helpers import run, table_state

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
UTC = dt.UTC
CUSTOMS_URL = "https://www.sahelwire.example/2026/11/29/customs-deal/"


def fixture(name):
    return (FIXTURES / "ninjs" / name).read_bytes()


def one(item):
    """The one result of a document of one NINJS object."""
    [result] = ninjs.parse(json.dumps(item).encode())
    return result


def same_article(a, b):
    return replace(a, first_line=0, body_line=0) == replace(b, first_line=0, body_line=0)


# -- the parser: 1.x and 2.x ----------------------------------------------------------------------


def test_a_ninjs_1x_item():
    data = fixture("agence-sahel-1.4.json")
    [item] = ninjs.parse(data)

    assert item.headline == "Mali's cotton harvest falls by a fifth after a short rainy season"
    # body_text, its lines its paragraphs (body_html says the same in as many paragraphs).
    assert item.paragraphs == (
        "BAMAKO, Mali (ASP) -- Mali's cotton harvest will fall by a fifth this season after the "
        "shortest rainy season in ten years, the national cotton company said on Monday.",
        "The company expects 620,000 tonnes of seed cotton, down from 780,000 tonnes last year, "
        "as the rains stopped in early September across the south of the country.",
        "Growers' unions asked the government to delay the repayment of fertiliser loans until "
        "the next harvest.",
    )
    assert item.published == dt.datetime(2026, 11, 30, 7, 15, 30, tzinfo=UTC)  # versioncreated
    assert item.url == ""  # its uri is a URN, and it has no link
    assert item.source_name == "Agence Sahel Presse"  # copyrightholder
    assert item.language == "en"  # en-GB
    assert item.tags == ("Agriculture", "Economy")  # subject names, each once
    assert item.original_format == formats.NINJS
    assert item.original == data.strip()
    assert (item.kicker, item.image_caption, item.related, item.sidebar) == ("", "", (), None)


def test_a_ninjs_2x_item():
    [item] = ninjs.parse(fixture("customs-deal-2.1.json"))

    assert item.headline == "Trade ministers sign the customs deal"  # the main of headlines[]
    assert item.paragraphs == (  # the HTML body, its figure and caption left out
        "Trade ministers of the three states signed the customs deal in Bamako.",
        "From January, goods will cross the borders of Mali, Burkina Faso and Niger under a "
        "single tariff, and lorries will be checked once, at their first border.",
        "Traders welcomed the deal but said the checkpoints on the roads, not the borders, cost "
        "them most.",
    )
    assert item.url == CUSTOMS_URL  # an http(s) uri is the address
    assert item.published == dt.datetime(2026, 11, 29, 16, 30, tzinfo=UTC)
    assert item.source_name == "Sahel Wire"
    assert item.tags == ("Economy", "Trade")


def test_an_array_is_one_item_each_and_a_bad_item_fails_alone():
    data = fixture("wire-batch.json")
    items = ninjs.parse(data)
    lines = data.decode().splitlines()
    starts = [number for number, line in enumerate(lines, 1) if line == "  {"]

    assert [getattr(item, "first_line", None) or item.line for item in items] == starts
    border, film = items[:2]
    # No declaration, but 2.x's headlines and bodies: read as 2.2.
    assert border.headline == "Le Niger et le Tchad rouvrent leur frontière"
    assert border.paragraphs == (
        "Le Niger et le Tchad ont rouvert lundi leur frontière commune, fermée depuis trois "
        "mois.",
        "Les camions de marchandises ont de nouveau franchi le poste de Nguigmi dans la "
        "matinée.",
    )
    assert border.language == "fr"
    # The uri is a URN: the canonical link, not the API's "self" one.
    assert border.url == "https://agencesahel.example/fr/niger-tchad-frontiere"
    assert border.source_name == "Agence Sahel Presse"  # provider's name
    assert border.tags == ("Politique", "frontière", "Tchad")  # subjects, then keywords
    assert film.published == dt.datetime(2026, 11, 29, 18, 20, tzinfo=UTC)  # firstcreated
    assert film.paragraphs == ("Producers from twelve countries met in Ouagadougou on Sunday "
                               "for the first film market of the Sahel.",
                               "The market runs until Thursday.")
    assert film.language == "en"  # detected: the item says none

    assert [(e.reason, e.line) for e in items[2:]] == [
        ("not NINJS: 'uri' is a required property (ninjs 1.6 schema)", starts[2]),
        ("the picture item has no text", starts[3]),
        ("not NINJS: headline: 5 is not of type 'string' (ninjs 1.6 schema)", starts[4]),
        ("NINJS 3.0 is not read here: only 1.x and 2.x are (the schemas of 1.3, 1.4, 1.5, 1.6, "
         "2.0, 2.1, 2.2)", starts[5]),
    ]


def test_each_original_is_that_objects_json_and_reads_back_the_same():
    data = fixture("wire-batch.json")
    for item in ninjs.parse(data):
        if isinstance(item, ItemError):
            continue
        assert item.original in data  # byte for byte as the array holds it
        assert isinstance(json.loads(item.original), dict)
        again = formats.read_original(formats.NINJS, item.original)
        assert same_article(again, item)


# -- versions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("declaration", "schema"), [
    ({"$standard": {"schema": "http://www.iptc.org/std/ninjs/ninjs-schema_1.4.json"}}, "1.4"),
    ({"$standard": {"name": "ninjs", "version": "1.3"}}, "1.3"),
    ({"standard": {"schema": "https://tt.se/spec/ttninjs/ttninjs-schema_2.1.json"}}, "2.1"),
    ({"standard": {"version": "2.0"}}, "2.0"),
    ({"$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_1.5.json"}, "1.5"),
    ({"standard": {"version": "2.7"}}, "2.2"),  # a later 2.x: the newest we have
    ({"$standard": {"version": "1.1"}}, "1.3"),  # an earlier 1.x: the oldest we have
    ({}, "1.6"),  # undeclared, no 2.x-only property
    ({"bodies": [{"value": "Text."}]}, "2.2"),  # undeclared, 2.x's shape
])
def test_the_schema_is_the_declared_versions_else_chosen_by_shape(declaration, schema):
    refused = one({**declaration, "headline": ["not", "a", "string"]})
    assert isinstance(refused, ItemError)
    assert refused.reason.endswith(f"(ninjs {schema} schema)")


def test_properties_ninjs_does_not_define_pass_and_defined_ones_are_checked():
    item = one({"uri": "urn:x", "headline": "A", "body_text": "The ministers met.",
                "guid": "x", "service": [{"code": "n"}], "keywords": ["Niamey"]})
    assert item.tags == ("Niamey",)
    wrong = one({"uri": "urn:x", "headline": "A", "body_text": "B",
                 "subject": [{"name": "Politics", "code": 7}]})
    assert wrong.reason == ("not NINJS: subject[0].code: 7 is not of type 'string' (ninjs 1.6 "
                            "schema)")


def test_geojson_places_are_checked_against_the_vendored_schema_offline():
    item = json.loads(fixture("customs-deal-2.1.json"))
    item["places"][0]["geojson"] = {"type": "Point", "coordinates": "Bamako"}
    refused = one(item)
    assert isinstance(refused, ItemError)
    assert refused.reason.startswith("not NINJS: places[0].geojson")


def test_the_vendored_schemas_are_iptcs_with_their_licence():
    folder = ninjs.SCHEMAS
    for version in ninjs.VERSIONS:
        schema = json.loads((folder / f"ninjs-schema_{version}.json").read_text())
        assert schema.get("$id", schema.get("id")).startswith(
            f"http://www.iptc.org/std/ninjs/ninjs-schema_{version}.json")
        jsonschema.validators.validator_for(schema).check_schema(schema)
    assert "International Press Telecommunications Council" in (folder / "LICENSE").read_text()


# -- the body, the headline, times ----------------------------------------------------------------


def test_a_rendition_with_markup_wins_when_the_plain_text_runs_paragraphs_together():
    item = one({"uri": "urn:x", "headline": "A",
                "body_text": "The ministers met on Monday. They agreed on a force.",
                "body_html": "<p>The ministers met on Monday.</p><p>They agreed on a force.</p>"})
    assert item.paragraphs == ("The ministers met on Monday.", "They agreed on a force.")


def test_a_2x_body_is_the_main_one_and_its_kind_is_guessed_when_unsaid():
    item = one({"uri": "urn:x", "headlines": [{"value": "A"}],
                "bodies": [{"role": "summary", "value": "A summary of many words."},
                           {"value": "<p>First &amp; main.</p><p>Second.</p>"}]})
    assert item.paragraphs == ("First & main.", "Second.")


def test_an_item_with_no_headline_keeps_none_and_one_with_neither_fails():
    untitled = one({"uri": "urn:x", "body_text": "The ministers met in Niamey on Monday."})
    assert untitled.headline == ""
    empty = one({"uri": "urn:x", "type": "text"})
    assert (empty.reason, empty.line) == ("the item has no title and no text", 1)
    titled = one({"uri": "urn:x", "headline": "Only a headline"})
    assert titled.reason == "the item has no text, only a headline"


def test_an_unreadable_date_is_a_warning_and_the_next_one_is_used():
    item = one({"uri": "urn:x", "headline": "A", "body_text": "B",
                "versioncreated": "Monday morning", "firstcreated": "2026-11-30T09:00:00"})
    assert item.published == dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # no offset: UTC
    assert item.warnings == ((1, "the versioncreated “Monday morning” is not an ISO 8601 date "
                                 "and time: it is left out"),)


# -- documents refused whole ----------------------------------------------------------------------


def test_invalid_json_fails_the_file_with_its_line():
    with pytest.raises(ParseError) as refused:
        ninjs.parse(fixture("broken.json"))
    assert str(refused.value) == "line 4: invalid JSON at column 3: Expecting ',' delimiter"


@pytest.mark.parametrize(("data", "reason"), [
    (b'"a string"', "not NINJS: the document is a string, not an object or an array of objects"),
    (b'{"uri": "urn:x", "urgency": NaN}', "invalid JSON: NaN is not a JSON value"),
    (b'{"uri": "urn:x", "headline": "caf\xe9"}', "invalid JSON: not UTF-8 text (JSON is UTF-8)"),
    (b"\n", "the file is empty"),
])
def test_what_is_no_ninjs_document_is_refused(data, reason):
    with pytest.raises(ParseError) as refused:
        ninjs.parse(data)
    assert refused.value.reason == reason


def test_an_empty_array_holds_no_article():
    assert ninjs.parse(b"[]") == []


# -- the import, end to end -----------------------------------------------------------------------


@pytest.fixture
def ninjs_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("agence-sahel-1.4.json", "customs-deal-2.1.json", "wire-batch.json",
                 "broken.json"):
        shutil.copy(FIXTURES / "ninjs" / name, folder / name)
    return folder


@pytest.mark.django_db
def test_ninjs_files_import_and_bad_items_fail_alone(ninjs_folder):
    code, out, err = run(ninjs_folder)

    batch = fixture("wire-batch.json").decode().splitlines()
    starts = [number for number, line in enumerate(batch, 1) if line == "  {"]
    assert code == 1
    assert err.splitlines()[:5] == [
        f"failed {ninjs_folder}/broken.json:4: invalid JSON at column 3: Expecting ',' delimiter",
        f"failed {ninjs_folder}/wire-batch.json#3:{starts[2]}: not NINJS: 'uri' is a required "
        "property (ninjs 1.6 schema)",
        f"failed {ninjs_folder}/wire-batch.json#4:{starts[3]}: the picture item has no text",
        f"failed {ninjs_folder}/wire-batch.json#5:{starts[4]}: not NINJS: headline: 5 is not of "
        "type 'string' (ninjs 1.6 schema)",
        f"failed {ninjs_folder}/wire-batch.json#6:{starts[5]}: NINJS 3.0 is not read here: only "
        "1.x and 2.x are (the schemas of 1.3, 1.4, 1.5, 1.6, 2.0, 2.1, 2.2)",
    ]
    assert "4 created" in out
    assert set(Source.objects.values_list("name", flat=True)) == {"Agence Sahel Presse",
                                                                  "Sahel Wire"}
    cotton = Article.objects.get(source_file=f"{ninjs_folder}/agence-sahel-1.4.json")
    assert cotton.headline.startswith("Mali's cotton harvest")
    assert cotton.published_at == dt.datetime(2026, 11, 30, 7, 15, 30, tzinfo=UTC)
    assert sorted(cotton.tags.names()) == ["Agriculture", "Economy"]
    border = Article.objects.get(original_url="https://agencesahel.example/fr/"
                                              "niger-tchad-frontiere")
    assert border.language == "fr"
    assert border.source.name == "Agence Sahel Presse"
    assert sorted(border.tags.names()) == ["Politique", "Tchad", "frontière"]
    for article in Article.objects.all():
        assert "<" not in article.body and "&" not in article.body
        assert not article.headline_proposed

    for original in ImportedOriginal.objects.select_related("article"):
        assert original.format == ImportedOriginal.Format.NINJS
        parsed = formats.read_original(original.format, bytes(original.content))
        assert parsed.body == original.article.body
        assert parsed.headline == original.article.headline


@pytest.mark.django_db
def test_the_desk_shows_a_ninjs_items_original_read_back_as_the_story(ninjs_folder,
                                                                       as_reporter):
    run(ninjs_folder)
    article = Article.objects.get(original_url=CUSTOMS_URL)
    page = as_reporter.get(reverse("admin:articles_article_original", args=[article.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "IPTC NINJS item" in text
    assert "The story reads as the file did." in text
    assert "&quot;uri&quot;: &quot;https://www.sahelwire.example/2026/11/29/customs-deal/" in text


@pytest.mark.django_db
def test_a_second_ninjs_run_changes_nothing(ninjs_folder):
    run(ninjs_folder)
    before = table_state()
    _, out, _ = run(ninjs_folder)
    assert "0 created, 0 updated, 4 unchanged" in out
    assert table_state() == before


# -- one story, two formats -----------------------------------------------------------------------


def story(tmp_path, feed_name, item_name):
    """A folder holding sahel-wire.rss (whose customs item is one line) and the same story as
    the NINJS item customs-deal-2.1.json (three paragraphs), under names that set their
    order."""
    shutil.copy(FIXTURES / "feeds" / "sahel-wire.rss", tmp_path / feed_name)
    shutil.copy(FIXTURES / "ninjs" / "customs-deal-2.1.json", tmp_path / item_name)


def customs_article():
    [article] = Article.objects.filter(original_url=CUSTOMS_URL)
    return article


def full_text():
    [item] = ninjs.parse(fixture("customs-deal-2.1.json"))
    return item.body


@pytest.mark.django_db
@pytest.mark.parametrize(("feed_name", "item_name"), [("a-wire.rss", "b-customs.json"),
                                                      ("b-wire.rss", "a-customs.json")])
def test_one_run_of_a_feed_and_a_ninjs_item_of_one_story_makes_one_article_the_fuller(
        tmp_path, feed_name, item_name):
    story(tmp_path, feed_name, item_name)

    run(tmp_path)

    article = customs_article()
    assert article.body == full_text()
    assert article.originals.get().format == ImportedOriginal.Format.NINJS
    before = table_state()
    run(tmp_path)
    assert table_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["feed", "ninjs"])
def test_two_runs_of_one_story_in_either_order_keep_the_fuller_text(tmp_path, first):
    feed, item = tmp_path / "feed", tmp_path / "item"
    feed.mkdir()
    item.mkdir()
    story(tmp_path, "feed/sahel-wire.rss", "item/customs-deal-2.1.json")
    order = (feed, item) if first == "feed" else (item, feed)

    run(order[0])
    _, out, _ = run(order[1], verbosity="2")

    article = customs_article()
    assert article.body == full_text()
    assert Article.objects.filter(headline="Trade ministers sign the customs deal").count() == 1
    if first == "ninjs":
        assert f"{feed}/sahel-wire.rss#3: unchanged" in out
    else:
        assert f"{item}/customs-deal-2.1.json: updated" in out
