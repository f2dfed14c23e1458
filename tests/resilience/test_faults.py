"""A flaky Admin API: `up` still succeeds, and the sandbox holds each object exactly once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.resilience.support import StackRun
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine

APPS = 20


def test_up_survives_failing_and_dropped_admin_requests(
    pulumi_cli: PulumiCLI, sandbox: object, tmp_path: Path
) -> None:
    run = StackRun.create(pulumi_cli, tmp_path / "project", sandbox.urls, APPS)  # type: ignore[attr-defined]
    control = run.control()
    # Rules are tried in order and the first that fires wins: 10% answer 503, 10% answer 429
    # (Retry-After: 1), 10% are committed and then lose their response (connection dropped).
    control.add_fault(status=503, rate=0.1, seed=11)
    control.add_fault(status=429, retry_after=1, rate=0.1 / 0.9, seed=12)
    control.add_fault(drop=True, rate=0.1 / 0.8, seed=13)
    mark = control.mark()

    up = run.up()  # check=True: a failed up raises with its output

    window = control.since(mark)
    admin = window.of("admin")
    statuses = [r["fault"] for r in admin if r["fault"]]
    # the faults really happened, of every kind
    assert statuses.count("status:503") >= 3, statuses
    assert statuses.count("status:429") >= 3, statuses
    assert statuses.count("drop") >= 3, statuses
    assert re.search(r"\b\d+ created\b", up.stdout), up.stdout

    control.clear_faults()
    inventory = run.inventory()
    assert inventory.duplicates == {}
    assert inventory.counts == run.expected()

    checked = run.verify()
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # the state agrees with the sandbox: nothing to do, and nothing is asked of the Admin API
    mark = control.mark()
    again = run.up("--expect-no-changes")  # check=True: any change fails the command
    assert re.search(r"\b\d+ unchanged\b", again.stdout), again.stdout
    assert control.since(mark).total() == 0
    control.close()
