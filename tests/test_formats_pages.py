"""Saved article pages (.html, .htm): the parser's API on pages with heavy boilerplate, and the
import end to end (the command, the reader's article page, the desk's original page)."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from articles.ingest import formats
from articles.ingest.formats import pages
from articles.ingest.parse import STORIES, STORY, ParseError
from articles.models import Article, ImportedOriginal, RelatedLink, Source
from tests.admin_helpers import make_user
from tests.import_helpers import run, table_state

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats" / "pages"
ENGLISH = "harbour-strike.html"
FRENCH = "secheresse-drome.html"
JSON_LD = "jsonld-no-opengraph.html"
NAVIGATION = "navigation-only.html"
COOKIE_WALL = "cookie-wall.html"
GAZETTE = "https://www.harbourgazette.example"
COURRIER = "https://www.courrier-vallee.example"

ENGLISH_BODY = (
    "Dockers at Port Avery returned to work on Tuesday morning, ending a nine-day strike that "
    "had left more than forty container ships waiting at anchor off the coast.",
    "Members of the Transport & Dock Workers’ Union voted by 81% to accept the port "
    "authority’s offer of a 6.5% pay rise spread over two years, together with a guarantee "
    "that no crane operator would be replaced by automated systems before 2028.",
    "“This is a fair deal and our members have said so,” said Len Hartley, the union’s "
    "regional secretary, outside the terminal gates. “Nobody wanted this strike to go on, but "
    "nobody was going to accept being replaced by a machine without a fight.”",
    "The port authority said the first ships would be berthed within hours and that it "
    "expected the backlog to be cleared by the end of next week. Its chief executive, Priya "
    "Desai, said the agreement “gives everyone the certainty they need to plan for the next "
    "decade”.",
    "Exporters count the cost",
    "Local exporters said the stoppage had cost them dearly. The Avery Chamber of Commerce "
    "estimated losses at £38m, with fruit growers and the town’s two car plants the worst "
    "affected.",
    "“We had lorries of apples going nowhere for a week. Some of that fruit is now only good "
    "for juice.”",
    "Sam Okafor, who runs a packing business employing 120 people near the harbour, said he "
    "had sent half his staff home during the strike. “We are relieved it is over, but it will "
    "take us a month to catch up,” he said.",
    "Shipping lines had begun diverting vessels to Kellport, 90 miles along the coast, where "
    "dock managers reported queues of lorries stretching back to the ring road.",
    "The agreement will be reviewed in 2027. The union said it would ballot members again if "
    "the port authority introduced new technology before then without consultation.",
)
# What each fixture's furniture says: none of it may reach a body.
BOILERPLATE = (
    "cookie", "Accept all", "Skip to content", "Independent news from the coast", "Subscribe",
    "Sign in", "Home", "Obituaries", "Advertisement", "Business reporter", "Mara Quinn",
    "Share", "Facebook", "WhatsApp", "Copy link", "Read also", "READ ALSO", "Photograph",
    "Get the Business Briefing", "Sign up", "Topics", "Strikes", "Related stories",
    "Opinion: the robots", "Comments", "harbourwatcher", "server farm", "Most read",
    "Lifeboat crew", "About us", "All rights reserved", "Press Standards", "Updated",
    # The French page
    "Ce site utilise des cookies", "Tout accepter", "Accueil", "L’actualité de la Drôme",
    "S’abonner", "Claire Morel", "Publié le", "Partager", "Lire aussi", "À lire aussi",
    "Restrictions d’eau", "collinaires", "Drought", "Réactions", "Pierrot26",
    "moins gourmandes", "Mentions légales", "Tous droits réservés",
    # The JSON-LD page
    "Your town", "E-edition", "Classifieds", "Posted by", "4 comments", "Tweet", "Print",
    "Tags:", "Popular this week", "School board", "Bill R.", "wheelchair", "Powered by",
)


def read(name):
    return (FIXTURES / name).read_bytes()


def parsed(name_or_bytes):
    data = read(name_or_bytes) if isinstance(name_or_bytes, str) else name_or_bytes
    [article] = pages.parse(data)
    return article


def page(body, head="", lang="en"):
    """A small page of our own: `head` and `body` as given."""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>").encode()


STORY_TEXT = ("<p>The harbour master said on Monday that the new breakwater would be finished "
              "before the winter storms, two years later than first planned.</p>"
              "<p>Work had stopped twice when the contractor ran short of stone from the "
              "quarry at Penmoor, which closed for repairs last spring.</p>")


def assert_clean(paragraphs):
    for paragraph in paragraphs:
        assert paragraph == " ".join(paragraph.split())
        for mark in ("<", ">", "&amp;", "&rsquo;", "&nbsp;", "\xa0", "adnet", "dataLayer"):
            assert mark not in paragraph, (mark, paragraph)
        for words in BOILERPLATE:
            assert words not in paragraph, (words, paragraph)


# -------------------------------------------------------------------------------------------
# The parser: what a page's metadata gives


def test_an_english_news_page_gives_its_metadata():
    article = parsed(ENGLISH)
    assert article.headline == "Dockers end nine-day strike at Port Avery after pay deal"
    # The canonical address, not og:url with its tracking parameter.
    assert article.url == f"{GAZETTE}/news/2025/04/01/port-avery-strike-ends"
    assert article.published == dt.datetime(2025, 4, 1, 7, 30, tzinfo=dt.UTC)
    assert article.published.utcoffset() == dt.timedelta(0)
    assert article.source_name == "The Harbour Gazette"
    assert article.language == "en"  # from en-GB
    assert article.tags == ("Port Avery", "Strikes", "Shipping")
    assert (article.kicker, article.image_caption) == ("", "")
    assert article.original == read(ENGLISH)
    assert article.original_format == formats.HTML
    assert article.warnings == ()


def test_an_english_news_page_keeps_the_story_and_none_of_its_boilerplate():
    article = parsed(ENGLISH)
    assert article.paragraphs == ENGLISH_BODY
    assert_clean(article.paragraphs)
    assert article.body_line == 78  # the lead's <p> in the file


def test_the_related_box_becomes_story_items_in_the_pages_order():
    article = parsed(ENGLISH)
    assert article.sidebar == STORIES
    assert [(item.kind, item.title, item.url, item.language, item.teaser)
            for item in article.related] == [
        (STORY, "Port Avery dockers walk out over pay and automation",
         f"{GAZETTE}/news/2025/03/24/port-avery-strike-begins", "", ""),
        (STORY, "Fruit growers fear for the spring harvest as the strike drags on",
         f"{GAZETTE}/business/2025/03/28/growers-fear-for-harvest", "", ""),
        (STORY, "Opinion: the robots are coming to our ports, and we are not ready",
         f"{GAZETTE}/opinion/2025/03/31/automation-ports", "", ""),
    ]  # and not the "Most read" list


def test_a_french_page_in_windows_1252_declared_as_iso_8859_1():
    article = parsed(FRENCH)
    assert article.headline == ("Sécheresse : les agriculteurs de la Drôme obtiennent des "
                                "aides d’urgence")  # og:title, not JSON-LD's
    assert article.language == "fr"  # from fr-FR
    assert article.source_name == "Le Courrier de la Vallée"  # og:site_name, not JSON-LD's
    assert article.published == dt.datetime(2025, 6, 12, 5, 15, tzinfo=dt.UTC)
    assert article.url == f"{COURRIER}/economie/2025/06/12/secheresse-aides-agriculteurs-drome"
    assert article.tags == ("Sécheresse", "Agriculture", "Drôme")
    assert article.lead.startswith("Le préfet de la Drôme a annoncé mercredi")
    # Bytes Windows-1252 has and ISO-8859-1 has not: read as browsers read them.
    assert "le cœur de l’été n’est pas encore là" in article.body
    assert len(article.paragraphs) == 5
    assert article.paragraphs[-1].startswith("Les nappes phréatiques")
    assert_clean(article.paragraphs)


def test_a_french_pages_a_lire_aussi_box_with_an_item_in_english():
    article = parsed(FRENCH)
    assert [(item.title, item.url, item.language) for item in article.related] == [
        ("Restrictions d’eau : 180 communes de la Drôme en alerte renforcée",
         f"{COURRIER}/actualite/2025/06/03/restrictions-eau-drome", ""),
        ("Irrigation : le projet de retenues collinaires relancé",
         f"{COURRIER}/economie/2025/05/28/irrigation-retenues", ""),
        # Only a language other than the article's is recorded, as for a scraped sidebar.
        ("Drought: Drôme campsites brace for a difficult summer season",
         f"{COURRIER}/english/2025/06/10/drought-tourism", "en"),
    ]


def test_a_page_with_json_ld_and_no_open_graph():
    article = parsed(JSON_LD)
    # The h1, not the <title> with the site's name appended.
    assert article.headline == "Lighthouse keeper’s cottage reopens as a museum"
    assert article.published == dt.datetime(2025, 5, 9, 20, 45, tzinfo=dt.UTC)
    assert article.source_name == "Northshore Weekly"  # the publisher's name
    assert article.url == "https://northshore-weekly.example/local/lighthouse-cottage-museum-opens"
    assert article.tags == ("Gull Point", "museums", "local history")  # its keywords
    assert article.language == "en"  # no lang, no locale: detected
    assert (article.related, article.sidebar) == ((), None)  # "Popular this week" is no box
    assert len(article.paragraphs) == 5
    assert article.lead.startswith("The keeper’s cottage at Gull Point")
    assert_clean(article.paragraphs)


@pytest.mark.parametrize(("head", "expected"), [
    ('<meta property="og:title" content="From Open Graph"><title>The title | Gazette</title>',
     "From Open Graph"),
    ('<title>A title | The Gazette</title><meta property="og:site_name" content="The Gazette">',
     "A title"),
    ("<title>A title with nothing else</title>", "A title with nothing else"),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "From JSON-LD"}'
     "</script><title>T - Gazette</title>", "From JSON-LD"),
])
def test_the_headline_without_an_h1(head, expected):
    assert parsed(page(f"<article>{STORY_TEXT}</article>", head)).headline == expected


def test_the_headline_is_the_articles_h1_not_the_mastheads():
    article = parsed(page(f'<header><h1 class="logo">The Gazette</h1></header>'
                          f"<article><h1>Breakwater to be finished by winter</h1>"
                          f"{STORY_TEXT}</article>"))
    assert article.headline == "Breakwater to be finished by winter"
    assert article.lead.startswith("The harbour master said")  # the h1 is not the lead


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-04-01T09:30:00Z", dt.datetime(2025, 4, 1, 9, 30, tzinfo=dt.UTC)),
    ("2025-04-01T09:30:00.250-05:00", dt.datetime(2025, 4, 1, 14, 30, 0, 250000, tzinfo=dt.UTC)),
    ("2025-04-01T09:30:00", dt.datetime(2025, 4, 1, 9, 30, tzinfo=dt.UTC)),  # UTC: no offset
    ("2025-04-01", dt.datetime(2025, 4, 1, tzinfo=dt.UTC)),
])
def test_the_published_time_is_aware_and_in_utc(value, expected):
    head = f'<meta property="article:published_time" content="{value}">'
    assert parsed(page(STORY_TEXT, head)).published == expected


@pytest.mark.parametrize("value", ["last Tuesday", "0001-01-01T00:00:00+01:00",
                                   "2400-01-01T00:00:00Z"])
def test_a_published_time_that_is_no_time_is_left_out_with_a_warning(value):
    head = f'\n<meta property="article:published_time" content="{value}">'
    article = parsed(page(STORY_TEXT, head))
    assert article.published is None
    assert article.warnings == ((2, f"article:published_time {value!r} is not an ISO 8601 time "
                                    "of the years 1800 to 2200: left out"),)


def test_json_ld_gives_the_time_when_the_meta_is_no_time():
    head = ('<meta property="article:published_time" content="soon">'
            '<script type="application/ld+json">[{"@type": "NewsArticle", '
            '"datePublished": "2025-04-01T10:00:00+01:00"}]</script>')
    article = parsed(page(STORY_TEXT, head))
    assert (article.published, article.warnings) == (
        dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC), ())


@pytest.mark.parametrize(("lang", "head", "expected"), [
    ("fr-FR", "", "fr"),
    ("pt_BR", "", "pt"),
    ("", '<meta property="og:locale" content="fr_CA">', "fr"),
    ("", "", "en"),  # detected from the text
])
def test_the_language_from_the_page_else_detected(lang, head, expected):
    assert parsed(page(STORY_TEXT, head, lang=lang)).language == expected


def test_a_relative_canonical_address_is_read_against_og_url():
    head = ('<link rel="canonical" href="/news/breakwater">'
            '<meta property="og:url" content="https://gazette.example/news/breakwater?ref=x">')
    assert parsed(page(STORY_TEXT, head)).url == "https://gazette.example/news/breakwater"


def test_related_links_are_made_absolute_against_the_pages_address():
    box = ('<aside><h2>Read more</h2><ul><li><a href="../older">Older story</a></li>'
           '<li><a href="#top">Back to the top</a></li>'
           '<li><a href="javascript:void(0)">More</a></li><li><a href="mailto:a@b.c">Mail</a></li>'
           '<li><a href="https://other.example/x">Elsewhere</a></li></ul></aside>')
    with_url = parsed(page(STORY_TEXT + box,
                           '<link rel="canonical" href="https://gazette.example/news/a/b">'))
    # A link within the page, or to a script or an address, is no story.
    assert [(i.title, i.url) for i in with_url.related] == [
        ("Older story", "https://gazette.example/news/older"),
        ("Elsewhere", "https://other.example/x")]
    without_url = parsed(page(STORY_TEXT + box))
    assert [(i.title, i.url) for i in without_url.related] == [
        ("Older story", ""), ("Elsewhere", "https://other.example/x")]


def test_a_related_link_longer_than_the_sidebar_holds_is_left_out():
    long_title = "A " + "very " * 80 + "long link"
    long_url = "https://gazette.example/" + "x" * 600
    box = (f'<section class="related-articles"><ul><li><a href="/a">{long_title}</a></li>'
           f'<li><a href="{long_url}">A long address</a></li>'
           f'<li><a href="/b">A short one</a></li></ul></section>')
    article = parsed(page(STORY_TEXT + box, '<link rel="canonical" href="https://gazette.example/">'))
    assert [(i.title, i.url) for i in article.related] == [
        ("A long address", ""), ("A short one", "https://gazette.example/b")]


# -------------------------------------------------------------------------------------------
# The parser: what is left out of a body


def story_with(inserted):
    """The article of a page whose story has `inserted` after its first paragraph."""
    first, second = STORY_TEXT.split("</p>", 1)
    return parsed(page(f"<article>{first}</p>{inserted}{second}</article>"))


@pytest.mark.parametrize("promo", [
    "<p>Read also: <a href='/x'>Another story about the port</a></p>",
    "<p><b>READ MORE:</b> <a href='/x'>Another story about the port</a></p>",
    "<p>» Lire aussi : <a href='/x'>Un autre article sur le port</a></p>",
    "<p>À lire également - Un autre article sur le port de la ville</p>",
    "<p>See also — the council's report on the harbour, published last week</p>",
])
def test_a_promo_for_another_story_is_left_out(promo):
    article = story_with(promo)
    assert len(article.paragraphs) == 2
    assert article.paragraphs[1].startswith("Work had stopped twice")


@pytest.mark.parametrize("links", [
    # A tag list under its label, and a promo labelled in a language the labels do not know:
    # trafilatura keeps both.
    "<p>Tags: <a href='/t/ports'>Ports and harbours</a>, <a href='/t/storms'>Winter "
    "storms</a>, <a href='/t/penmoor'>Penmoor quarry</a></p>",
    "<p><strong>Lesen Sie auch:</strong> <a href='/x'>Hafenarbeiter in Port Avery "
    "streiken</a></p>",
])
def test_a_paragraph_made_of_links_is_left_out(links):
    article = story_with(links)
    assert len(article.paragraphs) == 2
    assert article.paragraphs[1].startswith("Work had stopped twice")


def test_a_paragraph_with_a_link_in_it_is_kept():
    text = ("<p>The <a href='/report'>council's report</a> said the delay had cost the town "
            "more than four million pounds in lost harbour fees since the work began.</p>")
    article = parsed(page(f"<article>{STORY_TEXT}{text}</article>"))
    assert article.paragraphs[-1].startswith("The council's report said the delay")


def test_entities_scripts_and_markup_never_reach_the_body():
    body = ("<article><p>Caf&eacute; owners &amp; fishermen met at&nbsp;noon &ndash; "
            "&ldquo;again&rdquo;, said one of them, a man who had fished the bay for forty "
            "years for R&amp;D and AT&amp;Times&amp;notice.</p><script>alert('x')</script>"
            "<noscript>Enable JavaScript</noscript>"
            "<p>The town&amp;rsquo;s mayor <em>promised</em> a <strong>meeting</strong> with "
            "the harbour board before the end of the month.<br>Nobody came.</p></article>")
    article = parsed(page(body))
    assert article.paragraphs == (
        "Café owners & fishermen met at noon – “again”, said one of them, a man who had "
        "fished the bay for forty years for R&D and AT&Times&notice.",
        "The town’s mayor promised a meeting with the harbour board before the end of the "
        "month. Nobody came.")


LONG_STORY = "".join(STORY_TEXT.replace("Monday", f"day {day}").replace("twice", f"{day} times")
                     for day in range(20))


@pytest.mark.parametrize(("body", "paragraphs"), [
    (f'<div class="cookie-offset"><article>{STORY_TEXT}</article></div>', 2),
    (f'<div class="page has-cookie-notice">{LONG_STORY}</div>', 40),
    (f'<div class="post author-box-below">{STORY_TEXT}</div>', 2),
])
def test_a_story_in_a_wrapper_named_like_furniture_is_kept(body, paragraphs):
    assert len(parsed(page(body)).paragraphs) == paragraphs


@pytest.mark.parametrize("name", [NAVIGATION, COOKIE_WALL])
def test_a_page_of_navigation_or_a_cookie_wall_holds_no_article(name):
    with pytest.raises(ParseError, match=rf"^{pages.NO_TEXT}$"):
        pages.parse(read(name))


@pytest.mark.parametrize("body", [
    "",
    "<h1>Breakwater to be finished by winter</h1>",
    "<div class='consent'><p>We and our partners use cookies to store and access information "
    "on your device, to personalise content and to measure our audience.</p>"
    "<button>Accept</button></div>",
    "<div role='dialog'><p>Subscribe to read this story. Our journalism is funded by readers "
    "like you, and a subscription costs less than a cup of coffee a week.</p></div>",
])
def test_a_page_with_no_story_holds_no_article(body):
    head = '<meta property="og:title" content="Breakwater to be finished by winter">'
    with pytest.raises(ParseError, match=rf"^{pages.NO_TEXT}$"):
        pages.parse(page(body, head))


# -------------------------------------------------------------------------------------------
# The parser: bytes that are no page


def test_the_declared_charset_is_read():
    data = ('<html lang="ru"><head><meta charset="koi8-r"></head><body><article>'
            "<p>Порт возобновил работу во вторник после девятидневной забастовки докеров, "
            "сообщили власти города.</p></article></body></html>").encode("koi8-r")
    assert parsed(data).lead.startswith("Порт возобновил работу")


def test_a_page_that_is_not_the_charset_it_declares_is_read_with_a_warning():
    data = page(STORY_TEXT.replace("harbour master", "capitaine du port, été — naïve")).replace(
        b'<meta charset="utf-8">', b'<meta charset="euc-kr">')
    article = parsed(data)
    assert "capitaine du port, été — naïve" in article.lead
    assert article.warnings == ((1, "the page declares euc_kr but is not euc_kr text: read "
                                    "as UTF-8, else Windows-1252"),)


def test_an_undeclared_page_is_utf_8_else_windows_1252():
    text = page(STORY_TEXT.replace("harbour master", "capitaine du port é"))
    undeclared = text.replace(b'<meta charset="utf-8">', b"")
    assert "capitaine du port é" in parsed(undeclared).lead
    cp1252 = undeclared.decode().encode("cp1252")
    assert "capitaine du port é" in parsed(cp1252).lead
    # A page that says UTF-8 and is not: read as Windows-1252.
    mislabelled = text.decode().encode("cp1252")
    assert "capitaine du port é" in parsed(mislabelled).lead


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "the file is binary, not text (it holds NUL"),
    (b"<html><body><p>Ca\x81\x8d\x9d</p></body></html>",
     "the file is neither UTF-8 nor Windows-1252 text"),
    (b"Just a note, saved with the wrong name.\n", "the file is not HTML: it holds no HTML "
                                                    "element"),
    (b'{"headline": "Breakwater", "body_text": "<p>The harbour master said</p>"}',
     "the file is not HTML"),
    (b'<?xml version="1.0"?>\n<rss version="2.0"><channel><item><title>T</title>'
     b"<description>&lt;p&gt;Text&lt;/p&gt;</description></item></channel></rss>",
     "the file is a feed, not an HTML page: name it .rss or .atom"),
])
def test_bytes_that_are_no_html_page_are_refused_with_their_reason(data, reason):
    with pytest.raises(ParseError) as refused:
        pages.parse(data)
    assert refused.value.reason.startswith(reason)


def test_an_xhtml_page_with_an_xml_declaration():
    data = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<html xmlns="http://www.w3.org/1999/'
            'xhtml" xml:lang="de"><head><title>Der Hafen</title></head><body><div><p>Der '
            "Hafenmeister kündigte am Montag an, dass der neue Wellenbrecher vor den "
            "Winterstürmen fertig wird.</p></div></body></html>").encode("cp1252")
    article = parsed(data)
    assert article.lead.startswith("Der Hafenmeister kündigte am Montag an")
    assert article.language == "de"  # xml:lang: no detector of ours knows German


def test_the_original_reads_back_as_the_same_article():
    article = parsed(FRENCH)
    again = formats.read_original(article.original_format, article.original)
    assert again == article


# -------------------------------------------------------------------------------------------
# The import, end to end


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in (ENGLISH, FRENCH, JSON_LD, NAVIGATION, COOKIE_WALL):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "not-a-page.htm").write_bytes(b"Just a note, saved with the wrong name.\n")
    (folder / "garbled.html").write_bytes(b"<html><body><p>Ca\x81\x8d\x9d</p></body></html>")
    return folder


def outcomes(out):
    """{file name: outcome} from the lines of `-v 2`."""
    return dict(line.rsplit(": ", 1) for line in out.splitlines() if line.startswith("/"))


@pytest.mark.django_db
def test_a_folder_of_pages_imports_with_their_metadata_and_clean_bodies(folder):
    code, _, err = run(folder, verbosity="2")
    assert code == 1  # pages failed
    assert [line for line in err.splitlines() if line.startswith("failed")] == [
        f"failed {folder / COOKIE_WALL}: the page holds no article text",
        f"failed {folder / 'garbled.html'}: the file is neither UTF-8 nor Windows-1252 text",
        f"failed {folder / NAVIGATION}: the page holds no article text",
        f"failed {folder / 'not-a-page.htm'}: the file is not HTML: it holds no HTML element",
    ]
    articles = {a.headline: a for a in Article.objects.select_related("source")}
    assert len(articles) == 3
    english = articles["Dockers end nine-day strike at Port Avery after pay deal"]
    french = articles["Sécheresse : les agriculteurs de la Drôme obtiennent des aides d’urgence"]
    lighthouse = articles["Lighthouse keeper’s cottage reopens as a museum"]
    assert {a.headline_proposed for a in articles.values()} == {False}
    assert (english.source.name, french.source.name, lighthouse.source.name) == (
        "The Harbour Gazette", "Le Courrier de la Vallée", "Northshore Weekly")
    assert (english.language, french.language, lighthouse.language) == ("en", "fr", "en")
    assert english.published_at == dt.datetime(2025, 4, 1, 7, 30, tzinfo=dt.UTC)
    assert french.published_at == dt.datetime(2025, 6, 12, 5, 15, tzinfo=dt.UTC)
    assert lighthouse.published_at == dt.datetime(2025, 5, 9, 20, 45, tzinfo=dt.UTC)
    assert english.original_url == f"{GAZETTE}/news/2025/04/01/port-avery-strike-ends"
    assert english.body == "\n\n".join(ENGLISH_BODY)
    for article in articles.values():
        assert_clean(article.body.split("\n\n"))
    assert sorted(t.name for t in english.tags.all()) == ["Port Avery", "Shipping", "Strikes"]
    assert sorted(t.name for t in lighthouse.tags.all()) == [
        "Gull Point", "local history", "museums"]
    assert list(french.related_links.values_list("kind", "title", "language", "url")) == [
        (STORY, "Restrictions d’eau : 180 communes de la Drôme en alerte renforcée", "",
         f"{COURRIER}/actualite/2025/06/03/restrictions-eau-drome"),
        (STORY, "Irrigation : le projet de retenues collinaires relancé", "",
         f"{COURRIER}/economie/2025/05/28/irrigation-retenues"),
        (STORY, "Drought: Drôme campsites brace for a difficult summer season", "en",
         f"{COURRIER}/english/2025/06/10/drought-tourism"),
    ]
    for name, article in ((ENGLISH, english), (FRENCH, french), (JSON_LD, lighthouse)):
        original = ImportedOriginal.objects.get(article=article)
        assert original.format == formats.HTML
        assert bytes(original.content) == read(name)
        again = formats.read_original(original.format, bytes(original.content))
        assert again.body == article.body
        assert again.headline == article.headline


@pytest.mark.django_db
def test_a_second_run_changes_nothing(folder):
    run(folder)
    before = table_state()
    code, out, _ = run(folder, verbosity="2")
    assert code == 1
    assert outcomes(out) == {str(folder / name): outcome for name, outcome in (
        (ENGLISH, "unchanged"), (FRENCH, "unchanged"), (JSON_LD, "unchanged"),
        (NAVIGATION, "failed"), (COOKIE_WALL, "failed"), ("not-a-page.htm", "failed"),
        ("garbled.html", "failed"))}
    assert table_state() == before
    assert ImportedOriginal.objects.count() == 3
    assert Source.objects.count() == 3


def article_page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_readers_page_shows_the_related_box_linked_to_our_article_or_the_original(
        tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(FIXTURES / ENGLISH, folder / ENGLISH)
    # The first related story, imported too: the item links to our article, not the site's.
    (folder / "strike-begins.html").write_bytes(page(
        "<article><h1>Port Avery dockers walk out over pay and automation</h1>"
        "<p>Dockers at Port Avery walked out on Monday over pay and the port authority's plans "
        "to bring in automated cranes at the container terminal.</p></article>",
        '<meta property="og:site_name" content="The Harbour Gazette">'
        f'<link rel="canonical" href="{GAZETTE}/news/2025/03/24/port-avery-strike-begins">'))
    code, _, _ = run(folder, publish=True)
    assert code == 0
    english = Article.objects.get(original_url__endswith="port-avery-strike-ends")
    begins = Article.objects.get(original_url__endswith="port-avery-strike-begins")
    links = list(english.related_links.order_by("position"))
    assert [link.target_id for link in links] == [begins.pk, None, None]

    html = article_page(Client(), english)
    box = html[html.index('id="related-stories-title"'):]
    box = box[:box.index("</section>")]
    assert f'<a href="{begins.get_absolute_url()}">Port Avery dockers walk out' in box
    assert (f'<a href="{GAZETTE}/business/2025/03/28/growers-fear-for-harvest">Fruit growers '
            "fear for the spring harvest as the strike drags on</a>") in box
    assert f'<a href="{GAZETTE}/opinion/2025/03/31/automation-ports">Opinion:' in box
    assert "…" not in box  # whole headlines, not cut teasers
    assert "<p>Members of the Transport &amp; Dock Workers’ Union voted by 81%" in html
    assert "Read also" not in html


@pytest.mark.django_db
def test_the_readers_page_marks_a_related_item_in_another_language(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(FIXTURES / FRENCH, folder / FRENCH)
    run(folder, publish=True)
    html = article_page(Client(), Article.objects.get())
    assert (f'<a href="{COURRIER}/english/2025/06/10/drought-tourism" lang="en">Drought: Drôme '
            "campsites brace") in html
    assert "le cœur de l’été n’est pas encore là" in html


@pytest.mark.django_db
def test_the_desk_shows_the_imported_page_and_reads_it_back(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(FIXTURES / FRENCH, folder / FRENCH)
    run(folder)
    article = Article.objects.get()
    client = Client()
    client.force_login(make_user("editor", "Editor", is_staff=True))
    response = client.get(reverse("admin:articles_article_original", args=[article.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dt>Format</dt><dd>Saved article page</dd>" in html
    assert "cannot be read again" not in html
    assert "The story reads as the file did." in html
    # The page as read, decoded, shown as text (never as markup).
    assert "&lt;meta property=&quot;og:site_name&quot;" in html
    assert "le cœur de l’été" in html
    # The story now, its sidebar's items by their headlines.
    assert ("<li>Story: Irrigation : le projet de retenues collinaires relancé → "
            f"{COURRIER}/economie/2025/05/28/irrigation-retenues</li>") in html
    assert RelatedLink.objects.filter(article=article).count() == 3



@pytest.mark.django_db
def test_the_desk_shows_a_page_in_its_declared_charset(tmp_path):
    # Shift_JIS holds bytes that are neither UTF-8 nor Windows-1252.
    text = "港湾労働者は火曜日の朝、九日間のストライキを終えて仕事に戻った。"
    (tmp_path / "port.html").write_bytes(
        ('<html lang="ja"><head><meta charset="shift_jis"></head><body><article>'
         f"<p>{text}</p></article></body></html>").encode("shift_jis"))
    assert run(tmp_path, source="Wire")[0] == 0
    article = Article.objects.get()
    assert (article.body, article.language) == (text, "ja")
    client = Client()
    client.force_login(make_user("editor", "Editor", is_staff=True))
    response = client.get(reverse("admin:articles_article_original", args=[article.pk]))
    assert response.status_code == 200
    assert "&lt;meta charset=&quot;shift_jis&quot;&gt;" in response.content.decode()
    assert text in response.content.decode()
