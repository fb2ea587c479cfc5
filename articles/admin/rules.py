"""The workflow's rules on every admin page of article content, and the check that keeps a new
page from skipping them (articles.E001 to E003)."""

import functools

from django.apps import apps
from django.contrib import admin, messages
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import models

from ..models import Article
from ..workflow import belonging, can_edit_content, can_publish, editable_articles, editable_rows

# A URL typed without a scheme means https (Django 6's default, taken now).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ArticleContentMixin:
    """A ModelAdmin of article content (workflow.ARTICLE_CONTENT): once its article is
    published or withdrawn, a row is read-only for reporters on every page (change, delete,
    every bulk action), and a new row may only join an article they may edit. Every admin of
    such a model is based on it (see content_admin_errors)."""

    def has_change_permission(self, request, obj=None):
        return (super().has_change_permission(request, obj)
                and (obj is None or can_edit_content(request.user, obj)))

    def has_delete_permission(self, request, obj=None):
        return (super().has_delete_permission(request, obj)
                and (obj is None or can_edit_content(request.user, obj)))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        how = belonging(self.model)
        if how and db_field.name == how.owner:
            # Checked on submit too: a crafted request naming a live article is refused.
            kwargs["queryset"] = editable_articles(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if can_publish(request.user):
            return actions
        return {name: (_on_editable_rows(function), name, description)
                for name, (function, name, description) in actions.items()}

    # The pages above refuse first; these hold for any other route to a save (list_editable).

    def save_model(self, request, obj, form, change):
        if not can_edit_content(request.user, obj):
            raise PermissionDenied("Only editors may change a published or withdrawn article.")
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        if not can_edit_content(request.user, obj):
            raise PermissionDenied("Only editors may change a published or withdrawn article.")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if editable_rows(request.user, queryset).count() != queryset.count():
            raise PermissionDenied("Only editors may change a published or withdrawn article.")
        super().delete_queryset(request, queryset)


def _on_editable_rows(action):
    """A bulk action run on the selected rows the user may change only; the rest are left as
    they are, and the user is told how many."""

    @functools.wraps(action)
    def on_editable_rows(modeladmin, request, queryset):
        editable = editable_rows(request.user, queryset)
        left = queryset.count() - editable.count()
        if left:
            modeladmin.message_user(
                request, f"{left} of the selected {modeladmin.opts.verbose_name_plural} are "
                         "published or withdrawn content: only an editor may change them, so "
                         "they were left as they are.", messages.WARNING)
            if not editable.exists():
                return None
        return action(modeladmin, request, editable)

    return on_editable_rows


class ContentInlineMixin:
    """An inline of article content on the article's own page: read-only where the article is
    (workflow)."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and can_edit_content(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return (super().has_change_permission(request, obj)
                and can_edit_content(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return (super().has_delete_permission(request, obj)
                and can_edit_content(request.user, obj))


def autocompletes_an_owner(request):
    """Is this the autocomplete of the field that names the article a row belongs to?"""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return False
    try:
        model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
    except (KeyError, LookupError, ValueError):
        return False
    how = belonging(model)
    return how is not None and how.owner == request.GET.get("field_name")


def content_admin_errors(site):
    """What keeps a new admin page of article content from skipping the workflow's rules: each
    ModelAdmin and inline of a model in workflow.ARTICLE_CONTENT must apply them, and a model
    with a relation to Article must say whether it is article content."""
    errors = []
    for model, model_admin in site._registry.items():
        name = type(model_admin).__qualname__
        if belonging(model):
            if not isinstance(model_admin, ArticleContentMixin):
                errors.append(checks.Error(
                    f"{name} edits {model._meta.label}, which is part of articles, without the "
                    "workflow's rules.", hint="Base it on articles.admin.ArticleContentMixin.",
                    obj=type(model_admin), id="articles.E001"))
        elif any(field.is_relation and not field.auto_created and field.related_model is Article
                 for field in model._meta.get_fields()):
            errors.append(checks.Error(
                f"{model._meta.label} has a relation to Article, and workflow.ARTICLE_CONTENT "
                "does not say how its rows belong to articles.",
                hint="Add it there (its admin then needs ArticleContentMixin), or silence "
                     "articles.E002 in the settings with a comment saying why it is not content.",
                obj=model, id="articles.E002"))
        for inline in model_admin.inlines:
            if belonging(inline.model) and not issubclass(inline, ContentInlineMixin):
                errors.append(checks.Error(
                    f"{inline.__qualname__} (on {name}) edits {inline.model._meta.label}, which "
                    "is part of articles, without the workflow's rules.",
                    hint="Base it on articles.admin.ContentInlineMixin.", obj=inline,
                    id="articles.E003"))
    return errors


@checks.register(checks.Tags.admin)
def check_article_content_admins(app_configs, **kwargs):
    return content_admin_errors(admin.site)
