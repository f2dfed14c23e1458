"""The post-deploy check: tokens from the issuer, calls through Kong, verdicts per app/service.

Works from a stack's outputs only (issuer, token endpoint, scopes, claim name, services, apps,
client secrets), so it runs unchanged against the sandbox or real Okta and Kong. Never prints
a client secret or a token.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # noqa: F401  (it installs an "always" filter when imported)
import httpx

with warnings.catch_warnings():
    # authlib announces a future rename of its httpx integration on import; not our concern
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client

EXPECTED_STATUS = {"approved": 200, "pending": 403, "none": 403}


@dataclass(frozen=True)
class Row:
    app: str
    service: str
    expected: str
    got: str
    ok: bool


def _claims(access_token: str) -> dict[str, Any]:
    """The token's payload (the proxy verifies the signature; here we only read the claim)."""
    try:
        payload = access_token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}


def fetch_token(
    token_endpoint: str,
    client_id: str,
    client_secret: str,
    scopes: list[str],
    *,
    verify: bool | str = True,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """A client-credentials access token (client_secret_basic), or raise with the OAuth error."""
    extra = {"transport": transport} if transport is not None else {}
    with OAuth2Client(
        client_id,
        client_secret,
        scope=" ".join(scopes),
        token_endpoint_auth_method="client_secret_basic",
        timeout=30.0,
        verify=verify,
        **extra,
    ) as client:
        token = client.fetch_token(token_endpoint, grant_type="client_credentials")
    return str(token["access_token"])


def _call(
    client: httpx.Client, endpoint: Mapping[str, Any], token: str | None
) -> tuple[int | None, str]:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if endpoint.get("host"):
        headers["Host"] = str(endpoint["host"])
    try:
        resp = client.request(
            str(endpoint.get("method") or "GET"), endpoint["proxyUrl"], headers=headers
        )
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    return resp.status_code, str(resp.status_code)


def run_checks(
    outputs: Mapping[str, Any],
    *,
    verify: bool | str = True,
    transport: httpx.BaseTransport | None = None,
    token_fetcher: Callable[..., str] = fetch_token,
) -> list[Row]:
    """Every check verify makes, as rows; `ok` is False on any mismatch."""
    rows: list[Row] = []
    services: Mapping[str, Any] = outputs.get("services") or {}
    apps: Mapping[str, Any] = outputs.get("apps") or {}
    secrets: Mapping[str, Any] = outputs.get("clientSecrets") or {}
    claim = str(outputs.get("claimName") or "application_id")
    scopes = list(outputs.get("scopes") or [])
    extra = {"transport": transport} if transport is not None else {}
    with httpx.Client(timeout=30.0, verify=verify, **extra) as client:
        for name, endpoint in sorted(services.items()):
            status, got = _call(client, endpoint, None)
            rows.append(Row("(no token)", name, "401", got, status == 401))
        for app_name, app in sorted(apps.items()):
            if app.get("flow") != "client_credentials":
                continue  # browser flows need a user at the authorize endpoint
            client_id = str(app.get("clientId"))
            secret = secrets.get(app_name)
            if not secret:
                rows.append(Row(app_name, "(token)", "token", "no client secret in outputs", False))
                continue
            try:
                token = token_fetcher(
                    outputs["tokenEndpoint"], client_id, str(secret), scopes, verify=verify, **extra
                )
            except Exception as exc:  # noqa: BLE001 - any failure is a verdict, reported by type
                error = getattr(exc, "error", None) or type(exc).__name__
                rows.append(Row(app_name, "(token)", "token", f"error: {error}", False))
                continue
            value = _claims(token).get(claim)
            rows.append(
                Row(
                    app_name,
                    f"(claim {claim})",
                    "= client_id",
                    "= client_id" if value == client_id else "differs" if value else "missing",
                    value == client_id,
                )
            )
            access: Mapping[str, str] = app.get("access") or {}
            for name, endpoint in sorted(services.items()):
                want = access.get(name, "none")
                expected = EXPECTED_STATUS[want]
                status, got = _call(client, endpoint, token)
                rows.append(Row(app_name, name, f"{expected} ({want})", got, status == expected))
    return rows


def render(rows: list[Row]) -> str:
    """The verify table: app, service, expected, got, verdict."""
    header = ("app", "service", "expected", "got", "verdict")
    body = [(r.app, r.service, r.expected, r.got, "PASS" if r.ok else "FAIL") for r in rows]
    widths = [max(len(str(x[i])) for x in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True))
        for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failed = sum(not r.ok for r in rows)
    lines.append(
        f"\n{len(rows) - failed}/{len(rows)} checks passed"
        + (f", {failed} FAILED" if failed else "")
    )
    return "\n".join(lines)
