"""The `local` stack through the real Pulumi CLI against one sandbox, start to finish.

One sandbox and one stack for the whole sequence: up, verify, a no-change up with zero Admin
API requests, drift shown by refresh and undone by up, one app added and removed, destroy.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sandbox.issuer.paging import every_item
from tests.support.pulumi import VENV, PulumiCLI

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
NS = "kong-okta-portal"
UPSTREAM_DEFAULT = "http://127.0.0.1:8090"


def local_config(urls: dict[str, str]) -> dict[str, Any]:
    """The repo's Pulumi.local.yaml with the sandbox's free ports instead of the defaults."""
    cfg = yaml.safe_load((REPO / "Pulumi.local.yaml").read_text())["config"]
    cfg[f"{NS}:identity"]["issuer"] = urls["issuer"]
    cfg[f"{NS}:identity"]["registrationEndpoint"] = urls["registration"]
    cfg[f"{NS}:kong"]["adminUrl"] = urls["admin"]
    cfg[f"{NS}:proxyUrl"] = urls["proxy"]
    for svc in cfg[f"{NS}:services"]:
        svc["url"] = svc["url"].replace(UPSTREAM_DEFAULT, urls["upstream"].rstrip("/"))
    return cfg


def write_stack_config(project: Path, cfg: dict[str, Any]) -> None:
    path = project / "Pulumi.local.yaml"
    current = yaml.safe_load(path.read_text()) if path.exists() else {}
    current = current or {}
    current["config"] = cfg
    path.write_text(yaml.safe_dump(current, sort_keys=False))


def make_project(root: Path, urls: dict[str, str]) -> Path:
    project = root / "project"
    project.mkdir()
    text = (REPO / "Pulumi.yaml").read_text()
    assert "virtualenv: .venv" in text
    (project / "Pulumi.yaml").write_text(text.replace("virtualenv: .venv", f"virtualenv: {VENV}"))
    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    write_stack_config(project, local_config(urls))
    return project


class Inventory:
    """What the sandbox holds, read over its own HTTP APIs."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.admin = httpx.Client(base_url=urls["admin"], timeout=30)

    def data(self, path: str) -> list[dict[str, Any]]:
        resp = self.admin.get(path)
        resp.raise_for_status()
        return resp.json()["data"]

    def kong(self) -> dict[str, int]:
        counts = {k: len(self.data(f"/{k}")) for k in ("services", "routes", "plugins")}
        counts["developers"] = len(self.data("/developers"))
        apps = self.data("/applications")
        counts["applications"] = len(apps)
        counts["application_instances"] = sum(
            len(self.data(f"/applications/{a['id']}/application_instances")) for a in apps
        )
        return counts

    def clients(self) -> list[dict[str, Any]]:
        return every_item(
            self.urls["registration"], {"Authorization": f"SSWS {self.urls['idp_api_token']}"}
        )

    def request_total(self) -> tuple[int, int]:
        """Requests so far to the Admin API and to the issuer (token and registration)."""
        totals = []
        for target in ("admin", "issuer"):
            resp = self.admin.get("/_sandbox/requests", params={"target": target})
            resp.raise_for_status()
            totals.append(resp.json()["total"])
        return totals[0], totals[1]


def report(step: str, before: tuple[int, int], after: tuple[int, int]) -> None:
    """Measured request counts, printed (run with -s), never asserted beyond the no-op up."""
    print(f"\n{step}: {after[0] - before[0]} Admin API, {after[1] - before[1]} issuer requests")


def resource_urns(cli: PulumiCLI, project: Path) -> set[str]:
    state = json.loads(cli.run("stack", "export", cwd=project).stdout)
    return {r["urn"] for r in state["deployment"].get("resources") or []}


def test_local_stack_lifecycle(pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path) -> None:
    urls = sandbox.urls
    inv = Inventory(urls)
    # no set-up on the Kong side: the stack turns the Dev Portal on itself
    assert not inv.admin.get("/workspaces/default").json()["config"].get("portal")
    project = make_project(tmp_path, urls)
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"]}
    pulumi_cli.stack_init(project, "local")

    # 1. up creates the guide's objects: 2 services with 2 plugins each, 2 developers,
    #    5 applications (3 client-credentials, a web app, a PKCE SPA), 7 contracts, 5 clients
    start = inv.request_total()
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    report("first up", start, inv.request_total())
    assert inv.kong() == {
        "services": 2,
        "routes": 2,
        "plugins": 4,
        "developers": 2,
        "applications": 5,
        "application_instances": 7,
    }
    # registered under the app's name qualified by project/stack
    assert sorted(c["client_name"] for c in inv.clients()) == [
        "ada-batch (kong-okta-portal/local)",
        "ada-portal (kong-okta-portal/local)",
        "grace-reports (kong-okta-portal/local)",
        "grace-spa (kong-okta-portal/local)",
        "grace-sync (kong-okta-portal/local)",
    ]
    public = {c["client_name"].split()[0]: c["token_endpoint_auth_method"] for c in inv.clients()}
    assert public["grace-spa"] == "none" and public["ada-portal"] == "client_secret_basic"
    outputs = pulumi_cli.outputs(project)
    assert outputs["clientSecrets"] == "[secret]"
    assert outputs["apps"]["grace-sync"]["access"] == {"orders": "none", "billing": "pending"}
    spa = outputs["apps"]["grace-spa"]
    assert spa["redirectUris"] == ["http://localhost:5173/callback"]
    assert spa["tokenEndpointAuthMethod"] == "none"
    assert outputs["apps"]["ada-portal"]["tokenEndpointAuthMethod"] == "client_secret_basic"

    # 1b. the policy pack (local enforcement levels) passes on this stack
    checked = pulumi_cli.run(
        "preview",
        "--policy-pack",
        str(REPO / "policies"),
        "--policy-pack-config",
        str(REPO / "policies" / "config" / "local.json"),
        cwd=project,
        env=env,
    )
    assert "mandatory" not in checked.stdout.lower(), checked.stdout

    # 2. verify passes: tokens, claim, 200 / 403 / 401, for every flow (the sandbox's test
    #    user signs in headlessly for the web app and the SPA)
    verify_env = {
        **pulumi_cli.env,
        **env,
        "PULUMI_BIN_DIR": str(pulumi_cli.bin_dir),
        "SANDBOX_USER_PASSWORD": urls["test_user_password"],
    }
    verify = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-m",
            "verify",
            "--stack",
            "local",
            "--cwd",
            str(project),
            "--user",
            urls["test_user"],
            "--password-env",
            "SANDBOX_USER_PASSWORD",
            "--require-all-flows",
        ],
        cwd=REPO,
        env=verify_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "FAIL" not in verify.stdout and "SKIP" not in verify.stdout
    code_rows = [
        line.split() for line in verify.stdout.splitlines() if "authorization_code" in line
    ]
    assert sorted((r[0], r[2], r[-1]) for r in code_rows) == [
        ("ada-portal", "(authorize)", "PASS"),
        ("ada-portal", "(claim", "PASS"),
        ("ada-portal", "billing", "PASS"),
        ("ada-portal", "orders", "PASS"),
        ("grace-spa", "(authorize)", "PASS"),
        ("grace-spa", "(claim", "PASS"),
        ("grace-spa", "billing", "PASS"),
        ("grace-spa", "orders", "PASS"),
    ]
    assert urls["test_user_password"] not in verify.stdout + verify.stderr
    secrets = pulumi_cli.outputs(project, show_secrets=True)["clientSecrets"]
    assert len(secrets) == 5  # one per developer app of Pulumi.local.yaml
    assert not secrets["grace-spa"]  # a public client has no secret
    confidential = [s for name, s in secrets.items() if name != "grace-spa"]
    assert len(confidential) == 4
    assert all(s and s not in verify.stdout for s in confidential)

    # 3. a second up changes nothing and makes zero Admin API (and registration) requests
    before = inv.request_total()
    second = pulumi_cli.run("up", "--yes", "--expect-no-changes", cwd=project, env=env)
    assert inv.request_total() == before, second.stdout
    assert "unchanged" in second.stdout

    # 4. drift: a plugin setting changed out of band shows on refresh; the next up restores it
    (plugin,) = [
        p for p in inv.data("/services/orders/plugins") if p["name"] == "application-registration"
    ]
    inv.admin.patch(f"/plugins/{plugin['id']}", json={"config": {"auto_approve": True}})
    start = inv.request_total()
    refresh = pulumi_cli.run("refresh", "--yes", "--skip-preview", cwd=project, env=env)
    report("refresh", start, inv.request_total())
    assert "1 updated" in refresh.stdout, refresh.stdout
    preview = pulumi_cli.run("preview", "--diff", cwd=project, env=env)
    assert "auto_approve" in preview.stdout, preview.stdout
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    assert inv.admin.get(f"/plugins/{plugin['id']}").json()["config"]["auto_approve"] is False

    # 5. one more app creates exactly its client, application and contract; removing it
    #    deletes exactly them
    urns_before = resource_urns(pulumi_cli, project)
    counts_before = inv.kong()
    cfg = local_config(urls)
    grown = copy.deepcopy(cfg)
    grown[f"{NS}:developers"][0]["apps"].append(
        {"name": "ada-audit", "flow": "client_credentials", "services": ["billing"]}
    )
    write_stack_config(project, grown)
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    added = resource_urns(pulumi_cli, project) - urns_before
    assert sorted(u.rsplit("::", 1)[1] for u in added) == [
        "identity-client-ada-audit",
        "portal-ada-example-com-app-ada-audit",
        "portal-ada-example-com-app-ada-audit-billing",
    ]
    assert resource_urns(pulumi_cli, project) >= urns_before
    grown_counts = inv.kong()
    assert grown_counts == {
        **counts_before,
        "applications": counts_before["applications"] + 1,
        "application_instances": counts_before["application_instances"] + 1,
    }
    assert "ada-audit (kong-okta-portal/local)" in {c["client_name"] for c in inv.clients()}

    write_stack_config(project, cfg)
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    assert resource_urns(pulumi_cli, project) == urns_before
    assert inv.kong() == counts_before
    assert "ada-audit (kong-okta-portal/local)" not in {c["client_name"] for c in inv.clients()}

    # 6. destroy leaves the sandbox empty
    start = inv.request_total()
    pulumi_cli.run("destroy", "--yes", "--skip-preview", cwd=project, env=env)
    report("destroy", start, inv.request_total())
    assert inv.kong() == dict.fromkeys(counts_before, 0)
    assert inv.clients() == []
    assert os.path.exists(project / "Pulumi.local.yaml")
