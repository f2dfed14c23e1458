"""kong-okta-portal: settings -> identity -> gateway -> portal, and the outputs verify reads."""

from __future__ import annotations

import asyncio
import sys

import pulumi
from pulumi.runtime.sync_await import _sync_await

from components.gateway import ApiGateway, GatewayArgs
from components.identity import Identity, IdentityArgs, build_identity, client_profile
from components.portal import Portal, PortalArgs
from components.settings import (
    PROJECT,
    GatewayExports,
    GatewaySplit,
    Problem,
    SettingsError,
    StackSettings,
    check_against_gateway,
    load_settings,
)
from preflight import PreflightError, run_preflight
from providers import program_gc, sdk_logs, sdk_shutdown

ERROR_SHOWN_EXIT_CODE = 32

STATUS_SHOWN = ("approved", "pending")
# what a gateway stack exports for its portal stacks, in one output
GATEWAY_OUTPUT = "portalGateway"
# the plugins ApiGateway puts on every service (the policy pack reads them in portal stacks)
GATEWAY_PLUGINS = ("openid-connect", "application-registration")


def service_endpoint(settings: StackSettings, name: str) -> dict[str, str | None]:
    """Where verify calls a service through the proxy: URL, method and Host header."""
    svc = settings.service(name)
    path = (svc.route.paths or ["/"])[0]
    return {
        "proxyUrl": settings.proxy_url.rstrip("/") + path,
        "method": (svc.route.methods or ["GET"])[0],
        "host": (svc.route.hosts or [None])[0],
    }


def expected_access(
    settings: StackSettings, services: list[str] | None = None
) -> dict[str, dict[str, str]]:
    """Per app, per service: approved, pending or none (what a call should get)."""
    names = services if services is not None else [s.name for s in settings.services]
    table: dict[str, dict[str, str]] = {}
    for _dev, app in settings.apps():
        # a rejected or revoked contract grants no access, like none at all
        contracts = {c.service: c.status for c in app.services if c.status in STATUS_SHOWN}
        table[app.name] = {name: contracts.get(name, "none") for name in names}
    return table


def read_gateway(settings: StackSettings) -> GatewayExports:
    """A portal stack's gateway stack, read through a StackReference before anything else is
    registered, so that a contract naming a service it lacks stops the run with no write."""
    name = settings.gateway_stack
    setting = f"{PROJECT}:split.gatewayStack"
    # named after the setting: the engine reports a stack it does not know on this resource
    # (`StackReference (gatewayStack): error: unknown stack "…"`) and ends the run itself
    ref = pulumi.StackReference("gatewayStack", stack_name=name)
    try:
        details = _sync_await(ref.get_output_details(GATEWAY_OUTPUT))
    except Exception as exc:  # the engine's own words: no such stack, no access, ...
        raise SettingsError(
            [Problem(setting, name, f"a stack this backend can read ({exc})")]
        ) from None
    value = details.value if details.value is not None else details.secret_value
    if not isinstance(value, dict):
        raise SettingsError(
            [
                Problem(
                    setting,
                    name,
                    f"a deployed gateway stack (split.role gateway): it has no output "
                    f"{GATEWAY_OUTPUT!r}; run `pulumi up` on it first",
                )
            ]
        )
    try:
        return GatewayExports.from_output(value)
    except (KeyError, TypeError, AttributeError) as exc:
        raise SettingsError(
            [
                Problem(
                    setting,
                    name,
                    f"a gateway stack whose {GATEWAY_OUTPUT!r} output this program can read "
                    f"(missing {exc}): run `pulumi up` on it with this version first",
                )
            ]
        ) from None


def export_for_verify(
    settings: StackSettings,
    identity: Identity,
    scopes: list[str],
    claim_name: str,
    endpoints: dict[str, dict[str, str | None]],
) -> None:
    """The outputs `python -m verify` reads: issuer, token endpoint, services, apps, secrets."""
    access = expected_access(settings, list(endpoints))
    pulumi.export("issuer", identity.issuer)
    pulumi.export("tokenEndpoint", identity.token_endpoint)
    pulumi.export("scopes", list(scopes))
    pulumi.export("claimName", claim_name)
    pulumi.export("services", endpoints)
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


def portal_stack(settings: StackSettings) -> None:
    """Developers and their apps against the services of a gateway stack."""
    gateway = read_gateway(settings)
    check_against_gateway(settings, gateway)
    run_preflight(settings)
    apps = [app for _dev, app in settings.apps()]
    identity = build_identity(
        "identity",
        IdentityArgs(
            settings=settings.identity,
            apps=apps,
            gateway_issuer=gateway.issuer if settings.identity.provider == "okta" else None,
            portal_stack=True,
        ),
    )
    Portal(
        "portal",
        PortalArgs(
            developers=settings.developers,
            clients=identity.clients,
            service_ids=dict(gateway.service_ids),
            workspace_portal=False,
            gateway={
                "stack": settings.gateway_stack,
                "services": gateway.services,
                "flows": gateway.flows,
            },
        ),
    )
    export_for_verify(settings, identity, gateway.scopes, gateway.claim_name, gateway.endpoints)
    pulumi.export("gatewayStack", settings.gateway_stack)


def main() -> None:
    sdk_logs.quiet()
    sdk_shutdown.install()
    program_gc.tune()
    settings = load_settings()
    if settings.role == "portal":
        portal_stack(settings)
        return
    run_preflight(settings)
    apps = [app for _dev, app in settings.apps()]
    split = settings.split
    flows = list(split.flows) if isinstance(split, GatewaySplit) else None

    identity = build_identity(
        "identity", IdentityArgs(settings=settings.identity, apps=apps, flows=flows)
    )
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

    endpoints = {s.name: service_endpoint(settings, s.name) for s in settings.services}
    export_for_verify(
        settings, identity, settings.identity.scopes, settings.identity.claim_name, endpoints
    )
    if isinstance(split, GatewaySplit):
        pulumi.export(
            GATEWAY_OUTPUT,
            {
                "provider": settings.identity.provider,
                "issuer": identity.issuer,
                "tokenEndpoint": identity.token_endpoint,
                "scopes": list(settings.identity.scopes),
                "claimName": settings.identity.claim_name,
                "workspace": settings.kong.workspace or "default",
                "flows": list(split.flows),
                "services": {
                    name: {
                        "id": service_ids[name],
                        "plugins": list(GATEWAY_PLUGINS),
                        "endpoint": endpoints[name],
                    }
                    for name in service_ids
                },
            },
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
