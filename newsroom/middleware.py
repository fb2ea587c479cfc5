import functools
import re
from dataclasses import asdict

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.html import escape

from articles.ingest.uploads import MAX_UPLOAD_BYTES

# What a multipart form adds to the files it carries: boundaries, part headers, the other fields.
MULTIPART_ALLOWANCE = 1024 * 1024
_DIGITS = re.compile(r"[0-9]+")


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the address the
    outermost of them saw. Earlier X-Forwarded-For entries are the client's to forge."""
    if settings.PROXY_COUNT:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [address for address in forwarded if address]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, plus the hashes of the inline data blocks (JSON-LD) a page rendered.

    Hashes rather than a nonce: a cached page replays the same bytes, and a hash stays valid for
    them where a replayed nonce would not be a nonce."""

    def process_response(self, request, response):
        # The policy depends only on the page's hashes here (no nonce, no per-view policy):
        # built once per set of hashes, not twice per response as django-csp does.
        policy = settings.CONTENT_SECURITY_POLICY
        if (settings.DEBUG or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
                or policy.get("EXCLUDE_URL_PREFIXES")
                or getattr(request, "_csp_nonce", None) is not None
                or any(name.startswith("_csp_") for name in vars(response))):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = self._policy(tuple(getattr(request, "csp_script_hashes", ())))
        return response

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one middleware per process, bounded
    def _policy(self, hashes):
        parts = PolicyParts(update={"script-src": list(hashes)} if hashes else None)
        return build_policy(**asdict(parts))

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        hashes = getattr(request, "csp_script_hashes", None)
        if hashes and not report_only:
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", []), *hashes]
            parts = PolicyParts(parts.config, update, parts.replace, parts.nonce)
        return parts


def body_limit(request):
    """(The most bytes of body the request's view takes, what to tell a sender over it): the
    documented upload limit on the admin's import page, DATA_UPLOAD_MAX_MEMORY_SIZE elsewhere."""
    if request.path == reverse("admin:articles_article_import"):
        return (MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE,
                f"uploads are limited to {_megabytes(MAX_UPLOAD_BYTES)}. Upload fewer files at "
                "a time, or run manage.py import_articles on the server")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit, f"the limit is {limit:,} bytes" if limit is not None else ""


class RequestBodyLimitMiddleware:
    """Answers 413 to a request whose Content-Length is over its view's limit (`body_limit`),
    and 400 to one whose Content-Length is not a number, without reading the body.

    First in MIDDLEWARE: Django bounds the fields of a form it parses, not its files, so a
    multipart body of any size would be read, and spooled to disk, before any view could say
    no. Answered at once, the sender learns it before sending the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared == "0":
            return self.get_response(request)  # most requests: no body, no limit to look up
        if not _DIGITS.fullmatch(declared):
            return _sized(HttpResponseBadRequest(_page(
                "Bad request", "The request's Content-Length header is not a number of bytes.")))
        limit, advice = body_limit(request)
        if limit is not None and int(declared) > limit:
            return _sized(HttpResponse(_page(
                "Request too large", f"This request is {int(declared):,} bytes; {advice}."),
                status=413))
        return self.get_response(request)


def _sized(response):
    # Set here: the middleware that would set it (CommonMiddleware) never sees this response.
    response["Content-Length"] = str(len(response.content))
    return response


def _megabytes(size):
    return f"{size / (1024 * 1024):g} MB"


def _page(title, text):
    """A page of its own: the response leaves before the template engines see the request."""
    return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<h1>{escape(title)}</h1><p>{escape(text)}</p></html>\n")
