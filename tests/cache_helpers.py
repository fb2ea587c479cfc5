"""For the page cache's tests: was a page served from the cache (it ran no SQL), and what
its Content-Security-Policy allows."""

import base64
import hashlib
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

HEADLINE = "Ministers agree a joint force for the Sahel"
ARTICLE_URL = "/articles/joint-force/"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def queries_for(client, url, **extra):
    """GET `url`; returns (response, number of SQL queries it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def warm(client, *urls):
    """Fill the cache for `urls` and check that it holds them: a second GET runs no SQL."""
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200, url
        second, count = queries_for(client, url)
        assert count == 0, f"{url} was not served from the cache"
        assert second.content == first.content


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def json_ld_hash(html):
    blocks = JSON_LD.findall(html)
    assert len(blocks) == 1, "expected one JSON-LD block"
    return "'sha256-" + base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode() + "'"


def script_src(response):
    policy = response["Content-Security-Policy"]
    for directive in policy.split(";"):
        name, *values = directive.split()
        if name == "script-src":
            return values
    raise AssertionError(f"no script-src in {policy!r}")
