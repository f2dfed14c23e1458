"""Each way a deploy cannot succeed, through the real Pulumi CLI against a sandbox built for it.

Every case checks what a user sees: the exit code, one message naming the setting to change,
no Python traceback, no token in the output, and a sandbox that holds no new object (no Kong
entity, no registered client, no successful write in either request log).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.preflight.support import (
    ADMIN_TOKEN,
    READ_ONLY_TOKEN,
    Case,
    Deployment,
    closed_port_url,
    successful_writes,
)
from tests.program.test_engine_local_stack import NS, Inventory

pytestmark = pytest.mark.engine


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


def admin_requests(dep: Deployment) -> int:
    return Inventory(dep.sandbox.urls).request_total()[0]


def test_a_pass_is_remembered_until_a_checked_setting_changes(
    deploy: Callable[[Case], Deployment],
) -> None:
    dep = deploy(Case())
    before = admin_requests(dep)
    code, output = dep.run("preview")
    assert code == 0, output
    probed = admin_requests(dep)
    assert probed > before  # the first run probes Kong
    code, output = dep.run("preview")
    assert code == 0, output
    assert admin_requests(dep) == probed  # the same settings: no request at all
    code, output = dep.run("preview", env={"KONG_ADMIN_TOKEN": "another-token"})
    assert code == 0, output
    assert admin_requests(dep) > probed  # another token: probed again
    assert "another-token" not in output
    assert_nothing_made(dep)


def test_workspace_portal_off(deploy: Callable[[Case], Deployment]) -> None:
    """Off in the workspace: the stack turns it on itself (its `WorkspacePortal`), so the token
    must be allowed to update the workspace, which preflight asks without changing it."""
    dep = deploy(Case(portal=False))
    code, output = dep.run("preview")
    assert code == 0, output
    assert "the Dev Portal is off in workspace 'default': the stack turns it on" in output
    assert_nothing_made(dep)


def test_workspace_portal_off_and_a_read_only_token(
    deploy: Callable[[Case], Deployment],
) -> None:
    flags = ["--rbac-token", ADMIN_TOKEN, "--rbac-read-only-token", READ_ONLY_TOKEN]
    dep = deploy(Case(flags=flags, portal=False, env={"KONG_ADMIN_TOKEN": READ_ONLY_TOKEN}))
    code, output = dep.run("preview")
    assert code != 0
    expect = "may not update workspace 'default' (to turn its Dev Portal on)"
    assert_one_message(output, (expect,), (READ_ONLY_TOKEN, ADMIN_TOKEN))
    assert_nothing_made(dep)
