"""Control endpoints (/_sandbox/*), fault injection, request log, state file, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sandbox.faults import FAULT_STATUSES
from sandbox.launch import SandboxStartError, start_sandbox
from tests.conftest import sandbox_args


def test_request_log_counts_and_reset(admin: httpx.Client) -> None:
    admin.post("/services", json={"name": "s", "host": "h.test"})
    admin.get("/services/s")
    admin.get("/services/nope")
    log = admin.get("/_sandbox/requests").json()
    assert [(r["method"], r["path"], r["status"]) for r in log["requests"]] == [
        ("POST", "/services", 201),
        ("GET", "/services/s", 200),
        ("GET", "/services/nope", 404),
    ]
    assert log["counts"] == {"POST": 1, "GET": 2} and log["total"] == 3
    assert admin.post("/_sandbox/reset").status_code == 200
    assert admin.get("/_sandbox/requests").json()["total"] == 0
    assert admin.get("/services").json()["data"] == []


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_status_faults_do_not_reach_the_store(admin: httpx.Client, status: int) -> None:
    r = admin.post("/_sandbox/faults", json={"status": status, "methods": ["POST"], "count": 1})
    assert r.status_code == 201
    r = admin.post("/services", json={"name": "s", "host": "h.test"})
    assert r.status_code == status and "message" in r.json()
    if status == 429:
        assert r.headers["retry-after"] == "1"
    assert admin.get("/services").json()["data"] == []
    # count=1: the retry goes through
    assert admin.post("/services", json={"name": "s", "host": "h.test"}).status_code == 201
    log = admin.get("/_sandbox/requests").json()["requests"]
    assert log[0]["fault"] == f"status:{status}"


def test_drop_commits_then_closes_the_connection(admin: httpx.Client) -> None:
    admin.post("/_sandbox/faults", json={"drop": True, "path_prefix": "/services", "count": 1})
    with pytest.raises(httpx.TransportError):
        admin.post("/services", json={"name": "s", "host": "h.test"})
    names = [s["name"] for s in admin.get("/services").json()["data"]]
    assert names == ["s"]  # the change was stored although the client got no response
    log = admin.get("/_sandbox/requests").json()["requests"]
    assert log[0]["fault"] == "drop" and log[0]["status"] == 201


@pytest.mark.parametrize("status", [502, 504])
def test_commit_fault_stores_the_write_then_answers_the_gateway_error(
    admin: httpx.Client, status: int
) -> None:
    rule = {"status": status, "commit": True, "methods": ["POST"], "count": 1}
    assert admin.post("/_sandbox/faults", json=rule).status_code == 201
    r = admin.post("/services", json={"name": "s", "host": "h.test"})
    assert r.status_code == status and r.json() == FAULT_STATUSES[status]
    # unlike a plain status fault, the write reached the store
    assert [s["name"] for s in admin.get("/services").json()["data"]] == ["s"]
    log = admin.get("/_sandbox/requests").json()["requests"]
    assert (log[0]["fault"], log[0]["status"]) == (f"commit:{status}", 201)
    # the client's retry meets its own object (count=1: no fault this time)
    again = admin.post("/services", json={"name": "s", "host": "h.test"})
    assert again.status_code == 409


def test_latency_is_logged(admin: httpx.Client) -> None:
    admin.post("/_sandbox/faults", json={"latency_ms": 20, "count": 1})
    assert admin.get("/services").status_code == 200
    assert admin.get("/_sandbox/requests").json()["requests"][0]["fault"] == "latency:20"


def test_rate_and_seed_are_deterministic(admin: httpx.Client) -> None:
    def run() -> list[int]:
        admin.delete("/_sandbox/faults")
        admin.post("/_sandbox/faults", json={"status": 503, "rate": 0.5, "seed": 7})
        return [admin.get("/services").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert set(first) == {200, 503}
    admin.delete("/_sandbox/faults")
    assert admin.get("/_sandbox/faults").json()["data"] == []
    assert all(admin.get("/services").status_code == 200 for _ in range(5))


def test_fault_rules_are_validated(admin: httpx.Client) -> None:
    for body in (
        {"status": 500},
        {},
        {"status": 503, "drop": True},
        {"status": 503, "commit": True},
        {"commit": True},
        {"status": 502, "commit": "yes"},
        {"rate": 2, "status": 503},
        {"target": "nowhere", "status": 503},
        {"status": 503, "bogus": 1},
    ):
        r = admin.post("/_sandbox/faults", json=body)
        assert r.status_code == 400 and r.json()["message"], body
    r = admin.post("/_sandbox/faults", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_faults_can_target_the_issuer(kong, admin: httpx.Client) -> None:
    discovery = kong.urls["issuer"] + "/.well-known/openid-configuration"
    assert httpx.get(discovery).status_code == 200
    admin.post("/_sandbox/faults", json={"target": "issuer", "status": 503, "count": 1})
    assert httpx.get(discovery).status_code == 503
    assert httpx.get(discovery).status_code == 200
    assert admin.get("/services").status_code == 200  # the admin target is untouched
    issuer_log = admin.get("/_sandbox/requests?target=issuer").json()
    assert issuer_log["total"] == 3 and issuer_log["requests"][1]["status"] == 503


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "sandbox.json"
    args = [*sandbox_args(), "--state-file", str(state)]
    with start_sandbox(args) as first:
        admin = first.urls["admin"]
        assert (
            httpx.post(admin + "/services", json={"name": "kept", "host": "h.test"}).status_code
            == 201
        )
        assert json.loads(state.read_text())["sections"]["admin"]  # written after the change
    assert first.proc.returncode == 0  # SIGTERM -> exit 0
    assert [p.name for p in state.parent.iterdir()] == ["sandbox.json"]  # no temp files left
    with start_sandbox(args) as second:
        admin = second.urls["admin"]
        names = [s["name"] for s in httpx.get(admin + "/services").json()["data"]]
        assert names == ["kept"]


def test_ready_line_and_help() -> None:
    with start_sandbox(sandbox_args()) as proc:
        assert proc.urls["admin"].startswith("http://127.0.0.1:")
        assert httpx.get(proc.urls["admin"] + "/").status_code == 200
        assert proc.stop() == 0
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    ).stdout
    for flag in (
        "--admin-port",
        "--kong-version",
        "--portal-app-auth",
        "--rbac-token",
        "--state-file",
    ):
        assert flag in out


def test_launcher_reports_stderr_on_failure() -> None:
    with pytest.raises(SandboxStartError, match="invalid Kong version"):
        start_sandbox([*sandbox_args(), "--kong-version", "banana"])
