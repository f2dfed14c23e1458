"""Our dynamic resources register without the SDK's Python stack capture; nothing else changes.

Under mocks the test monitor sees the `RegisterResourceRequest` the engine would get: its
`stackTrace` and `sourcePosition` are what the engine stores in state.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime import resource as sdk_resource

from providers import dcr, source_positions
from providers import kong_dynamic as kd
from tests.provider.test_mutation_resources import OptionsMonitor, deploy


class TraceMonitor(OptionsMonitor):
    """Also keeps the Python stack and source position each registration carries."""

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        answer = super().RegisterResource(request)
        self.options[request.name].update(
            frames=len(request.stackTrace.frames), position=request.sourcePosition.uri
        )
        return answer


class Team(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Team", name)


def test_kong_objects_and_identity_clients_carry_no_stack_but_other_resources_do() -> None:
    def program() -> None:
        team = Team("team")
        kd.Service("svc", name="orders", url="http://orders.internal")
        kd.Developer("dev", email="ada@example.com", opts=pulumi.ResourceOptions(parent=team))
        dcr.ClientRegistration(
            "client",
            issuer="http://127.0.0.1:9/oauth2/default",
            client_name="app",
            grant_types=["client_credentials"],
        )

    _, monitor = deploy(program, TraceMonitor)
    seen = monitor.options
    for name in ("svc", "dev", "client"):
        assert (seen[name]["frames"], seen[name]["position"]) == (0, ""), name
    # a resource made outside ours keeps the SDK's capture, pointing at this file
    assert seen["team"]["frames"] > 0
    assert seen["team"]["position"].endswith("test_source_positions.py")


def test_the_capture_is_skipped_only_inside_the_mark_and_wrapped_once() -> None:
    capture = source_positions._skipping(lambda: "the SDK's trace", lambda: "empty")
    assert capture() == "the SDK's trace"
    with source_positions.without_source_position():
        assert capture() == "empty"
    assert capture() == "the SDK's trace"

    wrapped = sdk_resource._get_stack_trace
    assert source_positions.install() is True
    assert sdk_resource._get_stack_trace is wrapped  # installing again adds no layer


def test_an_sdk_without_the_capture_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sdk_resource, "_get_stack_trace")
    assert source_positions.install() is False
    assert not hasattr(sdk_resource, "_get_stack_trace")
