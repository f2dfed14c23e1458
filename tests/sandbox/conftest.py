"""Fixtures for the Admin API contract tests: ONE `python -m sandbox` per test module (extra
flags from the module's `SANDBOX_ARGS`), reset through `POST /_sandbox/reset` before each test."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from sandbox.launch import SandboxProcess, start_sandbox
from tests.conftest import sandbox_args
from tests.sandbox.fidelity import RESULTS


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    """Print how closely the sandbox follows each published spec file (conformance tests)."""
    if not RESULTS:
        return
    terminalreporter.section("sandbox fidelity to the published specs")
    for result in RESULTS.values():
        terminalreporter.write_line(result.line())
        for miss in result.misses:
            terminalreporter.write_line(f"    differs: {miss}")


@pytest.fixture(scope="module")
def kong(request: pytest.FixtureRequest) -> Iterator[SandboxProcess]:
    args = sandbox_args() + list(getattr(request.module, "SANDBOX_ARGS", []))
    with start_sandbox(args) as proc:
        yield proc


@pytest.fixture
def admin(kong: SandboxProcess) -> Iterator[httpx.Client]:
    headers = getattr(kong, "test_headers", {})
    with httpx.Client(base_url=kong.urls["admin"], timeout=10, headers=headers) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.delete("/_sandbox/faults").raise_for_status()
        yield client


@pytest.fixture
def portal(admin: httpx.Client) -> httpx.Client:
    """The default workspace with the Dev Portal on and portal_auth set."""
    r = admin.patch(
        "/workspaces/default", json={"config": {"portal": True, "portal_auth": "openid-connect"}}
    )
    assert r.status_code == 200, r.text
    return admin


def make_developer(client: httpx.Client, email: str = "ada@example.com", **extra) -> dict:
    body = {"email": email, "meta": json.dumps({"full_name": "Ada"}), **extra}
    r = client.post("/developers", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def make_service(client: httpx.Client, name: str = "orders", **extra) -> dict:
    r = client.post("/services", json={"name": name, "url": "http://upstream.test/api", **extra})
    assert r.status_code == 201, r.text
    return r.json()
