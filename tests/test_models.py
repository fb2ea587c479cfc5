"""The models and their QuerySets (articles.models): the publication rule at the boundary of
now, who sees what, the sidebar's query, link resolution, and the fields kept with every save."""

import pytest

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_the_stored_lead_follows_every_save_of_the_body(client):
    article = make_article("Troops on the border", body="First lead.\n\nSecond paragraph.")
    assert Article.objects.get(pk=article.pk).lead == "First lead."
    article.body = "A new lead.\n\nSecond paragraph."
    article.save(update_fields=["body"])
    stored = Article.objects.get(pk=article.pk)
    assert (stored.lead, stored.lead_key) == ("A new lead.", "a new lead")
    assert "A new lead." in client.get("/").content.decode()
