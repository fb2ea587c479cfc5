"""RSS and Atom feeds (articles/ingest/formats/feeds.py): the parser's API on the fixtures of
tests/fixtures/formats/feeds/, then the import of feeds end to end."""

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from django.urls import reverse

from articles.ingest import formats
from articles.ingest.formats import ItemError, feeds
from articles.ingest.parse import ParseError
from articles.models import Article, ImportedOriginal, Source
from tests.import_helpers import run, table_state

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats" / "feeds"
UTC = dt.UTC


def fixture(name):
    return (FIXTURES / name).read_bytes()


def line_of(data, needle, after=0):
    """The 1-based line where `needle` first stands in `data` at or after line `after`."""
    lines = data.decode().splitlines()
    return next(number for number, line in enumerate(lines, 1)
                if number >= after and needle in line)


def same_article(a, b):
    """Equal but for where they stand: an original holds one item, so its lines differ."""
    return replace(a, first_line=0, body_line=0) == replace(b, first_line=0, body_line=0)


# -- the parser: RSS 2.0 --------------------------------------------------------------------------


def test_an_rss_item_with_content_encoded_is_one_clean_article():
    data = fixture("sahel-wire.rss")
    first = feeds.parse(data)[0]

    assert first.headline == "Sahel ministers agree a joint force of 5,000 troops"
    # content:encoded, not the description; the figure and its caption, the embedded post and
    # its script are no text of the story; entities decoded, blocks and list items apart.
    assert first.paragraphs == (
        "Defence ministers of Mali, Burkina Faso and Niger agreed in Niamey on Monday to form a "
        "joint force of 5,000 troops, to be ready within a year.",
        "“Our armies will fight as one,” Niger’s minister said at the close of the two-day "
        "meeting. The force will have its headquarters in Niamey & a rotating command.",
        "What the force will do",
        "Patrol the borders of the three states;",
        "share intelligence within 24 hours.",
        "The ministers will meet again in Ouagadougou in March.",
    )
    assert first.url == "https://www.sahelwire.example/2026/11/30/sahel-joint-force/"
    assert first.published == dt.datetime(2026, 11, 30, 17, 45, tzinfo=UTC)
    assert first.source_name == "Sahel Wire"
    assert first.language == "en"  # the channel's en-GB
    assert first.tags == ("Politics", "Security")  # "politics" again is the same tag
    assert first.original_format == formats.RSS
    assert first.first_line == line_of(data, "<item>")
    assert first.body_line == line_of(data, "<content:encoded>")
    assert (first.kicker, first.image_caption, first.related, first.sidebar) == ("", "", (), None)


def test_an_rss_item_without_content_is_read_from_its_description_and_guid_permalink():
    uranium = feeds.parse(fixture("sahel-wire.rss"))[1]

    assert uranium.paragraphs == (
        "Niger’s government said on Monday it would take over the Somair uranium mine, run by "
        "France’s Orano for half a century.",
        "The company said it had not been told.",
    )
    # No <link>: the guid is the address, a permalink by RSS's default.
    assert uranium.url == "https://www.sahelwire.example/2026/11/30/niger-uranium/"
    assert uranium.published == dt.datetime(2026, 11, 30, 9, 5, 12, tzinfo=UTC)


def test_a_guid_that_is_not_a_permalink_is_no_address():
    data = b"""<rss version="2.0"><channel><title>Wire</title>
<item><title>A</title><guid isPermaLink="false">https://wire.example/?p=1</guid>
<description>The ministers met on Monday.</description></item>
<item><title>B</title><guid>wire-0002</guid><description>They met again.</description></item>
</channel></rss>"""
    assert [item.url for item in feeds.parse(data)] == ["", ""]  # and "wire-0002" is no URL


def test_an_items_own_language_wins_over_the_channels():
    french = feeds.parse(fixture("sahel-wire.rss"))[5]

    assert french.headline == "Le Burkina Faso rouvre ses écoles du Nord"
    assert french.language == "fr"  # its dc:language fr-FR, in an en-GB channel
    assert french.tags == ("Éducation",)


def test_with_no_language_in_the_feed_it_is_detected():
    data = b"""<rss version="2.0"><channel><title>Wire</title>
<item><title>A</title><description>Les ministres se sont r\xc3\xa9unis lundi \xc3\xa0 Niamey pour
la cr\xc3\xa9ation de la force.</description></item></channel></rss>"""
    assert feeds.parse(data)[0].language == "fr"


def test_an_item_with_no_title_and_no_text_fails_alone_and_one_with_text_keeps_no_headline():
    data = fixture("sahel-wire.rss")
    items = feeds.parse(data)

    assert len(items) == 6
    untitled, empty = items[3], items[4]
    assert untitled.headline == ""  # the importer proposes one
    assert untitled.paragraphs == ("The border crossing between Mali and Niger at Labbezanga "
                                   "reopened on Sunday morning after three weeks.",)
    assert isinstance(empty, ItemError)
    assert (empty.reason, empty.line) == ("the item has no title and no text",
                                         line_of(data, "<item>", after=untitled.first_line + 1))
    assert all(not isinstance(item, ItemError) for i, item in enumerate(items) if i != 4)


def test_an_item_with_a_title_but_no_text_is_refused_saying_so():
    data = b"""<rss version="2.0"><channel><title>Wire</title>
<item><title>Only a title</title><description><![CDATA[<img src="a.jpg">]]></description>
</item></channel></rss>"""
    [item] = feeds.parse(data)
    assert isinstance(item, ItemError)
    assert (item.reason, item.line) == ("the item has no text, only a title", 2)


def test_a_date_feedparser_cannot_read_is_a_warning_and_the_next_one_is_used():
    data = b"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Wire</title>
<item><title>A</title><pubDate>last Tuesday</pubDate><description>The ministers met on
Monday.</description></item>
<item><title>B</title><pubDate>last Tuesday</pubDate><dc:date>2026-11-30T09:00:00Z</dc:date>
<description>They met again.</description></item></channel></rss>"""
    first, second = feeds.parse(data)
    warning = "the date “last Tuesday” is not one feedparser reads: it is left out"
    assert (first.published, first.warnings) == (None, ((3, warning),))
    assert second.published == dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # updated
    assert second.warnings == ((5, warning),)


# -- the parser: Atom 1.0 -------------------------------------------------------------------------


def test_an_atom_feed_in_french():
    data = fixture("courrier-du-sahel.atom")
    force, rains, river = feeds.parse(data)

    assert {item.original_format for item in (force, rains, river)} == {formats.ATOM}
    assert {item.source_name for item in (force, rains, river)} == {"Le Courrier du Sahel"}
    assert {item.language for item in (force, rains, river)} == {"fr"}  # xml:lang="fr-FR"
    assert force.headline == "Les ministres du Sahel créent une force commune"
    assert force.paragraphs == (  # the HTML content, not the summary; the image left out
        "Les ministres de la Défense du Mali, du Burkina Faso et du Niger ont annoncé lundi à "
        "Niamey la création d’une force commune de 5 000 soldats.",
        "« Nos armées combattront ensemble », a déclaré le ministre nigérien à l’issue de la "
        "réunion.",
        "La force aura son quartier général à Niamey.",
    )
    assert force.published == dt.datetime(2026, 11, 30, 18, 2, tzinfo=UTC)  # published
    assert force.url == "https://courrierdusahel.example/politique/2026/11/30/force-commune"
    assert force.tags == ("Politique", "Sécurité")  # terms, each once

    assert rains.headline == "Mali : la saison des pluies a été la plus courte depuis dix ans"
    assert rains.paragraphs[1] == ("Les agriculteurs du centre du pays craignent une mauvaise "
                                   "récolte de mil.")  # XHTML content
    assert rains.published == dt.datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # updated

    # No link, and its id is a URN: no address; its summary is its text.
    assert river.url == ""
    assert river.paragraphs == ("Le trafic des pinasses a repris entre Mopti et Tombouctou "
                                "après la décrue.",)
    assert river.published == dt.datetime(2026, 11, 28, 15, 45, tzinfo=UTC)


def test_plain_text_content_is_split_on_blank_lines():
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Fil</title>
<entry><title>A</title><id>urn:a</id><updated>2026-11-28T16:45:00Z</updated>
<content type="text">The ministers met &lt;on Monday&gt;
in Niamey.

They agreed.</content></entry></feed>"""
    assert feeds.parse(data)[0].paragraphs == ("The ministers met <on Monday> in Niamey.",
                                               "They agreed.")


# -- the originals --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sahel-wire.rss", "courrier-du-sahel.atom"])
def test_each_original_is_the_feed_with_that_item_alone_and_reads_back_the_same(name):
    data = fixture(name)
    items = [item for item in feeds.parse(data) if not isinstance(item, ItemError)]

    for item in items:
        original = item.original
        # The channel's elements and the item, byte for byte as the feed has them.
        head = data[:data.index(b"<item>" if b"<item>" in data else b"<entry>")]
        assert original.startswith(head)
        item_xml = original[len(head):].strip()
        assert data.count(item_xml[:item_xml.index(b">") + 1]) >= 1
        assert original.count(b"<item>") + original.count(b"<entry>") == 1
        assert feedparser.parse(original).bozo == 0
        again = formats.read_original(item.original_format, original)
        assert same_article(again, item)
        assert again.original == original
    # No item's text leaks into another's original.
    assert all(other.paragraphs[0].encode() not in item.original or other is item
               for item in items for other in items
               if other.paragraphs[0].encode() in data)


def test_an_original_keeps_the_items_bytes_exactly():
    data = fixture("sahel-wire.rss")
    first = feeds.parse(data)[0]
    start = data.index(b"\t<item>")
    end = data.index(b"</item>", start) + len(b"</item>")
    assert data[start:end] in first.original
    assert first.original.endswith(b"\n</channel>\n</rss>\n")


def test_an_empty_item_element_is_cut_out_of_its_siblings_originals():
    data = b"""<rss version="2.0"><channel><title>Wire</title><item a="x>y"/>
<item><title>A</title><description>The ministers met.</description></item></channel></rss>"""
    empty, item = feeds.parse(data)
    assert isinstance(empty, ItemError)
    assert item.original == (b'<rss version="2.0"><channel><title>Wire</title>\n<item><title>A'
                             b"</title><description>The ministers met.</description></item>"
                             b"</channel></rss>")


# -- documents refused whole ----------------------------------------------------------------------


def test_malformed_xml_fails_the_whole_feed_with_its_line_even_where_feedparser_recovers():
    data = fixture("broken.rss")
    lenient = feedparser.parse(data)
    assert lenient.bozo and len(lenient.entries) == 2  # feedparser would read both items

    with pytest.raises(ParseError) as refused:
        feeds.parse(data)
    assert (refused.value.reason, refused.value.line) == (
        "malformed XML at column 16: not well-formed (invalid token)",
        line_of(data, "Mali & Niger"))


def test_entity_declarations_are_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>"""
    external = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&secret;</title><item><title>&secret;</title>
<description>x</description></item></channel></rss>"""
    for data in (bomb, external):
        with pytest.raises(ParseError, match="declares XML entities") as refused:
            feeds.parse(data)
        assert refused.value.line == 2


def test_an_xml_file_that_is_no_feed_is_refused():
    with pytest.raises(ParseError) as refused:
        feeds.parse(fixture("sitemap.xml"))
    assert str(refused.value) == "line 1: not an RSS or Atom feed: its root element is <urlset>"


def test_a_feed_of_no_item_holds_no_article():
    assert feeds.parse(b"<rss version='2.0'><channel><title>Wire</title></channel></rss>") == []


def test_an_empty_or_utf16_file_is_refused():
    with pytest.raises(ParseError, match="the file is empty"):
        feeds.parse(b"  \n")
    with pytest.raises(ParseError, match="UTF-16"):
        feeds.parse("<rss><channel/></rss>".encode("utf-16"))


# -- HTML to paragraphs ---------------------------------------------------------------------------


@pytest.mark.parametrize(("html", "paragraphs"), [
    ("<p>One<br>two</p><div>three <b>bold</b> &amp; <a href='x'>linked</a></div>",
     ("One", "two", "three bold & linked")),
    ("<p>A<script>alert('x')</script><style>p{}</style><img src=x alt=photo> B</p>", ("A B",)),
    ("<figure><img src=x><figcaption>Photo: AFP</figcaption></figure><p>Text</p>", ("Text",)),
    ("<iframe src='https://video.example'>no</iframe><svg><text>chart</text></svg><p>C</p>",
     ("C",)),
    ("<ul><li>first</li><li>second</li></ul><h2>Heading</h2>", ("first", "second", "Heading")),
    ("plain &eacute;t&eacute;  \n  text", ("plain été text",)),
    ("<p>\u00a0</p><p> </p>", ()),
])
def test_html_becomes_plain_paragraphs(html, paragraphs):
    assert feeds.html_paragraphs(html) == paragraphs


# -- the import, end to end -----------------------------------------------------------------------


@pytest.fixture
def feed_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("sahel-wire.rss", "courrier-du-sahel.atom", "broken.rss", "sitemap.xml"):
        shutil.copy(FIXTURES / name, folder / name)
    return folder


@pytest.mark.django_db
def test_feeds_import_one_article_per_item_and_bad_input_fails_alone(feed_folder):
    code, out, err = run(feed_folder, publish=True)

    wire = fixture("sahel-wire.rss")
    empty_line = line_of(wire, "<item>", after=line_of(wire, "border-reopens"))
    assert code == 1
    assert err.splitlines()[:3] == [
        f"failed {feed_folder}/broken.rss:{line_of(fixture('broken.rss'), 'Mali & Niger')}: "
        "malformed XML at column 16: not well-formed (invalid token)",
        f"failed {feed_folder}/sahel-wire.rss#5:{empty_line}: the item has no title and no text",
        f"failed {feed_folder}/sitemap.xml:1: not an RSS or Atom feed: its root element is "
        "<urlset>",
    ]
    assert "8 created" in out
    assert set(Source.objects.values_list("name", flat=True)) == {"Sahel Wire",
                                                                  "Le Courrier du Sahel"}

    force = Article.objects.get(original_url="https://www.sahelwire.example/2026/11/30/"
                                             "sahel-joint-force/")
    assert force.headline == "Sahel ministers agree a joint force of 5,000 troops"
    assert force.source.name == "Sahel Wire"
    assert force.published_at == dt.datetime(2026, 11, 30, 17, 45, tzinfo=UTC)
    assert force.status == Article.Status.PUBLISHED
    assert force.language == "en"
    assert sorted(force.tags.names()) == ["Politics", "Security"]
    assert force.source_file == f"{feed_folder}/sahel-wire.rss#1"
    french = Article.objects.get(headline="Le Burkina Faso rouvre ses écoles du Nord")
    assert french.language == "fr"
    courrier = Article.objects.filter(source__name="Le Courrier du Sahel")
    assert courrier.count() == 3
    assert set(courrier.values_list("language", flat=True)) == {"fr"}
    for article in Article.objects.all():
        assert article.published_at.utcoffset() == dt.timedelta(0)
        assert "<" not in article.body and "&amp;" not in article.body
        assert "Photo: Sahel Wire" not in article.body and "widgets.js" not in article.body

    # The item with text and no title: a proposed headline, and a draft whatever --publish says.
    untitled = Article.objects.get(original_url="https://www.sahelwire.example/2026/11/29/"
                                                "border-reopens/")
    assert untitled.headline_proposed
    assert untitled.headline.startswith("The border crossing between Mali and Niger")
    assert untitled.status == Article.Status.DRAFT


@pytest.mark.django_db
def test_each_article_keeps_its_item_as_its_original_readable_back(feed_folder):
    run(feed_folder)

    originals = ImportedOriginal.objects.select_related("article")
    assert sorted(originals.values_list("format", flat=True)) == ["atom"] * 3 + ["rss"] * 5
    for original in originals:
        content = bytes(original.content)
        parsed = formats.read_original(original.format, content)
        assert parsed.body == original.article.body
        assert parsed.url == original.article.original_url
        assert content.count(b"<item>") + content.count(b"<entry>") == 1
    assert {o.file_name for o in originals if o.format == "atom"} == {
        f"{feed_folder}/courrier-du-sahel.atom#{number}" for number in (1, 2, 3)}


@pytest.mark.django_db
def test_a_second_run_changes_nothing(feed_folder):
    run(feed_folder)
    before = table_state()

    code, out, _ = run(feed_folder)

    assert code == 1  # the same bad files fail again
    assert "0 created, 0 updated, 8 unchanged" in out
    assert table_state() == before


@pytest.mark.django_db
def test_a_feed_of_one_item_is_still_numbered(tmp_path):
    (tmp_path / "one.rss").write_bytes(
        b"<rss version='2.0'><channel><title>Wire</title><item><title>A</title><description>"
        b"The ministers met on Monday in Niamey.</description></item></channel></rss>")
    code, out, _ = run(tmp_path, verbosity="2")
    assert code == 0
    assert f"{tmp_path}/one.rss#1: created" in out


@pytest.mark.django_db
def test_the_desk_shows_an_items_original_read_back_as_the_story(feed_folder, as_reporter):
    run(feed_folder)
    for article in Article.objects.filter(original_url__in=[
            "https://www.sahelwire.example/2026/11/30/sahel-joint-force/",
            "https://courrierdusahel.example/politique/2026/11/30/force-commune"]):
        page = as_reporter.get(reverse("admin:articles_article_original", args=[article.pk]))
        text = page.content.decode()
        assert page.status_code == 200
        assert "RSS feed item" in text or "Atom feed entry" in text
        assert "The story reads as the file did." in text
        assert "cannot be read again" not in text
