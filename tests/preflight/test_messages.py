"""Provider error formatting: expected failures as one message, bugs with a traceback."""

from __future__ import annotations

import sys
import traceback

import pytest

from providers import errors
from providers.dcr import RegistrationError
from providers.kong_admin import KongAdminError


@pytest.fixture
def installed() -> object:
    saved = traceback.format_exc
    from pulumi.dynamic import dynamic

    init = dynamic.CheckFailure.__init__
    errors.install()
    yield
    traceback.format_exc = saved
    dynamic.CheckFailure.__init__ = init  # type: ignore[method-assign]


def _formatted(exc: Exception) -> str:
    try:
        raise exc
    except Exception:
        return traceback.format_exc()


def test_expected_failure_is_its_message_without_traceback(installed: object) -> None:
    text = _formatted(KongAdminError("Kong Admin API PUT /x returned 400: bad", status=400))
    assert "Traceback" not in text
    assert text.splitlines()[0] == "Kong Admin API PUT /x returned 400:"
    assert "bad" in text.splitlines()[1]
    assert "Fix: Kong rejected the values" in text


def test_unexpected_exception_keeps_its_traceback(installed: object) -> None:
    text = _formatted(ZeroDivisionError("division by zero"))
    assert text.startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: division by zero" in text


def test_registration_error_gets_the_token_fix() -> None:
    text = errors.describe(RegistrationError("create", 401, {"errorCode": "E0000011"}))
    assert "kong-okta-portal:identityApiToken" in text


def test_check_failure_names_the_field_and_keeps_the_value_out(installed: object) -> None:
    from pulumi.dynamic import CheckFailure

    failure = CheckFailure("config", "must be a list")
    assert failure.property == ""  # the engine prints the whole input value beside a property
    assert failure.reason == "invalid `config`:\nmust be a list"


def test_formatting_is_installed_only_in_the_provider_server() -> None:
    assert not errors.in_provider_server()
    assert sys.modules["__main__"] is not None
    assert errors.is_expected(KongAdminError("x"))
    assert not errors.is_expected(ValueError("x"))
