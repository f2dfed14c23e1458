"""One Okta org on one address: the management API beside the issuer, and proxy-style requests.

Clients configured with an HTTP proxy (the Terraform Okta provider's ``http_proxy``, the Python
SDK's ``proxy``) send the absolute URL in the request line (``GET http://127.0.0.1/api/v1/apps``,
sometimes without the port). uvicorn's h11 server passes that target through as the path, so
:class:`AbsoluteFormPaths` keeps only the path before any routing.
"""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

MANAGEMENT_PREFIXES = ("/api/v1/", "/.well-known/okta-organization")


def origin_form(target: str) -> str:
    """``http://host[:port]/p?q`` -> ``/p?q``; a path is returned unchanged."""
    for scheme in ("http://", "https://"):
        if target[: len(scheme)].lower() == scheme:
            slash = target.find("/", len(scheme))
            return target[slash:] if slash >= 0 else "/"
    return target


class AbsoluteFormPaths:
    """ASGI middleware: route a request whose target is an absolute URL on its path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            if "://" in path[:8]:
                scope = dict(scope)
                scope["path"] = origin_form(path)
                raw = scope.get("raw_path")
                if raw:
                    scope["raw_path"] = origin_form(raw.decode("latin-1")).encode("latin-1")
        await self.app(scope, receive, send)


def _routes_match(app: ASGIApp, scope: Scope) -> bool:
    return any(route.matches(scope)[0] != Match.NONE for route in getattr(app, "routes", []))


class OktaOrg:
    """ASGI app: the management API's own routes go to it, everything else to the issuer
    (``/oauth2/...``, and any ``/api/v1`` route the issuer serves itself, e.g. ``/api/v1/authn``);
    an ``/api/v1`` path neither knows gets the management API's Okta-shaped 404."""

    def __init__(self, management: ASGIApp, issuer: ASGIApp) -> None:
        self.management = management
        self.issuer = issuer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(MANAGEMENT_PREFIXES) and not _routes_match(self.issuer, scope):
            await self.management(scope, receive, send)
        else:
            await self.issuer(scope, receive, send)
