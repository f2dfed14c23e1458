"""`make demo IDENTITY=okta` without the pulumi-okta plugin: says how to install it, starts
nothing (the check comes before the sandbox, so no fixed port is bound here)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def demo(identity: str, home: Path, pulumi_bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env.update(
        IDENTITY=identity,
        PULUMI_HOME=str(home),
        PULUMI_BIN_DIR=str(pulumi_bin_dir),
        PULUMI_SKIP_UPDATE_CHECK="true",
        PY=str(REPO / ".venv" / "bin" / "python"),
    )
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "demo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=str(REPO),
    )


def test_okta_demo_without_the_plugin_says_how_to_install_it(
    tmp_path: Path, pulumi_bin_dir: Path
) -> None:
    result = demo("okta", tmp_path, pulumi_bin_dir)
    assert result.returncode == 1
    assert f"PULUMI_HOME={tmp_path} pulumi plugin install resource okta v7.0.1" in result.stderr
    assert "starting the sandbox" not in result.stdout


@pytest.mark.parametrize("identity", ["auth0", "OKTA"])
def test_unknown_identity_is_refused(tmp_path: Path, pulumi_bin_dir: Path, identity: str) -> None:
    result = demo(identity, tmp_path, pulumi_bin_dir)
    assert result.returncode == 2
    assert "expected dcr (the default) or okta" in result.stderr
