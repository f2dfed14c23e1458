"""`python -m verify.portal_prereq --admin URL`: the guide's prerequisite, once per workspace.

The classic Dev Portal must be on in the workspace (`config.portal: true`) with a portal auth
method before developers and applications exist (kong-admin-api.md §6). On a real node this is
an operator's one-time step (plus `portal = on` and `portal_app_auth = external-oauth2` in
kong.conf); the demo and the engine tests run it against the sandbox. Idempotent: a workspace
that already has the portal on is left as is.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import httpx


def enable_portal(admin_url: str, workspace: str = "default", token: str | None = None) -> bool:
    """Turn the portal on in `workspace`; True when a change was made."""
    headers = {"Kong-Admin-Token": token} if token else {}
    with httpx.Client(base_url=admin_url.rstrip("/"), headers=headers, timeout=30.0) as client:
        resp = client.get(f"/workspaces/{workspace}")
        resp.raise_for_status()
        config = resp.json().get("config") or {}
        if config.get("portal") and config.get("portal_auth"):
            return False
        patch = {
            "config": {"portal": True, "portal_auth": config.get("portal_auth") or "openid-connect"}
        }
        client.patch(f"/workspaces/{workspace}", json=patch).raise_for_status()
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verify.portal_prereq", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--admin", required=True, help="Kong Admin API URL")
    parser.add_argument("--workspace", default="default")
    args = parser.parse_args(argv)
    changed = enable_portal(args.admin, args.workspace, os.environ.get("KONG_ADMIN_TOKEN"))
    print(f"dev portal {'enabled' if changed else 'already on'} in workspace {args.workspace}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
