"""An article's status as the desk shows it: the coloured badge of the list and the form, and
the workflow buttons of the form's submit row (templates/admin/articles/article/submit_line.html).
What each button may do is workflow.py's to say; this module only names and orders them."""

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.html import format_html

from ..workflow import Step, current_step, steps

# The badge's words; the colour is the stylesheet's (static/desk/desk.css, by class).
LABELS = {"draft": "Draft", "review": "Ready for review", "scheduled": "Scheduled",
          "published": "Published", "unpublished": "Unpublished"}


def moment(when):
    """A time as the desk writes it, in the newsroom's time zone: "3 May 2026, 10:00"."""
    return formats.date_format(timezone.localtime(when), "j M Y, H:i")


def status_key(article):
    """draft, review, scheduled, published or unpublished (None: an article being written)."""
    return Step.DRAFT.value if article is None else current_step(article).value


def status_badge(article):
    """The status as a word on its colour; a scheduled article's with the time it goes live."""
    key = status_key(article)
    if key == "scheduled":
        return format_html('<span class="status status--scheduled">Scheduled '
                           '<time datetime="{}">{}</time></span>',
                           article.published_at.isoformat(), moment(article.published_at))
    return format_html('<span class="status status--{}">{}</span>', key, LABELS[key])


@dataclass(frozen=True)
class Button:
    step: str  # a workflow.Step, or "" for a save that keeps the status
    label: str
    primary: bool = False


@dataclass(frozen=True)
class WorkflowButtons:
    buttons: list
    note: str = ""
    time_zone: str = ""  # the one a schedule's time is read in


def workflow_buttons(user, article):
    """The submit row's buttons for `user` on `article` (None: a new one), in order: the first
    is what the Enter key presses, so it never changes the status."""
    offered = steps(user, article)
    key = status_key(article)
    # The first button saves and keeps the status (on a draft, DRAFT does; in review, REVIEW).
    keep = {"draft": Step.DRAFT, "review": Step.REVIEW}.get(key, "")
    buttons = [Button(keep, "Save draft" if key == "draft" else "Save", primary=True)]
    names = {
        Step.DRAFT: "Back to draft",
        Step.REVIEW: "Submit for review",
        Step.PUBLISH: "Publish now" if key == "scheduled" else "Publish",
        Step.SCHEDULE: "Reschedule…" if key == "scheduled" else "Schedule…",
        Step.UNPUBLISH: "Unpublish",
    }
    buttons += [Button(step, names[step]) for step in offered if step != keep]
    note = ""
    if article is not None and article.headline_proposed and Step.PUBLISH in offered:
        note = ("The import proposed this headline. Write the headline (or untick “headline "
                "proposed by the import”) before you publish or schedule it.")
    elif Step.PUBLISH not in offered and key in ("draft", "review"):
        note = "An editor publishes articles that are ready for review."
    return WorkflowButtons(buttons, note, timezone.get_current_timezone_name())


def step_done(article):
    """What the message after a step says happened."""
    key = status_key(article)
    if key == "scheduled":
        return f"Scheduled: “{article}” goes live {moment(article.published_at)}."
    return {
        "draft": f"“{article}” is a draft again.",
        "review": f"“{article}” is ready for an editor's review.",
        "published": f"Published: readers see “{article}” now.",
        "unpublished": f"Unpublished: readers no longer see “{article}”.",
    }[key]
