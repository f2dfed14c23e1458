"""The program keeps the SDK's per-resource debug lines off the engine's wire (a blocking RPC
each, four per resource), unless KONG_OKTA_PORTAL_SDK_DEBUG asks for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi.log
import pulumi.runtime.settings
import pytest

from providers import sdk_logs


class _Engine:
    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []

    def Log(self, req: Any) -> None:  # noqa: N802 (the gRPC stub's name)
        self.lines.append((req.severity, req.message))


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> _Engine:
    fake = _Engine()
    monkeypatch.setattr(pulumi.runtime.settings, "get_engine", lambda: fake)
    monkeypatch.setattr(pulumi.log, "debug", pulumi.log.debug)  # put back after the test
    return fake


def test_debug_lines_are_dropped_and_the_rest_kept(
    engine: _Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(sdk_logs.ENV, raising=False)
    assert sdk_logs.quiet() is True
    pulumi.log.debug("registering resource: ty=x, name=y")
    pulumi.log.info("preflight: ok")
    pulumi.log.warn("careful")
    assert [m for _s, m in engine.lines] == ["preflight: ok", "careful"]


@pytest.mark.parametrize("value", ["1", "true", "ON"])
def test_the_variable_sends_them_as_the_sdk_does(
    engine: _Engine, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(sdk_logs.ENV, value)
    assert sdk_logs.quiet() is False
    pulumi.log.debug("registering resource: ty=x, name=y")
    assert [m for _s, m in engine.lines] == ["registering resource: ty=x, name=y"]


def test_the_program_and_the_bench_baseline_both_quiet_them() -> None:

    from bench.noop import BASELINE_PROGRAM

    program = (Path(__file__).parents[2] / "__main__.py").read_text()
    assert "sdk_logs.quiet()" in program
    assert "sdk_logs.quiet()" in BASELINE_PROGRAM
