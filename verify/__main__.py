"""`python -m verify --stack NAME`: prove a deployed stack works end to end.

Reads `pulumi stack output --json --show-secrets --stack NAME`, gets a client-credentials token
per app from the issuer, calls each service's route through the Kong proxy (expects 200 for an
approved contract, 403 for a pending or missing one, 401 without a token), checks the token's
claim is the app's client_id, prints a table and exits 1 on any mismatch.

Authorization-code (PKCE) and implicit apps are checked as a test user signed in headlessly
(Okta's /api/v1/authn, then /authorize with sessionToken and prompt=none): `--user` and
`--password-env NAME`, or the stack config `verifyUser` and the secret `verifyPassword`.
Without a user those apps are listed as not checked; `--require-all-flows` makes that an error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from verify.check import not_checked, render, run_checks
from verify.credentials import UserSettingError, resolve_user, stack_config
from verify.user_flows import BROWSER_FLOWS

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Stop(Exception):
    """verify cannot run: one line saying what to do (exit 2)."""


def pulumi_executable() -> str:
    """`pulumi` from PULUMI_BIN_DIR, PATH, or the directory `make setup` recorded."""
    bin_dir = os.environ.get("PULUMI_BIN_DIR")
    if not bin_dir:
        found = shutil.which("pulumi")
        if found:
            return found
        recorded = os.path.join(REPO, ".pulumi-bin-dir")
        if os.path.isfile(recorded):
            with open(recorded, encoding="utf-8") as fh:
                bin_dir = fh.read().strip()
    exe = os.path.join(bin_dir, "pulumi") if bin_dir else ""
    if not exe or not os.access(exe, os.X_OK):
        raise Stop(
            "verify: no Pulumi CLI found (not on PATH, no PULUMI_BIN_DIR): run `make setup`, "
            "then `make verify STACK=<stack>`"
        )
    return exe


def stack_outputs(stack: str, cwd: str | None = None) -> dict[str, Any]:
    """The stack's outputs, secrets included (kept in memory, never printed)."""
    proc = subprocess.run(
        [pulumi_executable(), "stack", "output", "--json", "--show-secrets", "--stack", stack],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"pulumi exited {proc.returncode}"
        if "no stack named" in reason:
            raise Stop(
                f"verify: there is no stack {stack!r} in this backend: deploy it first "
                f"(`make up STACK={stack}`), or point PULUMI_BACKEND_URL at its backend"
            )
        raise Stop(
            f"verify: cannot read the outputs of stack {stack!r} ({reason}): run "
            f"`make verify STACK={stack}` (the Makefile's backend and passphrase), or set "
            "PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE for that stack"
        )
    try:
        return json.loads(proc.stdout or "{}")
    except ValueError:
        raise Stop(f"verify: `pulumi stack output` for {stack!r} was not JSON") from None


def main(argv: Sequence[str] | None = None) -> int:
    # allow_abbrev=False: `--password SECRET` must not pass for `--password-env`
    parser = argparse.ArgumentParser(
        prog="python -m verify", description=__doc__.split("\n")[0], allow_abbrev=False
    )
    parser.add_argument("--stack", required=True, help="the Pulumi stack to check")
    parser.add_argument("--cwd", default=None, help="the Pulumi project directory (default: .)")
    parser.add_argument(
        "--ca-bundle", default=None, help="CA bundle for the issuer and proxy (default: system)"
    )
    parser.add_argument(
        "--user", default=None, help="login of the test user for browser flows (default: "
        "stack config kong-okta-portal:verifyUser)",
    )  # fmt: skip
    parser.add_argument(
        "--password-env", default=None, metavar="NAME",
        help="environment variable holding the test user's password (default: the secret "
        "stack config kong-okta-portal:verifyPassword)",
    )  # fmt: skip
    parser.add_argument(
        "--require-all-flows", action="store_true",
        help="fail when an app cannot be checked (browser flows without a test user)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        outputs = stack_outputs(args.stack, args.cwd)
    except Stop as stop:
        print(stop, file=sys.stderr)
        return 2
    missing = [k for k in ("tokenEndpoint", "services", "apps") if k not in outputs]
    if missing:
        print(
            f"verify: stack {args.stack!r} has no outputs {', '.join(missing)}: deploy it first "
            f"(`make up STACK={args.stack}`), then run verify again",
            file=sys.stderr,
        )
        return 2
    user = None
    if any(app.get("flow") in BROWSER_FLOWS for app in (outputs.get("apps") or {}).values()):
        try:
            user = resolve_user(
                args.user, args.password_env, lambda: stack_config(args.stack, args.cwd)
            )
        except UserSettingError as exc:
            print(f"verify: {exc}", file=sys.stderr)
            return 2
    rows = run_checks(outputs, verify=args.ca_bundle or True, user=user)
    print(f"verify: stack {args.stack}, issuer {outputs.get('issuer')}")
    print(render(rows))
    skipped = not_checked(rows)
    if skipped:
        print(
            f"verify: not checked (their flows need a test user): {', '.join(skipped)}. Give "
            "--user LOGIN and --password-env NAME, or set kong-okta-portal:verifyUser and the "
            "secret kong-okta-portal:verifyPassword"
            + ("." if args.require_all_flows else "; --require-all-flows makes this an error."),
            file=sys.stderr,
        )
    if args.require_all_flows and skipped:
        return 1
    return 0 if rows and all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
