"""Security: production settings, response headers and the CSP, login brute force, the health
check, protected deletes and hostile text in the admin."""

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.db.models import ProtectedError
from django.test import Client, RequestFactory

from articles.models import Article, Source
from newsroom.middleware import client_ip
from tests.factories import make_article, make_link, make_source

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "<script>alert(1)</script>"
HOSTILE = f'{SCRIPT}"><img src=x onerror=alert(1) style="color:red">'
LOGIN = "/admin/login/"
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - a test user's
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)

# -------------------------------------------------------------------------------------------
# Production settings, in a fresh process each


def production_env(tmp_path, **overrides):
    """The environment of a production process: nothing inherited that configures the app."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_",
                                  "CACHE_", "CSRF_", "SECURE_", "DEBUG", "PAGE_", "AXES_",
                                  "PROXY_COUNT"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "news.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_env_has_a_sixty_character_key(tmp_path):
    assert len(production_env(tmp_path)["SECRET_KEY"]) == 60


@pytest.mark.slow
def test_check_deploy_passes_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output
    assert "WARNING" not in output


@pytest.mark.slow
def test_check_deploy_would_catch_a_weak_production_key(tmp_path):
    # The check above would pass trivially if --deploy checked nothing.
    env = production_env(tmp_path, SECRET_KEY="django-insecure-short")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_a_secret_key(tmp_path, value):
    result = manage(production_env(tmp_path, SECRET_KEY=value), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("value", [None, "", " , "])
def test_production_refuses_to_start_without_allowed_hosts(tmp_path, value):
    result = manage(production_env(tmp_path, ALLOWED_HOSTS=value), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.slow
def test_production_settings_are_strict(tmp_path):
    code = ("from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.ALLOWED_HOSTS)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(None, 5) == ["False", "True", "True", "True", "True",
                                            "['news.example.com']\n"]


# -------------------------------------------------------------------------------------------
# Headers and the Content-Security-Policy


def csp(response):
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def json_ld_hash(html):
    [block] = JSON_LD.findall(html)
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"


@pytest.fixture
def hostile():
    """Published content with markup in every field readers see."""
    source = make_source(f"Source {HOSTILE}", slug="hostile-source")
    article = make_article(f"Headline {HOSTILE}", source=source, slug="hostile",
                           tags=[f"Tag {HOSTILE}"], kicker=f"Kicker {HOSTILE}",
                           image_caption=f"Caption {HOSTILE}",
                           body=f"Lead {HOSTILE}\n\nSecond {HOSTILE}")
    make_link(article, teaser=f"Teaser {HOSTILE}")
    make_link(article, kind="video", title=f"Video {HOSTILE}", duration_seconds=91)
    article.corrections.create(note=f"Note {HOSTILE}\nsecond line {HOSTILE}")
    make_article("A plain story", source=source, slug="plain", tags=[f"Tag {HOSTILE}"])
    return article


def public_urls(article):
    tag = article.tags.get()
    return [
        "/",
        article.get_absolute_url(),
        "/articles/plain/",
        "/articles/",
        f"/articles/?q={SCRIPT}",
        f"/tags/{tag.slug}/",
        article.source.get_absolute_url(),
        "/articles/no-such-story/",  # 404
        f"/{SCRIPT}",  # 404 with markup in the path
    ]


def test_security_headers_on_a_public_page(client, hostile):
    response = client.get(hostile.get_absolute_url())
    assert response.status_code == 200
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'self'" in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["base-uri"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_security_headers_on_404_and_admin_login(client):
    for url in ("/articles/no-such-story/", LOGIN):
        response = client.get(url)
        assert "Content-Security-Policy" in response, url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_csp_hash_is_the_json_ld_block_exactly(client, hostile):
    response = client.get(hostile.get_absolute_url())
    html = response.content.decode()
    expected = json_ld_hash(html)
    hashes = [value for value in csp(response)["script-src"] if value.startswith("'sha256-")]
    assert hashes == [expected]


def test_pages_without_json_ld_allow_no_hash(client, hostile):
    for url in ("/", "/articles/"):
        response = client.get(url)
        assert not JSON_LD.search(response.content.decode())
        assert not [v for v in csp(response)["script-src"] if v.startswith("'sha256-")]


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, style attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.json_ld = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("type") == "application/ld+json":
                self.json_ld += 1
            elif "src" not in attrs:
                self.problems.append(f"inline <script {attrs}>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")

    handle_startendtag = handle_starttag


TAG = re.compile(r"<[a-zA-Z][^>]*>")
QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
ON_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
SCRIPT_TAG = re.compile(r"<script(?![^>]*type=\"application/ld\+json\")[^>]*>", re.I)


def tags_without_values(html):
    """Each start tag with its quoted attribute values blanked: what is left are names."""
    return [QUOTED.sub('""', tag) for tag in TAG.findall(html)]


def test_no_inline_code_on_public_pages(client, hostile):
    for url in public_urls(hostile):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        html = response.content.decode()
        parser = InlineCode()
        parser.feed(html)
        assert parser.problems == [], url
        # The same by regex, outside the JSON-LD block (where JSON escapes every "<").
        outside = JSON_LD.sub("", html)
        tags = tags_without_values(outside)
        assert not [tag for tag in tags if ON_HANDLER.search(tag)], url
        assert not [tag for tag in tags if STYLE_ATTR.search(tag)], url
        assert not SCRIPT_TAG.search(outside), url
        assert SCRIPT not in html, url


def test_hostile_text_is_escaped_in_the_json_ld_block(client, hostile):
    html = client.get(hostile.get_absolute_url()).content.decode()
    [block] = JSON_LD.findall(html)
    assert "<" not in block and ">" not in block
    assert "\\u003Cscript\\u003E" in block


def test_a_hostile_correction_note_is_escaped_and_keeps_its_line_breaks(client, hostile):
    html = client.get(hostile.get_absolute_url()).content.decode()
    assert "Note &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<br>second line &lt;script&gt;" in html
    assert SCRIPT not in html


def test_the_404_page_is_a_404_with_the_policy(client):
    response = client.get(f"/{SCRIPT}")
    assert response.status_code == 404
    assert SCRIPT not in response.content.decode()


# -------------------------------------------------------------------------------------------
# Admin login brute force (django-axes)


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD,
                                                is_staff=True)


@pytest.fixture
def bob():
    return get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD,
                                                is_staff=True)


def login(username, password, client=None, **extra):
    client = client or Client()
    response = client.post(LOGIN, {"username": username, "password": password,
                                   "next": "/admin/"}, **extra)
    return client, response


def logged_in(client):
    return "_auth_user_id" in client.session


def fail_five_times(username, **extra):
    for attempt in range(5):
        _, response = login(username, f"wrong-{attempt}", **extra)
        assert response.status_code in (200, 429), attempt
        if attempt < 4:
            assert response.status_code == 200, f"locked out after {attempt + 1} failures"


def test_a_correct_password_logs_in(alice):
    client, response = login("alice", PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert logged_in(client)


def test_four_failures_do_not_lock_out(alice):
    for attempt in range(4):
        login("alice", f"wrong-{attempt}", REMOTE_ADDR="203.0.113.5")
    client, response = login("alice", PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert logged_in(client)


def test_five_failures_lock_out_the_correct_password(alice):
    fail_five_times("alice", REMOTE_ADDR="203.0.113.5")

    client, response = login("alice", PASSWORD, REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 429  # django-axes' lockout response
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_a_lockout_is_per_username_and_address(alice, bob):
    fail_five_times("alice", REMOTE_ADDR="203.0.113.5")

    client, response = login("bob", PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert logged_in(client)

    client, response = login("alice", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert logged_in(client)


def test_behind_a_proxy_forged_addresses_do_not_escape_a_lockout(alice, settings):
    settings.PROXY_COUNT = 1
    for attempt in range(5):
        login("alice", f"wrong-{attempt}", REMOTE_ADDR="10.0.0.2",
              HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.5")

    client, response = login("alice", PASSWORD, REMOTE_ADDR="10.0.0.2",
                             HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.5")

    assert response.status_code == 429
    assert not logged_in(client)
    # Another client behind the same proxy is not locked out.
    client, response = login("alice", PASSWORD, REMOTE_ADDR="10.0.0.2",
                             HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


def test_without_a_proxy_x_forwarded_for_is_ignored(alice, settings):
    settings.PROXY_COUNT = 0
    for attempt in range(5):
        login("alice", f"wrong-{attempt}", REMOTE_ADDR="203.0.113.5",
              HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
    client, response = login("alice", PASSWORD, REMOTE_ADDR="203.0.113.5",
                             HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "192.0.2.66, 203.0.113.5", "203.0.113.5"),
    (1, "192.0.2.66,192.0.2.67 ,  203.0.113.5", "203.0.113.5"),
    (2, "192.0.2.66, 203.0.113.5, 10.1.1.1", "203.0.113.5"),
    (1, None, "10.0.0.2"),
    (1, "", "10.0.0.2"),
    (2, "203.0.113.5", "10.0.0.2"),
    (0, "192.0.2.66, 203.0.113.5", "10.0.0.2"),
    (0, None, "10.0.0.2"),
])
def test_client_ip(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    extra = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **extra)) == expected


# -------------------------------------------------------------------------------------------
# The health check


def test_health_is_ok_and_says_nothing_secret(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == "ok"
    # Only check results: no versions, hosts or settings values.
    assert set(data.values()) <= {"ok", "unavailable"}
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control
    body = response.content.decode()
    assert settings.SECRET_KEY not in body
    for secret in ("version", "django", "python", "sqlite", "debug", "secret", "host"):
        assert secret not in body.lower()


def test_health_is_not_cached_even_with_the_page_cache_on(client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    assert client.get("/healthz").status_code == 200
    assert "no-store" in client.get("/healthz")["Cache-Control"]


def test_health_reports_a_database_failure(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("could not connect to server: secret-host.internal")

    monkeypatch.setattr(connection, "cursor", broken)  # the database stops answering
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unavailable"
    assert "secret-host" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]


# -------------------------------------------------------------------------------------------
# Protected deletes


@pytest.fixture
def superuser_client():
    user = get_user_model().objects.create_superuser("chief", "chief@example.com", PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def test_deleting_a_source_with_articles_is_refused():
    source = make_source("Wire One", slug="wire-one")
    make_article("One", source=source)
    make_article("Two", source=source)
    with pytest.raises(ProtectedError):
        source.delete()
    assert Source.objects.filter(pk=source.pk).exists()
    assert Article.objects.filter(source=source).count() == 2
    with pytest.raises(ProtectedError):
        Source.objects.filter(pk=source.pk).delete()
    assert Article.objects.filter(source=source).count() == 2


def test_a_source_without_articles_can_be_deleted():
    source = make_source("Wire One", slug="wire-one")
    source.delete()
    assert not Source.objects.filter(pk=source.pk).exists()


def test_admin_will_not_delete_a_source_with_articles(superuser_client):
    source = make_source("Wire One", slug="wire-one")
    make_article("One", source=source)
    url = f"/admin/articles/source/{source.pk}/delete/"

    page = superuser_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "protected" in html
    assert "Cannot delete" in html or "would require deleting" in html

    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Source.objects.filter(pk=source.pk).exists()
    assert Article.objects.filter(source=source).count() == 1


def test_admin_bulk_delete_of_a_source_with_articles_deletes_nothing(superuser_client):
    source = make_source("Wire One", slug="wire-one")
    empty = make_source("Empty Wire", slug="empty-wire")
    make_article("One", source=source)
    response = superuser_client.post("/admin/articles/source/", {
        "action": "delete_selected", "_selected_action": [source.pk, empty.pk], "post": "yes",
    })
    assert response.status_code in (200, 302)
    assert Source.objects.filter(pk=source.pk).exists()
    assert Article.objects.filter(source=source).count() == 1


# -------------------------------------------------------------------------------------------
# Hostile text in the admin


def test_a_script_headline_is_escaped_in_the_admin(superuser_client):
    source = make_source(f"Source {SCRIPT}", slug="hostile-source")
    article = make_article(SCRIPT, source=source, slug="hostile", tags=[f"Tag {SCRIPT}"])
    make_link(article, teaser=f"Teaser {SCRIPT}")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in ("/admin/articles/article/", f"/admin/articles/article/{article.pk}/change/",
                f"/admin/articles/article/{article.pk}/delete/", "/admin/articles/source/",
                "/admin/articles/relatedlink/", f"/admin/articles/article/?q={SCRIPT}"):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert SCRIPT not in html, url
        assert escaped in html, url


@pytest.mark.parametrize(("cache_url", "seconds"), [
    (None, "300 300"),
    ("db://", "300 300"),
    ("redis://127.0.0.1:6379/0", "300 300"),
    ("dummy://", "0 0"),
])
def test_pages_are_cached_by_default_and_off_with_the_dummy_cache(cache_url, seconds):
    env = {k: v for k, v in os.environ.items()
           if k not in ("CACHE_URL", "PAGE_CACHE_SECONDS", "FRAGMENT_CACHE_SECONDS")}
    env["DJANGO_SETTINGS_MODULE"] = "newsroom.settings.dev"
    if cache_url:
        env["CACHE_URL"] = cache_url
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
         "print(settings.PAGE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout
    assert out.strip() == seconds
