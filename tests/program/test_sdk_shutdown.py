"""A registration the engine cancels while it stops after a failure ends as the SDK ends an
unavailable monitor: a RunError, which the language host prints without a traceback."""

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


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "grpc_error_to_exception", settings.grpc_error_to_exception)
    sdk_shutdown.install()


def test_a_cancelled_registration_is_a_run_error(installed: None) -> None:
    with pytest.raises(RunError, match="Resource monitor has terminated"):
        settings.handle_grpc_error(_Answer(grpc.StatusCode.CANCELLED, "context canceled"))


def test_other_answers_convert_as_before(installed: None) -> None:
    with pytest.raises(RunError, match="Resource monitor has terminated"):
        settings.handle_grpc_error(_Answer(grpc.StatusCode.UNAVAILABLE, "gone"))
    with pytest.raises(Exception, match="^bad request$") as info:
        settings.handle_grpc_error(_Answer(grpc.StatusCode.INVALID_ARGUMENT, "bad request"))
    assert not isinstance(info.value, RunError)
