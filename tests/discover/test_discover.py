"""`python -m discover` against the sandbox (no engine): findings, errors, progress, the file."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sandbox.launch import start_sandbox
from sandbox.seed import seed_estate
from tests.conftest import sandbox_args
from tests.discover.support import RequestLog, run_discover

NS = "kong-okta-portal"


@pytest.fixture(scope="module")
def estate() -> Any:
    """A small estate whose orders service has the guide's verify_parameters: true."""
    with start_sandbox(sandbox_args()) as sb:
        urls = sb.urls
        seeded = seed_estate(
            urls["admin"], urls["issuer"], urls["idp_api_token"],
            upstream_url=urls["upstream"], developers=6, apps=8, violations=True,
        )  # fmt: skip
        yield urls, seeded


def discover(urls: dict[str, str], out: Path, *extra: str, token: str | None = None) -> Any:
    env = {"IDENTITY_API_TOKEN": token or urls["idp_api_token"]}
    return run_discover(
        "--stack", "adopt", "--dir", str(out), "--admin-url", urls["admin"],
        "--proxy-url", urls["proxy"], *extra, env=env,
    )  # fmt: skip


def test_policy_violations_are_listed_and_corrected_not_copied(estate: Any, tmp_path: Path) -> None:
    urls, _ = estate
    result = discover(urls, tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    corrections = [f for f in report["findings"] if f["kind"] == "correction"]
    assert corrections == [
        {
            "object": "service orders openid-connect",
            "field": "verify_parameters",
            "live": True,
            "kind": "correction",
            "policy": "oidc-verify-parameters-off",
            "settings": False,
            "note": "Kong's guide: verify_parameters must be off for portal apps",
        }
    ]
    text = (tmp_path / "Pulumi.adopt.yaml").read_text()
    assert "verify_parameters" not in text
    # the hand-configured billing plugin is carried as it is
    services = {s["name"]: s for s in yaml.safe_load(text)["config"][f"{NS}:services"]}
    assert services["billing"]["openidConnect"]["extra"] == {"scopes_claim": ["scp"]}
    assert services["billing"]["openidConnect"]["scopes_required"] == ["portal_api"]
    assert services["orders"]["route"]["name"] == "orders-api"


def test_progress_on_stderr_and_a_summary_on_stdout(estate: Any, tmp_path: Path) -> None:
    urls, seeded = estate
    result = discover(urls, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"kong: {seeded.developers} developers" in result.stderr
    assert f"kong: {seeded.applications} applications" in result.stderr
    adopted = seeded.applications - seeded.dangling_reference_ids
    assert f"{seeded.developers} developers, {adopted} applications" in result.stdout


def test_existing_stack_file_keeps_its_salt_and_secrets(estate: Any, tmp_path: Path) -> None:
    urls, _ = estate
    path = tmp_path / "Pulumi.adopt.yaml"
    path.write_text(
        "encryptionsalt: v1:abc\nconfig:\n  kong-okta-portal:kongAdminToken:\n"
        "    secure: v1:xyz\n  aws:region: eu-west-1\n  kong-okta-portal:developers: []\n"
    )
    assert discover(urls, tmp_path).returncode == 0
    data = yaml.safe_load(path.read_text())
    assert data["encryptionsalt"] == "v1:abc"
    assert data["config"]["kong-okta-portal:kongAdminToken"] == {"secure": "v1:xyz"}
    assert data["config"]["aws:region"] == "eu-west-1"
    assert len(data["config"][f"{NS}:developers"]) == 6


def test_dry_run_writes_nothing_anywhere(estate: Any, tmp_path: Path) -> None:
    urls, _ = estate
    log = RequestLog(urls["admin"])
    log.mark()
    assert discover(urls, tmp_path, "--dry-run").returncode == 0
    assert not (tmp_path / "Pulumi.adopt.yaml").exists()
    assert log.writes("admin") == [] and log.writes("issuer") == []
    assert log.since("admin"), "discovery read Kong"


def test_unauthorised_identity_provider(estate: Any, tmp_path: Path) -> None:
    urls, _ = estate
    result = discover(urls, tmp_path, token="wrong-token-value")
    assert result.returncode == 2
    assert "refused the request (401)" in result.stderr
    assert "IDENTITY_API_TOKEN" in result.stderr
    assert "wrong-token-value" not in result.stderr
    assert not (tmp_path / "Pulumi.adopt.yaml").exists()


def test_unreachable_kong(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_discover(
        "--stack", "x", "--dir", str(tmp_path), "--admin-url", f"http://127.0.0.1:{port}",
        "--proxy-url", "http://127.0.0.1:8000",
    )  # fmt: skip
    assert result.returncode == 2
    assert f"cannot read the Kong Admin API at http://127.0.0.1:{port}" in result.stderr
    assert "ConnectError" in result.stderr


def test_unauthorised_kong(tmp_path: Path) -> None:
    with start_sandbox([*sandbox_args(), "--rbac-token", "the-admin-token"]) as sb:
        result = run_discover(
            "--stack", "x", "--dir", str(tmp_path), "--admin-url", sb.urls["admin"],
            "--proxy-url", sb.urls["proxy"], env={"KONG_ADMIN_TOKEN": "not-the-token"},
        )  # fmt: skip
    assert result.returncode == 2
    assert "returned 401" in result.stderr and "KONG_ADMIN_TOKEN" in result.stderr
    assert "not-the-token" not in result.stderr


def test_audit_of_a_workspace_no_stack_manages(estate: Any, tmp_path: Path) -> None:
    """With an empty state every app is unmanaged; JSON for CI, exit 1."""
    urls, seeded = estate
    (tmp_path / "Pulumi.x.yaml").write_text(
        yaml.safe_dump(
            {
                "config": {
                    f"{NS}:kong": {"adminUrl": urls["admin"]},
                    f"{NS}:identity": {"provider": "dcr", "issuer": urls["issuer"]},
                }
            }
        )
    )
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 3, "deployment": {"resources": []}}))
    result = run_discover(
        "audit", "--stack", "x", "--dir", str(tmp_path), "--state", str(state), "--json",
        env={"IDENTITY_API_TOKEN": urls["idp_api_token"]},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["unmanaged_applications"] == seeded.applications
    assert report["counts"]["contracts_approved_outside_stack"] == (seeded.contracts["approved"])
    assert report["total"] == sum(report["counts"].values())
    apps = httpx.get(f"{urls['admin']}/applications").json()["data"]
    assert {a["application"] for a in report["findings"]["unmanaged_applications"]} == {
        a["name"] for a in apps
    }


def test_plain_http_off_loopback_is_refused_before_any_request(tmp_path: Path) -> None:
    result = run_discover(
        "--stack", "x", "--dir", str(tmp_path), "--admin-url", "http://kong.example:8001",
        "--proxy-url", "https://api.example",
    )  # fmt: skip
    assert result.returncode == 2
    # the shared connection model's message: the setting, the value and what is expected
    assert "kong.adminUrl` = 'http://kong.example:8001': expected an https URL" in result.stderr
    assert "--allow-insecure-http" in result.stderr
    assert not (tmp_path / "Pulumi.x.yaml").exists()
