"""Preflight's probe of the identity side: issuer discovery and the registration/API token."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from components.settings import PROJECT, StackSettings
from preflight.report import Getter, Report
from providers.connections import shared_transport, ssl_context
from providers.dcr import registration_endpoint_for

IDENTITY_TOKEN_KEY = f"`{PROJECT}:identityApiToken` (secret; or IDENTITY_API_TOKEN)"
PROBE_TIMEOUT = 10.0


def _http(verify: bool = True, ca_bundle: str | None = None) -> httpx.Client:
    return httpx.Client(
        timeout=PROBE_TIMEOUT,
        verify=ssl_context(verify, ca_bundle),
        transport=shared_transport(verify, ca_bundle),
    )


def _get(http: httpx.Client, url: str, **kw: Any) -> httpx.Response | str:
    """The response, or the connection error as text."""
    try:
        return http.get(url, **kw)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"


def _check_discovery(http: httpx.Client, issuer: str, key: str, report: Report) -> None:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    answer = _get(http, url)
    if isinstance(answer, str) or answer.status_code != 200:
        got = answer if isinstance(answer, str) else f"HTTP {answer.status_code}"
        report.problems.append(
            f"the issuer's discovery document {url} is not reachable ({got}): check {key}"
        )
        return
    try:
        found = answer.json().get("issuer")
    except (ValueError, AttributeError):
        found = None
    if found != issuer.rstrip("/"):
        report.problems.append(
            f"the discovery document at {url} names issuer {found!r}, not {issuer!r}: tokens "
            f"would fail Kong's issuer check. Set {key} to the issuer exactly as it names itself"
        )


def check_identity(settings: StackSettings, get: Getter, report: Report) -> None:
    """Probe the identity side: discovery, and the token that registers clients."""
    identity = settings.identity
    if identity.provider == "dcr":
        _check_dcr(settings, get, report)
    else:
        _check_okta(settings, get, report)


def _check_dcr(settings: StackSettings, get: Getter, report: Report) -> None:
    identity = settings.identity
    issuer = identity.issuer or ""
    with _http() as http:
        _check_discovery(http, issuer, f"`{PROJECT}:identity.issuer`", report)
        if not settings.apps():
            return
        token = get(f"{PROJECT}:identityApiToken") or os.environ.get("IDENTITY_API_TOKEN")
        if not token:
            report.problems.append(f"no token to register clients with: set {IDENTITY_TOKEN_KEY}")
            return
        endpoint = identity.registration_endpoint or registration_endpoint_for(issuer)
        answer = _get(
            http,
            endpoint,
            params={"q": "kong-okta-portal preflight"},
            headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
        )
        key = f"`{PROJECT}:identity.registrationEndpoint`"
        if isinstance(answer, str):
            report.problems.append(
                f"the registration endpoint {endpoint} is not reachable ({answer}): check {key}"
            )
        elif answer.status_code in (401, 403):
            report.problems.append(
                f"the identity provider refused the registration token at {endpoint} "
                f"(HTTP {answer.status_code}): set {IDENTITY_TOKEN_KEY} to a token allowed "
                "to register clients"
            )
        elif answer.status_code >= 400:
            report.problems.append(
                f"the registration endpoint {endpoint} answered HTTP {answer.status_code}: "
                f"check {key}"
            )


def okta_org_url(get: Getter, environ: Mapping[str, str] | None = None) -> str | None:
    """The Okta org URL from the pulumi-okta provider's own settings (config, then env)."""
    env = os.environ if environ is None else environ
    org = get("okta:orgName") or env.get("OKTA_ORG_NAME")
    base = get("okta:baseUrl") or env.get("OKTA_BASE_URL") or "okta.com"
    return f"https://{org}.{base}" if org else None


def _check_okta(settings: StackSettings, get: Getter, report: Report) -> None:
    org = okta_org_url(get)
    if org is None:
        report.problems.append(
            "no Okta org: set `okta:orgName` (and `okta:baseUrl`) or OKTA_ORG_NAME"
        )
        return
    with _http() as http:
        server = settings.identity.auth_server
        # a portal stack's server is its gateway stack's, checked there (it may not be default)
        if server.is_default and settings.role != "portal":
            _check_discovery(
                http, f"{org}/oauth2/default", "`okta:orgName` and `okta:baseUrl`", report
            )
        token = get("okta:apiToken") or os.environ.get("OKTA_API_TOKEN")
        if not token:
            report.notes.append("Okta API token not set (OAuth keys?): its rights not probed")
            return
        answer = _get(
            http,
            f"{org}/api/v1/authorizationServers",
            params={"limit": 1},
            headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
        )
        if isinstance(answer, str):
            report.problems.append(
                f"the Okta org {org} is not reachable ({answer}): check `okta:orgName` and "
                "`okta:baseUrl`"
            )
        elif answer.status_code in (401, 403):
            report.problems.append(
                f"Okta refused the API token at {org} (HTTP {answer.status_code}): set "
                "`okta:apiToken` (secret; or OKTA_API_TOKEN) to a token of an admin who may "
                "manage authorization servers and apps"
            )
