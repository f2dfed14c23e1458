"""Behaviours of providers/ that no other fast test pinned exactly (found by mutation testing):
each test asserts the text or value a user (or the engine) receives."""

from __future__ import annotations

import gc
from typing import Any

import grpc
import httpx
import pulumi.log
import pulumi.runtime.settings
import pytest
from pulumi.errors import RunError
from pulumi.runtime import settings

import providers.dcr as dcr
from providers import program_gc, sdk_logs, sdk_shutdown
from tests.program.test_sdk_shutdown import _Answer
from tests.provider.conftest import Recorder
from tests.provider.test_mutation_dcr import ISSUER_URL, provider, service


def _raised(answer: _Answer) -> BaseException:
    with pytest.raises(Exception) as info:
        settings.handle_grpc_error(answer)
    return info.value


def test_cancelled_registration_reads_as_the_sdk_unavailable_monitor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The line the language host prints for a registration cancelled while the engine stops
    is the SDK's own for a monitor that went away, word for word (no traceback follows)."""
    monkeypatch.setattr(settings, "grpc_error_to_exception", settings.grpc_error_to_exception)
    unavailable = _raised(_Answer(grpc.StatusCode.UNAVAILABLE, "gone"))
    sdk_shutdown.install()
    cancelled = _raised(_Answer(grpc.StatusCode.CANCELLED, "context canceled"))
    assert type(unavailable) is RunError and type(cancelled) is RunError
    assert str(cancelled) == str(unavailable) == "Resource monitor has terminated, shutting down"


@pytest.mark.parametrize("name", ["billingXXXX", "XXXX"])
def test_read_of_a_client_with_no_stack_suffix_keeps_its_whole_name(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A client recorded without a stack suffix (adopted, or from an older stack) is read back
    under its name as registered, whatever it ends with: no change to report on refresh."""
    client = {"client_id": "0oa1", "client_name": name, "grant_types": ["client_credentials"]}
    server = Recorder(lambda request: httpx.Response(200, json=client))
    monkeypatch.setattr(dcr, "shared_transport", lambda verify, ca_bundle=None: server)
    state: dict[str, Any] = {**service(ISSUER_URL, client_name=name), "client_id": "0oa1"}
    read = provider().read("0oa1", state)
    assert [(r.method, r.url.path) for r in server.requests] == [("GET", "/oauth2/v1/clients/0oa1")]
    assert read.outs["client_name"] == read.inputs["client_name"] == name
    assert "name_suffix" not in read.inputs


def test_tuning_the_collector_returns_the_thresholds_it_replaced() -> None:
    """`tune()` hands back the thresholds in force before it, so a caller can put them back."""
    before = gc.get_threshold()
    try:
        assert program_gc.tune() == before
        assert gc.get_threshold() == program_gc.THRESHOLDS
        assert program_gc.tune() == program_gc.THRESHOLDS
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize(
    ("value", "sent"),
    [(" yes ", True), ("Yes", True), ("on", True), ("0", False), ("no", False), ("", False)],
)
def test_every_yes_spelling_of_the_debug_variable_sends_debug_lines(
    monkeypatch: pytest.MonkeyPatch, value: str, sent: bool
) -> None:
    lines: list[str] = []

    class _Engine:
        def Log(self, req: Any) -> None:  # noqa: N802 (the gRPC stub's name)
            lines.append(req.message)

    monkeypatch.setattr(pulumi.runtime.settings, "get_engine", lambda: _Engine())
    monkeypatch.setattr(pulumi.log, "debug", pulumi.log.debug)  # put back after the test
    monkeypatch.setenv(sdk_logs.ENV, value)
    assert sdk_logs.quiet() is not sent
    pulumi.log.debug("registering resource: ty=x, name=y")
    assert lines == (["registering resource: ty=x, name=y"] if sent else [])
