"""Preflight: probe Kong and the identity provider before the program registers any resource.

The program runs at `pulumi preview` as at `pulumi up`, before the engine creates anything, so
this is where a deploy that cannot succeed is stopped with zero writes anywhere: one pass over
Kong (reachable, edition and version, the node's `portal` and `portal_app_auth`, the workspace
and its Dev Portal, the admin token's rights on what the stack manages) and over the identity
side (issuer discovery; the registration or API token). Every problem found is reported at once,
each naming the setting to change.

The token-rights probe asks Kong to create an empty object in each collection the stack
manages: RBAC is decided before the body is validated, so an allowed token gets 400 (schema
violation, nothing stored) and a refused one 401/403 — an answer about the right to write,
with nothing written either way.

A pass is remembered per stack (a fingerprint of the settings and tokens it checked, under
`$PULUMI_HOME/kong-okta-portal/preflight/`, no secret in it): a later run with the same settings
probes nothing, so a no-change `pulumi up` still makes zero Admin API requests. Changing any
checked setting or token probes again.

Skip it (not advised: a failing deploy then leaves what it made before the failure) with the
environment variable `KONG_OKTA_PORTAL_PREFLIGHT=off` (`make up PREFLIGHT=off` sets it).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping

from components.settings import StackSettings
from preflight.identity import check_identity
from preflight.kong import check_kong
from preflight.memo import fingerprint, pass_file, read_pass, remember
from preflight.report import SKIP_ENV, Getter, PreflightError, Report

__all__ = ["PreflightError", "Report", "check_identity", "check_kong", "run", "run_preflight"]


def skipped(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user turned preflight off for this run."""
    env = os.environ if environ is None else environ
    return env.get(SKIP_ENV, "").strip().lower() in ("off", "0", "false", "no", "skip")


def run(settings: StackSettings, get: Getter) -> Report:
    """Probe Kong and the identity side; raise PreflightError listing every problem."""
    report = Report()
    check_kong(settings, get, report)
    check_identity(settings, get, report)
    if report.problems:
        raise PreflightError(report.problems)
    return report


def _under_mocks() -> bool:
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_monitor

    return isinstance(get_monitor(), MockMonitor)


def run_preflight(settings: StackSettings) -> Report | None:
    """From the program, before any resource is registered: probe with the stack's config.

    Skipped under the SDK's mocks (no engine: nothing would be created) and when the user
    turned it off, which is said as a warning in the output."""
    import pulumi
    from pulumi.runtime import get_config

    if _under_mocks():
        return None
    if skipped():
        pulumi.log.warn(
            f"preflight skipped ({SKIP_ENV}=off): Kong and the identity provider were not "
            "checked; a deploy that fails midway leaves what it created before the failure"
        )
        return None
    stack = pulumi.get_stack()
    path = pass_file(pulumi.get_project(), stack)
    last = read_pass(path)
    if last.get("salt") and last.get("fingerprint") == fingerprint(
        settings, get_config, stack, last["salt"]
    ):
        return None
    try:
        report = run(settings, get_config)
    except PreflightError:
        remember(path, "", None)
        raise
    salt = secrets.token_hex(16)
    remember(path, salt, fingerprint(settings, get_config, stack, salt))
    for note in report.notes:
        pulumi.log.info(f"preflight: {note}")
    return report
