"""Okta's list paging, shared by the registration API and the management API: ``limit`` (1 to
200), an opaque ``after`` cursor, and ``Link`` headers (``rel="self"``, ``rel="next"``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.issuer.errors import OktaError

MAX_LIMIT = 200


def org_url(request: Request) -> str:
    server = request.scope.get("server")
    if server:
        return f"http://{server[0]}:{server[1]}"
    return f"http://{request.headers.get('host', 'localhost')}"


def _limit(raw: str | None, default: int | None) -> int | None:
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise OktaError(
            400, "E0000001", "Api validation failed: limit", [f"limit: {raw!r}"]
        ) from None
    if limit < 1:
        raise OktaError(400, "E0000001", "Api validation failed: limit", ["limit: >= 1"])
    return min(limit, MAX_LIMIT)


def page(
    request: Request, items: list[dict[str, Any]], default_limit: int | None, key: str = "id"
) -> Response:
    """One page of ``items`` (ordered by creation) with Okta's ``Link`` headers; the cursor
    is the ``key`` of the last item of the page before."""
    params = request.query_params
    limit = _limit(params.get("limit"), default_limit)
    start = 0
    after = params.get("after")
    if after:
        ids = [i[key] for i in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = items[start : start + limit] if limit else items[start:]
    base = f"{org_url(request)}{request.url.path}"
    keep = {k: v for k, v in params.items() if k != "after"}
    links = [f'<{base}{"?" + urlencode(keep) if keep else ""}>; rel="self"']
    if limit and start + limit < len(items):
        links.append(f'<{base}?{urlencode({**keep, "after": chunk[-1][key]})}>; rel="next"')
    return JSONResponse(chunk, headers={"Link": ", ".join(links)})


def every_item(url: str, headers: dict[str, str], params: dict[str, str] | None = None) -> list:
    """Client side, for tests and the bench: every item of an Okta list, following the
    ``Link: rel="next"`` pages (200 a page)."""
    import httpx  # the sandbox server itself never makes requests

    items: list = []
    next_url: str | None = url
    next_params: dict[str, str] | None = {"limit": str(MAX_LIMIT), **(params or {})}
    while next_url:
        resp = httpx.get(next_url, params=next_params, headers=headers, timeout=30)
        resp.raise_for_status()
        items += resp.json()
        next_url, next_params = (resp.links.get("next") or {}).get("url"), None
    return items
