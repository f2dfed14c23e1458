"""RBAC (§2 rows): Kong-Admin-Token on every Admin API request; control endpoints exempt."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.launch import SandboxProcess, start_sandbox
from tests.conftest import sandbox_args

SANDBOX_ARGS = ["--rbac-token", "s3cret-admin", "--rbac-read-only-token", "s3cret-reader"]


@pytest.fixture(scope="module")
def gui_auth_kong() -> Iterator[SandboxProcess]:
    with start_sandbox(
        [*sandbox_args(), "--rbac-token", "t", "--admin-gui-auth", "basic-auth"]
    ) as p:
        yield p


def test_missing_or_wrong_token_is_401(admin: httpx.Client) -> None:
    for headers in ({}, {"Kong-Admin-Token": "wrong"}):
        r = admin.get("/services", headers=headers)
        assert r.status_code == 401 and r.json() == {"message": "Invalid RBAC credentials"}
    r = admin.post("/services", json={"host": "h.test"})
    assert r.status_code == 401
    log = admin.get("/_sandbox/requests").json()  # control endpoints need no token
    assert [row["status"] for row in log["requests"]] == [401, 401, 401]


def test_valid_token_works_and_root_reports_rbac(admin: httpx.Client) -> None:
    headers = {"Kong-Admin-Token": "s3cret-admin"}
    assert (
        admin.post("/services", json={"name": "s", "host": "h.test"}, headers=headers).status_code
        == 201
    )
    body = admin.get("/", headers=headers).json()
    assert body["configuration"]["rbac"] == "on"
    assert "s3cret" not in admin.get("/", headers=headers).text


def test_read_only_user_gets_403_on_writes(admin: httpx.Client) -> None:
    headers = {"Kong-Admin-Token": "s3cret-reader"}
    assert admin.get("/services", headers=headers).status_code == 200
    for method, action in (
        ("POST", "create"),
        ("PATCH", "update"),
        ("PUT", "update"),
        ("DELETE", "delete"),
    ):
        path = "/services" if method == "POST" else "/services/x"
        r = admin.request(method, path, json={"host": "h.test"}, headers=headers)
        assert r.status_code == 403
        assert r.json() == {
            "message": f"read-only, you do not have permissions to {action} this resource"
        }


def test_admin_gui_auth_changes_the_no_token_body(gui_auth_kong: SandboxProcess) -> None:
    url = gui_auth_kong.urls["admin"]
    r = httpx.get(url + "/services")
    assert r.status_code == 401
    assert r.json() == {"message": "Invalid credentials. Token or User credentials required"}
    r = httpx.get(url + "/services", headers={"Kong-Admin-Token": "bad"})
    assert r.json() == {"message": "Invalid RBAC credentials"}
    assert httpx.get(url + "/services", headers={"Kong-Admin-Token": "t"}).status_code == 200
