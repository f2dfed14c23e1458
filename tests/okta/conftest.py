"""A sandbox per module, and Okta's own Python management SDK pointed at its Okta org URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.launch import SandboxProcess, start_sandbox
from tests.conftest import sandbox_args


@pytest.fixture(scope="module")
def org() -> Iterator[SandboxProcess]:
    proc = start_sandbox(sandbox_args())
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module", autouse=True)
def _sdk_allows_http() -> Iterator[None]:
    # The SDK refuses a non-https org URL unless its testing switch is on (env or YAML only).
    key = "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"
    old = os.environ.get(key)
    os.environ[key] = "true"
    yield
    if old is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = old


def sdk_config(org: SandboxProcess, *, via_proxy: bool = False) -> dict[str, Any]:
    """Client settings for `okta.client.Client`; `via_proxy` sends every request as a proxy
    request (absolute URL in the request line), as the Terraform provider's http_proxy does."""
    config: dict[str, Any] = {
        "orgUrl": org.urls["okta"],
        "token": org.urls["idp_api_token"],
        "rateLimit": {"maxRetries": 0},
    }
    if via_proxy:
        host, port = org.urls["okta"].removeprefix("http://").split(":")
        config["proxy"] = {"host": host, "port": int(port)}
    return config


def api(org: SandboxProcess) -> httpx.Client:
    """A plain HTTP client for the management API, with the SSWS token."""
    return httpx.Client(
        base_url=org.urls["okta"],
        headers={"Authorization": f"SSWS {org.urls['idp_api_token']}"},
        timeout=30,
    )


def token(org: SandboxProcess, server_id: str, client_id: str, secret: str, scope: str):
    return httpx.post(
        f"{org.urls['okta']}/oauth2/{server_id}/v1/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, secret),
        timeout=30,
    )
