"""Portal component: the Dev Portal developers, their applications and service contracts.

Each application's `custom_id` (the portal's "Reference Id") is the identity provider's
`client_id` for that app, which is what the openid-connect plugin's claim carries. One
application instance per contracted service: status 0 (approved) or 1 (pending).

The workspace's Dev Portal is part of the stack (`WorkspacePortal`), and developers wait
for it. One component for all developers: a component per developer would add hundreds of
resources that create nothing, and every resource costs the engine a checkpoint write.
Each resource carries an alias to its name and parent under the per-developer layout, so a
stack deployed with it keeps its objects: the next `up` only renames them in state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.identity import ClientCredentials, moved_in_alias
from components.settings import DeveloperSettings, developer_key
from providers import kong_dynamic as kong

COMPONENT_TYPE = "kong-okta-portal:portal:Portal"
STATUS = {"approved": 0, "pending": 1, "rejected": 2, "revoked": 3}
# The per-developer layout: a component of this type named `dev-<developer key>` each.
LEGACY_DEVELOPER_TYPE = "kong-okta-portal:portal:PortalDeveloper"


def _child(
    parent: pulumi.Resource,
    kind: type[pulumi.dynamic.Resource],
    key: str,
    suffix: str,
    adopt: bool = False,
    moved_in: str | None = None,
) -> pulumi.ResourceOptions:
    """Parented by the portal, aliased to its URN under the per-developer layout (and, in a
    portal stack, to `moved_in`, the URN `pulumi state move` gives it). An adopted object
    existed before the stack: `pulumi destroy` leaves it in Kong.

    The alias is the old URN spelled out: a `pulumi.Alias(name=, parent=)` costs the SDK an
    Output chain per resource to compute the same string (a fifth of the program's time)."""
    old = (
        f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{LEGACY_DEVELOPER_TYPE}$"
        f"pulumi-python:{kind._resource_type_name}::dev-{key}-{suffix}"
    )
    aliases = (
        [old, moved_in_alias(f"pulumi-python:{kind._resource_type_name}", moved_in)]
        if moved_in
        else [old]
    )
    return pulumi.ResourceOptions(parent=parent, aliases=aliases, retain_on_delete=adopt or None)


@dataclass
class PortalArgs:
    """One args object: the developers, their apps' clients and the services' Kong ids."""

    developers: Sequence[DeveloperSettings]
    clients: dict[str, ClientCredentials]
    service_ids: dict[str, pulumi.Input[str]]
    # False in a portal stack: the gateway stack turns the workspace's Dev Portal on
    workspace_portal: bool = True
    # a portal stack: what its gateway stack exports (services with their plugins, flows),
    # kept on the component, where the policy pack sees it
    gateway: dict[str, Any] | None = None


class Portal(pulumi.ComponentResource):
    """Developers, applications (custom_id = client_id) and application instances."""

    developer_ids: dict[str, pulumi.Output[str]]
    application_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: PortalArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        shown = {"gateway": args.gateway} if args.gateway is not None else {}
        super().__init__(COMPONENT_TYPE, name, shown or None, opts)
        self.developer_ids = {}
        self.application_ids = {}
        # the guide's prerequisite: portal endpoints exist only once the workspace has it on
        workspace = (
            [
                kong.WorkspacePortal(
                    f"{name}-workspace", portal=True, opts=pulumi.ResourceOptions(parent=self)
                )
            ]
            if args.workspace_portal
            else []
        )

        def moved(resource_name: str) -> str | None:
            # a portal stack: apps moved in from a big stack come without their parent
            return resource_name if args.gateway is not None else None

        for dev in args.developers:
            key = developer_key(dev.email)
            prefix = f"{name}-{key}"
            developer = kong.Developer(
                f"{prefix}-developer",
                email=dev.email,
                meta=json.dumps({"full_name": dev.full_name}),
                status=0,
                adopt=dev.adopt,
                opts=pulumi.ResourceOptions.merge(
                    _child(
                        self,
                        kong.Developer,
                        key,
                        "developer",
                        dev.adopt,
                        moved(f"{prefix}-developer"),
                    ),
                    pulumi.ResourceOptions(depends_on=workspace),
                ),
            )
            self.developer_ids[dev.email] = developer.kong_id
            for app in dev.apps:
                application = kong.Application(
                    f"{prefix}-app-{app.name}",
                    developer_id=developer.kong_id,
                    name=app.name,
                    custom_id=args.clients[app.name].client_id,
                    description=app.description,
                    redirect_uri=app.redirect_uris[0] if app.redirect_uris else None,
                    adopt=app.adopt,
                    opts=_child(
                        self,
                        kong.Application,
                        key,
                        f"app-{app.name}",
                        app.adopt,
                        moved(f"{prefix}-app-{app.name}"),
                    ),
                )
                self.application_ids[app.name] = application.kong_id
                for contract in app.services:
                    kong.ApplicationInstance(
                        f"{prefix}-app-{app.name}-{contract.service}",
                        application_id=application.kong_id,
                        service_id=args.service_ids[contract.service],
                        status=STATUS[contract.status],
                        adopt=app.adopt,
                        opts=_child(
                            self,
                            kong.ApplicationInstance,
                            key,
                            f"app-{app.name}-{contract.service}",
                            app.adopt,
                            moved(f"{prefix}-app-{app.name}-{contract.service}"),
                        ),
                    )
        self.register_outputs(
            {
                "developers": len(self.developer_ids),
                "applications": len(self.application_ids),
                **shown,
            }
        )
