import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.test import Client

from articles.ingest.importer import import_paths
from articles.models import Article, RelatedLink
from tests.admin_helpers import SEED_1, SEED_2, make_user
from tests.cache_helpers import HEADLINE
from tests.factories import make_article, make_link, make_source

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# The related videos of seeds/000_0c50d9fd883dd018.txt, in the page's order.
SEED_000_VIDEO_TITLES = [
    "Alliance of Sahel States puts on show of unity through inaugural games",
    "Sahel region hardest-hit by terrorism worldwide, says Global Terrorism Index 2025",
    "Wagner Group faces war crime accusations over posting atrocities on social media",
    "ECOWAS leaders meet in Abuja amid regional tensions and leadership transition",
    "Niger to nationalize uranium venture operated by France's Orano",
    "Half a century later, Is ECOWAS falling apart? [Africanews Debates]",
]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in one
# unless told. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    # CI installs Chromium, Redis and Java and sets NEWSROOM_REQUIRE_SERVICES=1: there a missing one
    # fails instead of skipping.
    if os.environ.get("NEWSROOM_REQUIRE_SERVICES") == "1":
        return
    missing = {
        "browser": None if shutil.which(CHROMIUM) else
        f"no Chromium at {CHROMIUM} (apt-get install chromium)",
        "redis": None if shutil.which("redis-server") else
        "no redis-server (apt-get install redis-server)",
        "java": None if shutil.which("java") else
        "no Java runtime for the Nu HTML Checker (apt-get install default-jre-headless)",
    }
    for marker, reason in missing.items():
        if reason:
            for item in items:
                if marker in item.keywords:
                    item.add_marker(pytest.mark.skip(reason=reason))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway Redis server on loopback for this test session."""
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite database file (the suite's own database is in memory or PostgreSQL),
    for tests that need a second process or connection on it: copy it, do not write to it."""
    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}",
           "DJANGO_SETTINGS_MODULE": "newsroom.settings.test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=Path(__file__).resolve().parent.parent, env=env, check=True, timeout=120)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright's own browser downloads are not available everywhere.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def seeds_dir():
    return SEEDS


@pytest.fixture
def artifacts_dir():
    """Where browser tests leave screenshots for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -------------------------------------------------------------------------------------------
# The editors' desk: its users (roles as in tests/test_admin_article.py) and its data


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("chief", "chief@example.com", "x")


@pytest.fixture
def editor():
    return make_user("editor", "Editor", is_staff=True)


@pytest.fixture
def reporter():
    return make_user("reporter", "Reporter", is_staff=True)


@pytest.fixture
def reader():
    """Logged in, but not staff."""
    return make_user("reader")


@pytest.fixture
def user_for(superuser, editor, reporter):
    return {"superuser": superuser, "editor": editor, "reporter": reporter}.__getitem__


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def as_reporter(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def seeded(seeds_dir):
    report = import_paths([seeds_dir], publish=True)
    assert report.counts()["created"] == 2, report.summary()
    return Article.objects.get(headline=SEED_1), Article.objects.get(headline=SEED_2)


@pytest.fixture
def desk(seeded):
    """Two published seeds and one French draft with a proposed headline, each filter's case."""
    first, second = seeded
    # All of the second seed's links resolved; the first seed keeps its six unresolved.
    second.related_links.update(target=first)
    draft = make_article("Brouillon sur le Sahel", status=Article.Status.DRAFT, language="fr",
                         headline_proposed=True, tags=["Sahel"], source=make_source("Le Desk"))
    return {"first": first, "second": second, "draft": draft}


# -------------------------------------------------------------------------------------------
# Reader pages: a catalogue for the list's filters and search, a newsroom for feeds
# and sitemaps


@pytest.fixture
def catalogue():
    wire = make_source("Sahel Wire", "wire")
    desk = make_source("Partner Desk", "desk")
    moscow = make_article(
        "Ministers meet in Moscow", source=wire, tags=["Russia"], language="en",
        published_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
    )
    make_link(moscow, RelatedLink.Kind.VIDEO, title="A video", duration_seconds=91)
    dakar = make_article(
        "Élections à Dakar", source=desk, tags=["Senegal"], language="fr",
        body="Le scrutin commence.\n\nUn ballot paper is shown.",
        published_at=datetime(2025, 4, 10, 12, 0, tzinfo=UTC),
    )
    make_link(dakar, RelatedLink.Kind.STORY, teaser="Une histoire", truncated=True)
    make_article(
        "Harvest report", source=wire, tags=["Russia", "Economy"], language="en",
        body="Grain shipments from Moscow rose.\n\nMore.",
        published_at=datetime(2025, 4, 20, 8, 0, tzinfo=UTC),
    )
    make_article("Moscow draft", source=wire, tags=["Russia"], status=Article.Status.DRAFT,
                 published_at=datetime(2025, 4, 5, tzinfo=UTC))
    make_article("Moscow scheduled", source=wire, tags=["Russia"], age=-timedelta(days=1))


@pytest.fixture
def newsroom():
    """Published articles from two sources, plus some readers must not see."""
    wire = make_source("Sahel Wire", "wire")
    desk = make_source("Partner Desk", "desk")
    articles = {
        "moscow": make_article(
            "Ministers meet in Moscow", source=wire, tags=["Russia", "Sahel"],
            body="The ministers flew to Moscow.\n\nMore.",
            published_at=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
        ),
        "dakar": make_article(
            "Élections à Dakar", source=desk, tags=["Senegal"], language="fr",
            body="Le scrutin commence.\n\nSuite.",
            published_at=datetime(2025, 4, 10, 12, 0, tzinfo=UTC),
        ),
        "harvest": make_article(
            "Harvest report", source=wire, tags=["Russia", "Economy"],
            body="Grain shipments from Moscow rose.\n\nMore.",
            published_at=datetime(2025, 4, 20, 8, 0, tzinfo=UTC),
        ),
    }
    make_link(articles["moscow"], RelatedLink.Kind.VIDEO, title="A clip", duration_seconds=91)
    make_article("Moscow draft", source=wire, tags=["Russia"], status=Article.Status.DRAFT)
    make_article("Moscow in review", source=wire, tags=["Russia"],
                 status=Article.Status.REVIEW, age=timedelta(days=1))
    make_article("Moscow scheduled", source=desk, tags=["Russia", "Senegal"],
                 age=-timedelta(hours=2))
    return articles


# -------------------------------------------------------------------------------------------
# The page cache's tests: the cache turned on, a published article, staff


@pytest.fixture
def page_cache(settings):
    """The page cache on, as in production, on a cache cleared before and after: the cache
    modules use it for every test (pytestmark)."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_MAX_AGE = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def source():
    return make_source("Wire One", slug="wire-one")


@pytest.fixture
def article(source):
    article = make_article(HEADLINE, source=source, slug="joint-force", tags=["Sahel"])
    make_link(article, teaser="The first related teaser")
    return article


@pytest.fixture
def staff(editor):
    staff = Client()
    staff.force_login(editor)
    return staff


@pytest.fixture
def recorded_sets(monkeypatch):
    """Every (key, timeout) the default cache is asked to store."""
    backend = caches["default"]
    original = backend.set
    calls = []

    def recording_set(key, value, timeout=None, *args, **kwargs):
        calls.append((key, timeout))
        return original(key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(backend, "set", recording_set)
    return calls
