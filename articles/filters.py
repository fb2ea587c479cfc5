"""The public filtering contract, in one place: the list view and the feeds both use it."""

import django_filters
from django import forms

from .models import Article, Source

LANGUAGES = [("en", "English"), ("fr", "French")]


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in the story"}),
    )
    tag = django_filters.CharFilter(
        label="Tag", field_name="tags__name", lookup_expr="iexact", distinct=True
    )
    source = django_filters.ModelChoiceFilter(
        label="Source", queryset=Source.objects.order_by("name"), to_field_name="slug",
        empty_label="All sources",
    )
    language = django_filters.ChoiceFilter(
        label="Language", choices=LANGUAGES, empty_label="Any language"
    )
    published_after = django_filters.DateFilter(
        label="From", field_name="published_at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    published_before = django_filters.DateFilter(
        label="To", field_name="published_at", lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has_video = django_filters.BooleanFilter(
        label="Has related videos", method="filter_has_video",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Article
        fields = ["q", "tag", "source", "language", "published_after", "published_before",
                  "has_video"]

    def search(self, queryset, name, value):
        return queryset.search(value)

    def filter_has_video(self, queryset, name, value):
        # An unticked box means "any", not "without videos".
        return queryset.with_video() if value else queryset
