"""Reading an Admin API request: the body (JSON, form, multipart, Kong's size and type
errors) and the RBAC check (EE `kong/rbac/init.lua`)."""

from __future__ import annotations

import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from sandbox.admin import errors as E
from sandbox.settings import NodeSettings

MAX_BODY = 10 * 1024 * 1024


# ----------------------------------------------------------------------------- body parsing


def nest_form(items: list[tuple[str, str]]) -> dict[str, Any]:
    """Form keys to a nested dict: `config.x=1`, `a[]=1&a[]=2`, repeated keys -> arrays."""
    out: dict[str, Any] = {}
    for key, value in items:
        is_array = False
        m = re.match(r"^(.*?)\[(\d*)\]$", key)
        if m:
            key, is_array = m.group(1), True
        parts = key.split(".")
        cur = out
        for part in parts[:-1]:
            nxt = cur.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                cur[part] = nxt
            cur = nxt
        last = parts[-1]
        existing = cur.get(last)
        if last not in cur:
            cur[last] = [value] if is_array else value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            cur[last] = [existing, value]
    return out


async def read_body(request: Request) -> tuple[Any, bool]:
    """(data, is_form). Raises KongError for malformed JSON (400), size (413), type (415)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise E.message(413, "Request body too large")
        chunks.append(chunk)
    raw = b"".join(chunks)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw.strip():
        return {}, ctype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return json.loads(raw), False
        except (ValueError, RecursionError):
            raise E.message(400, "Cannot parse JSON body") from None
    if ctype == "application/x-www-form-urlencoded":
        try:
            items = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            raise E.message(400, "Cannot parse form body") from None
        return nest_form(items), True
    if ctype == "multipart/form-data":
        from starlette.datastructures import UploadFile

        async def replay() -> dict:
            return {"type": "http.request", "body": raw, "more_body": False}

        try:
            form = await Request(request.scope, replay).form()
        except Exception:  # noqa: BLE001 - any multipart parse failure is the client's
            raise E.message(400, "Cannot parse multipart body") from None
        items = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                value = (await value.read()).decode("utf-8", "replace")
            items.append((key, value))
        return nest_form(items), True
    raise E.KongError(415, None)


# ------------------------------------------------------------------------------------- RBAC

ACTIONS = {
    "GET": "read",
    "HEAD": "read",
    "OPTIONS": "read",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}


def check_rbac(settings: NodeSettings, method: str, token: str | None) -> None:
    """EE `kong/rbac/init.lua`: 401 without valid credentials, 403 without permission."""
    assert settings.rbac_token is not None
    if token is None and settings.admin_gui_auth:
        raise E.message(401, "Invalid credentials. Token or User credentials required")
    given = (token or "").encode()
    if hmac.compare_digest(given, settings.rbac_token.encode()):
        return
    read_only = settings.rbac_read_only_token
    if read_only is not None and hmac.compare_digest(given, read_only.encode()):
        action = ACTIONS.get(method, "read")
        if action != "read":
            raise E.message(
                403, f"read-only, you do not have permissions to {action} this resource"
            )
        return
    raise E.message(401, "Invalid RBAC credentials")
