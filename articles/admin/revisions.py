"""The article's history, its imported original and its pending version, on the desk: pages
that only read, and an editor's restore, accept and dismiss (POST, with the CSRF token)."""

import reversion
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .. import pending as pending_versions
from .. import revisions
from ..ingest.formats import original_text, read_original
from ..models import PendingVersion
from ..workflow import can_publish


class RevisionsAdminMixin:
    """For ArticleAdmin: every save of the change form is one revision (the article, its
    sidebar, its tags and corrections, by the user, with the admin's change message); and the
    history, original and pending version pages."""

    def get_urls(self):
        def view(route, function, name, post=False):
            function = require_POST(function) if post else function
            return path(f"<path:object_id>/{route}", self.admin_site.admin_view(function),
                        name=f"articles_article_{name}")

        return [
            view("original/", self.original_view, "original"),
            view("history/<int:version_id>/restore/", self.restore_view, "history_restore",
                 post=True),
            view("pending/<int:pending_id>/", self.pending_view, "pending"),
            view("pending/<int:pending_id>/accept/", self.accept_view, "pending_accept",
                 post=True),
            view("pending/<int:pending_id>/dismiss/", self.dismiss_view, "pending_dismiss",
                 post=True),
            *super().get_urls(),
        ]

    # -- recording ---------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        article = self._article(request, object_id) if object_id else None
        if request.method == "POST" and article and self.has_change_permission(request, article):
            # Its own revision, before the save's: the state as imported, revision zero.
            revisions.record_as_imported([article.pk])
        with revisions.revision(request.user, ""):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        # Whenever the form is shown, a form sent back with errors included.
        if obj is not None and obj.pk:
            context.update(self._desk_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_saved(obj, entry.get_change_message() or "Added.")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record_saved(obj, entry.get_change_message() or "Saved with no change.")
        return entry

    @staticmethod
    def _record_saved(obj, comment):
        # After the inlines and tags are saved: the revision holds them as they now stand.
        if reversion.is_active():
            reversion.set_comment(comment)
            revisions.add(type(obj).objects.filter(pk=obj.pk))

    # -- pages -------------------------------------------------------------------------------

    def _article(self, request, object_id):
        return self.get_object(request, unquote(object_id))

    def _viewable(self, request, object_id):
        article = self._article(request, object_id)
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _decidable(self, request, object_id):
        """The article, for an editor who may change it; anyone else is refused."""
        article = self._viewable(request, object_id)
        if not (can_publish(request.user) and self.has_change_permission(request, article)):
            raise PermissionDenied("Only editors may restore, accept or dismiss versions.")
        return article

    def _page(self, request, article, template, title, **context):
        return TemplateResponse(request, f"admin/articles/article/{template}", {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": article, "title": title,
            "can_decide": can_publish(request.user) and self.has_change_permission(request,
                                                                                   article),
            **context,
        })

    def _desk_context(self, request, article):
        """What the change form shows beside the form: a version waiting, and the links."""
        waiting = pending_versions.waiting_version(article)
        return {
            "pending": waiting,
            "pending_changes": revisions.changes(
                revisions.current_snapshot(article),
                revisions.pending_snapshot(waiting, article)) if waiting else [],
            "has_original": article.originals.exists(),
            "can_decide": can_publish(request.user) and self.has_change_permission(request,
                                                                                   article),
        }

    def history_view(self, request, object_id, extra_context=None):
        article = self._viewable(request, object_id)
        return self._page(request, article, "history.html", f"History: {article}",
                          entries=revisions.history(article),
                          pending=pending_versions.waiting_version(article),
                          has_original=article.originals.exists())

    def original_view(self, request, object_id):
        article = self._viewable(request, object_id)
        original = article.originals.filter(
            pending_version__isnull=True).first() or article.originals.filter(
            pending_version__state=PendingVersion.State.ACCEPTED).first()
        if original is None:
            raise Http404("This article has no imported original: it was written on the desk, "
                          "or imported before originals were kept.")
        content = bytes(original.content)
        scraped, problem = None, ""
        try:
            # Read back by its format's parser: what was scraped, against the story now.
            parsed = read_original(original.format, content)
        except Exception as error:  # a file imported under older rules may no longer parse
            problem = f"It cannot be read again as a {original.get_format_display()}: {error}"
        else:
            # The headline comes from a manifest, not from the file: not compared.
            scraped = revisions.snapshot(
                {"kicker": parsed.kicker,
                 "image_caption": parsed.image_caption, "body": parsed.body},
                [{"position": i, "kind": item.kind, "title": item.title, "teaser": item.teaser,
                  "truncated": item.truncated, "duration_seconds": item.duration_seconds}
                 for i, item in enumerate(parsed.related)], [])
        now = revisions.current_snapshot(article)
        # What the file could say: no headline, no targets or addresses of its items.
        shown = revisions.Snapshot(kicker=now.kicker, image_caption=now.image_caption,
                                   body=now.body,
                                   sidebar=revisions.current_snapshot(article,
                                                                      targets=False).sidebar)
        return self._page(
            request, article, "original.html", f"Imported original: {article}",
            imported=original,
            text=original_text(original.format, content) if content.strip() else "",
            size=len(content), problem=problem, current=now,
            changes=revisions.changes(scraped, shown) if scraped else [])

    def _pending(self, article, pending_id):
        found = PendingVersion.objects.filter(pk=pending_id, article=article).select_related(
            "original", "decided_by").first()
        if found is None:
            raise Http404("No such version of this article.")
        return found

    def pending_view(self, request, object_id, pending_id):
        article = self._viewable(request, object_id)
        pending = self._pending(article, pending_id)
        return self._page(
            request, article, "pending.html", f"New version: {article}", pending=pending,
            changes=revisions.changes(revisions.current_snapshot(article),
                                      revisions.pending_snapshot(pending, article)))

    def accept_view(self, request, object_id, pending_id):
        return self._decide(request, object_id, pending_id, pending_versions.accept,
                            "The new version is the live text now.")

    def dismiss_view(self, request, object_id, pending_id):
        return self._decide(request, object_id, pending_id, pending_versions.dismiss,
                            "The new version was dismissed; the live text stays. The history "
                            "keeps it.")

    def _decide(self, request, object_id, pending_id, decide, done):
        """An editor's decision on a pending version (`decide`: accept or dismiss), then back
        to the article's page saying `done`, or why nothing was done."""
        article = self._decidable(request, object_id)
        pending = self._pending(article, pending_id)
        try:
            decide(pending, request.user)
        except pending_versions.AlreadyDecided as error:
            self.message_user(request, f"Nothing done: {error}.", messages.WARNING)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))

    def restore_view(self, request, object_id, version_id):
        article = self._decidable(request, object_id)
        try:
            number = revisions.restore(article, version_id, request.user)
        except revisions.NotARevision as error:
            raise Http404(str(error)) from error
        self.message_user(request, f"Restored revision #{number}: its text, sidebar and tags "
                                   "are the live ones now.", messages.SUCCESS)
        return redirect(reverse("admin:articles_article_history", args=[article.pk]))
