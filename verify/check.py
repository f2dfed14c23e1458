"""The post-deploy check: tokens from the issuer, calls through Kong, verdicts per app/service.

Works from a stack's outputs only (issuer, token endpoint, scopes, claim name, services, apps,
client secrets), so it runs unchanged against the sandbox or real Okta and Kong. Never prints
a client secret or a token.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # noqa: F401  (it installs an "always" filter when imported)
import httpx

from verify.user_flows import BROWSER_FLOWS, BrowserApp, FlowError, SignInUser, payload
from verify.user_flows import authorization_endpoint as find_authorization_endpoint
from verify.user_flows import user_token as fetch_user_token

with warnings.catch_warnings():
    # authlib announces a future rename of its httpx integration on import; not our concern
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client

EXPECTED_STATUS = {"approved": 200, "pending": 403, "none": 403}
NO_USER = "not checked: no test user"


@dataclass(frozen=True)
class Row:
    app: str
    service: str
    expected: str
    got: str
    ok: bool
    flow: str = "-"
    detail: str = ""
    skipped: bool = False


def _claims(access_token: str) -> dict[str, Any]:
    """The token's payload (the proxy verifies the signature; here we only read the claim)."""
    return payload(access_token)


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


def flow_label(app: Mapping[str, Any], secret: Any) -> str:
    """The flow as the table shows it: authorization code says whether the client is public."""
    flow = str(app.get("flow"))
    if flow != "authorization_code":
        return flow
    method = app.get("tokenEndpointAuthMethod")
    public = method == "none" if method else not secret
    return f"{flow}/{'public' if public else 'confidential'}"


def browser_app(name: str, app: Mapping[str, Any], secret: Any) -> BrowserApp | Row:
    """The app as verify's user flows need it, or a failing row naming what the outputs lack."""
    flow = str(app.get("flow"))
    redirects = [str(u) for u in app.get("redirectUris") or []]
    if not redirects:
        return Row(
            name,
            "(authorize)",
            "a redirect URI",
            "none in outputs",
            False,
            flow_label(app, secret),
            "the stack outputs list no redirectUris for this app: run `pulumi up` with this "
            "version of the program, which exports them",
        )
    method = app.get("tokenEndpointAuthMethod")
    public = method == "none" if method else not secret
    return BrowserApp(
        name=name,
        client_id=str(app.get("clientId")),
        flow=flow,
        redirect_uri=redirects[0],
        public=public,
        client_secret=str(secret) if secret else None,
    )


def _token_rows(
    client: httpx.Client,
    *,
    app_name: str,
    flow: str,
    client_id: str,
    token: str,
    claim: str,
    access: Mapping[str, str],
    services: Mapping[str, Any],
) -> list[Row]:
    """The claim check and one call per service with the app's token."""
    value = _claims(token).get(claim)
    got = "= client_id" if value == client_id else "differs" if value else "missing"
    rows = [
        Row(
            app_name,
            f"(claim {claim})",
            "= client_id",
            got,
            value == client_id,
            flow,
            ""
            if value == client_id
            else f"the token's {claim!r} claim is {value!r}, not the app's client_id "
            f"{client_id!r}: Kong would find no application for it",
        )
    ]
    for name, endpoint in sorted(services.items()):
        want = access.get(name, "none")
        expected = EXPECTED_STATUS[want]
        status, got = _call(client, endpoint, token)
        detail = "" if status == expected else f"expected {expected} ({want}), got {got}"
        rows.append(
            Row(app_name, name, f"{expected} ({want})", got, status == expected, flow, detail)
        )
    return rows


def run_checks(
    outputs: Mapping[str, Any],
    *,
    verify: bool | str = True,
    transport: httpx.BaseTransport | None = None,
    token_fetcher: Callable[..., str] = fetch_token,
    user: SignInUser | None = None,
) -> list[Row]:
    """Every check verify makes, as rows; `ok` is False on any mismatch.

    Browser-flow apps (authorization code, implicit) are checked as `user` (headless sign-in);
    without a user they get a skipped row each."""
    rows: list[Row] = []
    services: Mapping[str, Any] = outputs.get("services") or {}
    apps: Mapping[str, Any] = outputs.get("apps") or {}
    secrets: Mapping[str, Any] = outputs.get("clientSecrets") or {}
    claim = str(outputs.get("claimName") or "application_id")
    scopes = list(outputs.get("scopes") or [])
    issuer = str(outputs.get("issuer") or "")
    extra = {"transport": transport} if transport is not None else {}
    with httpx.Client(timeout=30.0, verify=verify, **extra) as client:
        for name, endpoint in sorted(services.items()):
            status, got = _call(client, endpoint, None)
            rows.append(Row("(no token)", name, "401", got, status == 401))
        authorize_url: str | None = None
        for app_name, app in sorted(apps.items()):
            flow = str(app.get("flow"))
            client_id = str(app.get("clientId"))
            secret = secrets.get(app_name)
            shown = flow_label(app, secret)
            if flow in BROWSER_FLOWS:
                if user is None:
                    rows.append(
                        Row(app_name, "(all)", "user sign-in", NO_USER, True, shown, skipped=True)
                    )
                    continue
                found = browser_app(app_name, app, secret)
                if isinstance(found, Row):
                    rows.append(found)
                    continue
                if authorize_url is None:
                    authorize_url = find_authorization_endpoint(client, issuer)
                try:
                    token = fetch_user_token(
                        client,
                        issuer=issuer,
                        endpoint=authorize_url,
                        token_endpoint=str(outputs["tokenEndpoint"]),
                        app=found,
                        scopes=scopes,
                        user=user,
                    )
                except FlowError as err:
                    expected = _EXPECTED_AT[err.step]
                    step = f"({err.step})"
                    rows.append(Row(app_name, step, expected, err.got, False, shown, err.detail))
                    continue
                got = "token" if flow == "implicit" else "code -> token"
                rows.append(Row(app_name, "(authorize)", got, got, True, shown))
            else:
                if not secret:
                    rows.append(
                        Row(app_name, "(token)", "token", "no client secret in outputs", False,
                            shown, "the stack outputs have no client secret for this app")
                    )  # fmt: skip
                    continue
                try:
                    token = token_fetcher(
                        outputs["tokenEndpoint"],
                        client_id,
                        str(secret),
                        scopes,
                        verify=verify,
                        **extra,
                    )
                except Exception as exc:  # noqa: BLE001 - any failure is a verdict, reported by type
                    error = getattr(exc, "error", None) or type(exc).__name__
                    description = getattr(exc, "description", None) or ""
                    rows.append(
                        Row(app_name, "(token)", "token", f"error: {error}", False, shown,
                            f"the token endpoint refused client_credentials: {error}"
                            + (f": {description}" if description else ""))
                    )  # fmt: skip
                    continue
            rows.extend(
                _token_rows(
                    client,
                    app_name=app_name,
                    flow=shown,
                    client_id=client_id,
                    token=token,
                    claim=claim,
                    access=app.get("access") or {},
                    services=services,
                )
            )
    return rows


_EXPECTED_AT = {
    "sign-in": "session token",
    "authorize": "code at redirect URI",
    "token": "access token",
}


def not_checked(rows: list[Row]) -> list[str]:
    """Apps whose flow needs a test user that verify did not have."""
    return sorted({r.app for r in rows if r.skipped})


def render(rows: list[Row]) -> str:
    """The verify table: app, flow, service, expected, got, verdict; then what failed, and why."""
    header = ("app", "flow", "service", "expected", "got", "verdict")
    body = [
        (
            r.app,
            r.flow,
            r.service,
            r.expected,
            r.got,
            "SKIP" if r.skipped else "PASS" if r.ok else "FAIL",
        )
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    checked = [r for r in rows if not r.skipped]
    failed = [r for r in checked if not r.ok]
    summary = f"\n{len(checked) - len(failed)}/{len(checked)} checks passed"
    if failed:
        summary += f", {len(failed)} FAILED"
    skipped = not_checked(rows)
    if skipped:
        summary += f"; not checked (no test user): {', '.join(skipped)}"
    lines.append(summary)
    for r in failed:
        lines.append(f"  FAIL {r.app} at {r.service.strip('()')}: {r.detail or r.got}")
    return "\n".join(lines)
