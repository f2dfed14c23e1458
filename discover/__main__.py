"""`python -m discover`: write stack settings that adopt a live portal; `... audit` checks it.

    python -m discover --stack prod --admin-url https://kong:8444 --identity okta \\
        --okta-org-url https://acme.okta.com --proxy-url https://api.acme.com
    python -m discover audit --stack prod [--json]

Tokens come from the environment only: KONG_ADMIN_TOKEN, IDENTITY_API_TOKEN (dcr),
OKTA_API_TOKEN (okta). Progress goes to stderr; the findings (or `--json`) to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from components.settings import PROJECT, SettingsError, parse_settings
from discover.audit import audit, managed_from_state, render
from discover.plan import Planner, build_config, okta_server_id
from discover.sources import (
    IdentityClient,
    Progress,
    SourceError,
    dcr_clients,
    kong_client,
    okta_auth_server,
    okta_clients,
    read_kong,
)
from discover.stackfile import read_stack, stack_file, write_config
from providers.dcr import registration_endpoint_for


def _progress(quiet: bool) -> Progress:
    return (lambda _m: None) if quiet else (lambda m: print(m, file=sys.stderr, flush=True))


def _identity_clients(
    provider: str,
    issuer: str | None,
    registration: str | None,
    okta_org: str | None,
    progress: Progress,
) -> tuple[list[IdentityClient], str | None]:
    if provider == "okta":
        if not okta_org:
            raise SourceError("okta: pass --okta-org-url (https://<your org>.okta.com)")
        return okta_clients(okta_org, os.environ.get("OKTA_API_TOKEN"), progress), None
    endpoint = registration or (registration_endpoint_for(issuer) if issuer else None)
    if not endpoint:
        raise SourceError(
            "dcr: no openid-connect issuer found in the workspace; pass --registration-endpoint"
        )
    return dcr_clients(endpoint, os.environ.get("IDENTITY_API_TOKEN"), progress), endpoint


def kong_tls(args: argparse.Namespace) -> dict[str, Any]:
    """The kong connection keys the flags set, as the stack config spells them."""
    tls: dict[str, Any] = {}
    if args.ca_bundle:
        tls["caBundle"] = args.ca_bundle
    if args.no_tls_verify:
        tls["tlsVerify"] = False
    if args.allow_insecure_http:
        tls["allowInsecureHttp"] = True
    return tls


def discover_main(args: argparse.Namespace) -> int:
    progress = _progress(args.quiet)
    tls = kong_tls(args)
    with kong_client(
        args.admin_url, args.workspace, os.environ.get("KONG_ADMIN_TOKEN"), tls
    ) as kong:
        estate = read_kong(kong, progress)
    issuer = Planner(estate, []).issuer()
    clients, endpoint = _identity_clients(
        args.identity, issuer, args.registration_endpoint, args.okta_org_url, progress
    )
    server = None
    if args.identity == "okta":
        server_id = okta_server_id(issuer)
        server = okta_auth_server(args.okta_org_url, os.environ.get("OKTA_API_TOKEN"), server_id)
        progress(
            f"okta: authorization server {server_id}: {len(server.claims)} claims, "
            f"{len(server.scopes)} scopes, {len(server.policies)} policies"
        )
    result = build_config(
        estate,
        clients,
        provider=args.identity,
        proxy_url=args.proxy_url,
        registration_endpoint=args.registration_endpoint or endpoint,
        okta_server=server,
    )
    result.config[f"{PROJECT}:kong"].update(tls)
    raw = {k.split(":", 1)[1]: v for k, v in result.config.items()}
    try:
        parse_settings(raw)
    except SettingsError as exc:
        # written anyway, so the user can fix the few values the settings refuse
        progress(f"the discovered settings need edits before `pulumi up`:\n{exc}")
    path = stack_file(Path(args.dir), args.stack)
    if not args.dry_run:
        write_config(path, result.config)
    if args.json:
        print(json.dumps({"stack_file": str(path), **result.as_json()}, indent=2, default=str))
    else:
        c = result.counts
        print(
            f"{'would write' if args.dry_run else 'wrote'} {path}: {c['services']} services, "
            f"{c['developers']} developers, {c['applications']} applications, "
            f"{c['contracts']} contracts, all adopted"
        )
        for kind, title in (
            ("correction", "values the stack will change on the first `pulumi up`"),
            ("skipped", "not adopted"),
            ("advisory", "kept, but an advisory policy flags them"),
            ("unmanaged", "left outside the stack"),
        ):
            rows = [f for f in result.findings if f.kind == kind]
            if rows:
                print(f"{title} ({len(rows)}):")
                for f in rows:
                    print(f"  - {f.render()}")
    return 0


def _stack_state(args: argparse.Namespace) -> dict[str, Any]:
    if args.state:
        return json.loads(Path(args.state).read_text())
    exe = shutil.which("pulumi")
    if exe is None:
        raise SourceError("pulumi CLI not on PATH (run `make setup`, or pass --state FILE)")
    proc = subprocess.run(
        [exe, "stack", "export", "--stack", args.stack],
        cwd=args.dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SourceError(f"pulumi stack export --stack {args.stack}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def audit_main(args: argparse.Namespace) -> int:
    progress = _progress(args.quiet or args.json)
    config = read_stack(stack_file(Path(args.dir), args.stack)).get("config") or {}
    kong_cfg = config.get(f"{PROJECT}:kong") or {}
    identity = config.get(f"{PROJECT}:identity") or {}
    admin_url = args.admin_url or kong_cfg.get("adminUrl")
    if not admin_url:
        raise SourceError(
            f"no {PROJECT}:kong.adminUrl in Pulumi.{args.stack}.yaml; pass --admin-url"
        )
    workspace = kong_cfg.get("workspace") or "default"
    managed = managed_from_state(_stack_state(args))
    tls = {k: kong_cfg[k] for k in ("tlsVerify", "caBundle", "allowInsecureHttp") if k in kong_cfg}
    with kong_client(admin_url, workspace, os.environ.get("KONG_ADMIN_TOKEN"), tls) as kong:
        estate = read_kong(kong, progress)
    # pulumi-okta's own keys: okta:orgName and okta:baseUrl (default okta.com)
    org, base = config.get("okta:orgName"), config.get("okta:baseUrl") or "okta.com"
    okta_org = args.okta_org_url or (f"https://{org}.{base}" if org else None)
    clients, _ = _identity_clients(
        identity.get("provider", "dcr"),
        identity.get("issuer"),
        identity.get("registrationEndpoint"),
        okta_org,
        progress,
    )
    findings = audit(estate, clients, managed)
    total = sum(len(v) for v in findings.values())
    if args.json:
        body = {
            "stack": args.stack,
            "total": total,
            "counts": {k: len(v) for k, v in findings.items()},
            "findings": findings,
        }
        print(json.dumps(body, indent=2))
    else:
        print(render(findings))
    return 1 if total else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m discover", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True, help="stack name: writes Pulumi.<stack>.yaml")
    parser.add_argument("--dir", default=".", help="project directory (default: here)")
    parser.add_argument("--admin-url", help="Kong Admin API URL (token: KONG_ADMIN_TOKEN)")
    parser.add_argument("--workspace", default="default")
    parser.add_argument("--ca-bundle", help="CA bundle for an https Admin API")
    parser.add_argument("--no-tls-verify", action="store_true", help="do not verify Kong's TLS")
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="plain http to a non-loopback Admin API (the token travels unencrypted)",
    )
    parser.add_argument("--identity", choices=("dcr", "okta"), default="dcr")
    parser.add_argument(
        "--registration-endpoint", help="dcr: RFC 7591 endpoint (default: from the plugins' issuer)"
    )
    parser.add_argument("--okta-org-url", help="okta: https://<org>.okta.com (OKTA_API_TOKEN)")
    parser.add_argument("--proxy-url", help="Kong proxy URL developers call")
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--state", help="audit: a `pulumi stack export` file instead of the CLI")
    parser.add_argument("command", nargs="?", choices=("discover", "audit"), default="discover")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "audit":
            return audit_main(args)
        if not args.admin_url or not args.proxy_url:
            raise SourceError("discover needs --admin-url and --proxy-url")
        return discover_main(args)
    except SourceError as exc:
        print(f"discover: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
