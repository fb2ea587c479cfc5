from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models
from django.utils.html import format_html

from .ingest.formats import EXTENSIONS
from .ingest.parse import parse_duration
from .ingest.uploads import MAX_UPLOAD_BYTES
from .models import Article, RelatedLink
from .templating import duration_badge
from .workflow import Step, can_publish, current_step, role_steps, step_refusal


def https_urls(field, **kwargs):
    """A form field for a model field; a URL typed without a scheme means https (Django 6's
    default, taken now)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with a label of its own (the admin writes its
    "Date:" and "Time:" as plain text)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        base = context["widget"]["attrs"].get("id")
        if base:
            context["date_label"] = format_html('<label for="{}_0">Date</label>', base)
            context["time_label"] = format_html('<label for="{}_1">Time</label>', base)
        return context


class StepField(forms.ChoiceField):
    """The workflow step a button of the article form names (workflow.Step). Its initial
    value is where the article stands, so the history says "Changed Status" only when the
    button moved it; no step at all (a plain save) changes nothing."""

    def has_changed(self, initial, data):
        return bool(data) and data != initial


class ArticleAdminForm(forms.ModelForm):
    """The article form, aware of who is editing. Its status is not a field: the buttons name
    the workflow step to take once the form is saved (workflow.Step), and the server checks
    that this user may take it on this article. `published_at` is the time a schedule asks
    for; only workflow.py writes the article's published time."""

    user = None  # set by ArticleAdmin.get_form

    # The button pressed: empty (the plain "Save" buttons) keeps the status.
    status = StepField(required=False, label="Status")
    published_at = forms.SplitDateTimeField(
        required=False, label="Go live at", widget=LabelledSplitDateTime(),
        help_text="Readers see it from this time on.",
    )

    class Meta:
        model = Article
        # The admin's fieldsets choose what is shown; these two are the buttons' (see above).
        exclude = ["status", "published_at"]  # noqa: DJ006
        widgets = {
            "headline": forms.TextInput(attrs={"size": 90}),
            "slug": forms.TextInput(attrs={"size": 90}),
            "image_caption": forms.TextInput(attrs={"size": 90}),
            "body": forms.Textarea(attrs={"rows": 20, "cols": 90}),
        }

        formfield_callback = staticmethod(https_urls)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            self.fields["status"].choices = [(step.value, step.label)
                                             for step in role_steps(self.user)]
            self.initial.setdefault("status", current_step(self.instance).value
                                    if self.instance.pk else Step.DRAFT.value)
        if not can_publish(self.user):
            self.fields.pop("published_at", None)
        elif self.instance.pk and current_step(self.instance) == Step.SCHEDULE:
            # A scheduled article's time, to change; nothing for the others.
            self.initial.setdefault("published_at", self.instance.published_at)

    def clean_body(self):
        # Browsers send textarea line breaks as CRLF; paragraphs are split on blank lines.
        return "\n".join(self.cleaned_data["body"].splitlines()).strip()

    def clean(self):
        cleaned = super().clean()
        if "headline" in self.changed_data and self.instance.pk:
            # An editor wrote the headline: it is no longer the import's proposal.
            cleaned["headline_proposed"] = False
        step = cleaned.get("status")
        if step:
            article = self.instance if self.instance.pk else None
            proposed = cleaned.get("headline_proposed", self.instance.headline_proposed)
            refusal = step_refusal(self.user, article, step, when=cleaned.get("published_at"),
                                   headline_proposed=proposed)
            if refusal:
                self.add_error(refusal.about if refusal.about in self.fields else None,
                               refusal.reason)
        return cleaned


class DurationBadgeField(forms.Field):
    """A video's length typed as its badge shows it, MM:SS or H:MM:SS, held as seconds; empty
    where the page said "Go to video"."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid": "Type the length as MM:SS or H:MM:SS (for example 01:31 or 1:02:03), or "
                   "leave it empty for “Go to video”.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Seconds from the database; what was typed when the form comes back with an error.
        return duration_badge(value) if isinstance(value, int) else value

    def to_python(self, value):
        if isinstance(value, int):
            return value
        value = (value or "").strip()
        if not value:
            return None
        seconds = parse_duration(value)
        if seconds is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return seconds

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "size": 8, "placeholder": "Go to video",
                "inputmode": "numeric", "autocomplete": "off"}


class RelatedLinkForm(forms.ModelForm):
    """One item of the sidebar editor."""

    duration_seconds = DurationBadgeField(
        label="Duration", help_text="MM:SS or H:MM:SS, as the page showed it; empty for "
                                    "“Go to video”.")

    class Meta:
        model = RelatedLink
        fields = ["position", "kind", "title", "teaser", "truncated", "duration_seconds",
                  "language", "target", "url"]
        widgets = {
            "title": forms.TextInput(attrs={"size": 50}),
            "teaser": forms.Textarea(attrs={"rows": 2, "cols": 50}),
            "language": forms.TextInput(attrs={"size": 4}),
            "url": forms.URLInput(attrs={"size": 40}),
        }
        formfield_callback = staticmethod(https_urls)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("duration_seconds") is not None and cleaned.get("kind") not in (
                None, RelatedLink.Kind.VIDEO):
            self.add_error("duration_seconds", "Only a video has a duration: leave it empty "
                                               "for a story.")
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(
            attrs={"accept": ",".join((*EXTENSIONS, ".toml", ".zip"))}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        allow_empty_file=True,  # an empty file fails alone, in the import's report
        help_text=f"Article files (scraped .txt, RSS or Atom feeds, NINJS .json, saved .html "
                  f"pages), a manifest.toml, or a .zip of them (up to "
                  f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB in all).",
    )
    source = forms.CharField(
        required=False, max_length=200,
        help_text="Source for files the manifest does not cover; created if new.",
    )
    publish = forms.BooleanField(
        required=False, help_text="Publish new articles now (editors only). Articles whose "
                                  "headline had to be proposed stay drafts.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Check and report; write nothing."
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_publish(user):
            del self.fields["publish"]

    def clean_files(self):
        files = self.cleaned_data["files"]
        total = sum(upload.size for upload in files)
        if total > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The upload is {total:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}."
            )
        return files
