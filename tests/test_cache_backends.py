"""The page cache on its two shared backends: a real Redis server, and the default, Django's
database cache, shared by separate processes."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.utils import timezone

from tests.cache_helpers import ARTICLE_URL, json_ld_hash, page, script_src, warm
from tests.conftest import free_port
from tests.factories import make_article

# Transactions really commit here: a change is marked in the cache when its transaction
# commits, as in production. The cache is on (PAGE_CACHE_SECONDS=300), cleared before and after.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("page_cache")]


ROOT = Path(__file__).resolve().parent.parent


# -------------------------------------------------------------------------------------------
# A real Redis server


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_url}}
    # The settings fixture sends setting_changed, and Django's handler drops the cache
    # connections: the next use of `cache` builds the Redis backend.
    assert isinstance(caches["default"], RedisCache)
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def redis_server(redis_url):
    """A client of the Redis server itself, to see what the cache stored there."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.mark.redis
def test_redis_serves_cached_pages_without_queries(client, article, redis_cache, redis_server,
                                                   django_assert_num_queries):
    first = client.get(ARTICLE_URL)
    assert redis_server.keys("*newsroom:page:*")
    with django_assert_num_queries(0):
        hit = client.get(ARTICLE_URL)
    assert hit.content == first.content
    expected = json_ld_hash(hit.content.decode())
    assert [v for v in script_src(hit) if v.startswith("'sha256-")] == [expected]


@pytest.mark.redis
def test_redis_invalidates_on_change(client, article, redis_cache):
    warm(client, ARTICLE_URL, "/")
    article.headline = "A corrected headline about the joint force"
    article.save()
    for url in (ARTICLE_URL, "/"):
        assert "A corrected headline about the joint force" in page(client, url)


@pytest.mark.redis
def test_redis_honours_the_scheduled_timeout(client, article, redis_cache, redis_server):
    make_article("Scheduled: the summit opens", source=article.source, slug="summit",
                 published_at=timezone.now() + timedelta(seconds=30))
    page(client, "/")
    keys = [key for key in redis_server.keys("*") if b"newsroom:page:" in key]
    assert len(keys) == 1
    assert 0 < redis_server.ttl(keys[0]) <= 31


@pytest.mark.redis
def test_health_reports_the_redis_cache(client, redis_cache):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["cache"] == "ok"


@pytest.mark.redis
def test_health_reports_a_dead_redis_but_stays_up(client):
    dead = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    with override_settings(CACHES=dead):
        assert isinstance(caches["default"], RedisCache)
        response = client.get("/healthz")
    assert response.status_code == 200  # the database answers: keep the instance in service
    assert response.json()["status"] == "ok"
    assert response.json()["cache"] == "unavailable"


# -------------------------------------------------------------------------------------------
# The default: Django's database cache, shared by separate processes


DEFAULT_CACHE_STEP = """
import sys, django
django.setup()
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from articles.models import Article, Source
step = sys.argv[1]
if step == "create":
    from django.core.management import call_command
    from django.utils import timezone
    call_command("migrate", verbosity=0)
    source = Source.objects.create(name="Wire One", slug="wire-one")
    Article.objects.create(source=source, headline="The first headline", slug="story",
                           body="The lead.", status="published", published_at=timezone.now())
elif step == "edit":
    article = Article.objects.get(slug="story")
    article.headline = "The headline edited elsewhere"
    article.save()
else:
    with CaptureQueriesContext(connections["default"]) as queries:
        response = Client(HTTP_HOST="localhost").get("/articles/story/")
    headline = "edited" if "edited elsewhere" in response.content.decode() else "first"
    print(response.status_code, headline, len(queries))
"""


@pytest.mark.slow
def test_the_default_cache_is_shared_by_processes_and_follows_their_edits(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CACHE_", "PAGE_", "FRAGMENT_", "DATABASE_", "DJANGO_", "DEBUG"))}
    # The development settings as `make run` has them (DEBUG on: static files need no
    # collectstatic).
    env |= {"DJANGO_SETTINGS_MODULE": "newsroom.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}

    def step(name):
        return subprocess.run([sys.executable, "-c", DEFAULT_CACHE_STEP, name], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=True).stdout.split()

    step("create")
    assert (tmp_path / "site-cache.sqlite3").exists()  # the cache's own database file
    status, headline, queries = step("get")
    assert (status, headline) == ("200", "first") and int(queries) > 0
    # Another process: served from what the first one cached, with no query of the site's data.
    assert step("get") == ["200", "first", "0"]
    step("edit")
    status, headline, queries = step("get")
    assert (status, headline) == ("200", "edited") and int(queries) > 0
