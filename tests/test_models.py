"""The models and their QuerySets (articles.models): the publication rule at the boundary of
now, who sees what, the sidebar's query, link resolution, and the fields kept with every save."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from articles.models import Article, RelatedLink
from articles.text import LEAD_KEY_CHARS, normalise
from tests.factories import make_article, make_link

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def headlines(articles):
    return {article.headline for article in articles}


# -------------------------------------------------------------------------------------------
# The publication rule: published(), scheduled(), drafts, in SQL and in memory


@pytest.fixture
def around_now():
    """An article of each status on each side of NOW."""
    rows = {
        "published at now": {"published_at": NOW},
        "published just before": {"published_at": NOW - MICROSECOND},
        "scheduled just after": {"published_at": NOW + MICROSECOND},
        "scheduled tomorrow": {"published_at": NOW + timedelta(days=1)},
        "draft with a past time": {"status": Article.Status.DRAFT,
                                   "published_at": NOW - MICROSECOND},
        "draft with a future time": {"status": Article.Status.DRAFT,
                                     "published_at": NOW + MICROSECOND},
        "draft without a time": {"status": Article.Status.DRAFT},
        "in review": {"status": Article.Status.REVIEW, "published_at": NOW - MICROSECOND},
        "withdrawn": {"status": Article.Status.UNPUBLISHED, "published_at": NOW - MICROSECOND},
    }
    return {headline: make_article(headline, **fields) for headline, fields in rows.items()}


def test_published_and_scheduled_at_the_boundary_of_now(around_now):
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        assert headlines(Article.objects.published()) == {"published at now",
                                                           "published just before"}
        assert headlines(Article.objects.scheduled()) == {"scheduled just after",
                                                           "scheduled tomorrow"}


def test_a_scheduled_article_is_published_once_its_time_comes(around_now):
    with mock.patch("django.utils.timezone.now", return_value=NOW + MICROSECOND):
        assert "scheduled just after" in headlines(Article.objects.published())
        assert headlines(Article.objects.scheduled()) == {"scheduled tomorrow"}


def test_the_rule_in_memory_agrees_with_the_query(around_now):
    """Article.is_public (used on rows already loaded) and published() are one rule."""
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        public = headlines(Article.objects.published())
        for headline, article in around_now.items():
            assert article.is_public is (headline in public), headline


# -------------------------------------------------------------------------------------------
# Who may open what: visible_to(user)


@pytest.mark.parametrize(("user", "sees_drafts"), [
    ({"is_staff": True}, True),
    ({"is_staff": True, "is_superuser": True}, True),
    ({"is_staff": False}, False),
    ({"is_staff": True, "is_active": False}, False),
    (None, False),
], ids=["staff", "superuser", "reader", "inactive staff", "anonymous"])
def test_visible_to_staff_readers_and_inactive_staff(around_now, user, sees_drafts):
    user = AnonymousUser() if user is None else get_user_model().objects.create_user(
        "someone", **user)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        visible = headlines(Article.objects.visible_to(user))
        published = headlines(Article.objects.published())
    assert visible == (set(around_now) if sees_drafts else published)


# -------------------------------------------------------------------------------------------
# The sidebar: for_sidebar() and each item's public target


def test_for_sidebar_orders_by_position_then_pk_and_knows_which_targets_are_public(
        django_assert_num_queries):
    article = make_article("The story")
    published = make_article("Published target")
    draft = make_article("Draft target", status=Article.Status.DRAFT)
    scheduled = make_article("Scheduled target", age=-timedelta(hours=1))
    withdrawn = make_article("Withdrawn target", status=Article.Status.UNPUBLISHED,
                             age=timedelta(days=1))
    # Created out of order, with ties at position 1: a tie keeps the order of creation (pk).
    make_link(article, position=2, teaser="third", target=published)
    make_link(article, position=1, teaser="second a", target=draft)
    make_link(article, position=0, teaser="first", target=scheduled)
    make_link(article, position=1, teaser="second b", target=withdrawn)
    make_link(article, position=1, teaser="second c")
    make_link(article, position=3, kind=RelatedLink.Kind.VIDEO, title="fourth", target=published)

    with django_assert_num_queries(1):  # the targets' publicity comes with the links
        items = [(link.text, link.public_target)
                 for link in article.related_links.for_sidebar()]

    assert items == [("first", None), ("second a", None), ("second b", None),
                     ("second c", None), ("third", published), ("fourth", published)]


def test_sidebar_splits_videos_from_stories_in_order():
    article = make_article("The story")
    make_link(article, position=1, kind=RelatedLink.Kind.VIDEO, title="Second video")
    make_link(article, position=0, kind=RelatedLink.Kind.VIDEO, title="First video")
    make_link(article, position=2, teaser="A story")
    videos, stories = article.sidebar()
    assert [link.text for link in videos] == ["First video", "Second video"]
    assert [link.text for link in stories] == ["A story"]


# -------------------------------------------------------------------------------------------
# Link resolution: RelatedLinkQuerySet.resolve()


def video_for(article, headline, **fields):
    return make_link(article, RelatedLink.Kind.VIDEO, title=headline,
                     match_key=f"h:{normalise(headline)}", **fields)


def story_for(article, teaser, **fields):
    return make_link(article, teaser=teaser, truncated=True,
                     match_key=f"l:{normalise(teaser)[:LEAD_KEY_CHARS]}", **fields)


def test_resolve_matches_videos_by_headline_and_stories_by_lead():
    page = make_article("A page with a sidebar")
    by_headline = make_article("Niger nationalises the uranium venture")
    by_lead = make_article("Harvest report", body="Grain shipments from the Sahel rose sharply "
                           "this spring, traders said.\n\nMore.")
    video = video_for(page, "NIGER nationalises the uranium venture!")
    story = story_for(page, "Grain shipments from the Sahel rose sharply this spring, trad")
    stranger = story_for(page, "Nothing in the archive starts like this teaser does")

    assert RelatedLink.objects.resolve() == 2

    for link in (video, story, stranger):
        link.refresh_from_db()
    assert (video.target, story.target, stranger.target) == (by_headline, by_lead, None)
    # Resolved links are left alone: a second call finds nothing to do.
    assert RelatedLink.objects.resolve() == 0


def test_resolve_prefers_a_published_article_then_the_newest():
    page = make_article("A page with a sidebar")
    headline = "Ministers meet in Moscow"
    make_article(headline, status=Article.Status.DRAFT, age=timedelta(hours=1))
    older = make_article(headline, age=timedelta(days=3))
    newer = make_article(headline, age=timedelta(days=2))
    link = video_for(page, headline)

    RelatedLink.objects.resolve()

    link.refresh_from_db()
    assert link.target == newer != older


def test_resolve_never_points_an_article_at_itself():
    article = make_article("Ministers meet in Moscow")
    link = video_for(article, "Ministers meet in Moscow")
    assert RelatedLink.objects.resolve() == 0
    link.refresh_from_db()
    assert link.target is None


def test_resolve_works_on_the_links_it_is_given():
    target = make_article("Ministers meet in Moscow")
    chosen, other = make_article("Chosen page"), make_article("Other page")
    picked = video_for(chosen, target.headline)
    left = video_for(other, target.headline)

    assert RelatedLink.objects.filter(article=chosen).resolve() == 1

    picked.refresh_from_db()
    left.refresh_from_db()
    assert (picked.target, left.target) == (target, None)


# -------------------------------------------------------------------------------------------
# The fields kept with every save: the lead and the match keys


def test_the_stored_lead_follows_every_save_of_the_body(client):
    article = make_article("Troops on the border", body="First lead.\n\nSecond paragraph.")
    assert Article.objects.get(pk=article.pk).lead == "First lead."
    article.body = "A new lead.\n\nSecond paragraph."
    article.save(update_fields=["body"])
    stored = Article.objects.get(pk=article.pk)
    assert (stored.lead, stored.lead_key) == ("A new lead.", "a new lead")
    assert "A new lead." in client.get("/").content.decode()


def test_the_match_keys_follow_the_headline_and_body_whichever_fields_are_saved():
    article = make_article("Troops on the border", body="First lead.\n\nMore.")
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline_key, stored.lead_key) == ("troops on the border", "first lead")

    article.headline = "Convoy at the “Frontier”"
    article.save(update_fields=["headline"])
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline_key, stored.lead_key) == ("convoy at the frontier", "first lead")

    article.body = "A much longer lead, " * 5 + "\n\nMore."
    article.save()
    stored = Article.objects.get(pk=article.pk)
    assert stored.lead == ("A much longer lead, " * 5).strip()
    assert stored.lead_key == normalise(stored.lead)[:LEAD_KEY_CHARS]
    assert len(stored.lead_key) == LEAD_KEY_CHARS
