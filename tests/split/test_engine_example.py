"""The split-stacks example as its README runs it: `scripts/stack` (what `make up STACK=...`
runs) on the gateway stack and both portal stacks, the policy pack at the local levels
(POLICY_LEVELS=local), then verify on a portal stack; on a sandbox's free ports."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.split.support import REPO, STACKS, make_project, verdicts, verify
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine


def stack_script(
    cli: PulumiCLI, project: Path, stack: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "stack"), "up"],
        env={**cli.env, **env, "STACK": stack, "PROJECT_DIR": str(project)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_example_through_scripts_stack(pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path) -> None:
    urls = sandbox.urls
    project = make_project(tmp_path, urls)
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"], "POLICY_LEVELS": "local"}
    for stack in STACKS:
        pulumi_cli.stack_init(project, stack)
        done = stack_script(pulumi_cli, project, stack, env)
        assert done.returncode == 0, done.stdout + done.stderr
        # the pack ran at the local levels (not the prod fallback) and passed
        assert "Policies:" in done.stdout and "prod levels" not in done.stdout, done.stdout
        assert "mandatory" not in done.stdout.lower()
    result = verify(pulumi_cli, project, "portal-grace", urls)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = verdicts(result.stdout)
    assert rows[("grace-reports", "billing")] == ("200 (approved)", "PASS")
    assert rows[("grace-sync", "billing")] == ("403 (pending)", "PASS")
