"""Node settings: Kong version (3.5 drops the portal, 3.14 renames consumer_claim),
portal_app_auth = kong-oauth2, and a node without an Enterprise license."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.launch import start_sandbox
from tests.conftest import sandbox_args


def _client(args: list[str]) -> Iterator[httpx.Client]:
    with start_sandbox([*sandbox_args(), *args]) as proc:
        with httpx.Client(base_url=proc.urls["admin"], timeout=10) as client:
            yield client


@pytest.fixture(scope="module")
def kong35() -> Iterator[httpx.Client]:
    yield from _client(["--kong-version", "3.5.0.0"])


@pytest.fixture(scope="module")
def kong314() -> Iterator[httpx.Client]:
    yield from _client(["--kong-version", "3.14.0.0"])


@pytest.fixture(scope="module")
def kong_oauth2() -> Iterator[httpx.Client]:
    yield from _client(["--portal-app-auth", "kong-oauth2"])


@pytest.fixture(scope="module")
def unlicensed() -> Iterator[httpx.Client]:
    yield from _client(["--no-license"])


def test_35_has_no_portal_and_no_app_registration(kong35: httpx.Client) -> None:
    body = kong35.get("/").json()
    assert body["version"] == "3.5.0.0"
    assert "application-registration" not in body["plugins"]["available_on_server"]
    kong35.patch(
        "/workspaces/default",
        json={"config": {"portal": True, "portal_auth": "key-auth", "portal_session_conf": "{}"}},
    )
    r = kong35.get("/developers")
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}
    kong35.post("/services", json={"name": "s1", "host": "h.test"})
    r = kong35.post(
        "/services/s1/plugins",
        json={"name": "application-registration", "config": {"display_name": "x"}},
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {
        "name": "plugin 'application-registration' not enabled; add it "
        "to the 'plugins' configuration property"
    }


def test_314_takes_consumer_claims(kong314: httpx.Client) -> None:
    kong314.post("/services", json={"name": "s1", "host": "h.test"})
    old = {
        "name": "openid-connect",
        "config": {"issuer": "https://i.test/", "consumer_claim": ["application_id"]},
    }
    r = kong314.post("/services/s1/plugins", json=old)
    assert r.status_code == 400
    assert r.json()["fields"] == {"config": {"consumer_claim": "unknown field"}}
    new = {
        "name": "openid-connect",
        "config": {"issuer": "https://i.test/", "consumer_claims": ["application_id"]},
    }
    r = kong314.post("/services/s1/plugins", json=new)
    assert r.status_code == 201 and r.json()["config"]["consumer_claims"] == ["application_id"]


def test_34_before_3437_has_no_consumer_credential_flag() -> None:
    with start_sandbox([*sandbox_args(), "--kong-version", "3.4.3.6"]) as proc:
        admin = proc.urls["admin"]
        httpx.post(admin + "/services", json={"name": "s1", "host": "h.test"})
        r = httpx.post(
            admin + "/services/s1/plugins",
            json={"name": "application-registration", "config": {"display_name": "x"}},
        )
        assert r.status_code == 201
        assert "enable_proxy_with_consumer_credential" not in r.json()["config"]


def test_kong_oauth2_requires_redirect_uri(kong_oauth2: httpx.Client) -> None:
    kong_oauth2.patch(
        "/workspaces/default", json={"config": {"portal": True, "portal_auth": "openid-connect"}}
    )
    dev = kong_oauth2.post(
        "/developers", json={"email": "a@example.com", "meta": '{"full_name":"A"}'}
    ).json()
    r = kong_oauth2.post(
        f"/developers/{dev['id']}/applications", json={"name": "a", "custom_id": "c"}
    )
    assert r.status_code == 400 and r.json()["fields"] == {"redirect_uri": "required field missing"}
    r = kong_oauth2.post(
        f"/developers/{dev['id']}/applications",
        json={"name": "a", "redirect_uri": "https://app.test/cb"},
    )
    assert r.status_code == 201
    assert kong_oauth2.get("/").json()["configuration"]["portal_app_auth"] == "kong-oauth2"


def test_unlicensed_node_refuses_enterprise_endpoints(unlicensed: httpx.Client) -> None:
    for path in ("/workspaces", "/developers", "/applications"):
        r = unlicensed.get(path)
        assert r.status_code == 403
        assert r.json() == {"message": "Enterprise license missing or expired"}
    assert unlicensed.get("/services").status_code == 200
