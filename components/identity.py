"""Identity components: where tokens come from, and one client per developer app.

Both implementations expose the same interface: `issuer`, `token_endpoint` and, per app name,
a `ClientCredentials` (`client_id`, secret `client_secret`).

- `OktaIdentity`: the guide's Okta steps with pulumi-okta (auth server or `default`, custom
  scopes, the `application_id = app.clientId` access-token claim, an access policy with a rule
  per enabled flow, an `okta.app.OAuth` per app).
- `DcrIdentity`: RFC 7591 registration of each app at any issuer that offers it (the sandbox,
  or Okta's `/oauth2/v1/clients`) through `providers.dcr.ClientRegistration`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.settings import AppSettings, IdentitySettings, OktaAdoptSettings

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


class OktaIdentity(pulumi.ComponentResource):
    """Okta authorization server setup plus one OAuth app per developer app."""

    issuer: pulumi.Output[str]
    token_endpoint: pulumi.Output[str]
    clients: dict[str, ClientCredentials]

    def __init__(
        self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE_OKTA, name, None, opts)
        import pulumi_okta as okta

        s = args.settings
        adopt = s.adopt or OktaAdoptSettings()

        # 1. the authorization server: `default` looked up, or a custom one
        if s.auth_server.is_default:
            found = okta.auth.get_server_output(
                name="default", opts=pulumi.InvokeOutputOptions(parent=self)
            )
            server_id: pulumi.Output[str] = found.id
            self.issuer = found.issuer
        else:
            server = okta.auth.Server(
                f"{name}-server",
                name=s.auth_server.name,
                description=s.auth_server.description or f"{s.auth_server.name} (kong-okta-portal)",
                audiences=s.auth_server.audiences or [f"api://{s.auth_server.name}"],
                opts=_imported(self, adopt.server_id, ["description", "audiences"]),
            )
            server_id = server.id
            self.issuer = server.issuer
        # the server's id as Okta knows it, for the import ids of its claim, scopes and policy
        known_server = "default" if s.auth_server.is_default else adopt.server_id
        self.token_endpoint = self.issuer.apply(lambda i: f"{i.rstrip('/')}/v1/token")

        # 2. custom scopes (client_credentials must ask for one)
        for scope in s.scopes:
            okta.auth.ServerScope(
                f"{name}-scope-{scope}",
                auth_server_id=server_id,
                name=scope,
                description=f"Access to APIs behind Kong ({scope})",
                consent="IMPLICIT",
                metadata_publish="ALL_CLIENTS",
                opts=_imported(
                    self,
                    _join(known_server, adopt.scope_ids.get(scope)),
                    ["description", "consent", "metadataPublish", "displayName", "default"],
                ),
            )

        # 3. the claim Kong's openid-connect plugin maps to the application's Reference Id
        okta.auth.ServerClaim(
            f"{name}-claim",
            auth_server_id=server_id,
            name=s.claim_name,
            claim_type="RESOURCE",
            value_type="EXPRESSION",
            value=s.claim_value,
            always_include_in_token=True,
            opts=_imported(self, _join(known_server, adopt.claim_id), ["alwaysIncludeInToken"]),
        )

        # 4. an access policy and one rule per enabled flow, chained by priority
        policy = okta.auth.ServerPolicy(
            f"{name}-policy",
            auth_server_id=server_id,
            name="kong-okta-portal",
            description="Developer applications of the Kong Dev Portal",
            priority=1,
            client_whitelists=["ALL_CLIENTS"],
            opts=_imported(
                self,
                _join(known_server, adopt.policy_id),
                ["name", "description", "priority", "clientWhitelists"],
            ),
        )
        flows = [f for f in FLOW_ORDER if any(a.flow == f for a in args.apps)]
        previous: pulumi.Resource | None = None
        for priority, flow in enumerate(flows, start=1):
            scopes = list(s.scopes) if flow == "client_credentials" else ["openid", *s.scopes]
            previous = okta.auth.ServerPolicyRule(
                f"{name}-rule-{flow.replace('_', '-')}",
                auth_server_id=server_id,
                policy_id=policy.id,
                name=f"kong-okta-portal {flow}",
                priority=priority,
                grant_type_whitelists=[flow],
                scope_whitelists=scopes,
                group_whitelists=["EVERYONE"],
                opts=pulumi.ResourceOptions.merge(
                    _imported(
                        self,
                        _join(known_server, adopt.policy_id, adopt.rule_ids.get(flow)),
                        ["name", "priority", "groupWhitelists", "userWhitelists"],
                    ),
                    pulumi.ResourceOptions(depends_on=[previous] if previous is not None else []),
                ),
            )

        # 5. an OAuth app per developer app
        self.clients = {}
        for app in args.apps:
            prof = client_profile(app)
            oauth = okta.app.OAuth(
                f"{name}-app-{app.name}",
                label=app.name,
                type=prof.app_type,
                grant_types=list(prof.grant_types),
                response_types=list(prof.response_types),
                redirect_uris=list(app.redirect_uris) or None,
                token_endpoint_auth_method=prof.token_endpoint_auth_method,
                pkce_required=prof.pkce_required,
                # an existing Okta app (the app's Reference Id) is imported, its label kept
                opts=_imported(
                    self, (app.okta_app_id or app.client_id) if app.client_id else None, ["label"]
                ),
            )
            self.clients[app.name] = ClientCredentials(
                client_id=oauth.client_id, client_secret=pulumi.Output.secret(oauth.client_secret)
            )

        self.register_outputs({"issuer": self.issuer, "token_endpoint": self.token_endpoint})


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
            reg = ClientRegistration(
                f"{name}-client-{app.name}",
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
                    parent=self, retain_on_delete=bool(app.client_id) or None
                ),
            )
            self.clients[app.name] = ClientCredentials(
                client_id=reg.client_id, client_secret=pulumi.Output.secret(reg.client_secret)
            )
        self.register_outputs({"issuer": self.issuer, "token_endpoint": self.token_endpoint})


def build_identity(
    name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
) -> OktaIdentity | DcrIdentity:
    """The identity component the settings ask for."""
    if args.settings.provider == "okta":
        return OktaIdentity(name, args, opts)
    return DcrIdentity(name, args, opts)
