"""A full `python -m sandbox` (admin, proxy, issuer, upstream) per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.launch import SandboxProcess, start_sandbox

SERVER_PORT_FLAGS = ["--proxy-port", "0", "--issuer-port", "0", "--upstream-port", "0"]


@pytest.fixture(scope="module")
def state_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flow") / "state.json"


@pytest.fixture(scope="module")
def flow_sandbox(state_file: Path) -> Iterator[SandboxProcess]:
    with start_sandbox(
        [*SERVER_PORT_FLAGS, "--auth-server", "partners", "--state-file", str(state_file)]
    ) as sandbox:
        yield sandbox
