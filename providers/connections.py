"""TLS contexts, connection pools and the one way requests are sent, for every HTTP client of a
provider process.

Building an ``ssl.SSLContext`` loads the whole CA bundle (~15 ms of CPU), and a new client
opens a new TCP (and TLS) connection: a fresh ``httpx.Client`` per call would pay both on
every create, read, update and delete. Contexts and pools are safe to share
across the provider's threads and hold no credentials (headers, tokens and timeouts stay on
each per-operation client), so one of each per TLS setting lives for the whole process.
Neither is ever pickled: providers reach them by calling these functions, not by holding them.

Requests go to the pool directly (`send`), not through an `httpx.Client`: a client per
operation, with its URL merging and its cookie jar on every response, cost about a third of a
request's CPU, and neither API needs them (absolute URLs, no cookies, redirects never followed).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Mapping
from typing import Any

import certifi
import httpx

# Statuses worth another try: rate limited (429, honouring Retry-After), and a gateway or
# server that is briefly unavailable.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Idle connections are dropped well before common server keep-alive timeouts (uvicorn 5 s,
# nginx 60 s), so a request never races the server closing the connection under it.
KEEPALIVE_SECONDS = 2.0

_Key = tuple[bool, str | None]
_CONTEXTS: dict[_Key, ssl.SSLContext] = {}
_TRANSPORTS: dict[_Key, httpx.HTTPTransport] = {}
_LOCK = threading.Lock()


def _key(verify: bool, ca_bundle: str | None) -> _Key:
    return (bool(verify), ca_bundle if verify else None)


def _build(verify: bool, ca_bundle: str | None) -> ssl.SSLContext:
    # The same choices httpx makes for verify=True/False/<path> (SSL_CERT_FILE/DIR honoured).
    if not verify:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if ca_bundle:
        if os.path.isdir(ca_bundle):
            return ssl.create_default_context(capath=ca_bundle)
        return ssl.create_default_context(cafile=ca_bundle)
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def _context(key: _Key) -> ssl.SSLContext:
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = _build(*key)
    return ctx


def ssl_context(verify: bool, ca_bundle: str | None = None) -> ssl.SSLContext:
    """The process's context for this TLS setting, built on first use."""
    with _LOCK:
        return _context(_key(verify, ca_bundle))


class _SharedTransport(httpx.BaseTransport):
    """The process's pool behind a per-operation client: closing that client keeps the pool."""

    def __init__(self, pool: httpx.HTTPTransport) -> None:
        self._pool = pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool.handle_request(request)

    def close(self) -> None:
        """Nothing: the pool outlives every client (see `clear`)."""


def shared_transport(verify: bool, ca_bundle: str | None = None) -> httpx.BaseTransport:
    """A transport on the process's connection pool for this TLS setting (kept-alive
    connections are reused across operations and threads)."""
    key = _key(verify, ca_bundle)
    with _LOCK:
        pool = _TRANSPORTS.get(key)
        if pool is None:
            pool = _TRANSPORTS[key] = httpx.HTTPTransport(
                verify=_context(key), limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS)
            )
    return _SharedTransport(pool)


def clear() -> None:
    """Close the pools and forget the contexts (a rotated CA bundle file is read again)."""
    with _LOCK:
        pools = list(_TRANSPORTS.values())
        _TRANSPORTS.clear()
        _CONTEXTS.clear()
    for pool in pools:
        pool.close()


def send(
    transport: httpx.BaseTransport,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout_seconds: float,
    json: Any = None,
    params: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """One request on `transport` (a shared pool, or a test's), its body read and the
    connection handed back: what `httpx.Client.request` does, less what no caller here uses."""
    request = httpx.Request(
        method,
        url,
        params=params,
        headers=headers,
        json=json,
        extensions={"timeout": _timeouts(timeout_seconds)},
    )
    response = transport.handle_request(request)
    try:
        response.read()
    finally:
        response.close()
    response.request = request
    return response


def _timeouts(seconds: float) -> dict[str, float | None]:
    """Per-request timeouts: `seconds` for each read and write, connecting at most 10 s."""
    return httpx.Timeout(seconds, connect=min(10.0, seconds)).as_dict()
