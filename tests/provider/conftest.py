"""A sandbox Kong for the provider tests, and providers configured the way the engine does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from providers import kong_dynamic as kd
from providers.kong_admin import clear_info_cache
from tests.conftest import sandbox_args

PORTAL_ON = {"portal": True, "portal_auth": "openid-connect", "portal_auto_approve": True}


@dataclass
class Kong:
    """The sandbox's Admin API plus its control endpoints."""

    admin: str
    token: str | None = None
    seen: int = 0
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = {"Kong-Admin-Token": self.token} if self.token else {}
        self.http = httpx.Client(base_url=self.admin, headers=headers, timeout=10)

    def provider(self, cls: type[kd.KongProvider], **conf: Any) -> kd.KongProvider:
        provider = cls()
        raw = {"kong-okta-portal:kong": json.dumps({"adminUrl": self.admin, **conf})}
        if self.token:
            raw["kong-okta-portal:kongAdminToken"] = self.token
        provider.configure(ConfigureRequest(Config(raw, "kong-okta-portal")))
        return provider

    def reset(self) -> None:
        self.http.delete("/_sandbox/faults")
        self.http.post("/_sandbox/reset").raise_for_status()
        self.seen = 0
        clear_info_cache()
        # What the guide's set-up does once: the Dev Portal on, developers auto-approved.
        self.http.patch("/workspaces/default", json={"config": PORTAL_ON})
        self.new_requests()

    def new_requests(self) -> list[dict]:
        rows = self.http.get("/_sandbox/requests").json()["requests"]
        fresh, self.seen = rows[self.seen :], len(rows)
        return fresh

    def fault(self, **rule: Any) -> None:
        self.http.post("/_sandbox/faults", json=rule).raise_for_status()

    def rows(self, path: str) -> list[dict]:
        response = self.http.get(path, params={"size": 1000})
        response.raise_for_status()
        return response.json()["data"]


@pytest.fixture(scope="module")
def kong_module() -> Iterator[Kong]:
    from sandbox.launch import start_sandbox

    proc = start_sandbox(sandbox_args())
    try:
        yield Kong(proc.urls["admin"])
    finally:
        proc.stop()


@pytest.fixture
def kong(kong_module: Kong) -> Kong:
    kong_module.reset()
    return kong_module


def start_kong(*args: str, token: str | None = None) -> Any:
    """A dedicated sandbox (other version, RBAC, portal_app_auth) as a context manager."""
    from sandbox.launch import start_sandbox

    return start_sandbox([*sandbox_args(), *args])


# -- a registration server in a test, for the RFC 7591 provider ------------------------------


class Recorder(httpx.BaseTransport):
    """A registration server in a test: records each request, answers with `answer`."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        request.read()
        return self.answer(request)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Route the provider's requests through a Recorder; note the TLS settings it asks for."""
    seen: dict[str, Any] = {"transport": []}
    import providers.dcr as dcr

    def transport(verify: bool, ca_bundle: str | None = None) -> httpx.BaseTransport:
        seen["transport"].append((verify, ca_bundle))
        return seen["server"]

    monkeypatch.setattr(dcr, "shared_transport", transport)
    return seen
