"""The public pages as a test reads them: HTML as a small tree ("which links are in the head",
"what does this box list"), feeds and sitemaps as XML."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Element:
    def __init__(self, tag, attrs=(), parent=None):
        self.tag = tag
        self.attrs = {name: value or "" for name, value in attrs}
        self.parent = parent
        self.children = []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    @property
    def classes(self):
        return self.attrs.get("class", "").split()

    @property
    def text(self):
        return "".join(
            child if isinstance(child, str) else child.text for child in self.children
        )

    @property
    def clean_text(self):
        return " ".join(self.text.split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        return [
            el for el in self.iter()
            if (tag is None or el.tag == tag)
            and (cls is None or cls in el.classes)
            and all(el.attrs.get(name.rstrip("_")) == value for name, value in attrs.items())
        ]

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}> in the page"
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document")

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response):
    builder = TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def get_page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return parse(response)


def card_headlines(page):
    return [h2.clean_text for h2 in page.find_all("h2", cls="card__headline")]


def pagination_link(page, rel):
    """The query of the pagination link with this rel, as a dict of lists."""
    nav = page.find("nav", cls="pagination")
    href = nav.find("a", rel=rel).attrs["href"]
    parts = urlsplit(href)
    return parse_qs(parts.query)


# -------------------------------------------------------------------------------------------
# XML: feeds and sitemaps


ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS = f"{{{NEWS_NS}}}"


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, ET.fromstring(response.content)  # noqa: S314 - our own test server


def absolute(article):
    return f"http://testserver{article.get_absolute_url()}"
