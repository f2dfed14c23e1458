"""One Okta org on one address: the management API beside the issuer, and proxy-style requests.

Clients configured with an HTTP proxy (the Terraform Okta provider's ``http_proxy``, the Python
SDK's ``proxy``) send the absolute URL in the request line (``GET http://127.0.0.1/api/v1/apps``,
sometimes without the port). uvicorn's h11 server passes that target through as the path, so
:class:`AbsoluteFormPaths` keeps only the path before any routing.
"""

from __future__ import annotations

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


class OktaOrg:
    """ASGI app: ``/api/v1/...`` and ``/.well-known/okta-organization`` go to the management
    API, everything else (``/oauth2/...``) to the issuer."""

    def __init__(self, management: ASGIApp, issuer: ASGIApp) -> None:
        self.management = management
        self.issuer = issuer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(MANAGEMENT_PREFIXES) or path == "/api/v1":
            await self.management(scope, receive, send)
        else:
            await self.issuer(scope, receive, send)
