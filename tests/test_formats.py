"""The formats an import reads, together (articles/ingest/formats/__init__.py): a folder of
every format in one run, the same story arriving in several formats, the fuller text kept
whatever the order, and the items of a document named in the report. Each format's own rules
are tested in test_formats_feeds, test_formats_ninjs and test_formats_pages."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from articles.ingest import formats
from articles.models import Article, ImportedOriginal
from tests.import_helpers import run, table_state

pytestmark = pytest.mark.django_db

MIXED = Path(__file__).resolve().parent / "fixtures" / "formats" / "mixed"
UTC = dt.UTC

COUNCIL = "https://www.sahelwire.example/2026/11/30/council-budget/"
CUSTOMS = "https://www.sahelwire.example/2026/11/29/customs-deal/"
RAINS = "https://www.sahelwire.example/2026/11/28/early-rains/"
CONSEIL = "https://www.courrier-sahel.example/2026/11/30/conseil-budget"


def articles_by_url():
    return {article.original_url: article for article in
            Article.objects.select_related("source").prefetch_related("tags")}


def copy_of(tmp_path, *folders):
    target = tmp_path / "in"
    for folder in folders or [path.name for path in MIXED.iterdir()]:
        shutil.copytree(MIXED / folder, target / folder)
    return target


def test_a_folder_of_every_format_imports_in_one_run(tmp_path):
    code, out, err = run(copy_of(tmp_path), verbosity=2)
    assert code == 0, err
    found = articles_by_url()
    # Six documents' seven items, four stories: the text file and a feed's teaser of it, a feed's
    # teaser and the NINJS item, an Atom entry's summary and the saved page.
    assert set(found) == {COUNCIL, CUSTOMS, RAINS, CONSEIL}
    assert Article.objects.count() == 4

    council, customs, rains, conseil = (found[url] for url in (COUNCIL, CUSTOMS, RAINS, CONSEIL))
    assert council.headline == "Sahel ministers adopt the joint force's budget"
    assert council.body.startswith("The Sahel alliance's council of ministers met in Niamey")
    assert customs.headline == "Trade ministers sign the customs deal"
    assert customs.body.count("\n\n") == 2 and "single tariff" in customs.body
    assert customs.published_at == dt.datetime(2026, 11, 29, 16, 30, tzinfo=UTC)
    assert rains.body == (
        "Farmers in the south of Mali welcomed early rains this week, which they said could "
        "lift the millet harvest after two dry years.\n\n"
        "“If it goes on like this, we will eat well,” said a farmer in Sikasso.")
    assert conseil.headline == "Le conseil des ministres adopte le budget de la force conjointe"
    assert conseil.language == "fr" and rains.language == "en"
    assert conseil.published_at == dt.datetime(2026, 11, 30, 19, 30, tzinfo=UTC)
    for boilerplate in ("cookies", "Lire aussi", "Partager", "Commentaires", "droits réservés",
                        "<", "&"):
        assert boilerplate not in conseil.body
    assert conseil.body.startswith("Réunis lundi à Niamey")

    assert {a.source.name for a in found.values()} == {"Sahel Wire", "Le Courrier du Sahel"}
    assert conseil.source.name == "Le Courrier du Sahel"
    assert {tag.name for tag in rains.tags.all()} == {"Climate", "Farming"}
    assert {tag.name for tag in customs.tags.all()} >= {"Economy", "Trade"}
    assert not any(a.headline_proposed for a in found.values())
    # Each story keeps the original of the text it shows.
    formats_kept = dict(ImportedOriginal.objects.values_list("article__original_url", "format"))
    assert formats_kept == {COUNCIL: "text", CUSTOMS: "ninjs", RAINS: "rss", CONSEIL: "html"}

    assert ("feeds/sahel-wire.rss#1: unchanged — the article keeps its fuller text (Scraped "
            "text file)") in out
    assert out.rstrip().splitlines()[-1].startswith(
        "7 files: 4 created, 0 updated, 3 unchanged, 0 skipped, 0 held, 0 failed.")


def test_a_second_run_of_every_format_changes_nothing(tmp_path):
    folder = copy_of(tmp_path)
    run(folder)
    before = table_state()
    code, out, _ = run(folder)
    assert code == 0
    assert table_state() == before
    assert "0 created, 0 updated, 7 unchanged" in out


@pytest.mark.parametrize("first, then", [(("feeds",), ("ninjs", "pages")),
                                         (("ninjs", "pages"), ("feeds",))])
def test_the_fuller_text_wins_whichever_format_arrives_first(tmp_path, first, then):
    run(copy_of(tmp_path / "1", *first))
    code, _, _ = run(copy_of(tmp_path / "2", *then))
    assert code == 0
    found = articles_by_url()
    assert len(found) == 4  # one article a story
    assert found[CUSTOMS].body.startswith("Trade ministers of the three states signed")
    assert found[CONSEIL].body.startswith("Réunis lundi à Niamey")
    assert dict(ImportedOriginal.objects.values_list("article__original_url", "format")) == {
        COUNCIL: "rss", CUSTOMS: "ninjs", RAINS: "rss", CONSEIL: "html"}


def test_a_feeds_teaser_of_a_live_story_is_no_new_version_of_it(tmp_path):
    run(copy_of(tmp_path / "1", "ninjs"), publish=True)
    code, out, _ = run(copy_of(tmp_path / "2", "feeds"), publish=True, verbosity=2)
    assert code == 0
    customs = Article.objects.get(original_url=CUSTOMS)
    assert customs.status == Article.Status.PUBLISHED
    assert not customs.pending_versions.exists()
    assert "the article keeps its fuller text (IPTC NINJS item)" in out


def test_a_files_format_is_its_extension_in_any_case():
    assert [formats.extension(name) for name in (
        "story.TXT", "feed.Rss", "a.atom", "feed.xml", "item.JSON", "page.htm", "notes.md",
        "archive.tar.gz", "README")] == [
        ".txt", ".rss", ".atom", ".xml", ".json", ".htm", "", "", ""]


def test_a_document_that_holds_no_article_fails_alone(tmp_path):
    folder = copy_of(tmp_path, "a-wire")
    (folder / "empty.json").write_text("[]")
    code, _, err = run(folder, source="Desk")
    assert code == 1
    assert "empty.json: the document holds no article" in err
    assert Article.objects.count() == 1
