"""Fixtures shared by every test package: the real Pulumi CLI and a running sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.launch import SandboxProcess, start_sandbox
from tests.support.pulumi import PulumiCLI, find_pulumi_bin_dir

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pulumi_bin_dir() -> Path:
    found = find_pulumi_bin_dir()
    if found is None:
        message = (
            "no Pulumi CLI with the Python language host: run `make setup` "
            "(or set PULUMI_BIN_DIR to the directory `scripts/pulumi-cli` prints)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def pulumi_cli(pulumi_bin_dir: Path, tmp_path: Path) -> PulumiCLI:
    home = tmp_path / "pulumi-home"
    backend = tmp_path / "pulumi-state"
    home.mkdir()
    backend.mkdir()
    return PulumiCLI(bin_dir=pulumi_bin_dir, home=home, backend=backend)


def _start_sandbox(extra: list[str]) -> SandboxProcess:
    return start_sandbox(extra)


def sandbox_args() -> list[str]:
    """Free ports for every server the sandbox starts."""
    return ["--proxy-port", "0", "--issuer-port", "0", "--upstream-port", "0"]


@pytest.fixture
def sandbox() -> Iterator[SandboxProcess]:
    proc = _start_sandbox(sandbox_args())
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def sandbox_module() -> Iterator[SandboxProcess]:
    proc = _start_sandbox(sandbox_args())
    try:
        yield proc
    finally:
        proc.stop()
