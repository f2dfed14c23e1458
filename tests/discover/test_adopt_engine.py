"""Adopt a hand-made portal with the real Pulumi engine: discover, up, preview, change, destroy.

The estate is built by `sandbox.seed` the way the portal UI builds one (50 developers, 80
apps, contracts approved / pending / rejected / revoked, apps without contracts, plugins
configured by hand). The sandbox's request logs show what each step wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sandbox.seed import seed_estate
from tests.discover.support import REPO, RequestLog, make_project, run_discover
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine
NS = "kong-okta-portal"


def kong_rows(admin: str, path: str) -> list[dict[str, Any]]:
    rows, url = [], f"{admin}{path}"
    params: dict[str, Any] = {"size": 1000}
    while True:
        body = httpx.get(url, params=params).json()
        rows += body["data"]
        if not body.get("offset"):
            return rows
        params = {"size": 1000, "offset": body["offset"]}


def test_adopt_seeded_estate_with_zero_writes(
    pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path
) -> None:
    urls = sandbox.urls
    seeded = seed_estate(
        urls["admin"], urls["issuer"], urls["idp_api_token"], upstream_url=urls["upstream"]
    )
    assert seeded.developers >= 50 and seeded.applications >= 80
    assert all(seeded.contracts[s] > 0 for s in ("approved", "pending", "rejected", "revoked"))
    assert seeded.applications_without_contracts > 0
    apps_before = {a["id"]: a for a in kong_rows(urls["admin"], "/applications")}

    project = make_project(tmp_path)
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"]}
    log = RequestLog(urls["admin"])
    log.mark()
    found = run_discover(
        "--stack", "adopt", "--dir", str(project), "--admin-url", urls["admin"],
        "--proxy-url", urls["proxy"], env=env,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    # discovery only reads
    assert log.writes("admin") == [] and log.writes("issuer") == []
    config = yaml.safe_load((project / "Pulumi.adopt.yaml").read_text())["config"]
    devs = config[f"{NS}:developers"]
    apps = [a for d in devs for a in d.get("apps", [])]
    assert len(devs) == 50
    # the two apps whose Reference Id has a typo are reported, not adopted
    assert len(apps) == 80 - seeded.dangling_reference_ids
    assert "matches no identity client" in found.stdout
    assert all(a["adopt"] and a["clientId"] for a in apps)

    pulumi_cli.stack_init(project, "adopt")
    # 1. the first up adopts everything and writes nothing, in Kong or at the issuer
    log.mark()
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    assert log.writes("admin") == []
    assert log.writes("issuer") == []
    state = pulumi_cli.run("stack", "export", cwd=project).stdout
    assert state.count('"pulumi-python:dynamic/kong:Application"') == len(apps)
    # ... and keeps every object as it was: same ids, nothing re-created
    assert {a["id"] for a in kong_rows(urls["admin"], "/applications")} == set(apps_before)

    # 2. nothing left to change, and the policy pack (local levels) passes on it
    checked = pulumi_cli.run(
        "preview", "--expect-no-changes",
        "--policy-pack", str(REPO / "policies"),
        "--policy-pack-config", str(REPO / "policies" / "config" / "local.json"),
        cwd=project, env=env,
    )  # fmt: skip
    assert "mandatory" not in checked.stdout.lower(), checked.stdout

    # 3. a changed setting changes exactly its object: one pending contract approved
    target_app = next(
        a
        for a in apps
        if any(isinstance(c, dict) and c["status"] == "pending" for c in a.get("services", []))
    )
    for contract in target_app["services"]:
        if isinstance(contract, dict) and contract["status"] == "pending":
            contract["status"] = "approved"
            break
    stack_path = project / "Pulumi.adopt.yaml"
    data = yaml.safe_load(stack_path.read_text())
    data["config"] = config
    stack_path.write_text(yaml.safe_dump(data, sort_keys=False))
    log.mark()
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    writes = log.writes("admin")
    assert len(writes) == 1, writes
    method, path = writes[0]
    app_id = next(i for i, a in apps_before.items() if a["custom_id"] == target_app["clientId"])
    assert method == "PATCH" and f"/applications/{app_id}/application_instances/" in path
    assert log.writes("issuer") == []
    pulumi_cli.run("preview", "--expect-no-changes", cwd=project, env=env)

    # 4. audit: what lives outside the stack; a contract approved by hand shows up
    adopted_clients = {a["clientId"] for a in apps}
    pending = next(
        i
        for i in kong_rows(urls["admin"], "/services/orders/application_instances")
        if i["status"] == 1 and i["application"].get("custom_id") in adopted_clients
    )
    httpx.patch(
        f"{urls['admin']}/applications/{pending['application']['id']}/application_instances/"
        f"{pending['id']}",
        json={"status": 0},
    ).raise_for_status()
    audited = run_discover(
        "audit", "--stack", "adopt", "--dir", str(project), "--json",
        env={**pulumi_cli.env, **env},
    )  # fmt: skip
    assert audited.returncode == 1, audited.stderr
    report = json.loads(audited.stdout)
    counts = report["counts"]
    assert counts["unmanaged_applications"] == seeded.dangling_reference_ids
    assert counts["dangling_reference_ids"] == seeded.dangling_reference_ids
    # the abandoned clients, and the clients whose app mistyped their id
    assert counts["unreferenced_clients"] == seeded.unused_clients + seeded.dangling_reference_ids
    assert counts["developers_without_applications"] == seeded.developers_without_apps
    approved_by_hand = report["findings"]["contracts_approved_outside_stack"]
    assert [c["contract_id"] for c in approved_by_hand if c["stack_status"] == "pending"] == [
        pending["id"]
    ]

    # 5. destroy retains adopted objects: no DELETE anywhere, the portal is intact
    log.mark()
    pulumi_cli.run("destroy", "--yes", "--skip-preview", cwd=project, env=env)
    assert log.since("admin") == [] and log.since("issuer") == []
    assert len(kong_rows(urls["admin"], "/applications")) == 80
    assert len(kong_rows(urls["admin"], "/developers")) == 50
