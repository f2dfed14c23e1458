"""Identity components: where tokens come from, and one client per developer app.

Both implement `Identity`: `issuer`, `token_endpoint` and, per app name, a
`ClientCredentials` (`client_id`, secret `client_secret`).

- `OktaIdentity`: the guide's Okta steps with pulumi-okta (auth server or `default`, custom
  scopes, the `application_id = app.clientId` access-token claim, an access policy with a rule
  per enabled flow, an `okta.app.OAuth` per app).
- `DcrIdentity`: RFC 7591 registration of each app at any issuer that offers it (the sandbox,
  or Okta's `/oauth2/v1/clients`) through `providers.dcr.ClientRegistration`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pulumi

from components.settings import (
    AppSettings,
    AuthServerSettings,
    IdentitySettings,
    OktaAdoptSettings,
)

COMPONENT_TYPE_OKTA = "kong-okta-portal:identity:OktaIdentity"
COMPONENT_TYPE_DCR = "kong-okta-portal:identity:DcrIdentity"
# rule order in the access policy: machine-to-machine first, the browser flows after it
FLOW_ORDER = ("client_credentials", "authorization_code", "implicit")


@dataclass(frozen=True)
class ClientProfile:
    """What an OAuth client needs for its flow, in Okta's (and RFC 7591's) terms."""

    app_type: str
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    token_endpoint_auth_method: str
    pkce_required: bool | None


def _imported(
    parent: pulumi.Resource, import_id: str | None, ignore: list[str]
) -> pulumi.ResourceOptions:
    """An object set up by hand is imported, never re-created, and left by `pulumi destroy`.
    Its descriptive fields (names, descriptions, priorities) stay as they were made."""
    if import_id is None:
        return pulumi.ResourceOptions(parent=parent)
    return pulumi.ResourceOptions(
        parent=parent, import_=import_id, retain_on_delete=True, ignore_changes=ignore
    )


def moved_in_alias(type_token: str, name: str) -> str:
    """The URN `pulumi state move` gives a resource it moves into this stack without its parent
    component (it parents it to the stack): a portal stack's resources answer to it, so that
    apps moved out of a big stack keep their objects (README "Splitting a portal across
    stacks"). Spelled out: an Alias(parent=...) costs the SDK an Output chain per resource."""
    return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{type_token}::{name}"


def client_profile(app: AppSettings) -> ClientProfile:
    """Grant/response types, token auth and PKCE for an app's flow and Okta app type."""
    app_type = app.app_type
    public = app_type in ("browser", "native")
    if app.flow == "client_credentials":
        return ClientProfile(
            app_type, ("client_credentials",), ("token",), "client_secret_basic", None
        )
    if app.flow == "authorization_code":
        return ClientProfile(
            app_type,
            ("authorization_code",),
            ("code",),
            "none" if public else "client_secret_basic",
            True,
        )
    return ClientProfile(app_type, ("implicit",), ("token", "id_token"), "none", None)


def _join(*parts: str | None) -> str | None:
    """pulumi-okta's import id (`<server>/<claim>`, `<server>/<policy>/<rule>`), or None
    when any part is unknown (then the object is created)."""
    return "/".join(parts) if all(parts) else None  # type: ignore[arg-type]


@dataclass
class ClientCredentials:
    client_id: pulumi.Output[str]
    client_secret: pulumi.Output[str]


@dataclass
class IdentityArgs:
    """One args object: the identity settings and the apps to register."""

    settings: IdentitySettings
    apps: list[AppSettings] = field(default_factory=list)
    # a gateway stack: the flows its access policy grants (None: the flows of `apps`)
    flows: list[str] | None = None
    # a portal stack: the issuer of its gateway stack's auth server, which owns the shared side
    gateway_issuer: str | None = None
    # a portal stack: its clients also answer to the URNs `pulumi state move` gives them
    portal_stack: bool = False


class Identity(Protocol):
    """What the gateway and the portal need from either identity component."""

    issuer: pulumi.Output[str]
    token_endpoint: pulumi.Output[str]
    clients: dict[str, ClientCredentials]


class OktaIdentity(pulumi.ComponentResource):
    """Okta authorization server setup plus one OAuth app per developer app, in the guide's
    order: server, scopes, claim, access policy and rules, apps. Objects set up by hand
    (`identity.adopt`, an app's `clientId`) are imported instead of created."""

    issuer: pulumi.Output[str]
    token_endpoint: pulumi.Output[str]
    clients: dict[str, ClientCredentials]

    def __init__(
        self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE_OKTA, name, None, opts)
        self._name = name
        self._portal_stack = args.portal_stack
        settings = args.settings
        if args.gateway_issuer is not None:
            # A portal stack: the server, scopes, claim and access policy are the gateway
            # stack's. None of them names a client (the policy takes ALL_CLIENTS, its rules
            # grant by flow and group), so an app made here is covered as soon as it exists.
            issuer = args.gateway_issuer.rstrip("/")
            self.issuer = pulumi.Output.from_input(issuer)
            self.token_endpoint = pulumi.Output.from_input(f"{issuer}/v1/token")
            self.clients = {app.name: self._app(app) for app in args.apps}
            self.register_outputs({"issuer": self.issuer, "token_endpoint": self.token_endpoint})
            return
        self._adopt = settings.adopt or OktaAdoptSettings()
        # the server's id as Okta knows it, for the import ids of its claim, scopes and policy
        self._known_server = "default" if settings.auth_server.is_default else self._adopt.server_id
        server_id = self._auth_server(settings.auth_server)
        self.token_endpoint = self.issuer.apply(lambda i: f"{i.rstrip('/')}/v1/token")
        scopes = self._scopes(server_id, settings.scopes)
        self._claim(server_id, settings)
        enabled = args.flows if args.flows is not None else [a.flow for a in args.apps]
        flows = [f for f in FLOW_ORDER if f in enabled]
        self._access_policy(server_id, flows, scopes)
        self.clients = {app.name: self._app(app) for app in args.apps}
        self.register_outputs({"issuer": self.issuer, "token_endpoint": self.token_endpoint})

    def _child(
        self, *import_parts: str | None, ignore: list[str] | None = None
    ) -> pulumi.ResourceOptions:
        """Parented here; imported when every part of its import id under the adopted server
        is known (`import_parts` after the server id)."""
        import_id = _join(self._known_server, *import_parts) if import_parts else None
        return _imported(self, import_id, ignore or [])

    def _auth_server(self, srv: AuthServerSettings) -> pulumi.Output[str]:
        """The authorization server: `default` looked up, or a custom one. Sets the issuer."""
        import pulumi_okta as okta

        if srv.is_default:
            found = okta.auth.get_server_output(
                name="default", opts=pulumi.InvokeOutputOptions(parent=self)
            )
            self.issuer = found.issuer
            return found.id
        server = okta.auth.Server(
            f"{self._name}-server",
            name=srv.name,
            description=srv.description or f"{srv.name} (kong-okta-portal)",
            audiences=srv.audiences or [f"api://{srv.name}"],
            opts=_imported(self, self._adopt.server_id, ["description", "audiences"]),
        )
        self.issuer = server.issuer
        return server.id

    def _scopes(
        self, server_id: pulumi.Input[str], scopes: list[str]
    ) -> dict[str, pulumi.Resource]:
        """Custom scopes by name: a client_credentials token must ask for one."""
        import pulumi_okta as okta

        return {
            scope: okta.auth.ServerScope(
                f"{self._name}-scope-{scope}",
                auth_server_id=server_id,
                name=scope,
                description=f"Access to APIs behind Kong ({scope})",
                consent="IMPLICIT",
                metadata_publish="ALL_CLIENTS",
                opts=self._child(
                    self._adopt.scope_ids.get(scope),
                    ignore=["description", "consent", "metadataPublish", "displayName", "default"],
                ),
            )
            for scope in scopes
        }

    def _claim(self, server_id: pulumi.Input[str], settings: IdentitySettings) -> None:
        """The claim Kong's openid-connect plugin maps to the application's Reference Id."""
        import pulumi_okta as okta

        okta.auth.ServerClaim(
            f"{self._name}-claim",
            auth_server_id=server_id,
            name=settings.claim_name,
            claim_type="RESOURCE",
            value_type="EXPRESSION",
            value=settings.claim_value,
            always_include_in_token=True,
            opts=self._child(self._adopt.claim_id, ignore=["alwaysIncludeInToken"]),
        )

    def _access_policy(
        self, server_id: pulumi.Input[str], flows: list[str], scopes: dict[str, pulumi.Resource]
    ) -> None:
        """An access policy and one rule per enabled flow, chained by priority; each rule waits
        for the scopes it names (Okta refuses a rule naming a scope the server lacks)."""
        import pulumi_okta as okta

        policy_id = self._adopt.policy_id
        policy = okta.auth.ServerPolicy(
            f"{self._name}-policy",
            auth_server_id=server_id,
            name="kong-okta-portal",
            description="Developer applications of the Kong Dev Portal",
            priority=1,
            client_whitelists=["ALL_CLIENTS"],
            opts=self._child(
                policy_id, ignore=["name", "description", "priority", "clientWhitelists"]
            ),
        )
        previous: pulumi.Resource | None = None
        for priority, flow in enumerate(flows, start=1):
            granted = list(scopes) if flow == "client_credentials" else ["openid", *scopes]
            needs = [scopes[n] for n in granted if n in scopes]
            if previous is not None:
                needs.append(previous)
            previous = okta.auth.ServerPolicyRule(
                f"{self._name}-rule-{flow.replace('_', '-')}",
                auth_server_id=server_id,
                policy_id=policy.id,
                name=f"kong-okta-portal {flow}",
                priority=priority,
                grant_type_whitelists=[flow],
                scope_whitelists=granted,
                group_whitelists=["EVERYONE"],
                opts=pulumi.ResourceOptions.merge(
                    self._child(
                        policy_id,
                        self._adopt.rule_ids.get(flow),
                        ignore=["name", "priority", "groupWhitelists", "userWhitelists"],
                    ),
                    pulumi.ResourceOptions(depends_on=needs),
                ),
            )

    def _app(self, app: AppSettings) -> ClientCredentials:
        """An OAuth app for a developer app; an existing Okta app (the app's Reference Id) is
        imported, its label kept."""
        import pulumi_okta as okta

        prof = client_profile(app)
        name = f"{self._name}-app-{app.name}"
        # settings refuse an oktaAppId without its clientId, so this is None for a new app
        opts = _imported(self, app.okta_app_id or app.client_id, ["label"])
        if self._portal_stack:
            opts.aliases = [moved_in_alias("okta:app/oAuth:OAuth", name)]
        oauth = okta.app.OAuth(
            name,
            label=app.name,
            type=prof.app_type,
            grant_types=list(prof.grant_types),
            response_types=list(prof.response_types),
            redirect_uris=list(app.redirect_uris) or None,
            token_endpoint_auth_method=prof.token_endpoint_auth_method,
            pkce_required=prof.pkce_required,
            opts=opts,
        )
        return ClientCredentials(
            client_id=oauth.client_id, client_secret=pulumi.Output.secret(oauth.client_secret)
        )


class DcrIdentity(pulumi.ComponentResource):
    """RFC 7591 dynamic client registration at a fixed issuer."""

    issuer: pulumi.Output[str]
    token_endpoint: pulumi.Output[str]
    clients: dict[str, ClientCredentials]

    def __init__(
        self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE_DCR, name, None, opts)
        from providers.dcr import ClientRegistration

        issuer = str(args.settings.issuer).rstrip("/")
        self.issuer = pulumi.Output.from_input(issuer)
        self.token_endpoint = pulumi.Output.from_input(f"{issuer}/v1/token")
        self.clients = {}
        for app in args.apps:
            prof = client_profile(app)
            client_name = f"{name}-client-{app.name}"
            moved = (
                [
                    moved_in_alias(
                        f"pulumi-python:{ClientRegistration._resource_type_name}", client_name
                    )
                ]
                if args.portal_stack
                else None
            )
            reg = ClientRegistration(
                client_name,
                issuer=issuer,
                client_name=app.name,
                grant_types=prof.grant_types,
                # RFC 7591: response types belong to the authorization endpoint, which a
                # client-credentials client never uses (Okta's Apps API says "token" instead)
                response_types=() if app.flow == "client_credentials" else prof.response_types,
                redirect_uris=app.redirect_uris,
                token_endpoint_auth_method=prof.token_endpoint_auth_method,
                application_type=prof.app_type,
                adopt_client_id=app.client_id,
                # an adopted client existed before the stack: `pulumi destroy` leaves it
                opts=pulumi.ResourceOptions(
                    parent=self, retain_on_delete=bool(app.client_id) or None, aliases=moved
                ),
            )
            self.clients[app.name] = ClientCredentials(
                client_id=reg.client_id, client_secret=pulumi.Output.secret(reg.client_secret)
            )
        self.register_outputs({"issuer": self.issuer, "token_endpoint": self.token_endpoint})


def build_identity(
    name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
) -> Identity:
    """The identity component the settings ask for."""
    if args.settings.provider == "okta":
        return OktaIdentity(name, args, opts)
    return DcrIdentity(name, args, opts)
