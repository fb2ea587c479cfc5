"""The desk's part of stories (articles.stories): an article's story on its edit page and in
the list, and the editors' merge and detach actions (for those who may publish)."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import stories
from ..models import Article, Story

STORY_ROWS = 30  # other articles of its story the edit page lists


class StoryAdminMixin:
    """For ArticleAdmin: the `story_link` column, the `story_coverage` field and the
    `merge_stories` and `detach_from_stories` actions, which it names."""

    @admin.display(description="story")
    def story_link(self, obj):
        # At a glance, an event already in; the link lists the story's articles.
        if not obj.story_id:
            return "-"
        return format_html('<a href="?story__exact={0}" title="The articles of story {0}">'
                           "Story {0}</a>", obj.story_id)

    @admin.display(description="same event")
    def story_coverage(self, obj):
        if obj is None or not obj.pk:
            return "Stories are found once the article is saved."
        decided = " An editor put it here: regrouping leaves it." if obj.story_pinned else ""
        if not obj.story_id:
            if obj.story_pinned:
                return "Kept on its own by an editor: regrouping leaves it alone."
            return "No other article reports this event yet."
        others = (Article.objects.also_covering(obj).select_related("source")
                  .order_by("-published_at", "-pk")[:STORY_ROWS])
        rows = format_html_join("", "<li><a href=\"{}\">{}</a> · {} · {} · {}</li>", (
            (reverse("admin:articles_article_change", args=[other.pk]), other.headline,
             other.source.name, other.language, other.get_status_display())
            for other in others))
        public = Story.objects.public().filter(pk=obj.story_id).exists()
        page = format_html(' <a href="{}">Story page</a>', obj.story.get_absolute_url()) \
            if public else ""
        return format_html("<p>{}{}{}</p><ul>{}</ul>", obj.story, decided, page, rows)

    @admin.action(description="Merge the stories of the selected articles",
                  permissions=["publish"])
    def merge_stories(self, request, queryset):
        articles = list(queryset.only("pk", "story"))
        if len(articles) < 2:
            self.message_user(request, "Select two articles or more to merge their stories.",
                              messages.WARNING)
            return
        story = stories.merge(articles)
        self.message_user(request, f"{story} now holds {story.articles.count()} article(s); "
                                   "regrouping keeps them together.", messages.SUCCESS)

    @admin.action(description="Detach the selected articles from their stories",
                  permissions=["publish"])
    def detach_from_stories(self, request, queryset):
        count = stories.detach(queryset.only("pk", "story"))
        self.message_user(request, f"Detached {count} article(s): each stands alone, and "
                                   "regrouping leaves it so.", messages.SUCCESS)
