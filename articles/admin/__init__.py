"""The editors' desk."""

from django.contrib import admin

from . import article, feeds, jobs, parts  # noqa: F401 - they register the desk's pages
from .rules import ArticleContentMixin, ContentInlineMixin, content_admin_errors

__all__ = ["ArticleContentMixin", "ContentInlineMixin", "content_admin_errors"]

admin.site.site_header = "Newsroom desk"
admin.site.site_title = "Newsroom desk"
admin.site.index_title = "The desk"
# The changelists are wide (headline, status, tags, link counts): give them the whole page.
admin.site.enable_nav_sidebar = False
