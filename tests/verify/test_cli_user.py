"""`python -m verify`'s test user: flags, secret stack config, and what happens without one.

The stack's outputs and config come from the sandbox portal (the Pulumi CLI calls are replaced:
what they would return is exactly what the fixture builds); everything else is real HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest

import verify.__main__ as cli
from tests.verify.conftest import Portal
from verify.credentials import CONFIG_PASSWORD, CONFIG_USER, UserSettingError, resolve_user


def run(
    portal: Portal,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    config: dict[str, Any] | None = None,
) -> tuple[int, str, str]:
    monkeypatch.setattr(cli, "stack_outputs", lambda stack, cwd=None: portal.outputs)
    monkeypatch.setattr(cli, "stack_config", lambda stack, cwd=None: config or {})
    code = cli.main(["--stack", "local", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def apps(portal: Portal) -> Portal:
    portal.add_app("ada-batch", "service", {"orders": "approved"})
    portal.add_app("ada-portal", "web", {"orders": "approved", "billing": "approved"})
    portal.add_app("grace-spa", "browser", {"orders": "approved"})
    return portal


def test_user_from_flags_checks_every_flow(
    apps: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTAL_TEST_PASSWORD", apps.user.password)
    code, out, err = run(
        apps,
        monkeypatch,
        capsys,
        "--user",
        apps.user.username,
        "--password-env",
        "PORTAL_TEST_PASSWORD",
        "--require-all-flows",
    )
    assert code == 0, out + err
    assert "13/13 checks passed" in out
    assert "authorization_code" in out and "client_credentials" in out
    assert apps.user.password not in out + err


def test_without_a_user_the_apps_are_named_and_only_required_flows_fail(
    apps: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(apps, monkeypatch, capsys)
    assert code == 0
    assert "not checked (their flows need a test user): ada-portal, grace-spa" in err
    assert "--require-all-flows makes this an error" in err

    code, out, err = run(apps, monkeypatch, capsys, "--require-all-flows")
    assert code == 1
    assert "ada-portal, grace-spa" in err


def test_user_from_secret_stack_config(
    apps: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        CONFIG_USER: {"value": apps.user.username, "secret": False},
        CONFIG_PASSWORD: {"value": apps.user.password, "secret": True},
    }
    code, out, err = run(apps, monkeypatch, capsys, "--require-all-flows", config=config)
    assert code == 0, out + err
    assert "13/13 checks passed" in out


def test_plain_text_password_in_stack_config_is_refused_before_any_request(
    apps: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        CONFIG_USER: {"value": apps.user.username, "secret": False},
        CONFIG_PASSWORD: {"value": apps.user.password, "secret": False},
    }
    apps.admin.post("/_sandbox/reset")  # clears the request log (and the portal: no matter)
    code, out, err = run(apps, monkeypatch, capsys, config=config)
    assert code == 2
    assert f"{CONFIG_PASSWORD} is stored in plain text" in err
    assert "pulumi config set --secret verifyPassword" in err
    assert apps.user.password not in out + err
    log = apps.admin.get("/_sandbox/requests", params={"target": "all"}).json()
    assert log["total"] == 0


def test_password_env_must_name_a_set_variable(
    apps: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    code, _out, err = run(
        apps, monkeypatch, capsys, "--user", "x@example.com", "--password-env", "NO_SUCH_PASSWORD"
    )
    assert code == 2
    assert "--password-env: the environment variable it names is not set" in err


def test_a_password_is_never_a_command_line_argument(
    apps: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # no --password flag, and no abbreviation of --password-env stands in for one
    with pytest.raises(SystemExit) as exit_:
        run(apps, monkeypatch, capsys, "--user", "x@example.com", "--password", "Hunter2")
    assert exit_.value.code == 2
    assert "unrecognized arguments: --password" in capsys.readouterr().err
    # a password given where the variable's name belongs is refused and never echoed
    code, out, err = run(apps, monkeypatch, capsys, "--password-env", "hunter 2 secret!")
    assert code == 2
    assert "expected the NAME of an environment variable" in err
    assert "hunter" not in out + err


def no_config() -> dict[str, Any]:
    return {}


@pytest.mark.parametrize(
    ("user", "env_name", "environ", "message"),
    [
        ("ada@example.com", None, {}, "test user 'ada@example.com' has no password"),
        (None, "PW", {"PW": "x"}, "no user: give --user LOGIN or set kong-okta-portal:verifyUser"),
        ("ada@example.com", "pass word", {}, "expected the NAME of an environment variable"),
        ("ada@example.com", "UNSET_PW", {}, "the environment variable it names is not set"),
    ],
)
def test_incomplete_user_settings_are_errors(
    user: str | None, env_name: str | None, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(UserSettingError, match=message):
        resolve_user(user, env_name, no_config, environ)


def test_no_user_anywhere_is_none_and_flags_win_over_config() -> None:
    assert resolve_user(None, None, no_config, {}) is None

    def config() -> dict[str, Any]:
        return {
            CONFIG_USER: {"value": "cfg@example.com", "secret": False},
            CONFIG_PASSWORD: {"value": "cfg-pw", "secret": True},
        }

    found = resolve_user("flag@example.com", "PW", config, {"PW": "flag-pw"})
    assert found is not None
    assert (found.username, found.password) == ("flag@example.com", "flag-pw")
    assert "flag-pw" not in repr(found)
    mixed = resolve_user("flag@example.com", None, config, {})
    assert mixed is not None and (mixed.username, mixed.password) == ("flag@example.com", "cfg-pw")
