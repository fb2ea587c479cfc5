"""The editors' desk driven as a browser drives it: its users, what a form on a page would
submit, its actions and messages, and uploads to the import page."""

from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

SEED_1 = "Mali, Burkina Faso and Niger foreign ministers head to Moscow for first AES-Russia talks"
SEED_2 = "Sahel alliance ministers meet in Moscow to deepen security ties with Russia"
ARTICLES = "/admin/articles/article/"
IMPORT = "/admin/articles/article/import/"
LINKS = "/admin/articles/relatedlink/"
ROLES = ["superuser", "editor", "reporter"]


def logged_in(user):
    """A test client logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def make_user(username, group=None, **fields):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


# -------------------------------------------------------------------------------------------
# What a browser would send for a form on a page


class FormParser(HTMLParser):
    """Collects the successful controls of the form with `form_id`, as a browser submits them."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs = []
        self.select = None  # (name, multiple, options: [(value, selected)])
        self.option = None  # [value or None, text, selected]
        self.textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        attrs = {key: "" if value is None else value for key, value in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.pairs.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs, [])
        elif tag == "option" and self.select:
            self.option = [attrs.get("value"), "", "selected" in attrs]
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            self.select[2].append((text.strip() if value is None else value, selected))
            self.option = None
        elif tag == "select" and self.select:
            name, multiple, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self.pairs.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            # Browsers drop the newline that follows <textarea>.
            self.pairs.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None

    def data(self):
        """A dict for the test client: one value, or a list for a repeated name."""
        result = {}
        for name, value in self.pairs:
            if "__prefix__" in name:  # the inlines' template rows for "Add another"
                continue
            if name in result:
                previous = result[name]
                result[name] = [*previous, value] if isinstance(previous, list) else [
                    previous, value]
            else:
                result[name] = value
        return result


def form_data(client, url, form_id):
    """GET `url` and return what its form `form_id` would submit unchanged."""
    response = client.get(url)
    assert response.status_code == 200, response
    parser = FormParser(form_id)
    parser.feed(response.content.decode())
    data = parser.data()
    assert data, f"no form #{form_id} on {url}"
    return data


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def article_form(client, article=None):
    """The article change (or add) form's data, inline management forms included."""
    url = change_url(article) if article else reverse("admin:articles_article_add")
    return url, form_data(client, url, "article_form")


def split(moment):
    """A datetime as the admin's split date/time widget sends it (UTC is the test time zone)."""
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def form_errors(response):
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    form = response.context["adminform"].form
    return {**form.errors, **({"__all__": form.non_field_errors()} if form.non_field_errors()
                              else {})}


def action(client, url, name, objects):
    return client.post(url, {"action": name, "index": "0",
                             "_selected_action": [str(obj.pk) for obj in objects]})


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# -------------------------------------------------------------------------------------------
# Uploads to the import page


def seed_files(seeds_dir, names=("000_0c50d9fd883dd018.txt", "003_3a914f44e5e3521d.txt",
                                 "manifest.toml")):
    return [SimpleUploadedFile(name, (seeds_dir / name).read_bytes()) for name in names]


def upload(client, files, **fields):
    return client.post(IMPORT, {"files": files, **fields})


def summary(response):
    assert response.status_code == 200
    report = response.context["report"]
    assert report is not None, response.context["form"].errors
    return report
