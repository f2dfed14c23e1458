"""Gateway component: one API product behind Kong, protected the guide's way.

Kong service and route, the openid-connect plugin (issuer and claim wired from the identity
component; applications found by `custom_id`; `verify_parameters: false`) and the
application-registration plugin on the same service.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.settings import ServiceSettings
from providers import kong_dynamic as kong

COMPONENT_TYPE = "kong-okta-portal:gateway:ApiGateway"


@dataclass
class GatewayArgs:
    """One args object: the service settings, and the issuer and claim from identity."""

    service: ServiceSettings
    issuer: pulumi.Input[str]
    claim_name: str


class ApiGateway(pulumi.ComponentResource):
    """Kong service + route + openid-connect + application-registration."""

    service_id: pulumi.Output[str]
    route_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: GatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        svc = args.service
        # adopted objects existed before the stack: `pulumi destroy` leaves them in Kong
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=svc.adopt or None)

        service = kong.Service(
            f"{name}-service", name=svc.name, url=svc.url, adopt=svc.adopt, opts=child
        )
        r = svc.route
        route = kong.Route(
            f"{name}-route",
            name=svc.route_name,
            service_id=service.kong_id,
            paths=r.paths,
            hosts=r.hosts,
            methods=r.methods,
            protocols=r.protocols,
            strip_path=r.strip_path,
            adopt=svc.adopt,
            opts=child,
        )
        oidc = svc.openid_connect
        kong.Plugin(
            f"{name}-openid-connect",
            name="openid-connect",
            service_id=service.kong_id,
            config=pulumi.Output.from_input(args.issuer).apply(
                lambda issuer: kong.openid_connect(
                    issuer=issuer,
                    consumer_claim=[args.claim_name],
                    consumer_by=["custom_id"],
                    auth_methods=oidc.auth_methods,
                    scopes_required=oidc.scopes_required,
                    audience_required=oidc.audience_required,
                    **oidc.extra,
                )
            ),
            adopt=svc.adopt,
            opts=child,
        )
        reg = svc.application_registration
        registration = kong.Plugin(
            f"{name}-application-registration",
            name="application-registration",
            service_id=service.kong_id,
            config=kong.application_registration(
                display_name=svc.display_name,
                description=reg.description,
                auto_approve=reg.auto_approve,
                show_issuer=reg.show_issuer,
            ),
            adopt=svc.adopt,
            opts=child,
        )
        # Contracts (application instances) are refused with 405 until the service has its
        # application-registration plugin, so the service id handed to the portal waits for it.
        self.service_id = pulumi.Output.all(service.kong_id, registration.id).apply(
            lambda ids: ids[0]
        )
        self.route_id = route.kong_id
        self.register_outputs({"service_id": self.service_id, "route_id": self.route_id})
