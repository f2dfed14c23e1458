"""`python -m sandbox.seed`: a brownfield portal, built the way people build one by hand.

An admin follows Kong's guide in Kong Manager (services, routes, openid-connect and
application-registration plugins configured by hand, the Dev Portal turned on); developers
sign up (pending until an admin approves them), register an OAuth client at the identity
provider and type its client_id into the Reference Id of a portal application, then request
access to services; the admin approves, rejects or later revokes each request. Everything
goes through the Admin API and the issuer's RFC 7591 endpoint, as Kong Manager and a
developer would. The estate also holds what hand-made portals accumulate: developers with no
apps, apps with no contracts, Reference Ids with a typo (no such client), clients no app uses.

Deterministic: the same arguments build the same estate (names, statuses); ids are Kong's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from providers.dcr import registration_endpoint_for
from verify.portal_prereq import enable_portal

APPROVED, PENDING, REJECTED, REVOKED = 0, 1, 2, 3
STATUS_NAMES = {APPROVED: "approved", PENDING: "pending", REJECTED: "rejected", REVOKED: "revoked"}


@dataclass(frozen=True)
class HandService:
    """A service as an admin configured it in Kong Manager."""

    name: str
    path: str
    route_name: str
    display_name: str
    oidc_extra: dict[str, Any] = field(default_factory=dict)
    registration_extra: dict[str, Any] = field(default_factory=dict)


SERVICES = (
    HandService(
        "orders",
        "/orders",
        "orders-api",  # not the `<service>-route` this stack would pick: discovery keeps it
        "Orders API",
        registration_extra={"description": "Orders of the sandbox shop", "show_issuer": True},
    ),
    HandService(
        "billing",
        "/billing",
        "billing-api",
        "Billing API",
        oidc_extra={"scopes_required": ["portal_api"], "scopes_claim": ["scp"]},
    ),
)


@dataclass
class SeedSummary:
    developers: int = 0
    developers_without_apps: int = 0
    applications: int = 0
    applications_without_contracts: int = 0
    dangling_reference_ids: int = 0
    unused_clients: int = 0
    contracts: dict[str, int] = field(default_factory=lambda: {n: 0 for n in STATUS_NAMES.values()})

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class SeedError(RuntimeError):
    """A call the seed made failed; the message names the call and Kong's answer."""


def _check(resp: httpx.Response, what: str) -> dict[str, Any]:
    if resp.status_code >= 300:
        raise SeedError(
            f"{what}: {resp.request.method} {resp.request.url.path} -> "
            f"{resp.status_code} {resp.text[:300]}"
        )
    return resp.json() if resp.content else {}


def seed_estate(
    admin_url: str,
    issuer: str,
    idp_api_token: str,
    *,
    upstream_url: str = "http://127.0.0.1:8090",
    developers: int = 50,
    apps: int = 80,
    workspace: str = "default",
    admin_token: str | None = None,
    violations: bool = False,
    rng_seed: int = 16,
    progress: Callable[[str], None] = lambda _msg: None,
) -> SeedSummary:
    """Build the estate; return what was made. `violations` configures the openid-connect
    plugin of `orders` the way the guide's sample does (verify_parameters on)."""
    if developers < 5 or apps < developers - 4:
        raise SeedError(f"need developers >= 5 and apps >= developers - 4, got {developers}/{apps}")
    rng = random.Random(rng_seed)
    summary = SeedSummary()
    enable_portal(admin_url, workspace, admin_token)
    headers = {"Kong-Admin-Token": admin_token} if admin_token else {}
    prefix = "" if workspace == "default" else f"/{workspace}"
    kong = httpx.Client(base_url=admin_url.rstrip("/") + prefix, headers=headers, timeout=30.0)
    idp = httpx.Client(headers={"Authorization": f"SSWS {idp_api_token}"}, timeout=30.0)
    registration = registration_endpoint_for(issuer)
    with kong, idp:
        # 1. the admin: services, routes and both plugins, by hand
        service_ids: dict[str, str] = {}
        for svc in SERVICES:
            made = _check(
                kong.post("/services", json={"name": svc.name, "url": upstream_url + svc.path}),
                f"service {svc.name}",
            )
            service_ids[svc.name] = made["id"]
            _check(
                kong.post(
                    f"/services/{made['id']}/routes",
                    json={"name": svc.route_name, "paths": [svc.path], "protocols": ["http"]},
                ),
                f"route {svc.route_name}",
            )
            oidc = {
                "issuer": issuer,
                "consumer_claim": ["application_id"],
                "consumer_by": ["custom_id"],
                "auth_methods": ["bearer"],
                "verify_parameters": violations and svc.name == "orders",
                **svc.oidc_extra,
            }
            _check(
                kong.post(
                    f"/services/{made['id']}/plugins",
                    json={"name": "openid-connect", "config": oidc},
                ),
                f"openid-connect on {svc.name}",
            )
            _check(
                kong.post(
                    f"/services/{made['id']}/plugins",
                    json={
                        "name": "application-registration",
                        "config": {"display_name": svc.display_name, **svc.registration_extra},
                    },
                ),
                f"application-registration on {svc.name}",
            )
        progress(f"services: {len(SERVICES)} with routes and plugins")

        # 2. developers sign up (pending) and an admin approves them
        dev_ids: list[tuple[str, str]] = []
        for i in range(developers):
            email = f"dev{i:03d}@example.com"
            made = _check(
                kong.post(
                    "/developers",
                    json={"email": email, "meta": json.dumps({"full_name": f"Developer {i:03d}"})},
                ),
                f"sign-up of {email}",
            )
            _check(kong.patch(f"/developers/{made['id']}", json={"status": 0}), f"approve {email}")
            dev_ids.append((email, made["id"]))
            if (i + 1) % 25 == 0:
                progress(f"developers: {i + 1}/{developers}")
        summary.developers = developers

        # 3. apps: the last 4 developers have none; the others share the apps round-robin
        with_apps = dev_ids[: developers - 4]
        summary.developers_without_apps = 4
        for n in range(apps):
            email, dev_id = with_apps[n % len(with_apps)]
            name = f"{email.split('@')[0]}-app{n // len(with_apps) + 1}"
            client = _check(
                idp.post(
                    registration,
                    json={
                        "client_name": name,
                        "application_type": "service",
                        "grant_types": ["client_credentials"],
                        "token_endpoint_auth_method": "client_secret_basic",
                    },
                ),
                f"client registration of {name}",
            )
            reference_id = client["client_id"]
            if n % 40 == 39:  # a typo in the Reference Id: it matches no client
                reference_id = reference_id[:-3] + "xyz"
                summary.dangling_reference_ids += 1
            app = _check(
                kong.post(
                    f"/developers/{dev_id}/applications",
                    json={
                        "name": name,
                        "custom_id": reference_id,
                        "description": f"{name} of {email}",
                    },
                ),
                f"application {name}",
            )
            summary.applications += 1
            # 4. access requests (pending), then the admin's decision
            wanted = [s for s in SERVICES if rng.random() < 0.6]
            if n % 10 == 9:
                wanted = []
            if not wanted:
                summary.applications_without_contracts += 1
            for svc in wanted:
                inst = _check(
                    kong.post(
                        f"/applications/{app['id']}/application_instances",
                        json={"service": {"id": service_ids[svc.name]}},
                    ),
                    f"access request of {name} to {svc.name}",
                )
                decision = rng.choice((APPROVED, APPROVED, APPROVED, PENDING, REJECTED, REVOKED))
                path = f"/applications/{app['id']}/application_instances/{inst['id']}"
                if decision in (APPROVED, REVOKED):
                    _check(kong.patch(path, json={"status": APPROVED}), f"approve {name}")
                if decision in (REJECTED, REVOKED):
                    _check(kong.patch(path, json={"status": decision}), f"decide {name}")
                summary.contracts[STATUS_NAMES[decision]] += 1
            if (n + 1) % 20 == 0:
                progress(f"applications: {n + 1}/{apps}")

        # 5. clients registered at the identity provider that no portal app uses
        for k in range(2):
            _check(
                idp.post(
                    registration,
                    json={
                        "client_name": f"abandoned-{k}",
                        "application_type": "service",
                        "grant_types": ["client_credentials"],
                    },
                ),
                f"client registration of abandoned-{k}",
            )
            summary.unused_clients += 1
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.seed", description=__doc__.split("\n")[0].split(": ", 1)[1]
    )
    parser.add_argument("--admin", required=True, help="Kong Admin API URL of the sandbox")
    parser.add_argument("--issuer", required=True, help="issuer URL (…/oauth2/default)")
    parser.add_argument("--upstream", default="http://127.0.0.1:8090", help="upstream base URL")
    parser.add_argument("--workspace", default="default")
    parser.add_argument("--developers", type=int, default=50)
    parser.add_argument("--apps", type=int, default=80)
    parser.add_argument(
        "--violations",
        action="store_true",
        help="configure orders' openid-connect as the guide's sample does (verify_parameters on)",
    )
    args = parser.parse_args(argv)
    token = os.environ.get("IDENTITY_API_TOKEN")
    if not token:
        raise SystemExit(
            "sandbox.seed: set IDENTITY_API_TOKEN (the sandbox ready line's idp_api_token)"
        )
    try:
        summary = seed_estate(
            args.admin,
            args.issuer,
            token,
            upstream_url=args.upstream,
            developers=args.developers,
            apps=args.apps,
            workspace=args.workspace,
            admin_token=os.environ.get("KONG_ADMIN_TOKEN"),
            violations=args.violations,
            progress=lambda m: print(m, file=sys.stderr),
        )
    except (SeedError, httpx.HTTPError) as exc:
        raise SystemExit(f"sandbox.seed: {exc}") from None
    print(json.dumps(summary.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
