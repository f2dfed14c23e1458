"""Each way a deploy cannot succeed, through the real Pulumi CLI against a sandbox built for it.

Every case checks what a user sees: the exit code, one message naming the setting to change,
no Python traceback, no token in the output, and a sandbox that holds no new object (no Kong
entity, no registered client, no successful write in either request log).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.launch import SandboxProcess, start_sandbox
from tests.conftest import sandbox_args
from tests.program.test_engine_local_stack import (
    NS,
    Inventory,
    local_config,
    make_project,
    write_stack_config,
)
from tests.support.pulumi import PulumiCLI
from verify.portal_prereq import enable_portal

pytestmark = pytest.mark.engine

ADMIN_TOKEN = "admin-token-7f3c"  # noqa: S105 - sandbox-only
READ_ONLY_TOKEN = "read-only-token-91ab"  # noqa: S105 - sandbox-only
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def closed_port_url() -> str:
    """A loopback URL nothing listens on (a port the OS just handed out and took back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Case:
    flags: list[str] = field(default_factory=list)
    portal: bool = True  # turn the Dev Portal on in the workspace first, as an admin would
    env: dict[str, str] = field(default_factory=dict)
    edit: Callable[[dict[str, Any]], None] | None = None
    expect: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()


CASES = {
    "kong-3.5": Case(
        flags=["--kong-version", "3.5.0.0"],
        expect=("Kong 3.5.0.0", "no classic Dev Portal", f"`{NS}:kong.adminUrl`"),
    ),
    "portal-app-auth": Case(
        flags=["--portal-app-auth", "kong-oauth2"],
        expect=("portal_app_auth is 'kong-oauth2'", "portal_app_auth = external-oauth2"),
    ),
    "no-license": Case(
        flags=["--no-license"],
        portal=False,
        expect=("no valid Enterprise license", "Enterprise license missing or expired"),
    ),
    "wrong-token": Case(
        flags=["--rbac-token", ADMIN_TOKEN],
        env={"KONG_ADMIN_TOKEN": "not-the-token"},
        expect=("401 'Invalid RBAC credentials'", f"`{NS}:kongAdminToken`"),
        secrets=("not-the-token", ADMIN_TOKEN),
    ),
    "read-only-token": Case(
        flags=["--rbac-token", ADMIN_TOKEN, "--rbac-read-only-token", READ_ONLY_TOKEN],
        env={"KONG_ADMIN_TOKEN": READ_ONLY_TOKEN},
        expect=("may not create in /default/services", "permissions to create", "kongAdminToken"),
        secrets=(READ_ONLY_TOKEN, ADMIN_TOKEN),
    ),
    "portal-off": Case(
        portal=False,
        expect=("Dev Portal is off in workspace 'default'", "config.portal=true"),
    ),
    "kong-closed-port": Case(
        edit=lambda cfg: cfg[f"{NS}:kong"].update(adminUrl=closed_port_url()),
        expect=("is not reachable", f"`{NS}:kong.adminUrl`"),
    ),
    "identity-token": Case(
        env={"IDENTITY_API_TOKEN": "wrong-idp-token"},
        expect=("refused the registration token", f"`{NS}:identityApiToken`"),
        secrets=("wrong-idp-token",),
    ),
    "issuer-closed-port": Case(
        edit=lambda cfg: cfg[f"{NS}:identity"].update(issuer=closed_port_url() + "/oauth2/x"),
        expect=("discovery document", "is not reachable", f"`{NS}:identity.issuer`"),
    ),
}


@dataclass
class Deployment:
    cli: PulumiCLI
    sandbox: SandboxProcess
    project: Path
    env: dict[str, str]
    token: str | None
    writes_before: list[tuple[str, str, str]]

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        proc = self.cli.run(*args, cwd=self.project, env={**self.env, **(env or {})}, check=False)
        return proc.returncode, proc.stdout + proc.stderr


def successful_writes(urls: dict[str, str]) -> list[tuple[str, str, str]]:
    """Writes either server accepted, as (target, method, path)."""
    found = []
    for target in ("admin", "issuer"):
        log = httpx.get(urls["admin"] + "/_sandbox/requests", params={"target": target}).json()
        found += [
            (target, r["method"], r["path"])
            for r in log["requests"]
            if r["method"] in WRITES and r["status"] is not None and r["status"] < 300
        ]
    return found


def assert_nothing_made(dep: Deployment) -> None:
    urls = dep.sandbox.urls
    inv = Inventory(urls)
    if dep.token:
        inv.admin.headers["Kong-Admin-Token"] = dep.token
    assert successful_writes(urls) == dep.writes_before
    counts = {k: len(inv.data(f"/{k}")) for k in ("services", "routes", "plugins", "consumers")}
    assert counts == {"services": 0, "routes": 0, "plugins": 0, "consumers": 0}
    assert inv.clients() == []


def assert_one_message(output: str, expect: tuple[str, ...], secrets: tuple[str, ...]) -> None:
    assert "Traceback" not in output
    problem_lines = [line for line in output.splitlines() if expect[0] in line]
    assert len(problem_lines) == 1, output
    for text in expect:
        assert text in output, f"{text!r} not in:\n{output}"
    for secret in secrets:
        assert secret not in output


@pytest.mark.parametrize("name", sorted(CASES))
def test_preview_and_up_stop_before_any_write(
    name: str, deploy: Callable[[Case], Deployment]
) -> None:
    case = CASES[name]
    dep = deploy(case)
    for command in (["preview"], ["up", "--yes", "--skip-preview"]):
        code, output = dep.run(*command)
        assert code != 0, output
        assert "preflight: this deploy cannot succeed; nothing was created" in output
        assert_one_message(output, case.expect, case.secrets)
    assert_nothing_made(dep)


@pytest.fixture
def deploy(pulumi_cli: PulumiCLI, tmp_path: Path) -> Iterator[Callable[[Case], Deployment]]:
    started: list[SandboxProcess] = []

    def make(case: Case) -> Deployment:
        sandbox = start_sandbox(sandbox_args() + case.flags)
        started.append(sandbox)
        urls = sandbox.urls
        token = ADMIN_TOKEN if "--rbac-token" in case.flags else None
        if case.portal:
            enable_portal(urls["admin"], token=token)
        project = make_project(tmp_path, urls)
        cfg = local_config(urls)
        if case.edit:
            case.edit(cfg)
        write_stack_config(project, cfg)
        pulumi_cli.stack_init(project, "local")
        env = {"IDENTITY_API_TOKEN": urls["idp_api_token"], **case.env}
        # the set-up's own writes (the portal switched on) are not the deploy's
        return Deployment(pulumi_cli, sandbox, project, env, token, successful_writes(urls))

    yield make
    for sandbox in started:
        sandbox.stop()
