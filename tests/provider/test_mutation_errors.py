"""What `pulumi up` prints for a provider's expected failure (`providers.errors`), whole messages.

The dynamic-provider server prints whatever `traceback.format_exc()` returns; once `install()`
ran there, an expected failure is one headline, then the remote answer and the fix on the next
line. These tests pin the exact text a user reads, the fix chosen per status and per failure
kind, and that the formatting is switched on in the provider server only.
"""

from __future__ import annotations

import sys
import traceback
import types
from collections.abc import Iterator

import pytest
from pulumi.dynamic import dynamic

from components.settings import SettingsError
from providers import errors
from providers.dcr import RegistrationError
from providers.kong_admin import KongAdminError, KongConfigError

FIX_400 = errors._FIXES_BY_STATUS[400]
FIX_404 = errors._FIXES_BY_STATUS[404]
FIX_409 = errors._FIXES_BY_STATUS[409]


@pytest.fixture
def restored() -> Iterator[None]:
    """`install()` patches the traceback module and the SDK: put both back after the test."""
    format_exc = traceback.format_exc
    init = dynamic.CheckFailure.__init__
    installed = errors._INSTALLED
    yield
    traceback.format_exc = format_exc
    dynamic.CheckFailure.__init__ = init  # type: ignore[method-assign]
    errors._INSTALLED = installed


def _printed(exc: BaseException) -> str:
    try:
        raise exc
    except BaseException:
        return traceback.format_exc()


# -- which failures are a user's to fix -------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        KongAdminError("x"),
        KongConfigError("x"),
        RegistrationError("create", 400, {}),
        SettingsError([]),
    ],
)
def test_every_failure_a_user_fixes_is_expected(exc: BaseException) -> None:
    assert errors.is_expected(exc)


def test_a_subclass_of_an_expected_failure_is_expected_and_bugs_are_not() -> None:
    class Refused(KongAdminError):
        pass

    assert errors.is_expected(Refused("x"))
    assert not errors.is_expected(ValueError("x"))  # KongConfigError's base is not enough
    assert not errors.is_expected(None)


# -- the fix chosen for a failure --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fix"),
    [(400, FIX_400), (404, FIX_404), (409, FIX_409), (500, errors._SERVER_FIX),
     (503, errors._SERVER_FIX), (401, None), (None, None), ("500", None)],
)  # fmt: skip
def test_kong_failures_get_the_fix_for_their_status(status: object, fix: str | None) -> None:
    assert errors._fix_for(KongAdminError("x", status=status)) == fix  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "fix"),
    [(401, errors._REGISTRATION_FIXES[401]), (403, errors._REGISTRATION_FIXES[403]),
     (400, errors._REGISTRATION_FIXES[400]), (500, errors._SERVER_FIX), (502, errors._SERVER_FIX),
     (409, None), (0, None)],
)  # fmt: skip
def test_registration_failures_get_the_identity_providers_fix(status: int, fix: str | None) -> None:
    assert errors._fix_for(RegistrationError("create", status, {})) == fix


def test_a_registration_failure_with_no_number_gets_no_fix() -> None:
    exc = RegistrationError("create", 400, {})
    exc.status = None  # type: ignore[assignment]
    assert errors._fix_for(exc) is None
    exc.status = "401"  # type: ignore[assignment]
    assert errors._fix_for(exc) is None
    # a Kong failure the registration table would answer differently keeps Kong's table
    assert errors._fix_for(KongAdminError("x", status=401)) is None
    assert errors._fix_for(KongAdminError("x", status=403)) is None


# -- the message: headline, details, fix --------------------------------------------------------


def test_headline_is_cut_at_the_first_colon_or_full_stop() -> None:
    assert errors._split_headline("a: b. c") == ("a", "b. c")
    assert errors._split_headline("a. b: c") == ("a", "b: c")
    assert errors._split_headline("a. b. c") == ("a", "b. c")
    assert errors._split_headline("no cut here") == ("no cut here", "")
    # a cut at the very start is no headline at all
    assert errors._split_headline(": x") == (": x", "")
    assert errors._split_headline("ab:c.d") == ("ab:c.d", "")


def test_a_kong_refusal_reads_headline_then_answer_and_fix() -> None:
    exc = KongAdminError("Kong Admin API PUT /services/x returned 400: bad port", status=400)
    assert errors.describe(exc) == (
        f"Kong Admin API PUT /services/x returned 400:\nbad port. Fix: {FIX_400}"
    )


def test_a_message_that_says_what_to_do_keeps_its_own_advice() -> None:
    for advice in (" set ", " use ", "point ", "grant ", "check ", "add ", "rename", "delete "):
        message = f"Kong Admin API POST /x returned 409: clash; please{advice}the other one"
        text = errors.describe(KongAdminError(message, status=409))
        assert "Fix:" not in text, advice
        assert text == message.replace(": ", ":\n", 1)
    # matched whatever the case of the message
    shouting = "Kong Admin API POST /x returned 409: PLEASE RENAME IT"
    assert "Fix:" not in errors.describe(KongAdminError(shouting, status=409))


def test_a_message_ending_in_a_capital_x_keeps_it() -> None:
    exc = KongAdminError("Kong Admin API GET /x returned 404: no route /X.", status=404)
    assert (
        errors.describe(exc) == f"Kong Admin API GET /x returned 404:\nno route /X. Fix: {FIX_404}"
    )


def test_a_message_with_a_full_stop_gets_the_fix_after_one_full_stop() -> None:
    exc = KongAdminError("Kong Admin API GET /x returned 404: no route.", status=404)
    assert errors.describe(exc) == f"Kong Admin API GET /x returned 404:\nno route. Fix: {FIX_404}"


def test_whitespace_is_folded_and_an_empty_message_names_the_failure() -> None:
    exc = KongAdminError("  Kong   said:\n  no \t way  ", status=None)
    assert errors.describe(exc) == "Kong said:\nno way"
    assert errors.describe(KongAdminError("   ")) == "KongAdminError"


def test_a_registration_failure_reads_as_one_message_with_the_token_fix() -> None:
    exc = RegistrationError("of 'ada'", 401, {"errorCode": "E0000011", "secret": "s3cr3t"})
    assert errors.describe(exc) == (
        'client registration of \'ada\' failed:\nHTTP 401 {"errorCode": "E0000011"}. '
        f"Fix: {errors._REGISTRATION_FIXES[401]}"
    )


def test_a_failure_without_a_fix_is_only_split() -> None:
    assert errors.describe(KongConfigError("`kong.adminUrl` = 'x': expected y")) == (
        "`kong.adminUrl` = 'x':\nexpected y"
    )


# -- installed in the provider server --------------------------------------------------------


def test_installed_formatting_prints_expected_failures_without_traceback(
    restored: None,
) -> None:
    errors.install()
    text = _printed(KongAdminError("Kong Admin API GET /x returned 409: taken", status=409))
    assert text == f"Kong Admin API GET /x returned 409:\ntaken. Fix: {FIX_409}"
    bug = _printed(ZeroDivisionError("division by zero"))
    assert bug.startswith("Traceback (most recent call last):")
    assert bug.rstrip().endswith("ZeroDivisionError: division by zero")


def test_installed_formatting_passes_limit_and_chain_on_for_bugs(restored: None) -> None:
    errors.install()
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise ZeroDivisionError("outer") from inner
    except ZeroDivisionError:
        chained = traceback.format_exc()
        unchained = traceback.format_exc(chain=False)
        limited = traceback.format_exc(limit=0)
    assert "KeyError: 'inner'" in chained and "direct cause" in chained
    assert "KeyError" not in unchained
    assert "File " not in limited and limited.rstrip().endswith("ZeroDivisionError: outer")


def test_installed_check_failures_name_the_field_in_the_reason(restored: None) -> None:
    errors.install()
    named = dynamic.CheckFailure("config", "must be a list")
    assert (named.property, named.reason) == ("", "invalid `config`:\nmust be a list")
    unnamed = dynamic.CheckFailure("", "bad")
    assert (unnamed.property, unnamed.reason) == ("", "invalid input:\nbad")


def _fake_main(name: str | None) -> types.ModuleType:
    main = types.ModuleType("__main__")
    main.__spec__ = types.SimpleNamespace(name=name) if name else None  # type: ignore[assignment]
    return main


def test_the_provider_server_is_told_by_its_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "__main__", _fake_main("pulumi.dynamic.__main__"))
    assert errors.in_provider_server() is True
    monkeypatch.setitem(sys.modules, "__main__", _fake_main("pulumi.dynamic"))
    assert errors.in_provider_server() is False
    monkeypatch.setitem(sys.modules, "__main__", _fake_main(None))
    assert errors.in_provider_server() is False
    monkeypatch.delitem(sys.modules, "__main__")
    assert errors.in_provider_server() is False


def test_install_in_provider_server_installs_once_and_only_there(
    restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = traceback.format_exc
    errors._INSTALLED = False
    monkeypatch.setitem(sys.modules, "__main__", _fake_main("pytest"))
    errors.install_in_provider_server()
    assert traceback.format_exc is original and errors._INSTALLED is False

    monkeypatch.setitem(sys.modules, "__main__", _fake_main("pulumi.dynamic.__main__"))
    errors.install_in_provider_server()
    first = traceback.format_exc
    assert first is not original and errors._INSTALLED is True
    errors.install_in_provider_server()  # a second import of the package: no second layer
    assert traceback.format_exc is first
