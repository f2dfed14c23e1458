"""Adopting an existing RFC 7591 client: read it; no write when it is as set; one PUT when not;
a clear error when the Reference Id names no client; destroy would never reach it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from providers.dcr import ClientRegistrationProvider, RegistrationError, registration_endpoint_for
from tests.conftest import sandbox_args
from tests.discover.support import RequestLog


@pytest.fixture(scope="module")
def issuer() -> Any:
    from sandbox.launch import start_sandbox

    with start_sandbox(sandbox_args()) as sb:
        yield sb.urls


def provider(token: str) -> ClientRegistrationProvider:
    p = ClientRegistrationProvider()
    p.configure(
        ConfigureRequest(Config({"kong-okta-portal:identityApiToken": token}, "kong-okta-portal"))
    )
    return p


def props(issuer: str, client_id: str, **over: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "client_name": "ada-batch",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "application_type": "service",
        "name_suffix": "",
        "adopt_client_id": client_id,
        **over,
    }


def registered(urls: dict[str, str], name: str) -> str:
    resp = httpx.post(
        registration_endpoint_for(urls["issuer"]),
        headers={"Authorization": f"SSWS {urls['idp_api_token']}"},
        json={"client_name": name, "application_type": "service",
              "grant_types": ["client_credentials"]},
    )  # fmt: skip
    resp.raise_for_status()
    return resp.json()["client_id"]


def test_adopting_a_client_as_it_is_reads_only(issuer: dict[str, str]) -> None:
    client_id = registered(issuer, "ada-batch")
    log = RequestLog(issuer["admin"])
    log.mark()
    result = provider(issuer["idp_api_token"]).create(props(issuer["issuer"], client_id))
    assert result.id == client_id and result.outs["client_id"] == client_id
    assert result.outs["client_secret"] is None  # shown once, to its developer
    assert [r["method"] for r in log.since("issuer")] == ["GET"]


def test_adopting_a_differing_client_updates_it_once(issuer: dict[str, str]) -> None:
    client_id = registered(issuer, "ada-old-name")
    log = RequestLog(issuer["admin"])
    log.mark()
    provider(issuer["idp_api_token"]).create(props(issuer["issuer"], client_id))
    assert [r["method"] for r in log.since("issuer")] == ["GET", "PUT"]
    endpoint = registration_endpoint_for(issuer["issuer"])
    live = httpx.get(
        f"{endpoint}/{client_id}", headers={"Authorization": f"SSWS {issuer['idp_api_token']}"}
    ).json()
    assert live["client_name"] == "ada-batch"


def test_adopting_a_missing_client_names_the_setting(issuer: dict[str, str]) -> None:
    with pytest.raises(RegistrationError) as err:
        provider(issuer["idp_api_token"]).create(props(issuer["issuer"], "0oaNOSUCHCLIENT"))
    assert "0oaNOSUCHCLIENT" in str(err.value) and "clientId" in str(err.value)
    assert "404" in str(err.value)
