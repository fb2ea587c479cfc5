from django import forms
from django.db import models
from django.utils import timezone

from .ingest.uploads import MAX_UPLOAD_BYTES
from .models import Article
from .workflow import can_publish


def https_urls(field, **kwargs):
    """A form field for a model field; a URL typed without a scheme means https (Django 6's
    default, taken now)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class ArticleAdminForm(forms.ModelForm):
    """The article form, aware of who is editing: reporters cannot publish by any field."""

    user = None  # set by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        widgets = {
            "headline": forms.TextInput(attrs={"size": 90}),
            "slug": forms.TextInput(attrs={"size": 90}),
            "image_caption": forms.TextInput(attrs={"size": 90}),
            "body": forms.Textarea(attrs={"rows": 20, "cols": 90}),
        }

        formfield_callback = staticmethod(https_urls)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status and not can_publish(self.user):
            status.choices = [(value, label) for value, label in status.choices
                              if value in Article.REPORTER_STATUSES]
            status.help_text = "An editor publishes articles that are ready for review."

    def clean_body(self):
        # Browsers send textarea line breaks as CRLF; paragraphs are split on blank lines.
        return "\n".join(self.cleaned_data["body"].splitlines()).strip()

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        published_at = cleaned.get("published_at", self.instance.published_at)
        if not can_publish(self.user):
            # The admin hides these fields from reporters; this catches crafted requests too.
            if status not in Article.REPORTER_STATUSES and status != self.instance.status:
                self.add_error(None, "Only editors may publish or unpublish articles.")
            if "published_at" in self.changed_data:
                self.add_error(None, "Only editors may set or change the published time.")
        elif status == Article.Status.PUBLISHED and published_at is None:
            cleaned["published_at"] = timezone.now()
        if "headline" in self.changed_data and self.instance.pk:
            # An editor wrote the headline: it is no longer the import's proposal.
            cleaned["headline_proposed"] = False
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,.toml,.zip"}))
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
        help_text=f"Article .txt files, a manifest.toml, or a .zip of them (up to "
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
