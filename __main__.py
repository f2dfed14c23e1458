"""kong-okta-portal: settings -> identity -> gateway -> portal, and the outputs verify reads."""

from __future__ import annotations

import asyncio
import sys

import pulumi

from components.gateway import ApiGateway, GatewayArgs
from components.identity import IdentityArgs, build_identity, client_profile
from components.portal import Portal, PortalArgs
from components.settings import SettingsError, StackSettings, load_settings
from preflight import PreflightError, run_preflight
from providers import program_gc, sdk_logs

ERROR_SHOWN_EXIT_CODE = 32

STATUS_SHOWN = ("approved", "pending")


def service_endpoint(settings: StackSettings, name: str) -> dict[str, str | None]:
    """Where verify calls a service through the proxy: URL, method and Host header."""
    svc = settings.service(name)
    path = (svc.route.paths or ["/"])[0]
    return {
        "proxyUrl": settings.proxy_url.rstrip("/") + path,
        "method": (svc.route.methods or ["GET"])[0],
        "host": (svc.route.hosts or [None])[0],
    }


def expected_access(settings: StackSettings) -> dict[str, dict[str, str]]:
    """Per app, per service: approved, pending or none (what a call should get)."""
    table: dict[str, dict[str, str]] = {}
    for _dev, app in settings.apps():
        # a rejected or revoked contract grants no access, like none at all
        contracts = {c.service: c.status for c in app.services if c.status in STATUS_SHOWN}
        table[app.name] = {s.name: contracts.get(s.name, "none") for s in settings.services}
    return table


def main() -> None:
    sdk_logs.quiet()
    program_gc.tune()
    settings = load_settings()
    run_preflight(settings)
    apps = [app for _dev, app in settings.apps()]

    identity = build_identity("identity", IdentityArgs(settings=settings.identity, apps=apps))
    gateways = {
        svc.name: ApiGateway(
            f"api-{svc.name}",
            GatewayArgs(
                service=svc, issuer=identity.issuer, claim_name=settings.identity.claim_name
            ),
        )
        for svc in settings.services
    }
    service_ids = {name: gw.service_id for name, gw in gateways.items()}
    Portal(
        "portal",
        PortalArgs(
            developers=settings.developers, clients=identity.clients, service_ids=service_ids
        ),
    )

    access = expected_access(settings)
    pulumi.export("issuer", identity.issuer)
    pulumi.export("tokenEndpoint", identity.token_endpoint)
    pulumi.export("scopes", list(settings.identity.scopes))
    pulumi.export("claimName", settings.identity.claim_name)
    pulumi.export(
        "services", {s.name: service_endpoint(settings, s.name) for s in settings.services}
    )
    pulumi.export(
        "apps",
        {
            app.name: {
                "clientId": identity.clients[app.name].client_id,
                "flow": app.flow,
                "developer": dev.email,
                "access": access[app.name],
                # verify's user flows: where the code comes back, and how the app authenticates
                "redirectUris": list(app.redirect_uris),
                "tokenEndpointAuthMethod": client_profile(app).token_endpoint_auth_method,
            }
            for dev, app in settings.apps()
        },
    )
    pulumi.export(
        "clientSecrets",
        pulumi.Output.secret(
            {name: client.client_secret for name, client in identity.clients.items()}
        ),
    )


async def start_registrations() -> None:
    """Let the SDK start the registration calls `main()` queued before it waits for them.

    Otherwise it finds no call in flight and waits on every pending output at once, waking
    for each resource the engine finishes: O(outputs) per wake-up, quadratic in the stack."""
    await asyncio.sleep(0)


try:
    main()
except (SettingsError, PreflightError) as exc:
    # A deploy that cannot succeed: one message, no traceback, nothing registered. Exit code
    # 32 tells the language host the error is shown already (as the SDK's exec script does).
    pulumi.log.error(str(exc))
    sys.exit(ERROR_SHOWN_EXIT_CODE)
try:
    pulumi.run(start_registrations)
except pulumi.RunError:
    pass  # under the SDK's test mocks the stack is finished already: nothing is in flight
