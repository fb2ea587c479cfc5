"""`manage.py load_demo`: the seeds imported published and, on a development machine only, a
local admin user; safe to run again."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article
from tests.admin_helpers import SEED_1, SEED_2

pytestmark = pytest.mark.django_db


def load_demo():
    """Run the command; returns what it wrote to stdout and to stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_it_imports_the_seeds_published(debug):
    out, err = load_demo()
    assert "2 files: 2 created" in out
    assert err == ""
    assert {article.headline for article in Article.objects.published()} == {SEED_1, SEED_2}
    assert not Article.objects.exclude(status=Article.Status.PUBLISHED).exists()


def test_with_debug_on_it_creates_the_admin_with_the_default_password(debug, monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    out, _ = load_demo()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.is_active
    assert admin.check_password("admin")
    assert "Admin login: admin / admin" in out


def test_the_admin_password_comes_from_demo_admin_password(debug, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "a-local-secret")
    out, _ = load_demo()
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("a-local-secret")
    assert not admin.check_password("admin")
    assert "Admin login: admin / a-local-secret" in out


def test_an_existing_admin_keeps_its_password_and_rights(debug, monkeypatch):
    get_user_model().objects.create_user("admin", password="chosen-by-the-owner")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "something-else")
    out, _ = load_demo()
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("chosen-by-the-owner")
    assert not admin.is_superuser
    assert "Admin user 'admin' already exists; password unchanged." in out


def test_with_debug_off_no_user_is_created(settings):
    settings.DEBUG = False
    out, _ = load_demo()
    assert not get_user_model().objects.exists()
    assert "DEBUG is off: no demo admin user created." in out
    assert Article.objects.published().count() == 2  # the seeds still are


def test_running_it_twice_changes_nothing(debug):
    load_demo()
    before = list(Article.objects.order_by("pk").values())
    admin = get_user_model().objects.get(username="admin")

    out, err = load_demo()

    assert "2 files: 0 created, 0 updated, 2 unchanged" in out
    assert err == ""
    assert list(Article.objects.order_by("pk").values()) == before
    assert get_user_model().objects.get().password == admin.password


@pytest.mark.parametrize("broken", ["a file without a body", "no seeds folder"])
def test_seeds_that_do_not_import_cleanly_are_a_command_error(debug, settings, tmp_path, broken):
    settings.BASE_DIR = tmp_path  # the command reads BASE_DIR / "seeds"
    if broken == "a file without a body":
        (tmp_path / "seeds").mkdir()
        (tmp_path / "seeds" / "broken.txt").write_text("Only a kicker\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="The seeds did not import cleanly"):
        call_command("load_demo", stdout=out, stderr=err)

    seeds = tmp_path / "seeds"
    assert err.getvalue().strip() == (
        f"{seeds / 'broken.txt'}:1: the file has no body paragraphs after its first line"
        if broken == "a file without a body" else f"{seeds}: no such file or folder")
    assert not get_user_model().objects.exists()
