"""Portal component: a Dev Portal developer, its applications and their service contracts.

Each application's `custom_id` (the portal's "Reference Id") is the identity provider's
`client_id` for that app, which is what the openid-connect plugin's claim carries. One
application instance per contracted service: status 0 (approved) or 1 (pending).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi

from components.identity import ClientCredentials
from components.settings import DeveloperSettings
from providers import kong_dynamic as kong

COMPONENT_TYPE = "kong-okta-portal:portal:PortalDeveloper"
STATUS = {"approved": 0, "pending": 1}


@dataclass
class PortalArgs:
    """One args object: the developer, its apps' clients and the services' Kong ids."""

    developer: DeveloperSettings
    clients: dict[str, ClientCredentials]
    service_ids: dict[str, pulumi.Output[str]]


class PortalDeveloper(pulumi.ComponentResource):
    """Developer, applications (custom_id = client_id) and application instances."""

    developer_id: pulumi.Output[str]
    application_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: PortalArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        dev = args.developer
        child = pulumi.ResourceOptions(parent=self)
        developer = kong.Developer(
            f"{name}-developer",
            email=dev.email,
            meta=json.dumps({"full_name": dev.full_name}),
            status=0,
            opts=child,
        )
        self.developer_id = developer.kong_id
        self.application_ids = {}
        for app in dev.apps:
            application = kong.Application(
                f"{name}-app-{app.name}",
                developer_id=developer.kong_id,
                name=app.name,
                custom_id=args.clients[app.name].client_id,
                description=app.description,
                redirect_uri=app.redirect_uris[0] if app.redirect_uris else None,
                opts=child,
            )
            self.application_ids[app.name] = application.kong_id
            for contract in app.services:
                kong.ApplicationInstance(
                    f"{name}-app-{app.name}-{contract.service}",
                    application_id=application.kong_id,
                    service_id=args.service_ids[contract.service],
                    status=STATUS[contract.status],
                    opts=child,
                )
        self.register_outputs(
            {"developer_id": self.developer_id, "application_ids": self.application_ids}
        )
