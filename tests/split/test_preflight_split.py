"""Preflight in a portal stack (okta): the authorization server is the gateway stack's, so the
portal stack does not probe the org's `default` server (which a custom-server org may lack);
it still probes the API token it creates apps with."""

from __future__ import annotations

import httpx
import pytest

import preflight
import preflight.identity
from components.settings import parse_settings
from tests.split.mocks import okta_portal

TOKEN = "okta-token-5e1d"  # noqa: S105 - test-only


def test_okta_portal_stack_probes_the_token_not_the_default_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/api/v1/authorizationServers":
            return httpx.Response(200, json=[])
        return httpx.Response(404)  # no `default` server in this org

    transport = httpx.MockTransport(handle)
    monkeypatch.setattr(
        preflight.identity, "_http", lambda *a, **k: httpx.Client(transport=transport)
    )
    config = {"okta:orgName": "dev-1", "okta:baseUrl": "okta.example", "okta:apiToken": TOKEN}
    report = preflight.Report()
    preflight.check_identity(parse_settings(okta_portal()), config.get, report)
    assert report.problems == []
    assert asked == ["/api/v1/authorizationServers"]
