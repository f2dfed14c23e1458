"""The Kong resources under the real Pulumi engine, against the sandbox with RBAC on.

A program in a tmp dir (its own project name: the provider works in any Pulumi program)
creates every kind; the sandbox request log counts what each engine operation costs.
"""

from __future__ import annotations

import base64
import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import sandbox_args
from tests.support.pulumi import REPO_ROOT, PulumiCLI, write_project

pytestmark = pytest.mark.engine

TOKEN = "engine-rbac-token-4f1d9c"
KINDS = ("Service", "Route", "Plugin", "Developer", "Application", "ApplicationInstance")

PROGRAM = textwrap.dedent(
    """
    import pulumi
    from providers.kong_dynamic import (
        Application, ApplicationInstance, Developer, Plugin, Route, Service,
        application_registration, openid_connect,
    )

    cfg = pulumi.Config()
    svc = Service("orders", name="orders", url=cfg.require("upstream"), tags=["okta", "orders"])
    route = Route("orders-route", name="orders-route", service_id=svc.kong_id, paths=["/orders"])
    oidc = Plugin("orders-oidc", name="openid-connect", service_id=svc.kong_id,
                  config=openid_connect(issuer=cfg.require("issuer")))
    reg = Plugin("orders-reg", name="application-registration", service_id=svc.kong_id,
                 config=application_registration(display_name="Orders", auto_approve=True))
    dev = Developer("ada", email="ada@example.com", meta='{"full_name": "Ada"}')
    app = Application("ada-app", developer_id=dev.kong_id, name="ada-app",
                      custom_id="0oa-engine-client")
    inst = ApplicationInstance("ada-orders", application_id=app.kong_id, service_id=svc.kong_id,
                               opts=pulumi.ResourceOptions(depends_on=[reg]))
    pulumi.export("service_id", svc.kong_id)
    pulumi.export("instance_status", inst.status)
    pulumi.export("route_id", route.kong_id)
    pulumi.export("oidc_id", oidc.kong_id)
    """
)


@pytest.fixture(scope="module")
def rbac_sandbox() -> Iterator[object]:
    from sandbox.launch import start_sandbox

    proc = start_sandbox([*sandbox_args(), "--rbac-token", TOKEN])
    try:
        yield proc
    finally:
        proc.stop()


class RequestLog:
    """New Admin API requests since the last call, from the sandbox request log."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.seen = 0

    def new(self) -> list[dict]:
        rows = httpx.get(f"{self.admin}/_sandbox/requests").json()["requests"]
        fresh, self.seen = rows[self.seen :], len(rows)
        return fresh


def test_lifecycle_request_counts(pulumi_cli: PulumiCLI, rbac_sandbox, tmp_path: Path) -> None:
    urls = rbac_sandbox.urls
    admin = urls["admin"]
    project = write_project(tmp_path / "prog", PROGRAM, name="kong-provider-engine")
    cli_env = {"PYTHONPATH": str(REPO_ROOT)}
    pulumi_cli.stack_init(project, "test")
    kong = json.dumps({"adminUrl": admin})
    pulumi_cli.run("config", "set", "kong-okta-portal:kong", kong, cwd=project)
    pulumi_cli.run(
        "config", "set", "--secret", "kong-okta-portal:kongAdminToken", TOKEN, cwd=project
    )
    pulumi_cli.run(
        "config", "set", "upstream", urls.get("upstream", "http://127.0.0.1:9"), cwd=project
    )
    pulumi_cli.run(
        "config",
        "set",
        "issuer",
        urls.get("issuer", "http://127.0.0.1:9/oauth2/default"),
        cwd=project,
    )
    httpx.post(f"{admin}/_sandbox/reset")
    portal_on = {"portal": True, "portal_auth": "openid-connect", "portal_auto_approve": True}
    httpx.patch(
        f"{admin}/workspaces/default",
        json={"config": portal_on},
        headers={"Kong-Admin-Token": TOKEN},
    ).raise_for_status()
    log = RequestLog(admin)
    log.new()

    pulumi_cli.run("preview", cwd=project, env=cli_env)  # unknown ids: check/diff only
    assert log.new() == []
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=cli_env)
    created = log.new()
    writes = [r for r in created if r["method"] in ("PUT", "POST", "PATCH")]
    reads = [r for r in created if r["method"] == "GET"]
    print(f"create: {len(created)} requests ({len(writes)} writes, {len(reads)} GET)")
    assert len(writes) == 7, created
    assert [r["path"] for r in reads] in ([], ["/"]), created  # at most one version lookup
    assert created and all(r["status"] < 400 for r in created), created
    # one kept-alive pool per provider process: no more connections than its 4 worker threads
    connections = {r["client"] for r in created}
    print(f"create: {len(connections)} connections")
    assert len(connections) <= 4 < len(created), created

    outputs = pulumi_cli.outputs(project)
    assert outputs["instance_status"] == 0

    second = pulumi_cli.run("up", "--yes", "--expect-no-changes", cwd=project, env=cli_env)
    # the 7 Kong objects and the stack itself
    assert re.search(r"\b8 unchanged\b", second.stdout), second.stdout
    pulumi_cli.run("preview", "--expect-no-changes", cwd=project, env=cli_env)
    no_change = log.new()
    print(f"no-change up + preview: {len(no_change)} requests")
    assert no_change == []

    pulumi_cli.run("refresh", "--yes", "--skip-preview", cwd=project, env=cli_env)
    refreshed = log.new()
    print(f"refresh: {len(refreshed)} requests")
    assert len(refreshed) == 7 and {r["method"] for r in refreshed} == {"GET"}, refreshed
    assert all(r["status"] == 200 for r in refreshed), refreshed
    assert len({r["client"] for r in refreshed}) <= 4, refreshed

    exported = pulumi_cli.run("stack", "export", cwd=project).stdout
    assert TOKEN not in exported
    state = json.loads(exported)
    # Even decrypted, no Kong resource (nor its pickled provider) holds the token or the URL;
    # only the engine's default-provider config carries the secret, encrypted at rest.
    shown = json.loads(pulumi_cli.run("stack", "export", "--show-secrets", cwd=project).stdout)
    for resource in shown["deployment"]["resources"]:
        if resource["type"].startswith("pulumi-python:dynamic/kong:"):
            text = json.dumps(resource)
            assert TOKEN not in text and admin not in text, resource["urn"]
            pickled = resource["outputs"]["__provider"]
            if isinstance(pickled, dict):  # a secret, shown decrypted
                pickled = json.loads(pickled["plaintext"])
            blob = base64.b64decode(pickled)
            assert TOKEN.encode() not in blob and admin.encode() not in blob
    types = {r["type"] for r in state["deployment"]["resources"]}
    assert {f"pulumi-python:dynamic/kong:{k}" for k in KINDS} <= types

    pulumi_cli.run("destroy", "--yes", "--skip-preview", cwd=project, env=cli_env)
    destroyed = log.new()
    print(f"destroy: {len(destroyed)} requests")
    assert [r["method"] for r in destroyed] == ["DELETE"] * 7, destroyed

    headers = {"Kong-Admin-Token": TOKEN}
    for path in ("/services", "/routes", "/plugins", "/developers", "/applications"):
        body = httpx.get(f"{admin}{path}", headers=headers).json()
        assert body["data"] == [], (path, body)
