"""README: "In CI (`CI=true`) a missing Pulumi CLI fails the run; it is never skipped"."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.pulumi import REPO_ROOT, VENV, python_executable

ENGINE_TEST = "tests/engine/test_toolchain.py::test_dynamic_provider_lifecycle_and_policy_pack"


def run_without_cli(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env.update(CI=ci, PATH=str(VENV / "bin"), PULUMI_BIN_DIR=str(tmp_path))  # no pulumi there
    return subprocess.run(
        [python_executable(), "-m", "pytest", "-p", "no:cacheprovider", "-q", ENGINE_TEST],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_missing_cli_fails_in_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    in_ci = run_without_cli(tmp_path, "true")
    assert in_ci.returncode != 0, in_ci.stdout
    assert "no Pulumi CLI with the Python language host" in in_ci.stdout
    assert "1 error" in in_ci.stdout or "1 failed" in in_ci.stdout
    local = run_without_cli(tmp_path, "")
    assert local.returncode == 0, local.stdout
    assert "1 skipped" in local.stdout
