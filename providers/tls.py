"""TLS contexts shared by every HTTP client of a provider process.

Building an ``ssl.SSLContext`` loads the whole CA bundle (~15 ms of CPU); a provider that
made a fresh ``httpx.Client`` per call paid that on every create, read, update and delete.
A context is safe to share across threads, and it holds no credentials, so one per TLS
setting lives for the whole process. It is never pickled: providers reach it by calling
:func:`ssl_context`, not by holding it.
"""

from __future__ import annotations

import os
import ssl
import threading

import certifi

_CONTEXTS: dict[tuple[bool, str | None], ssl.SSLContext] = {}
_LOCK = threading.Lock()


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


def ssl_context(verify: bool, ca_bundle: str | None = None) -> ssl.SSLContext:
    """The process's context for this TLS setting, built on first use."""
    key = (bool(verify), ca_bundle if verify else None)
    with _LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = _build(*key)
            _CONTEXTS[key] = ctx
        return ctx


def clear_ssl_contexts() -> None:
    """Forget the cached contexts (a rotated CA bundle file is read again)."""
    with _LOCK:
        _CONTEXTS.clear()
