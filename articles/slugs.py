"""Slugs in any script: one rule for articles, sources and tags, and the URL converter that
routes them.

A name keeps its own letters in its address (`/tags/россия/`, `/tags/côte-divoire/`,
`/tags/الاقتصاد/`), as Django's slugify(allow_unicode=True) and taggit make them: readers see
their own words, and no transliteration table loses Arabic or collides two Cyrillic names.
Links, feeds and sitemaps carry them percent-encoded (see url_for_slug), as reverse()
does. A name with no letter or digit at all (punctuation, emoji) gets its kind and a number:
`tag-1`, `source-2`, `article-3`.
"""

import functools
import re
from collections import Counter
from urllib.parse import quote

from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.text import slugify
from taggit.models import Tag

# What slugify(allow_unicode=True) makes, and Django's validate_unicode_slug accepts.
SLUG_PATTERN = r"[-\w]+"
MAX_SLUG = 100  # long enough for a headline's gist; addresses stay readable
_NUMBER_ROOM = len("-9999")  # a numbered slug still fits its column


class SlugConverter:
    """`<slug_any:...>` in URL patterns: a slug in any script (Django's own `slug` converter
    takes ASCII only, so tags in French, Russian or Arabic answered 404)."""

    regex = SLUG_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def is_routable(slug):
    """Whether `slug` is a whole slug that the URL patterns route."""
    return re.fullmatch(SLUG_PATTERN, slug) is not None


def unique_slugs(texts, model=None, max_length=MAX_SLUG):
    """A free slug for each text in `model`'s table (Article by default), distinct from each
    other and from the table's, in two queries whatever their number. A text with no letter or
    digit becomes the model's name and a number."""
    if model is None:
        from .models import Article  # the migrations pass their historical models

        model = Article
    max_length = min(max_length, model._meta.get_field("slug").max_length - _NUMBER_ROOM)
    fallback = model._meta.model_name
    stems = [slugify(text, allow_unicode=True)[:max_length].strip("-_") for text in texts]
    taken = set(model.objects.filter(slug__in={stem for stem in stems if stem})
                .values_list("slug", flat=True))
    crowded = {stem or fallback for stem in stems if not stem or stem in taken} | {
        stem for stem, count in Counter(stems).items() if count > 1}
    if crowded:
        numbered = Q()
        for stem in crowded:
            numbered |= Q(slug__startswith=f"{stem}-")
        taken |= set(model.objects.filter(numbered).values_list("slug", flat=True))
    slugs = []
    for stem in stems:
        slug, number = (stem, 2) if stem else (f"{fallback}-1", 2)
        while slug in taken:
            slug = f"{stem or fallback}-{number}"
            number += 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def unique_source_slug(name):
    """A free slug for a new source called `name`."""
    from .models import Source

    return unique_slugs([name], model=Source)[0]


@receiver(pre_save, sender=Tag)
def give_new_tag_a_routable_slug(sender, instance, raw=False, **kwargs):
    """Taggit slugs a new tag itself (Unicode, as ours) but leaves a name of punctuation or
    emoji an empty slug, which no URL routes, and numbers clashes `_1`: a new tag whose slug is
    taggit's proposal gets ours instead, from any route (import, admin, ORM). A slug someone
    chose is left alone."""
    if raw or not instance._state.adding or instance.slug != instance.slugify(instance.name):
        return
    instance.slug = unique_slugs([instance.name], model=sender)[0]


@functools.cache
def _slug_url_pattern(name):
    return reverse(name, kwargs={"slug": "__slug__"})


def url_for_slug(name, slug):
    """reverse(name, slug=slug), without resolving the pattern again for every link: a front
    page holds dozens of them, and reverse() was a tenth of its rendering time. A slug in
    another script is percent-encoded, as reverse() does (see articles.slugs)."""
    return _slug_url_pattern(name).replace("__slug__", slug if slug.isascii() else quote(slug))
