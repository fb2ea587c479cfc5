"""The importer service and the import_articles command, on a real database. Dry runs are
tests/test_dryrun.py."""

import io
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from articles.ingest import importer
from articles.ingest.files import iter_inputs
from articles.ingest.importer import import_paths
from articles.ingest.uploads import KINDS
from articles.ingest.writer import ArticleWriter
from articles.models import Article, RelatedLink
from tests import faulty_parsers
from tests.import_helpers import (
    STORY_FILE,
    VIDEO_FILE,
    linked_pair,
    manifest,
    run,
    table_state,
    write,
)

pytestmark = pytest.mark.django_db


# -- the seeds ----------------------------------------------------------------------------------


def test_seeds_import_two_articles_with_six_links_each(seeds_dir):
    code, out, _ = run(seeds_dir)

    assert code == 0
    assert "2 created" in out
    assert Article.objects.count() == 2
    for article in Article.objects.all():
        assert article.related_links.count() == 6
        assert article.status == Article.Status.PUBLISHED  # the manifest says so
        assert not article.headline_proposed
    russia = Article.objects.get(source__name="Africanews")
    assert russia.kicker == "Russia"
    assert list(russia.tags.names()) == ["Russia"]
    assert [link.duration_seconds for link in russia.related_links.order_by("position")] == [
        None, 91, 124, None, None, 2883
    ]
    assert len(russia.paragraphs) == 9
    partner = Article.objects.get(source__name="Sahel Partner Desk")
    assert partner.image_caption == "AES leaders and Russia's Putin"
    assert list(partner.tags.names()) == []  # a caption is not a label
    stories = list(partner.related_links.order_by("position"))
    assert all(link.kind == "story" and link.truncated for link in stories)
    assert [link.language for link in stories].count("fr") == 1


def test_running_twice_changes_nothing(seeds_dir):
    run(seeds_dir)
    before = table_state()

    code, out, _ = run(seeds_dir)

    assert code == 0
    assert "0 created, 0 updated, 2 unchanged" in out
    assert table_state() == before


# -- identity and editors' changes --------------------------------------------------------------


def test_changed_file_updates_the_same_article(tmp_path):
    path = write(tmp_path, "a.txt", VIDEO_FILE.format(target="First clip"))
    manifest(tmp_path, [{"file": "a.txt", "source": "wire", "headline": "Joint force agreed",
                         "url": "https://example.com/a"}])
    run(tmp_path)
    article = Article.objects.get()

    path.write_text(path.read_text().replace("Monday", "Tuesday"))
    code, out, _ = run(tmp_path)

    assert code == 0 and "1 updated" in out
    article.refresh_from_db()
    assert Article.objects.count() == 1
    assert "Tuesday" in article.body


def test_same_body_without_url_is_the_same_article(tmp_path):
    write(tmp_path / "one", "a.txt", VIDEO_FILE.format(target="Clip"))
    # The same story saved again with other spacing and quote style.
    write(tmp_path / "two", "b.txt", VIDEO_FILE.format(target="Clip").replace("  ", " "))
    run(tmp_path / "one", source="Test Wire")

    code, out, _ = run(tmp_path / "two", source="Test Wire")

    assert code == 0 and "1 unchanged" in out
    assert Article.objects.count() == 1


def test_editor_changes_survive_reimport(tmp_path):
    path = write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    manifest(tmp_path, [{"file": "a.txt", "source": "wire", "headline": "Joint force agreed",
                         "url": "https://example.com/a"}])
    run(tmp_path)
    article = Article.objects.get()
    article.headline = "Sahel states agree a 5,000-strong joint force"
    article.save()
    link = article.related_links.get(position=1)
    link.title = "Corrected clip title"
    link.save()

    path.write_text(path.read_text().replace("Monday", "Tuesday"))
    code, out, _ = run(tmp_path)

    assert code == 0
    assert "1 skipped" in out and "changed by an editor" in out
    article.refresh_from_db()
    assert article.headline == "Sahel states agree a 5,000-strong joint force"
    assert "Monday" in article.body
    assert article.related_links.get(position=1).title == "Corrected clip title"


def test_publishing_is_not_an_edit_that_blocks_updates(tmp_path):
    path = write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    manifest(tmp_path, [{"file": "a.txt", "source": "wire", "headline": "Joint force agreed",
                         "url": "https://example.com/a"}])
    run(tmp_path)
    Article.objects.update(status="review")

    path.write_text(path.read_text().replace("Monday", "Tuesday"))
    _, out, _ = run(tmp_path)

    assert "1 updated" in out
    assert Article.objects.get().status == "review"


# -- headlines, status, tags --------------------------------------------------------------------


def test_without_a_headline_one_is_proposed_and_the_article_stays_a_draft(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))

    run(tmp_path, source="Test Wire", publish=True)

    article = Article.objects.get()
    assert article.headline_proposed
    assert article.status == Article.Status.DRAFT
    assert article.headline.startswith("The ministers met in Niamey")
    assert article.slug.startswith("the-ministers-met-in-niamey")
    assert list(article.tags.names()) == ["Sahel"]


def test_publish_flag_publishes_articles_with_headlines(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    manifest(tmp_path, [{"file": "a.txt", "source": "wire", "headline": "Joint force agreed"}])

    run(tmp_path, publish=True)

    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at is not None
    assert Article.objects.published().count() == 1


def test_same_headline_gets_a_distinct_slug(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    write(tmp_path, "b.txt", STORY_FILE.format(lead="A different lead entirely, about trade."))
    manifest(tmp_path, [
        {"file": "a.txt", "source": "wire", "headline": "Same words"},
        {"file": "b.txt", "source": "wire", "headline": "Same words"},
    ])

    run(tmp_path)

    assert sorted(Article.objects.values_list("slug", flat=True)) == ["same-words",
                                                                      "same-words-2"]


# -- bad input ----------------------------------------------------------------------------------


def test_a_bad_file_among_good_ones_fails_alone(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    write(tmp_path, "b.txt", "Only a kicker\n")
    (tmp_path / "c.txt").write_bytes(b"\x00\x01binary\x00")
    write(tmp_path, "d.txt", STORY_FILE.format(lead="Another story about trade."))

    code, out, err = run(tmp_path, source="Test Wire")

    assert code == 1
    assert "2 created" in out and "2 failed" in out
    assert f"{tmp_path / 'b.txt'}:1: the file has no body paragraphs" in err
    assert f"{tmp_path / 'c.txt'}: the file is binary" in err
    assert Article.objects.count() == 2


def test_no_source_is_a_clear_failure(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))

    code, _, err = run(tmp_path)

    assert code == 1
    assert "no source for this file" in err
    assert Article.objects.count() == 0


def test_a_broken_manifest_fails_its_files_and_names_its_line(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    (tmp_path / "manifest.toml").write_text('[[article]]\nfile = "a.txt"\nsource = "nope"\n')

    code, _, err = run(tmp_path, source="Test Wire")

    assert code == 1
    assert f"{tmp_path / 'manifest.toml'}:3: article 'a.txt': unknown source key 'nope'" in err
    assert "its manifest is invalid" in err
    assert Article.objects.count() == 0


def test_missing_path_is_reported(tmp_path):
    code, _, err = run(tmp_path / "nowhere.txt", source="Test Wire")
    assert code == 1
    assert "no such file or folder" in err


def test_more_files_than_the_limit_are_refused_before_any_import(tmp_path):
    for name in "abc":
        write(tmp_path, f"{name}.txt", VIDEO_FILE.format(target=f"Clip {name}"))

    with pytest.raises(CommandError, match=r"holds more than 2 article files"):
        call_command("import_articles", str(tmp_path), "--source", "Wire", "--max-files", "2",
                     stdout=io.StringIO())
    assert Article.objects.count() == 0


def test_folder_without_txt_files_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match=r"No article files \(\.txt, "):
        call_command("import_articles", str(tmp_path), stdout=io.StringIO())


class RefusingClipLinks(ArticleWriter):
    """Writes articles, but the database refuses the links of the one with a "Clip" video, as
    it would a row breaking a constraint: after its article row was written."""

    def insert_links(self, rows):
        if any(row["title"] == "Clip" for row in rows):
            raise DataError("simulated failure after the article row was written")
        super().insert_links(rows)


def test_a_database_refusal_leaves_no_half_article(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    write(tmp_path, "b.txt", STORY_FILE.format(lead="Another story about trade."))

    # In a batch with b.txt's, then on its own: the same writer, refusing both times.
    report = import_paths([tmp_path], source_name="Test Wire", writer=RefusingClipLinks())

    assert report.counts()["created"] == 1 and report.counts()["failed"] == 1
    assert "the database refused it" in report.failures[0].reason
    # The failed file left nothing: one article, and it has all its links.
    article = Article.objects.get()
    assert article.related_links.count() == 2


# -- related links ------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["target first", "target last"])
def test_links_resolve_whatever_the_import_order(tmp_path, order):
    a, b = linked_pair(tmp_path)
    first, second = (b, a) if order == "target first" else (a, b)

    run(first)
    run(second)

    link = RelatedLink.objects.get(article__headline="Force agreed", position=0)
    assert link.target.headline == "Trade Ministers Sign “The Deal”"  # case and quotes ignored
    assert RelatedLink.objects.filter(target__isnull=False).count() == 1


def test_story_teasers_resolve_to_the_article_whose_lead_they_start(tmp_path):
    write(tmp_path / "t", "t.txt", STORY_FILE.format(lead="Trade talks opened on Monday."))
    manifest(tmp_path / "t", [{"file": "t.txt", "source": "wire", "headline": "Teasers"}])
    write(tmp_path / "m", "m.txt", """\
        Cameroon
        A 10-month-old baby girl, Bih Irene, has been reported missing following a violent \
        assault on her mother in Bamenda.
        Police have opened an inquiry.
        """)
    manifest(tmp_path / "m", [{"file": "m.txt", "source": "wire", "headline": "Baby missing"}])

    run(tmp_path / "t")
    run(tmp_path / "m")

    link = RelatedLink.objects.get(article__headline="Teasers", position=0)
    assert link.target.headline == "Baby missing"
    assert RelatedLink.objects.get(article__headline="Teasers", position=1).target is None


def test_unresolved_links_are_kept(seeds_dir):
    run(seeds_dir)
    assert RelatedLink.objects.count() == 12
    assert RelatedLink.objects.unresolved().count() == 12


def test_seed_links_resolve_once_their_articles_arrive(seeds_dir, tmp_path):
    shutil.copytree(seeds_dir, tmp_path / "seeds")
    run(tmp_path / "seeds")
    write(tmp_path / "later", "wagner.txt", """\
        Wagner
        The group posted images of abuses on social media, investigators said.
        Rights groups called for an inquiry.
        """)
    manifest(tmp_path / "later", [{
        "file": "wagner.txt", "source": "wire",
        "headline": "Wagner Group faces war crime accusations over posting atrocities on "
                    "social media",
    }])

    _, out, _ = run(tmp_path / "later")

    assert "1 resolved now" in out
    link = RelatedLink.objects.get(target__isnull=False)
    assert link.article.source.name == "Africanews"
    assert link.duration_seconds == 124


def test_a_file_larger_than_any_article_is_refused_unread(tmp_path):
    (tmp_path / "dump.txt").write_bytes(b"x" * (2 * 1024 * 1024 + 1))

    code, _, err = run(tmp_path, source="Test Wire")

    assert code == 1
    assert "dump.txt: the file is 2,097,153 bytes; the limit is 2,097,152" in err


def test_text_longer_than_its_column_fails_with_its_line(tmp_path):
    write(tmp_path, "caption.txt", "C" * 501 + "\nA body paragraph.\n")
    write(tmp_path, "title.txt", "Kicker\nA body paragraph.\nGo to video\n" + "T" * 301 + "\n")

    code, _, err = run(tmp_path, source="Test Wire")

    assert code == 1
    assert f"{tmp_path / 'caption.txt'}:1: the image caption is 501 characters" in err
    assert f"{tmp_path / 'title.txt'}:4: the video title is 301 characters" in err
    assert Article.objects.count() == 0


def test_an_archive_import_renews_the_planner_statistics(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "ANALYZE_AFTER", 3)

    def analysed():
        """Whether the planner has statistics of the articles' table (PostgreSQL: its row
        estimate counts the five articles; SQLite: sqlite_stat1 has rows for it)."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'articles_article'")
                return cursor.fetchone()[0] == Article.objects.count()
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'")
            return cursor.fetchone()[0] > 0

    if connection.vendor == "sqlite" and analysed():
        with connection.cursor() as cursor:  # left by an earlier test's archive import
            cursor.execute("DELETE FROM sqlite_stat1")
    for n in range(2):
        write(tmp_path / "small", f"{n}.txt", f"Kicker\nA short story, number {n}.\n")
    run(tmp_path / "small", source="Wire")
    assert not analysed()  # an import below the threshold leaves them
    for n in range(3):
        write(tmp_path / "archive", f"{n}.txt", f"Kicker\nAn archived story, number {n}.\n")
    run(tmp_path / "archive", source="Wire")
    assert analysed()



@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside the test's transaction
def test_an_archive_import_leaves_postgresql_vacuumed(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "ANALYZE_AFTER", 3)

    def vacuums():
        """How many times the articles' table has been vacuumed by hand (not by autovacuum).
        Not whether its pages are all-visible: that also hangs on other connections' open
        transactions and later writes (so checked, this passed alone, not in the suite)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables"
                           " WHERE relname = 'articles_article'")
            return cursor.fetchone()[0]

    before = vacuums()
    for n in range(3):
        write(tmp_path, f"{n}.txt", f"Kicker\nAn archived story, number {n}.\n")
    run(tmp_path, source="Wire")
    assert vacuums() == before + 1  # an ANALYZE alone leaves the count


def test_a_batch_writes_its_articles_in_a_few_statements_and_indexes_each_for_search(tmp_path):
    # On SQLite the full-text index is written by a trigger, and FTS5 writes out what it holds
    # at every statement: a statement a row made a segment of the index for every article.
    for n in range(30):
        write(tmp_path, f"{n}.txt", f"Kicker\nA story about harvest number w{n}x.\n")

    with CaptureQueriesContext(connection) as queries:
        assert import_paths([tmp_path], source_name="Wire", workers=0).counts()["created"] == 30

    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith('INSERT INTO "articles_article" (')]
    assert not any(" times: " in sql for sql in inserts)  # no executemany
    assert len(inserts) <= 5  # a few statements of set sizes: 16, 8, 4 and 2 rows
    assert sum(sql.count("), (") + 1 for sql in inserts) == 30
    found = {n for n in range(30) if Article.objects.search(f"w{n}x").count() == 1}
    assert found == set(range(30))


# -- manifests that cannot hold, and what the report warns about --------------------------------


@pytest.mark.parametrize("published", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"])
def test_a_date_out_of_range_fails_its_folder_and_other_folders_import(tmp_path, published):
    write(tmp_path / "a", "x.txt", VIDEO_FILE.format(target="Clip"))
    manifest(tmp_path / "a", [{"file": "x.txt", "source": "wire", "headline": "H",
                               "published": published}])
    write(tmp_path / "b", "y.txt", STORY_FILE.format(lead="A story about trade."))

    code, out, err = run(tmp_path, source="Test Wire")

    assert code == 1
    manifest_line = f"{tmp_path / 'a' / 'manifest.toml'}:9: article 'x.txt': published"
    assert f"failed {manifest_line}" in err
    assert "is not between the years 1800 and 2200" in err
    assert f"failed {tmp_path / 'a' / 'x.txt'}: its manifest is invalid: line 9:" in err
    assert "1 created" in out
    assert Article.objects.get().source_file == str(tmp_path / "b" / "y.txt")


@pytest.mark.parametrize("written", ["./a.txt", ".//a.txt", "././a.txt"])
def test_a_manifest_entry_written_with_dots_governs_its_file(tmp_path, written):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    manifest(tmp_path, [{"file": written, "source": "wire", "headline": "Joint force agreed"}])

    code, _, err = run(tmp_path)

    assert code == 0, err
    assert "warning" not in err
    assert Article.objects.get().headline == "Joint force agreed"


def test_a_manifest_entry_that_matches_no_file_is_a_warning(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    write(tmp_path, "notes.md", "Not an article.\n")
    manifest(tmp_path, [{"file": "a.txt", "source": "wire", "headline": "Here"},
                        {"file": "gone.txt", "source": "wire", "headline": "Missing"},
                        {"file": "notes.md", "source": "wire", "headline": "Not an article"}])

    code, out, err = run(tmp_path)

    assert code == 0  # warnings do not fail the run
    where = tmp_path / "manifest.toml"
    assert f"warning {where}:11: no file gone.txt in this folder" in err
    assert (f"warning {where}:16: notes.md is not an article file: only {KINDS} files are "
            "imported") in err
    assert "1 created" in out and out.rstrip().endswith("2 warnings.")


def test_an_entry_is_checked_only_when_its_whole_folder_was_imported(tmp_path):
    write(tmp_path, "a.txt", VIDEO_FILE.format(target="Clip"))
    manifest(tmp_path, [{"file": "a.txt", "source": "wire"}, {"file": "b.txt", "source": "wire"}])

    code, out, err = run(tmp_path / "a.txt")  # one file: b.txt was not asked for

    assert code == 0
    assert "warning" not in err and "warning" not in out


def test_manifests_evicted_while_walking_give_no_false_warnings(tmp_path):
    # Folders nested deeper than the manifests kept while walking, each with its own manifest:
    # the top one is read for top.txt, pushed out on the way down, read again for the deepest
    # file it lists, and checked once the walk has left it.
    deepest = "/".join(f"n{n}" for n in range(10))
    write(tmp_path, "top.txt", VIDEO_FILE.format(target="Top"))
    write(tmp_path, f"{deepest}/last.txt", STORY_FILE.format(lead="The last story of all."))
    manifest(tmp_path, [{"file": "top.txt", "source": "wire"},
                        {"file": f"{deepest}/last.txt", "source": "wire"},
                        {"file": "never.txt", "source": "wire"}])
    for depth in range(1, 11):
        folder = tmp_path.joinpath(*deepest.split("/")[:depth])
        write(folder, "story.txt", f"Kicker\nStory number {depth} of the nested folders.\n")
        manifest(folder, [{"file": "story.txt", "source": "wire"}])

    report = importer.import_paths([tmp_path])

    assert report.ok, report.failures
    assert report.counts()["created"] == 12
    assert [str(warning) for warning in report.warnings] == [
        f"{tmp_path / 'manifest.toml'}:14: no file never.txt in this folder"]


BAD_BYTE_FILE = "Café\nLa terrasse du café est ouverte.\nUn été chaud.\n".encode().replace(
    "été".encode(), b"\xe9t\xc3\xa9")


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "workers"])
def test_a_bad_byte_is_a_warning_with_its_line_and_the_rest_stays_utf8(tmp_path, workers):
    (tmp_path / "a.txt").write_bytes(BAD_BYTE_FILE)

    report = importer.Importer(source_name="Wire", workers=workers).run(
        importer.iter_inputs([tmp_path]))

    assert [str(w) for w in report.warnings] == [
        f"{tmp_path / 'a.txt'}:3: invalid UTF-8 byte replaced with U+FFFD"]
    assert report.ok
    assert report.summary().endswith(" 1 warning.")
    assert Article.objects.get().body == "La terrasse du café est ouverte.\n\nUn \ufffdté chaud."


def test_the_command_prints_warnings_on_stderr_and_succeeds(tmp_path):
    (tmp_path / "a.txt").write_bytes(BAD_BYTE_FILE)

    code, out, err = run(tmp_path, source="Wire")

    assert code == 0
    assert f"warning {tmp_path / 'a.txt'}:3: invalid UTF-8 byte replaced with U+FFFD" in err
    assert "warning" not in out.replace("1 warning.", "")


def test_the_admin_import_page_lists_warnings(client, tmp_path):
    editor = get_user_model().objects.create_user("editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    files = [SimpleUploadedFile("a.txt", BAD_BYTE_FILE),
             SimpleUploadedFile("manifest.toml", b'[[article]]\nfile = "gone.txt"\n')]

    response = client.post("/admin/articles/article/import/", {"files": files, "source": "Wire"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 created" in html and "2 warnings." in html
    assert ("<li><code>a.txt:3</code>: invalid UTF-8 byte replaced with U+FFFD</li>"
            in html)
    assert "<li><code>manifest.toml:2</code>: no file gone.txt in this folder</li>" in html


# -- whatever one file raises, it fails alone ----------------------------------------------------


def three_files(folder, faulty="b.txt"):
    """a.txt, b.txt, c.txt: three stories; `faulty` holds faulty_parsers.MARK."""
    for name, lead in (("a.txt", "The harvest came early in the north this year."),
                       ("b.txt", "Ministers met in Niamey to agree a joint force."),
                       ("c.txt", "Trade talks opened in Dakar on Monday.")):
        mark = " FAULTY" if name == faulty else ""
        write(folder, name, f"Sahel\n{lead}{mark}\nA second paragraph.\n")
    return folder


@pytest.mark.parametrize("batch_size", [1, 500])
def test_an_unexpected_error_parsing_one_file_fails_that_file_alone(tmp_path, caplog,
                                                                    batch_size):
    three_files(tmp_path)

    report = importer.Importer(source_name="Wire", parse=faulty_parsers.overflowing,
                               batch_size=batch_size).run(iter_inputs([tmp_path]))

    outcomes = {Path(r.name).name: (r.status, r.reason) for r in report.results}
    assert outcomes == {
        "a.txt": ("created", ""),
        "b.txt": ("failed", "internal error: OverflowError: date value out of range, see the log"),
        "c.txt": ("created", ""),
    }
    assert Article.objects.count() == 2
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "b.txt" in logged[0].getMessage()
    assert logged[0].exc_info[0] is OverflowError  # the traceback is in the log


def test_an_unexpected_error_writing_a_batch_writes_its_other_files_one_by_one(tmp_path):
    three_files(tmp_path)

    report = importer.Importer(source_name="Wire", parse=faulty_parsers.unwritable).run(
        iter_inputs([tmp_path]))

    outcomes = {Path(r.name).name: r.status for r in report.results}
    assert outcomes == {"a.txt": "created", "b.txt": "failed", "c.txt": "created"}
    assert report.failures[0].reason.startswith("internal error: UnicodeEncodeError: ")
    assert report.failures[0].reason.endswith(", see the log")
    assert sorted(Article.objects.values_list("source_file", flat=True)) == [
        str(tmp_path / "a.txt"), str(tmp_path / "c.txt")]
    assert RelatedLink.objects.count() == 0 and Article.tags.through.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite stores a NUL character")
def test_a_file_whose_look_up_the_database_refuses_fails_alone(tmp_path):
    # PostgreSQL refuses a NUL character in any text, a query's parameters included: the
    # batch's look-up fails, and then each file is looked up alone.
    three_files(tmp_path, faulty=None)
    nul = "\\u0000"  # a TOML escape
    manifest(tmp_path, [
        {"file": name, "source": "wire", "headline": f"Story {name}",
         "url": f"https://example.com/{name}" + (nul if name == "b.txt" else "")}
        for name in ("a.txt", "b.txt", "c.txt")])

    report = import_paths([tmp_path])

    assert [(Path(r.name).name, r.status) for r in report.results] == [
        ("a.txt", "created"), ("b.txt", "failed"), ("c.txt", "created")]
    assert report.failures[0].reason.startswith("the database refused it: ")


def test_a_manifest_that_breaks_the_toml_parser_fails_its_folder_and_others_import(tmp_path):
    write(tmp_path / "a", "x.txt", VIDEO_FILE.format(target="Clip"))
    (tmp_path / "a" / "manifest.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000)
    write(tmp_path / "b", "y.txt", STORY_FILE.format(lead="A story about trade."))

    code, out, err = run(tmp_path, source="Test Wire")

    assert code == 1
    assert "nested too deeply" in err
    assert "1 created" in out
