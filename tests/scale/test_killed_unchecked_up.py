"""A 200-app dcr `pulumi up` without checkpoints, SIGKILLed midway, converges with no duplicates.

`PULUMI_SKIP_CHECKPOINTS=true` (what `scripts/stack` and the bench use for dcr stacks) makes the
engine save state once, at the end, instead of after every step: at 1,000 apps that is the
difference between minutes and hours. The price is that a killed run records nothing it made.
That is safe only because every object finds itself again: Kong ids derive from the stack and
resource name, and identity clients carry `<app> (<project>/<stack>)`, so a client registered
but never recorded is removed before registering again. This test holds the setting to that.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.harness import SandboxControl
from tests.resilience.support import StackRun, kill_when
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine

APPS = 200


def _apps_written(control: SandboxControl) -> int:
    return sum(
        1
        for r in control.log()
        if r["target"] == "admin"
        and r["method"] in ("POST", "PUT")
        and r["path"].endswith("/applications")
        and r["status"] is not None
        and r["status"] < 300
    )


def test_killed_up_without_checkpoints_converges_with_each_object_once(
    pulumi_cli: PulumiCLI, sandbox: object, tmp_path: Path
) -> None:
    pulumi_cli.extra_env["PULUMI_SKIP_CHECKPOINTS"] = "true"
    run = StackRun.create(pulumi_cli, tmp_path / "project", sandbox.urls, APPS)  # type: ignore[attr-defined]
    control = run.control()
    try:
        proc = run.start_up()
        killed = kill_when(proc, lambda: _apps_written(control) >= APPS // 3, activity=control.mark)
        assert killed, "`pulumi up` finished before it could be interrupted"
    finally:
        control.close()
    partial = run.inventory()
    assert 0 < partial.counts["applications"] < APPS, partial.counts
    assert partial.counts["clients"] > 0

    locked = run.up(check=False)
    assert locked.returncode != 0 and "pulumi cancel" in locked.stdout + locked.stderr
    run.cli.run("cancel", "--yes", cwd=run.project)
    state = run.state()["deployment"]
    recorded = [r for r in state.get("resources") or [] if r.get("custom")]
    # the setting was in force: the killed run recorded none of the objects it made
    assert recorded == [], f"{len(recorded)} resources checkpointed mid-run"

    again = run.up(check=False)
    assert again.returncode == 0, again.stdout[-6000:] + again.stderr[-2000:]
    inventory = run.inventory()
    assert inventory.duplicates == {}
    assert inventory.counts == run.expected()
    ids = [r["id"] for r in run.state()["deployment"]["resources"] if r.get("custom")]
    assert len(ids) == len(set(ids))
    # and a further `up` has nothing left to do
    quiet = run.control()
    try:
        mark = quiet.mark()
        run.up()
        assert quiet.since(mark).total() == 0
    finally:
        quiet.close()
    checked = run.verify()
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
