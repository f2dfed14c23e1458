"""Error messages as the user reads them: values shown as written, bounded in length, no secret."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, parse_settings
from providers.dcr import ClientRegistrationProvider, RegistrationError
from tests.program import configs


def problem_line(cfg: dict, key: str) -> str:
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    return next(ln for ln in str(info.value).splitlines() if key in ln)


def test_a_mapping_is_shown_as_the_json_the_user_wrote() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["route"]["paths"] = {"a": 1}
    line = problem_line(cfg, "services[0].route.paths")
    assert '= {"a": 1}:' in line


def test_a_long_value_is_cut_at_120_characters() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["url"] = "http://orders.example.com/" + "x" * 200
    line = problem_line(cfg, "services[0].url")
    shown = line.split(" = ", 1)[1].split(": expected", 1)[0]
    assert len(shown) == 120 and shown.endswith("...")
    assert shown == repr(cfg["services"][0]["url"])[:117] + "..."


def test_the_summary_counts_problems() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["url"] = "http://orders.example.com"
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    text = str(info.value)
    assert text.startswith("invalid stack settings (1 problem):\n  - kong-okta-portal:services[0]")
    assert text.endswith("\nFix the stack config (pulumi config set --path ...) and run again.")


def test_registration_check_names_each_missing_setting() -> None:
    checked = ClientRegistrationProvider().check({}, {"grant_types": []})
    assert [(f.property, f.reason) for f in checked.failures] == [
        ("issuer", "issuer is required"),
        ("client_name", "client_name is required"),
        ("grant_types", "grant_types is required"),
    ]


def test_registration_error_keeps_the_error_fields_only() -> None:
    body = {"error": "invalid_client_metadata", "client_secret": "s3cret", "errorCode": "E1"}
    err = RegistrationError("create", 400, body)
    assert str(err) == (
        "client registration create failed: HTTP 400 "
        '{"error": "invalid_client_metadata", "errorCode": "E1"}'
    )
    assert str(RegistrationError("delete", 503, "<html>")) == (
        "client registration delete failed: HTTP 503"
    )


@pytest.mark.parametrize(("length", "cut"), [(120, False), (121, True)])
def test_the_cut_starts_past_120_characters(length: int, cut: bool) -> None:
    cfg = configs.dcr()
    url = "http://o.example.com/"
    cfg["services"][0]["url"] = url + "x" * (length - 2 - len(url))  # repr adds two quotes
    shown = problem_line(cfg, "services[0].url").split(" = ", 1)[1].split(": expected", 1)[0]
    assert shown.endswith("...") is cut and len(shown) == 120


def test_two_problems_are_counted_in_the_plural() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["url"] = "http://orders.example.com"
    cfg["services"][1]["url"] = "http://billing.example.com"
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    assert str(info.value).startswith("invalid stack settings (2 problems):\n")


def test_registration_check_passes_the_inputs_on() -> None:
    news = {"issuer": "https://i.example/oauth2/default", "client_name": "c",
            "grant_types": ["client_credentials"]}  # fmt: skip
    checked = ClientRegistrationProvider().check({}, dict(news))
    assert (checked.inputs, checked.failures) == (news, [])


def test_the_whole_message_one_line_per_problem() -> None:
    # what a user reads when `pulumi up` stops on settings: every problem on its own line,
    # a key that is not set shown as such, then what to do
    cfg = configs.dcr()
    cfg["services"][0]["url"] = "http://orders.example.com"
    del cfg["identity"]["issuer"]
    with pytest.raises(SettingsError) as info:
        parse_settings(cfg)
    assert str(info.value) == (
        "invalid stack settings (2 problems):\n"
        "  - kong-okta-portal:identity.issuer = <not set>: expected the issuer URL for dcr\n"
        "  - kong-okta-portal:services[0].url = 'http://orders.example.com': expected an https"
        " URL for the upstream (plain http only on loopback)\n"
        "Fix the stack config (pulumi config set --path ...) and run again."
    )
