"""Behaviours of providers/ that no other fast test pinned exactly (found by mutation testing):
each test asserts the text or value a user (or the engine) receives."""

from __future__ import annotations

import grpc
import pytest
from pulumi.errors import RunError
from pulumi.runtime import settings

from providers import sdk_shutdown


class _Answer(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


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
