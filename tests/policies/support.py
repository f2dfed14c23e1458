"""Build the argument objects the installed pulumi_policy passes to validators."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies import rules

UNKNOWN = UNKNOWN_STRING_VALUE  # what the engine sends for an output not known at preview


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::kong-okta-portal::{type_}::{name}"


def resource_args(
    type_: str,
    props: Mapping[str, Any],
    *,
    name: str = "r",
    config: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    """Args as the analyzer builds them: props behind the unknown-checking proxy."""
    return ResourceValidationArgs(
        type_, unknown_checking_proxy(dict(props)), urn(type_, name), name, options(), None, config
    )


def violations(
    validate: Callable[..., Any], args: ResourceValidationArgs | StackValidationArgs
) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def messages(validate: Callable[..., Any], args: Any) -> list[str]:
    return [m for m, _ in violations(validate, args)]


class StackBuilder:
    """Resources of one stack; `deps` names the resource each property was wired from."""

    def __init__(self) -> None:
        self.resources: list[PolicyResource] = []
        self.by_name: dict[str, PolicyResource] = {}

    def add(
        self, type_: str, name: str, props: Mapping[str, Any], **deps: str | list[str]
    ) -> PolicyResource:
        property_dependencies = {
            key: [self.by_name[n] for n in ([value] if isinstance(value, str) else value)]
            for key, value in deps.items()
        }
        res = PolicyResource(
            type_,
            unknown_checking_proxy(dict(props)),
            urn(type_, name),
            name,
            options(),
            None,
            None,
            [d for ds in property_dependencies.values() for d in ds],
            property_dependencies,
        )
        self.resources.append(res)
        self.by_name[name] = res
        return res

    def remove(self, name: str) -> None:
        self.resources.remove(self.by_name.pop(name))

    def args(self, config: Mapping[str, Any] | None = None) -> StackValidationArgs:
        return StackValidationArgs(self.resources, config)


ISSUER = "https://example.okta.com/oauth2/default"


def oidc_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "issuer": ISSUER,
        "consumer_claim": ["application_id"],
        "consumer_by": ["custom_id"],
        "auth_methods": ["bearer"],
        "verify_parameters": False,
    }
    config.update(overrides)
    return config


def dcr_stack(*, preview: bool = True, issuer: str = ISSUER) -> StackBuilder:
    """A correct stack with the DCR identity: ids are unknown at preview, wired by dependencies."""

    def out(value: str) -> str:
        return UNKNOWN if preview else value

    s = StackBuilder()
    s.add(
        rules.KONG_SERVICE,
        "orders",
        {"name": "orders", "url": "https://orders.internal", "kong_id": out("svc-1")},
    )
    s.add(
        rules.KONG_ROUTE,
        "orders-route",
        {
            "name": "orders",
            "service_id": out("svc-1"),
            "paths": ["/orders"],
            "kong_id": out("rt-1"),
        },
        service_id="orders",
    )
    s.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {
            "name": "openid-connect",
            "service_id": out("svc-1"),
            "config": oidc_config(issuer=issuer),
            "kong_id": out("pl-1"),
        },
        service_id="orders",
    )
    s.add(
        rules.KONG_PLUGIN,
        "orders-appreg",
        {
            "name": "application-registration",
            "service_id": out("svc-1"),
            "config": {"display_name": "Orders", "auto_approve": False},
            "kong_id": out("pl-2"),
        },
        service_id="orders",
    )
    s.add(
        rules.CLIENT_REGISTRATION,
        "ada-app-client",
        {
            "issuer": issuer,
            "client_name": "ada-app",
            "grant_types": ["client_credentials"],
            "client_id": out("cid-ada"),
        },
    )
    s.add(
        rules.CLIENT_REGISTRATION,
        "bob-app-client",
        {
            "issuer": issuer,
            "client_name": "bob-app",
            "grant_types": ["client_credentials"],
            "client_id": out("cid-bob"),
        },
    )
    s.add(rules.KONG_DEVELOPER, "ada", {"email": "ada@example.com", "kong_id": out("dev-1")})
    s.add(
        rules.KONG_APPLICATION,
        "ada-app",
        {
            "name": "ada-app",
            "developer_id": out("dev-1"),
            "custom_id": out("cid-ada"),
            "kong_id": out("app-1"),
        },
        developer_id="ada",
        custom_id="ada-app-client",
    )
    s.add(
        rules.KONG_APPLICATION,
        "bob-app",
        {
            "name": "bob-app",
            "developer_id": out("dev-1"),
            "custom_id": out("cid-bob"),
            "kong_id": out("app-2"),
        },
        developer_id="ada",
        custom_id="bob-app-client",
    )
    s.add(
        rules.KONG_APPLICATION_INSTANCE,
        "ada-app-orders",
        {"application_id": out("app-1"), "service_id": out("svc-1"), "status": 0},
        application_id="ada-app",
        service_id="orders",
    )
    return s


def okta_stack() -> StackBuilder:
    """A correct stack with the Okta identity (camelCase props, as the engine reports them)."""
    s = StackBuilder()
    s.add(
        rules.OKTA_SERVER,
        "portal-server",
        {"name": "portal", "audiences": ["api://portal"], "issuer": UNKNOWN},
    )
    s.add(
        rules.OKTA_CLAIM,
        "application-id",
        {
            "authServerId": UNKNOWN,
            "name": "application_id",
            "claimType": "RESOURCE",
            "valueType": "EXPRESSION",
            "value": "app.clientId",
        },
        authServerId="portal-server",
    )
    s.add(
        rules.OKTA_SCOPE,
        "portal-scope",
        {"authServerId": UNKNOWN, "name": "portal.api"},
        authServerId="portal-server",
    )
    s.add(
        rules.OKTA_POLICY,
        "portal-policy",
        {
            "authServerId": UNKNOWN,
            "name": "portal",
            "clientWhitelists": ["ALL_CLIENTS"],
            "priority": 1,
            "description": "d",
        },
    )
    s.add(
        rules.OKTA_POLICY_RULE,
        "cc-rule",
        {
            "authServerId": UNKNOWN,
            "policyId": UNKNOWN,
            "grantTypeWhitelists": ["client_credentials"],
            "scopeWhitelists": ["portal.api"],
            "priority": 1,
        },
    )
    s.add(
        rules.OKTA_POLICY_RULE,
        "code-rule",
        {
            "authServerId": UNKNOWN,
            "policyId": UNKNOWN,
            "grantTypeWhitelists": ["authorization_code"],
            "scopeWhitelists": ["openid", "portal.api"],
            "priority": 2,
            "groupWhitelists": ["EVERYONE"],
        },
    )
    s.add(
        rules.OKTA_APP,
        "svc-app",
        {
            "label": "svc",
            "type": "service",
            "grantTypes": ["client_credentials"],
            "responseTypes": ["token"],
            "clientId": UNKNOWN,
        },
    )
    s.add(
        rules.OKTA_APP,
        "spa-app",
        {
            "label": "spa",
            "type": "browser",
            "grantTypes": ["authorization_code"],
            "pkceRequired": True,
            "redirectUris": ["https://spa/cb"],
            "clientId": UNKNOWN,
        },
    )
    s.add(rules.KONG_SERVICE, "orders", {"name": "orders", "url": "https://orders.internal"})
    s.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "service_id": UNKNOWN, "config": oidc_config(issuer=UNKNOWN)},
        service_id="orders",
    )
    s.add(
        rules.KONG_PLUGIN,
        "orders-appreg",
        {
            "name": "application-registration",
            "service_id": UNKNOWN,
            "config": {"display_name": "Orders"},
        },
        service_id="orders",
    )
    s.add(rules.KONG_DEVELOPER, "ada", {"email": "ada@example.com"})
    s.add(
        rules.KONG_APPLICATION,
        "svc",
        {"name": "svc", "developer_id": UNKNOWN, "custom_id": UNKNOWN},
        developer_id="ada",
        custom_id="svc-app",
    )
    s.add(
        rules.KONG_APPLICATION,
        "spa",
        {"name": "spa", "developer_id": UNKNOWN, "custom_id": UNKNOWN},
        developer_id="ada",
        custom_id="spa-app",
    )
    return s
