"""Rules on portal applications: custom_id is an identity app's client_id, unique, and contracted
services carry both auth plugins.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, StackValidationArgs

from policies.declare import MANDATORY, PolicySet
from policies.stack_index import (
    Res,
    stack_of,
)
from policies.values import (
    APP_REG,
    IDENTITY_APP_TYPES,
    KONG_APPLICATION,
    KONG_APPLICATION_INSTANCE,
    KONG_DEVELOPER,
    KONG_SERVICE,
    OIDC,
    UNKNOWN,
    prop,
)

POLICIES = PolicySet()

# --------------------------------------------------------------------------- 8. portal apps


def _client_id(res: Res) -> Any:
    return prop(res.props, "client_id")


def validate_app_custom_id_is_client_id(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = stack_of(args)
    identity = stack.of(*IDENTITY_APP_TYPES)
    identity_urns = {r.urn for r in identity}
    client_ids = [_client_id(r) for r in identity]
    for app in stack.of(KONG_APPLICATION):
        if any(urn in identity_urns for urn in app.deps.get("custom_id", [])):
            continue
        custom_id = app.props.get("custom_id")
        if custom_id is UNKNOWN:
            continue
        if custom_id in client_ids:
            continue
        if identity and not all(isinstance(c, str) for c in client_ids):
            continue  # an identity app whose client_id is not known yet may match
        report(
            f"portal application {app.name!r}: custom_id {custom_id!r} is not the client_id of an "
            "identity app (Okta app or client registration) in this stack, so its tokens never "
            "match it. Set custom_id from the identity app's client_id output.",
            app.urn,
        )


POLICIES.stack(
    "portal-app-custom-id-is-client-id",
    "A portal application's custom_id (Reference Id) must be the client_id "
    "of an identity app in the stack, or no token ever matches it.",
    MANDATORY,
)(validate_app_custom_id_is_client_id)


def validate_contract_service_plugins(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = stack_of(args)
    on_service: dict[str, set[str]] = {}
    for plugin in stack.plugins(OIDC) + stack.plugins(APP_REG):
        service = stack.service_of_plugin(plugin)
        if service is None:
            return  # a plugin whose target can't be resolved may be on any service
        if plugin.props.get("enabled") is False:
            continue
        on_service.setdefault(service, set()).add(plugin.props["name"])
    for instance in stack.of(KONG_APPLICATION_INSTANCE):
        service = stack.ref(instance, "service_id", KONG_SERVICE)
        if service is None:
            continue
        present = on_service.get(service, set())
        elsewhere = stack.gateway_service(service)
        if elsewhere is not None:
            # a gateway stack's service (a portal stack): its plugins are that stack's, checked
            # by this rule's siblings there; here, what it exports it has put on the service
            plugins = elsewhere.get("plugins")
            present = (
                {p for p in plugins if isinstance(p, str)} if isinstance(plugins, list) else set()
            )
        missing = sorted({OIDC, APP_REG} - present)
        if missing:
            target = stack.by_urn.get(service)
            label = repr(target.name) if target else repr(service.removeprefix("id:"))
            report(
                f"application instance {instance.name!r}: service {label} is contracted but has "
                f"no {' / '.join(missing)} plugin. Add both openid-connect and "
                "application-registration on the service before approving contracts.",
                instance.urn,
            )


POLICIES.stack(
    "portal-contract-service-has-plugins",
    "A service with application contracts needs both openid-connect and application-registration.",
    MANDATORY,
)(validate_contract_service_plugins)


def validate_custom_id_unique(args: StackValidationArgs, report: ReportViolation) -> None:
    stack = stack_of(args)
    identity_urns = {r.urn for r in stack.of(*IDENTITY_APP_TYPES)}
    groups: dict[Any, list[Res]] = {}
    # Developers count too: their custom_ids live on hidden consumers, unique per workspace.
    for res in stack.of(KONG_DEVELOPER, KONG_APPLICATION):
        custom_id = res.props.get("custom_id")
        if isinstance(custom_id, str):
            key: Any = ("value", custom_id)
        else:
            deps = [u for u in res.deps.get("custom_id", []) if u in identity_urns]
            if custom_id is not UNKNOWN or len(deps) != 1 or res.type != KONG_APPLICATION:
                continue
            key = ("client_id of", deps[0])
        groups.setdefault(key, []).append(res)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        what = (
            repr(key[1]) if key[0] == "value" else f"the client_id of {stack.by_urn[key[1]].name!r}"
        )
        for res in members:
            kind = "portal application" if res.type == KONG_APPLICATION else "developer"
            others = ", ".join(repr(o.name) for o in members if o is not res)
            report(
                f"{kind} {res.name!r} uses custom_id {what}, also used by {others}; Kong refuses "
                "the second one with 409 (custom_id is unique per workspace). Give each "
                "application its own identity app.",
                res.urn,
            )


POLICIES.stack(
    "portal-custom-id-unique",
    "custom_id is unique per Kong workspace (developers and applications "
    "alike): a duplicate fails with 409.",
    MANDATORY,
)(validate_custom_id_unique)
