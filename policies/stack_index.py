"""The resources a stack policy sees, indexed by type, with references between them resolved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import StackValidationArgs

from policies.values import (
    KONG_PLUGIN,
    KONG_ROUTE,
    KONG_SERVICE,
    OKTA_AUTH_TYPES,
    plain,
)

# A portal stack's Portal component carries what its gateway stack exports (`gateway`): a
# policy pack is not shown the stack's StackReference (a read), so the program says it here.
PORTAL_COMPONENT = "kong-okta-portal:portal:Portal"


@dataclass
class Res:
    """One resource of the stack, with plain props and its per-property dependencies (URNs)."""

    type: str
    urn: str
    name: str
    props: dict[str, Any]
    deps: dict[str, list[str]] = field(default_factory=dict)


class Stack:
    """The resources a stack policy sees, indexed by type, with references resolved."""

    def __init__(self, resources: Iterable[Any]) -> None:
        self.resources: list[Res] = []
        for r in resources:
            deps = {
                key: [d.urn for d in (value or [])]
                for key, value in (getattr(r, "property_dependencies", None) or {}).items()
            }
            self.resources.append(Res(r.resource_type, r.urn, r.name, plain(r.props), deps))
        self.by_urn = {r.urn: r for r in self.resources}

    def of(self, *types: str) -> list[Res]:
        return [r for r in self.resources if r.type in types]

    def plugins(self, name: str) -> list[Res]:
        return [r for r in self.of(KONG_PLUGIN) if r.props.get("name") == name]

    def ref(self, res: Res, key: str, target_type: str) -> str | None:
        """A stable key for the resource `res.props[key]` points at, None when it can't be known.

        At preview the referenced `kong_id` is unknown, but the property dependency names the
        resource; after a deployment the id itself matches the target's `kong_id`.
        """
        for urn in res.deps.get(key, []):
            dep = self.by_urn.get(urn)
            if dep is not None and dep.type == target_type:
                return urn
        value = res.props.get(key)
        if not isinstance(value, str):
            return None
        for target in self.of(target_type):
            if target.props.get("kong_id") == value:
                return target.urn
        return f"id:{value}"

    def service_of_plugin(self, plugin: Res) -> str | None:
        """The service a plugin applies to (directly, or through its route); None if unknown."""
        if plugin.props.get("service_id") is not None or plugin.deps.get("service_id"):
            return self.ref(plugin, "service_id", KONG_SERVICE)
        if plugin.props.get("route_id") is not None or plugin.deps.get("route_id"):
            route_key = self.ref(plugin, "route_id", KONG_ROUTE)
            route = self.by_urn.get(route_key or "")
            return self.ref(route, "service_id", KONG_SERVICE) if route else None
        return None

    def manages_okta_auth_server(self) -> bool:
        return bool(self.of(*OKTA_AUTH_TYPES))

    def gateway_exports(self) -> list[dict[str, Any]]:
        """What the gateway stack of this (portal) stack exports for it (its `portalGateway`
        output, read by the program through a StackReference), as its Portal component says."""
        found = []
        for portal in self.of(PORTAL_COMPONENT):
            exported = portal.props.get("gateway")
            if isinstance(exported, dict):
                found.append(exported)
        return found

    def gateway_service(self, service_key: str) -> dict[str, Any] | None:
        """The gateway stack's export for a service outside this stack (`id:<kong id>`)."""
        if not service_key.startswith("id:"):
            return None
        kong_id = service_key.removeprefix("id:")
        for exported in self.gateway_exports():
            services = exported.get("services")
            for svc in (services or {}).values() if isinstance(services, dict) else []:
                if isinstance(svc, dict) and svc.get("id") == kong_id:
                    return svc
        return None


def stack_of(args: StackValidationArgs) -> Stack:
    return Stack(args.resources)
