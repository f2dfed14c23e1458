"""`scripts/stack` saves a dcr stack's state once per run, and leaves an okta stack's alone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

FAKE_PULUMI = """#!/usr/bin/env bash
# records what the engine would see, for `up` and `destroy`
case "$1" in
  up|destroy|refresh|preview) echo "${PULUMI_SKIP_CHECKPOINTS-unset}" > "$RECORD" ;;
esac
exit 0
"""


def _run(tmp_path: Path, provider: str, env: dict[str, str] | None = None) -> str:
    """Run a copy of scripts/stack `up` on a stack whose identity provider is `provider`."""
    root = tmp_path / provider
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "stack", root / "scripts" / "stack")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(REPO / ".venv" / "bin" / "python")
    config = {"config": {"kong-okta-portal:identity": {"provider": provider}}}
    (root / "Pulumi.team.yaml").write_text(yaml.safe_dump(config))
    fake = root / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(FAKE_PULUMI)
    fake.chmod(0o755)
    record = root / "record"
    base = {k: v for k, v in os.environ.items() if k != "PULUMI_SKIP_CHECKPOINTS"}
    subprocess.run(
        ["bash", str(root / "scripts" / "stack"), "up"],
        env={
            **base,
            "PATH": f"{fake.parent}{os.pathsep}{base['PATH']}",
            "PULUMI_BIN_DIR": "",
            "STACK": "team",
            "RECORD": str(record),
            **(env or {}),
        },
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return record.read_text().strip()


def test_dcr_stack_runs_with_checkpoints_once_per_run(tmp_path: Path) -> None:
    assert _run(tmp_path, "dcr") == "true"


def test_okta_stack_keeps_the_engine_default(tmp_path: Path) -> None:
    assert _run(tmp_path, "okta") == "unset"


def test_an_explicit_setting_wins(tmp_path: Path) -> None:
    assert _run(tmp_path, "dcr", {"PULUMI_SKIP_CHECKPOINTS": "false"}) == "false"
