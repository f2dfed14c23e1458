"""`make preview|up` (scripts/stack) fail closed on the policy pack, and its off switch warns."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.preflight.support import Case, Deployment
from tests.program.test_engine_local_stack import local_config
from tests.support.pulumi import REPO_ROOT

pytestmark = pytest.mark.engine

STACK = "prod-eu"  # no policies/config/prod-eu.json


def stack_script(dep: Deployment, command: str, **env: str) -> tuple[int, str]:
    project = dep.project
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "stack"), command],
        env={
            **dep.cli.env,
            **dep.env,
            "PULUMI_BIN_DIR": str(dep.cli.bin_dir),
            "PROJECT_DIR": str(project),
            "STACK": STACK,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def prod_eu(deploy: Callable[[Case], Deployment]) -> Deployment:
    dep = deploy(Case())
    cfg = local_config(dep.sandbox.urls)
    (dep.project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": cfg}))
    dep.cli.stack_init(dep.project, STACK)
    return dep


def test_stack_without_its_own_levels_gets_the_prod_levels(prod_eu: Deployment) -> None:
    assert not (REPO_ROOT / "policies" / "config" / f"{STACK}.json").exists()
    code, output = stack_script(prod_eu, "preview")
    assert "running the policy pack at the prod levels" in output
    # the local stack's loopback http URLs pass at local levels and are refused at prod's
    assert code != 0, output
    # prod refuses http on loopback, which local.json allows
    assert "[mandatory]  kong-upstream-https  (pulumi-python:dynamic/kong:Service: api-" in output


def test_policy_off_is_explicit_and_warns(prod_eu: Deployment) -> None:
    code, output = stack_script(prod_eu, "preview", POLICY="off")
    assert code == 0, output
    assert "WARNING: the policy pack is OFF for this run (POLICY=off)" in output
    assert "[mandatory]" not in output


def test_preflight_off_is_explicit_and_warns(prod_eu: Deployment, tmp_path: Path) -> None:
    code, output = stack_script(prod_eu, "preview", POLICY="off", PREFLIGHT="off")
    assert code == 0, output
    assert "preflight skipped (KONG_OKTA_PORTAL_PREFLIGHT=off)" in output
