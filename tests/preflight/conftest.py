"""The `deploy` fixture: a sandbox started with a case's flags and a copy of the local stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.launch import SandboxProcess
from tests.preflight.support import Case, Deployment, start_deployment
from tests.support.pulumi import PulumiCLI


@pytest.fixture
def deploy(pulumi_cli: PulumiCLI, tmp_path: Path) -> Iterator[Callable[[Case], Deployment]]:
    started: list[SandboxProcess] = []
    yield lambda case: start_deployment(pulumi_cli, tmp_path, case, started)
    for sandbox in started:
        sandbox.stop()
