"""Shared by the preflight and error engine tests: a case, its sandbox and its project."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sandbox.launch import SandboxProcess, start_sandbox
from tests.conftest import sandbox_args
from tests.program.test_engine_local_stack import local_config, make_project, write_stack_config
from tests.support.pulumi import PulumiCLI
from verify.portal_prereq import enable_portal

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


def start_deployment(
    cli: PulumiCLI, root: Path, case: Case, started: list[SandboxProcess]
) -> Deployment:
    sandbox = start_sandbox(sandbox_args() + case.flags)
    started.append(sandbox)
    urls = sandbox.urls
    token = ADMIN_TOKEN if "--rbac-token" in case.flags else None
    if case.portal:
        enable_portal(urls["admin"], token=token)
    project = make_project(root, urls)
    cfg = local_config(urls)
    if case.edit:
        case.edit(cfg)
    write_stack_config(project, cfg)
    cli.stack_init(project, "local")
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"], **case.env}
    # the set-up's own writes (the portal switched on) are not the deploy's
    return Deployment(cli, sandbox, project, env, token, successful_writes(urls))
