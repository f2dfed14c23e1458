"""`pulumi up` killed midway (SIGKILL): after the recovery this CLI needs, the next `up` ends with
exactly the expected objects, none twice; also when the sandbox restarts from its state file.

Recovery after a killed `up` with this CLI (3.27x, file backend):
0. Rarely (seen once in ~10 kills) the kill lands while the file backend rewrites the
   checkpoint's metadata sidecar `.pulumi/stacks/<project>/<stack>.json.attrs`, which is
   written in place: `up` then says "failed to load checkpoint: EOF". Delete the empty sidecar
   (the checkpoint beside it is intact).
1. `pulumi up` refuses: "the stack is currently locked by 1 lock(s) ... `pulumi cancel`" (the
   dead process's lock file stays in the backend) -> `pulumi cancel --yes` deletes it.
2. The state lists the interrupted creates as `pending_operations`; `up` alone goes ahead with a
   warning and leaves them listed -> `pulumi refresh --clear-pending-creates --yes` drops them
   (`--import-pending-creates` cannot help: dynamic resources cannot be imported).
3. `pulumi up` creates what is missing; objects whose create was committed but never recorded
   must be found again by the providers, not created twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.harness import SandboxControl, start_bench_sandbox
from sandbox.launch import start_sandbox
from tests.resilience.support import STACK, StackRun, kill_when
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine

APPS = 20
PROJECT = "kong-okta-portal"


def _applications_written(control: SandboxControl) -> int:
    return sum(
        1
        for r in control.log()
        if r["target"] == "admin"
        and r["method"] in ("POST", "PUT")
        and "/applications" in r["path"]
        and "application_instances" not in r["path"]
        and r["status"] is not None
        and r["status"] < 300
    )


def _interrupt(run: StackRun) -> dict[str, int]:
    """Start `up`, SIGKILL it once a third of the portal applications exist; what is left."""
    control = run.control()
    # slow every write a little so that several creates are in flight when the kill lands
    control.add_fault(latency_ms=150, methods=["POST", "PUT", "PATCH"])
    try:
        proc = run.start_up()
        killed = kill_when(
            proc,
            lambda: _applications_written(control) >= APPS // 3,
            activity=control.mark,
        )
        assert killed, "`pulumi up` finished before it could be interrupted"
        control.clear_faults()
        return run.inventory().counts
    finally:
        control.close()


def _recover(run: StackRun) -> list[str]:
    """The recovery this CLI needs; returns the interrupted creates ("type::name")."""
    locked = run.up(check=False)
    if "failed to load checkpoint: EOF" in locked.stderr:
        # the kill landed while the file backend rewrote the checkpoint's `.attrs` sidecar
        # (gocloud fileblob writes it in place, not atomically): the empty sidecar must go;
        # the checkpoint itself is intact
        attrs = run.cli.backend / ".pulumi" / "stacks" / PROJECT / f"{STACK}.json.attrs"
        assert attrs.stat().st_size == 0, locked.stderr
        attrs.unlink()
        locked = run.up(check=False)
    assert locked.returncode != 0
    assert "pulumi cancel" in locked.stdout + locked.stderr
    run.cli.run("cancel", "--yes", cwd=run.project)
    pending = run.state()["deployment"].get("pending_operations") or []
    assert pending, "the killed run left no pending operations: it was not interrupted midway"
    interrupted = sorted(
        op["resource"]["urn"].rsplit("::", 2)[-2].rsplit("$", 1)[-1]
        + "::"
        + op["resource"]["urn"].rsplit("::", 1)[-1]
        for op in pending
    )
    run.cli.run("refresh", "--clear-pending-creates", "--yes", "--skip-preview", cwd=run.project)
    assert not run.state()["deployment"].get("pending_operations")
    again = run.up(check=False)
    assert again.returncode == 0, (
        f"`up` after a killed run failed; interrupted creates: {interrupted}\n"
        + again.stdout[-6000:]
    )
    return interrupted


def _assert_exactly_expected(run: StackRun) -> None:
    inventory = run.inventory()
    assert inventory.duplicates == {}
    assert inventory.counts == run.expected()
    resources = run.state()["deployment"]["resources"]
    ids = [r["id"] for r in resources if r.get("custom") and r.get("id")]
    assert len(ids) == len(set(ids)), "two resources in state claim the same object"
    checked = run.verify()
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_killed_up_then_recovery_creates_nothing_twice(
    pulumi_cli: PulumiCLI, sandbox: object, tmp_path: Path
) -> None:
    run = StackRun.create(pulumi_cli, tmp_path / "project", sandbox.urls, APPS)  # type: ignore[attr-defined]
    partial = _interrupt(run)
    assert 0 < partial["applications"] < APPS, partial

    _recover(run)
    _assert_exactly_expected(run)


def test_killed_up_and_restarted_sandbox_keeps_objects_once(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    state_file = tmp_path / "sandbox-state.json"
    first = start_bench_sandbox(["--state-file", str(state_file)])
    try:
        run = StackRun.create(pulumi_cli, tmp_path / "project", first.urls, APPS)
        partial = _interrupt(run)
        assert 0 < partial["applications"] < APPS, partial
    finally:
        first.stop()
    saved = json.loads(state_file.read_text())
    assert saved["sections"], "the sandbox wrote no state"

    # the same ports again, so the stack's URLs still point at it
    ports: list[str] = []
    for key, flag in (
        ("admin", "--admin-port"),
        ("proxy", "--proxy-port"),
        ("issuer", "--issuer-port"),
        ("upstream", "--upstream-port"),
    ):
        if key in first.urls:
            ports += [flag, str(urlsplit(first.urls[key]).port)]
    second = start_sandbox(["--state-file", str(state_file), *ports])
    try:
        assert second.urls["admin"] == first.urls["admin"]
        assert run.inventory().counts == partial, "the restarted sandbox lost objects"
        _recover(run)
        _assert_exactly_expected(run)
    finally:
        second.stop()
