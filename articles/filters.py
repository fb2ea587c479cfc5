"""The public filtering contract, in one place: the list view and the feeds both use it.

A filter that cannot be read (an unknown or non-public source, a language we do not publish
in, a date that is no date) is refused with 400 by both, never ignored: ignoring it would
answer with every article."""

import functools

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django_filters.fields import ChoiceField

from . import aboutness
from .aboutness.matching import fold
from .models import Article, Source

LANGUAGES = [("en", "English"), ("fr", "French")]


def public_sources(request=None):
    """The sources readers may filter by: those with a public article at the time of the
    request. A source with drafts only, or none, stays unnamed: its name could reveal an
    embargoed story."""
    published = Article.objects.published().filter(source=OuterRef("pk"))
    return Source.objects.filter(Exists(published)).order_by("name")


@functools.cache
def country_choices():
    """Every ISO 3166-1 country, by its English name: a choice that reveals nothing of what is
    published (a valid code no article is about lists none)."""
    return sorted(((code, aboutness.country_name(code)) for code in aboutness.codes()),
                  key=lambda choice: fold(choice[1]))


class CountrySelect(forms.Select):
    """The <select> of every country, its options written here: Django renders each option of a
    select through a template of its own, which for 250 countries was most of the list page's
    time (about 20 ms of it, on every request)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = str(value or "").strip().upper()
        options = format_html_join(
            "", "<option value=\"{}\"{}>{}</option>",
            ((code, " selected" if str(code) == chosen else "", label)
             for code, label in self.choices))
        return format_html("<select{}>{}</select>",
                           flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})),
                           options)


class CountryField(ChoiceField):
    """A country's ISO code, in either case ("ml" is ML)."""

    widget = CountrySelect

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class CountryFilter(django_filters.ChoiceFilter):
    field_class = CountryField

    def filter(self, queryset, value):
        return queryset.about_country(value) if value else queryset


class DateInput(forms.DateInput):
    """<input type="date">, whose value HTML allows only as an ISO date: a date given in
    another format the field reads is shown in ISO, a value that is no date as nothing (the
    field's error message says what was wrong)."""

    input_type = "date"

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = forms.DateField().to_python(value)
            except ValidationError:
                return None
        return value.isoformat() if value else None


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in the story"}),
    )
    tag = django_filters.CharFilter(
        label="Tag", field_name="tags__name", lookup_expr="iexact", distinct=True
    )
    source = django_filters.ModelChoiceFilter(
        label="Source", queryset=public_sources, to_field_name="slug",
        empty_label="All sources",
    )
    language = django_filters.ChoiceFilter(
        label="Language", choices=LANGUAGES, empty_label="Any language"
    )
    country = CountryFilter(label="Country", choices=country_choices, empty_label="Any country")
    published_after = django_filters.DateFilter(
        label="From", field_name="published_at", lookup_expr="date__gte",
        widget=DateInput,
    )
    published_before = django_filters.DateFilter(
        label="To", field_name="published_at", lookup_expr="date__lte",
        widget=DateInput,
    )
    has_video = django_filters.BooleanFilter(
        label="Has related videos", method="filter_has_video",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Article
        fields = ["q", "tag", "source", "language", "country", "published_after",
                  "published_before", "has_video"]

    def filter_queryset(self, queryset):
        # The search after every other filter: it decides how its matches are counted
        # (articles.search), and a filter after it would make it forget.
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def narrowing(self):
        """The filters the request sets, besides the search words (shown in the page's title)."""
        return [name for name in self.filters if name != "q" and self.data.get(name)]

    def search(self, queryset, name, value):
        return queryset.search(value)

    def filter_has_video(self, queryset, name, value):
        # An unticked box means "any", not "without videos".
        return queryset.with_video() if value else queryset
