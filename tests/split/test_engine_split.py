"""A portal split across stacks, through the real Pulumi CLI against one sandbox.

The example's gateway stack and its two portal stacks (examples/split-stacks), joined by a
StackReference: gateway up, both portal stacks up, verify per portal stack (real tokens through
the proxy), a no-change `up` of each stack with zero requests, the policy pack on each, a portal
stack naming a service the gateway lacks (a settings error, nothing written), and one portal
stack destroyed while the other's apps keep working.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.split.support import (
    NS,
    REPO,
    STACKS,
    Sandbox,
    example_config,
    make_project,
    verdicts,
    verify,
    write_config,
)
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine

GATEWAY_REF = "organization/kong-okta-portal/gateway"
ADA = {
    ("ada-batch", "orders"): ("200 (approved)", "PASS"),
    ("ada-batch", "billing"): ("403 (none)", "PASS"),
    ("ada-portal", "orders"): ("200 (approved)", "PASS"),
    ("ada-portal", "billing"): ("200 (approved)", "PASS"),
}
GRACE = {
    ("grace-reports", "orders"): ("200 (approved)", "PASS"),
    ("grace-reports", "billing"): ("200 (approved)", "PASS"),
    ("grace-sync", "orders"): ("403 (none)", "PASS"),
    ("grace-sync", "billing"): ("403 (pending)", "PASS"),
    ("grace-spa", "orders"): ("200 (approved)", "PASS"),
    ("grace-spa", "billing"): ("403 (none)", "PASS"),
}
NO_TOKEN = {("(no token)", "orders"): ("401", "PASS"), ("(no token)", "billing"): ("401", "PASS")}


class Stacks:
    """The CLI on the one project, one stack at a time (`--stack`, never the selected one)."""

    def __init__(self, cli: PulumiCLI, project: Path, env: dict[str, str]) -> None:
        self.cli, self.project, self.env = cli, project, env

    def run(self, stack: str, *args: str, check: bool = True) -> Any:
        return self.cli.run(*args, "--stack", stack, cwd=self.project, env=self.env, check=check)

    def up(self, stack: str, *extra: str, check: bool = True) -> Any:
        return self.run(stack, "up", "--yes", "--skip-preview", *extra, check=check)

    def outputs(self, stack: str) -> dict[str, Any]:
        return json.loads(self.run(stack, "stack", "output", "--json").stdout)

    def types(self, stack: str) -> list[str]:
        state = json.loads(self.run(stack, "stack", "export").stdout)
        return sorted(r["type"] for r in state["deployment"].get("resources") or [])


def verified(stacks: Stacks, stack: str, urls: dict[str, str]) -> dict[Any, Any]:
    """verify's verdicts for calls through the proxy; every other row (tokens, the claim,
    sign-in) must pass too."""
    result = verify(stacks.cli, stacks.project, stack, urls)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = verdicts(result.stdout)
    assert {verdict for _expected, verdict in rows.values()} == {"PASS"}, result.stdout
    return {key: row for key, row in rows.items() if not key[1].startswith("(")}


def test_gateway_and_two_portal_stacks(pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path) -> None:
    urls = sandbox.urls
    sb = Sandbox(urls)
    project = make_project(tmp_path, urls)
    stacks = Stacks(pulumi_cli, project, {"IDENTITY_API_TOKEN": urls["idp_api_token"]})
    for stack in STACKS:
        pulumi_cli.stack_init(project, stack)

    # 1. a portal stack whose gateway stack has not been deployed: one settings error, no write
    mark = sb.totals()
    early = stacks.up("portal-ada", check=False)
    assert early.returncode != 0
    assert f"{NS}:split.gatewayStack = '{GATEWAY_REF}'" in early.stdout, early.stdout
    assert "portalGateway" in early.stdout and "Traceback" not in early.stdout + early.stderr
    assert sb.writes_since(mark) == []

    # 1b. a gateway stack name the backend does not know: stopped at the read, no write
    typo = example_config("portal-ada", urls)
    typo[f"{NS}:split"]["gatewayStack"] = "organization/kong-okta-portal/gatewy"
    write_config(project, "portal-typo", typo)
    pulumi_cli.stack_init(project, "portal-typo")
    unknown = stacks.up("portal-typo", check=False)
    assert unknown.returncode != 0
    # the engine ends the run on the failed read, naming the reference after the setting
    assert (
        "pulumi:pulumi:StackReference (gatewayStack):\n    error: unknown stack "
        '"organization/kong-okta-portal/gatewy"'
    ) in unknown.stdout, unknown.stdout
    assert "Traceback" not in unknown.stdout + unknown.stderr
    assert sb.writes_since(mark) == []

    # 2. the gateway stack: services, routes, both plugins each, the workspace's Dev Portal on;
    #    no developer, no identity client
    stacks.up("gateway")
    assert len(sb.data("/services")) == 2 and len(sb.data("/plugins")) == 4
    assert sb.admin.get("/workspaces/default").json()["config"]["portal"] is True
    assert sb.developers() == [] and sb.clients() == []
    exported = stacks.outputs("gateway")["portalGateway"]
    service_ids = {s["id"]: s["name"] for s in sb.data("/services")}
    assert {service_ids[svc["id"]] for svc in exported["services"].values()} == {
        "orders",
        "billing",
    }
    assert exported["flows"] == ["client_credentials", "authorization_code"]

    # 3. a portal stack contracting a service the gateway stack does not export: the settings
    #    error names the setting and the value, before anything is created anywhere
    bad = example_config("portal-ada", urls)
    bad[f"{NS}:developers"] = [
        {
            "email": "eve@example.com",
            "fullName": "Eve",
            "apps": [{"name": "eve-app", "flow": "client_credentials", "services": ["inventory"]}],
        }
    ]
    write_config(project, "portal-bad", bad)
    pulumi_cli.stack_init(project, "portal-bad")
    mark = sb.totals()
    refused = stacks.up("portal-bad", check=False)
    assert refused.returncode != 0
    assert (
        f"{NS}:developers[0].apps[0].services[0].service = 'inventory': expected one of the "
        f"services the gateway stack {GATEWAY_REF} exports ['billing', 'orders']"
    ) in refused.stdout, refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
    assert sb.writes_since(mark) == []
    assert sb.developers() == [] and sb.clients() == []
    assert "pulumi-python:dynamic/kong:Developer" not in stacks.types("portal-bad")

    # 3b. with the workspace's Dev Portal turned off behind the stacks' back, a portal stack's
    #     preflight stops it (it does not turn the portal on: the gateway stack does)
    config = sb.admin.get("/workspaces/default").json()["config"]
    sb.admin.patch("/workspaces/default", json={"config": {**config, "portal": False}})
    mark = sb.totals()
    off = stacks.up("portal-ada", check=False)
    assert off.returncode != 0
    assert (
        f"the Dev Portal is off in workspace 'default': its gateway stack ({GATEWAY_REF}) "
        "turns it on; run `pulumi up` on that stack first"
    ) in off.stdout, off.stdout
    assert sb.writes_since(mark, accepted_only=True) == []
    sb.admin.patch("/workspaces/default", json={"config": config}).raise_for_status()

    # 4. two portal stacks, each with its own developer, apps, clients and contracts
    stacks.up("portal-ada")
    stacks.up("portal-grace")
    assert sb.developers() == ["ada@example.com", "grace@example.com"]
    assert sb.applications() == [
        "ada-batch",
        "ada-portal",
        "grace-reports",
        "grace-spa",
        "grace-sync",
    ]
    assert sb.clients() == [
        "ada-batch (kong-okta-portal/portal-ada)",
        "ada-portal (kong-okta-portal/portal-ada)",
        "grace-reports (kong-okta-portal/portal-grace)",
        "grace-spa (kong-okta-portal/portal-grace)",
        "grace-sync (kong-okta-portal/portal-grace)",
    ]
    # a portal stack makes no service, plugin or workspace switch of its own
    for stack in ("portal-ada", "portal-grace"):
        kinds = set(stacks.types(stack))
        assert not kinds & {
            "pulumi-python:dynamic/kong:Service",
            "pulumi-python:dynamic/kong:Plugin",
            "pulumi-python:dynamic/kong:WorkspacePortal",
        }
        assert "pulumi:pulumi:StackReference" in kinds

    # 5. verify per portal stack: tokens from the issuer, calls through the proxy
    assert verified(stacks, "portal-ada", urls) == {**NO_TOKEN, **ADA}
    assert verified(stacks, "portal-grace", urls) == {**NO_TOKEN, **GRACE}

    # 6. a no-change `up` of each stack: nothing changes, no request to Kong or the issuer
    for stack in STACKS:
        mark = sb.totals()
        stacks.up(stack, "--expect-no-changes")
        assert sb.totals() == mark, f"{stack}: {sb.requests('admin')[mark[0] :]}"

    # 7. the policy pack (local levels) passes on each side of the split
    for stack in STACKS:
        checked = stacks.run(
            stack,
            "preview",
            "--policy-pack",
            str(REPO / "policies"),
            "--policy-pack-config",
            str(REPO / "policies" / "config" / "local.json"),
        )
        assert "mandatory" not in checked.stdout.lower(), checked.stdout

    # 8. destroying one portal stack removes its developer, apps and clients only; the other
    #    portal stack's apps keep working
    stacks.run("portal-ada", "destroy", "--yes", "--skip-preview")
    assert sb.developers() == ["grace@example.com"]
    assert sb.applications() == ["grace-reports", "grace-spa", "grace-sync"]
    assert len(sb.data("/services")) == 2 and len(sb.data("/plugins")) == 4
    assert all(c.endswith("(kong-okta-portal/portal-grace)") for c in sb.clients())
    assert verified(stacks, "portal-grace", urls) == {**NO_TOKEN, **GRACE}
