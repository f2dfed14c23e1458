"""Preflight's Okta probes. The Okta path cannot run under the engine offline (no pulumi-okta
plugin), so its HTTP answers come from httpx.MockTransport here."""

from __future__ import annotations

import httpx
import pytest

import preflight
import preflight.identity
from components.settings import parse_settings
from tests.program import configs

ORG = "https://dev-1.okta.example"
TOKEN = "okta-token-5e1d"  # noqa: S105 - test-only


def answering(token_ok: bool) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/default/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": f"{ORG}/oauth2/default"})
        if request.url.path == "/api/v1/authorizationServers":
            if token_ok and request.headers.get("authorization") == f"SSWS {TOKEN}":
                return httpx.Response(200, json=[])
            return httpx.Response(401, json={"errorCode": "E0000011"})
        return httpx.Response(404)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("token_ok", [True, False])
def test_okta_api_token_is_probed(monkeypatch: pytest.MonkeyPatch, token_ok: bool) -> None:
    monkeypatch.setattr(
        preflight.identity, "_http", lambda *a, **k: httpx.Client(transport=answering(token_ok))
    )
    config = {"okta:orgName": "dev-1", "okta:baseUrl": "okta.example", "okta:apiToken": TOKEN}
    report = preflight.Report()
    preflight.check_identity(parse_settings(configs.okta()), config.get, report)
    if token_ok:
        assert report.problems == []
    else:
        (problem,) = report.problems
        assert "Okta refused the API token" in problem and "`okta:apiToken`" in problem
        assert TOKEN not in problem


def test_okta_without_org_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OKTA_ORG_NAME", raising=False)
    report = preflight.Report()
    preflight.check_identity(parse_settings(configs.okta()), {}.get, report)
    assert report.problems == [
        "no Okta org: set `okta:orgName` (and `okta:baseUrl`) or OKTA_ORG_NAME"
    ]
