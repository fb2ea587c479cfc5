from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


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

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        hashes = getattr(request, "csp_script_hashes", None)
        if hashes and not report_only:
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", []), *hashes]
            parts = PolicyParts(parts.config, update, parts.replace, parts.nonce)
        return parts
