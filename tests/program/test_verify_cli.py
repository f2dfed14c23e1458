"""`python -m verify` when it cannot run: one line saying what to do, exit 2, no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import verify.__main__ as verify_cli
from tests.support.pulumi import REPO_ROOT, PulumiCLI, python_executable, write_project


def run_verify(cli: PulumiCLI, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [python_executable(), "-m", "verify", *args],
        cwd=REPO_ROOT,
        env={**cli.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_the_pulumi_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PULUMI_BIN_DIR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi here
    monkeypatch.setattr(verify_cli, "REPO", str(tmp_path))  # nor a `make setup` record
    assert verify_cli.main(["--stack", "local"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "verify: no Pulumi CLI found (not on PATH, no PULUMI_BIN_DIR): run `make setup`, "
        "then `make verify STACK=<stack>`"
    ]


def test_for_a_stack_without_outputs(pulumi_cli: PulumiCLI, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", "import pulumi\n")
    pulumi_cli.stack_init(project, "prod-eu")
    proc = run_verify(pulumi_cli, "--stack", "prod-eu", "--cwd", str(project))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "verify: stack 'prod-eu' has no outputs tokenEndpoint, services, apps: deploy it first "
        "(`make up STACK=prod-eu`), then run verify again"
    ]


def test_for_a_stack_that_does_not_exist(pulumi_cli: PulumiCLI, tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", "import pulumi\n")
    proc = run_verify(pulumi_cli, "--stack", "nosuch", "--cwd", str(project))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("verify: there is no stack 'nosuch' in this backend")
    assert "make up STACK=nosuch" in lines[0]
