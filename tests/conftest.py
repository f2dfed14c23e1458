"""Fixtures shared by every test package: the real Pulumi CLI and a running sandbox."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _start_sandbox(extra: list[str]):  # type: ignore[no-untyped-def]
    from sandbox.launch import start_sandbox

    return start_sandbox(extra)


SANDBOX_PORT_FLAGS = ["--proxy-port", "0", "--issuer-port", "0", "--upstream-port", "0"]


@functools.cache
def _sandbox_port_args() -> tuple[str, ...]:
    """Free ports for every server the sandbox CLI knows about."""
    import subprocess
    import sys

    help_text = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"], capture_output=True, text=True, check=False
    ).stdout
    args: list[str] = []
    for i in range(0, len(SANDBOX_PORT_FLAGS), 2):
        if SANDBOX_PORT_FLAGS[i] in help_text:
            args += SANDBOX_PORT_FLAGS[i : i + 2]
    return tuple(args)


def sandbox_args() -> list[str]:
    """Free ports for every server the sandbox CLI knows about."""
    return list(_sandbox_port_args())


@pytest.fixture
def sandbox() -> Iterator[object]:
    proc = _start_sandbox(sandbox_args())
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def sandbox_module() -> Iterator[object]:
    proc = _start_sandbox(sandbox_args())
    try:
        yield proc
    finally:
        proc.stop()
