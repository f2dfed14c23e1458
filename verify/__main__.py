"""`python -m verify --stack NAME`: prove a deployed stack works end to end.

Reads `pulumi stack output --json --show-secrets --stack NAME`, gets a client-credentials token
per app from the issuer, calls each service's route through the Kong proxy (expects 200 for an
approved contract, 403 for a pending or missing one, 401 without a token), checks the token's
claim is the app's client_id, prints a table and exits 1 on any mismatch.
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

from verify.check import render, run_checks

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
    parser = argparse.ArgumentParser(prog="python -m verify", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True, help="the Pulumi stack to check")
    parser.add_argument("--cwd", default=None, help="the Pulumi project directory (default: .)")
    parser.add_argument(
        "--ca-bundle", default=None, help="CA bundle for the issuer and proxy (default: system)"
    )
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
    rows = run_checks(outputs, verify=args.ca_bundle or True)
    print(f"verify: stack {args.stack}, issuer {outputs.get('issuer')}")
    print(render(rows))
    return 0 if rows and all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
