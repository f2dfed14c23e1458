"""Where verify's test user comes from: `--user` / `--password-env`, or the stack's config.

The password is never a command-line argument (it would show in `ps` and shell history): it is
read from the environment variable `--password-env` names, or from the stack config key
`kong-okta-portal:verifyPassword`, which must be stored as a secret.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from verify.user_flows import SignInUser

CONFIG_USER = "kong-okta-portal:verifyUser"
CONFIG_PASSWORD = "kong-okta-portal:verifyPassword"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ConfigReader = Callable[[], Mapping[str, Any]]


class UserSettingError(ValueError):
    """A test-user setting verify cannot use; the message names the setting, never a password."""


def stack_config(stack: str, cwd: str | None = None) -> dict[str, Any]:
    """`pulumi config --json --show-secrets` of the stack (kept in memory, never printed)."""
    pulumi = os.environ.get("PULUMI_BIN_DIR")
    exe = os.path.join(pulumi, "pulumi") if pulumi else "pulumi"
    proc = subprocess.run(
        [exe, "config", "--json", "--show-secrets", "--stack", stack],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UserSettingError(
            f"cannot read the config of stack {stack!r} for {CONFIG_USER}: {proc.stderr.strip()}"
        )
    return json.loads(proc.stdout or "{}")


def _config_value(config: Mapping[str, Any], key: str) -> tuple[str, bool]:
    entry = config.get(key)
    if not isinstance(entry, Mapping):
        return "", False
    return str(entry.get("value") or ""), bool(entry.get("secret"))


def resolve_user(
    user: str | None,
    password_env: str | None,
    read_config: ConfigReader,
    environ: Mapping[str, str] = os.environ,
) -> SignInUser | None:
    """The test user from the flags, else from stack config; None when none is set at all."""
    password = ""
    if password_env is not None:
        # the value is never echoed: it could be a password typed in the wrong place
        if not _ENV_NAME.match(password_env):
            raise UserSettingError(
                "--password-env: expected the NAME of an environment variable (letters, digits, "
                "_) that holds the password; the password itself never goes on the command line"
            )
        password = environ.get(password_env, "")
        if not password:
            raise UserSettingError(
                "--password-env: the environment variable it names is not set, or is empty"
            )
    config: Mapping[str, Any] = {}
    if not user or not password:
        config = read_config()
    if not user:
        user, _secret = _config_value(config, CONFIG_USER)
    if not password:
        password, secret = _config_value(config, CONFIG_PASSWORD)
        if password and not secret:
            raise UserSettingError(
                f"{CONFIG_PASSWORD} is stored in plain text in the stack file: set it with "
                "`pulumi config set --secret verifyPassword` (or use --password-env NAME)"
            )
    if not user and not password:
        return None
    if not user:
        raise UserSettingError(
            f"a test-user password is set but no user: give --user LOGIN or set {CONFIG_USER}"
        )
    if not password:
        raise UserSettingError(
            f"test user {user!r} has no password: give --password-env NAME, or set the secret "
            f"{CONFIG_PASSWORD} (pulumi config set --secret verifyPassword)"
        )
    return SignInUser(username=user, password=password)
