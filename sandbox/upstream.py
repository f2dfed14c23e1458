"""Echo upstream: answers any request with JSON of its method, path, query, headers and body."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send


def describe(request: Request, body: bytes) -> dict[str, Any]:
    """The echo body: repeated query keys become lists, JSON bodies are also parsed."""
    query: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in query:
            previous = query[key]
            query[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            query[key] = value
    text = body.decode("utf-8", errors="replace")
    parsed: Any = None
    if body and "json" in request.headers.get("content-type", ""):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    return {
        "method": request.method,
        "path": request.url.path,
        "query": query,
        "raw_query": request.url.query,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": text,
        "json": parsed,
    }


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI echo app (HTTP only)."""
    if scope["type"] != "http":
        return
    request = Request(scope, receive)
    body = await request.body()
    response = JSONResponse(describe(request, body))
    await response(scope, receive, send)


def create_upstream_app() -> Any:
    """The echo upstream as an ASGI app."""
    return echo_app
