"""What each component tells the engine, under Pulumi mocks: every object's inputs, and the
options the engine acts on (parent, retained on destroy, imported, ignored fields, aliases,
what it waits for) and the outputs each component registers.

These run in-process, so they are what mutation testing sees of the components (the engine
tests run the same program in a subprocess).
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from components.identity import ClientCredentials
from components.portal import developer_key
from tests.program import configs
from tests.program.mocks import RecordingMocks, Request, install, run

REPO = Path(__file__).resolve().parents[2]
LEGACY = "urn:pulumi:test::kong-okta-portal::kong-okta-portal:portal:PortalDeveloper$pulumi-python"


def deploy(cfg: dict[str, Any]) -> RecordingMocks:
    mocks = install(cfg)
    run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    return mocks


def request(mocks: RecordingMocks, name: str) -> Request:
    assert mocks.monitor is not None
    return mocks.monitor.requests[name]


def inputs(mocks: RecordingMocks, name: str) -> dict[str, Any]:
    found = {k: v for k, v in mocks.named(name).inputs.items() if k != "id_seed"}
    return found


def child(typ: str, parent: str, *, retain: bool = False, depends_on: set[str] | None = None,
          aliases: list[str] | None = None) -> Request:  # fmt: skip
    return Request(typ, parent, retain, "", [], aliases or [], depends_on or set())


# --------------------------------------------------------------------------- gateway


def test_gateway_registers_service_route_and_both_plugins_under_itself() -> None:
    mocks = deploy(configs.dcr())
    kong = "pulumi-python:dynamic/kong:"
    assert request(mocks, "api-orders") == child(
        "kong-okta-portal:gateway:ApiGateway", "kong-okta-portal-test"
    )
    assert request(mocks, "api-orders-service") == child(f"{kong}Service", "api-orders")
    service = {"api-orders-service"}
    for name, typ in [
        ("api-orders-route", "Route"),
        ("api-orders-openid-connect", "Plugin"),
        ("api-orders-application-registration", "Plugin"),
    ]:
        assert request(mocks, name) == child(f"{kong}{typ}", "api-orders", depends_on=service)
    assert inputs(mocks, "api-orders-service") == {
        "name": "orders", "url": "http://127.0.0.1:9000/orders",
    }  # fmt: skip
    assert inputs(mocks, "api-orders-route") == {
        "name": "orders-route", "service_id": "kong-api-orders-service", "paths": ["/orders"],
        "methods": ["GET"], "protocols": ["http", "https"], "strip_path": True,
    }  # fmt: skip
    assert inputs(mocks, "api-orders-openid-connect") == {
        "name": "openid-connect", "service_id": "kong-api-orders-service",
        "config": {
            "issuer": "http://127.0.0.1:8080/oauth2/default", "consumer_claim": ["application_id"],
            "consumer_by": ["custom_id"], "auth_methods": ["bearer"], "verify_parameters": False,
        },
    }  # fmt: skip
    assert inputs(mocks, "api-orders-application-registration") == {
        "name": "application-registration", "service_id": "kong-api-orders-service",
        "config": {"display_name": "Orders API", "auto_approve": False, "show_issuer": True},
    }  # fmt: skip
    assert mocks.monitor is not None
    assert mocks.monitor.outputs["api-orders"] == {
        "service_id": "kong-api-orders-service", "route_id": "kong-api-orders-route",
    }  # fmt: skip


def test_gateway_passes_every_route_and_plugin_setting_on() -> None:
    cfg = configs.dcr()
    cfg["services"][1].update(
        route={"name": "billing-v1", "hosts": ["api.example.com"], "methods": ["GET", "POST"],
               "protocols": ["https"], "stripPath": False},
        openidConnect={"auth_methods": ["bearer", "introspection"],
                       "audience_required": ["api://portal"], "extra": {"leeway": 5}},
        applicationRegistration={"description": "Billing for partners", "auto_approve": True},
    )  # fmt: skip
    mocks = deploy(cfg)
    assert inputs(mocks, "api-billing-route") == {
        "name": "billing-v1", "service_id": "kong-api-billing-service",
        "hosts": ["api.example.com"], "methods": ["GET", "POST"], "protocols": ["https"],
        "strip_path": False,
    }  # fmt: skip
    assert inputs(mocks, "api-billing-openid-connect")["config"] == {
        "issuer": "http://127.0.0.1:8080/oauth2/default", "consumer_claim": ["application_id"],
        "consumer_by": ["custom_id"], "auth_methods": ["bearer", "introspection"],
        "audience_required": ["api://portal"], "leeway": 5, "verify_parameters": False,
    }  # fmt: skip
    # no display name set: the portal shows the service's name
    assert inputs(mocks, "api-billing-application-registration")["config"] == {
        "display_name": "billing", "description": "Billing for partners", "auto_approve": True,
        "show_issuer": False,
    }  # fmt: skip


def test_an_adopted_service_is_left_in_kong_by_destroy() -> None:
    cfg = configs.dcr()
    cfg["services"][0]["adopt"] = True
    mocks = deploy(cfg)
    for suffix in ("service", "route", "openid-connect", "application-registration"):
        assert request(mocks, f"api-orders-{suffix}").retain_on_delete, suffix
        assert inputs(mocks, f"api-orders-{suffix}")["adopt"] is True, suffix
        assert not request(mocks, f"api-billing-{suffix}").retain_on_delete, suffix
        assert "adopt" not in inputs(mocks, f"api-billing-{suffix}"), suffix


def test_contracts_wait_for_the_services_application_registration() -> None:
    # Kong refuses an application instance (405) until its service has the plugin
    mocks = deploy(configs.dcr())
    waits = request(mocks, "portal-ada-example-com-app-ada-web-billing").depends_on
    assert {"api-billing-service", "api-billing-application-registration"} <= waits
    instance = inputs(mocks, "portal-ada-example-com-app-ada-web-billing")
    assert instance["service_id"] == "kong-api-billing-service"


# --------------------------------------------------------------------------- portal


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("ada@example.com", "ada-example-com"),
        ("Ada.Lovelace+Portal@Example.COM", "ada-lovelace-portal-example-com"),
        ("_ada__@x.io", "ada-x-io"),
    ],
)
def test_developer_key_is_the_email_lower_case_slugged(email: str, key: str) -> None:
    assert developer_key(email) == key


def test_portal_registers_developers_apps_and_contracts_under_itself() -> None:
    cfg = configs.dcr()
    cfg["developers"][0]["apps"][1]["description"] = "Ada's billing dashboard"
    mocks = deploy(cfg)
    kong = "pulumi-python:dynamic/kong:"
    assert request(mocks, "portal") == child(
        "kong-okta-portal:portal:Portal", "kong-okta-portal-test"
    )
    assert request(mocks, "portal-workspace") == child(f"{kong}WorkspacePortal", "portal")
    assert inputs(mocks, "portal-workspace") == {"portal": True}
    # every developer waits for the workspace's portal; each object keeps its URN under the
    # per-developer layout as an alias
    assert request(mocks, "portal-ada-example-com-developer") == child(
        f"{kong}Developer", "portal", depends_on={"portal-workspace"},
        aliases=[f"{LEGACY}:dynamic/kong:Developer::dev-ada-example-com-developer"],
    )  # fmt: skip
    assert inputs(mocks, "portal-ada-example-com-developer") == {
        "email": "ada@example.com", "meta": '{"full_name": "Ada Lovelace"}', "status": 0,
    }  # fmt: skip
    assert request(mocks, "portal-ada-example-com-app-ada-web") == child(
        f"{kong}Application", "portal",
        depends_on={"portal-ada-example-com-developer", "identity-client-ada-web"},
        aliases=[f"{LEGACY}:dynamic/kong:Application::dev-ada-example-com-app-ada-web"],
    )  # fmt: skip
    assert inputs(mocks, "portal-ada-example-com-app-ada-web") == {
        "name": "ada-web", "developer_id": "kong-portal-ada-example-com-developer",
        "custom_id": "cid-identity-client-ada-web", "description": "Ada's billing dashboard",
        "redirect_uri": "https://ada.example.com/callback",
    }  # fmt: skip
    # no redirect URI (client credentials): none is sent
    assert "redirect_uri" not in inputs(mocks, "portal-ada-example-com-app-ada-batch")
    assert request(mocks, "portal-ada-example-com-app-ada-web-billing") == child(
        f"{kong}ApplicationInstance", "portal",
        depends_on={"portal-ada-example-com-app-ada-web", "api-billing-service",
                    "api-billing-application-registration"},
        aliases=[f"{LEGACY}:dynamic/kong:ApplicationInstance::dev-ada-example-com-app-ada-web-billing"],
    )  # fmt: skip
    assert inputs(mocks, "portal-ada-example-com-app-ada-web-billing") == {
        "application_id": "kong-portal-ada-example-com-app-ada-web",
        "service_id": "kong-api-billing-service", "status": 1,
    }  # fmt: skip
    assert mocks.monitor is not None
    assert mocks.monitor.outputs["portal"] == {"developers": 2, "applications": 4}


def test_the_portal_hands_out_each_developers_and_applications_kong_id() -> None:
    from components.portal import Portal, PortalArgs
    from components.settings import parse_settings

    settings = parse_settings(configs.dcr())
    install(configs.dcr())
    seen: dict[str, Any] = {}

    def program() -> Any:
        import pulumi

        clients = {
            app.name: ClientCredentials(pulumi.Output.from_input(f"cid-{app.name}"),
                                        pulumi.Output.secret("s"))
            for _dev, app in settings.apps()
        }  # fmt: skip
        ids = {s.name: pulumi.Output.from_input(f"svc-{s.name}") for s in settings.services}
        portal = Portal("portal", PortalArgs(settings.developers, clients, ids))
        return pulumi.Output.all(
            devs=pulumi.Output.all(**portal.developer_ids),
            apps=pulumi.Output.all(**portal.application_ids),
        ).apply(seen.update)

    run(program)
    assert seen == {
        "devs": {
            "ada@example.com": "kong-portal-ada-example-com-developer",
            "grace@example.com": "kong-portal-grace-example-com-developer",
        },
        "apps": {
            name: f"kong-portal-{dev}-example-com-app-{name}"
            for dev, name in [("ada", "ada-batch"), ("ada", "ada-web"),
                              ("grace", "grace-spa"), ("grace", "grace-cli")]
        },
    }  # fmt: skip


@pytest.mark.parametrize(("status", "code"), [("rejected", 2), ("revoked", 3)])
def test_contract_status_codes(status: str, code: int) -> None:
    cfg = configs.dcr()
    cfg["developers"][0]["apps"][0]["services"] = [{"service": "orders", "status": status}]
    mocks = deploy(cfg)
    assert inputs(mocks, "portal-ada-example-com-app-ada-batch-orders")["status"] == code


def test_adopted_developers_and_apps_are_left_in_kong_by_destroy() -> None:
    cfg = configs.dcr()
    cfg["developers"][0]["adopt"] = True
    cfg["developers"][1]["apps"][0]["adopt"] = True
    mocks = deploy(cfg)
    retained = {
        name
        for name, req in mocks.monitor.requests.items()  # type: ignore[union-attr]
        if name.startswith("portal-") and req.retain_on_delete
    }
    assert retained == {
        "portal-ada-example-com-developer",
        "portal-grace-example-com-app-grace-spa",
        "portal-grace-example-com-app-grace-spa-orders",
        "portal-grace-example-com-app-grace-spa-billing",
    }
    assert inputs(mocks, "portal-ada-example-com-developer")["adopt"] is True
    assert "adopt" not in inputs(mocks, "portal-ada-example-com-app-ada-batch")
    assert inputs(mocks, "portal-grace-example-com-app-grace-spa")["adopt"] is True
    assert inputs(mocks, "portal-grace-example-com-app-grace-spa-orders")["adopt"] is True


# --------------------------------------------------------------------------- identity: dcr


def test_dcr_identity_registers_each_client_under_itself() -> None:
    cfg = configs.dcr()
    cfg["developers"][0]["apps"][0].update(adopt=True, clientId="0oaEXISTING")
    mocks = deploy(cfg)
    reg = "pulumi-python:dynamic/identity:ClientRegistration"
    assert request(mocks, "identity") == child(
        "kong-okta-portal:identity:DcrIdentity", "kong-okta-portal-test"
    )
    # an adopted client existed before the stack: destroy leaves it
    assert request(mocks, "identity-client-ada-batch") == child(reg, "identity", retain=True)
    assert request(mocks, "identity-client-ada-web") == child(reg, "identity")
    assert inputs(mocks, "identity-client-ada-web") == {
        "issuer": "http://127.0.0.1:8080/oauth2/default", "client_name": "ada-web",
        "name_suffix": " (kong-okta-portal/test)", "grant_types": ["authorization_code"],
        "response_types": ["code"], "redirect_uris": ["https://ada.example.com/callback"],
        "token_endpoint_auth_method": "client_secret_basic", "application_type": "web",
    }  # fmt: skip
    assert inputs(mocks, "identity-client-ada-batch")["adopt_client_id"] == "0oaEXISTING"
    assert mocks.monitor is not None
    assert mocks.monitor.outputs["identity"] == {
        "issuer": "http://127.0.0.1:8080/oauth2/default",
        "token_endpoint": "http://127.0.0.1:8080/oauth2/default/v1/token",
    }


def test_dcr_issuer_loses_its_trailing_slash_only() -> None:
    # Okta's custom server ids end in any letter: only the slash goes
    cfg = configs.dcr()
    cfg["identity"]["issuer"] = "https://idp.example/oauth2/aus1X/"
    mocks = deploy(cfg)
    assert inputs(mocks, "identity-client-ada-web")["issuer"] == "https://idp.example/oauth2/aus1X"
    assert mocks.monitor is not None
    assert mocks.monitor.outputs["identity"]["token_endpoint"] == (
        "https://idp.example/oauth2/aus1X/v1/token"
    )


# --------------------------------------------------------------------------- identity: okta

OKTA = "okta:auth/"
ADOPTED_SERVER = {
    "serverId": "aus9",
    "claimId": "oclAPP",
    "scopeIds": {"portal_api": "scpP"},
    "policyId": "00pK",
    "ruleIds": {"client_credentials": "0prCC"},
}


def imported(typ: str, import_id: str, ignore: list[str], depends_on: set[str]) -> Request:
    return Request(typ, "identity", True, import_id, ignore, [], depends_on)


def test_okta_objects_set_up_by_hand_are_imported_and_keep_their_descriptions() -> None:
    cfg = configs.okta()
    cfg["identity"]["authServer"] = {"name": "portal"}
    cfg["identity"]["adopt"] = ADOPTED_SERVER
    mocks = deploy(cfg)
    server = {"identity-server"}
    policy = {"identity-server", "identity-policy", "identity-scope-portal_api"}
    assert request(mocks, "identity-server") == imported(
        f"{OKTA}server:Server", "aus9", ["description", "audiences"], set()
    )
    assert request(mocks, "identity-scope-portal_api") == imported(
        f"{OKTA}serverScope:ServerScope", "aus9/scpP",
        ["description", "consent", "metadataPublish", "displayName", "default"], server,
    )  # fmt: skip
    assert request(mocks, "identity-claim") == imported(
        f"{OKTA}serverClaim:ServerClaim", "aus9/oclAPP", ["alwaysIncludeInToken"], server
    )
    assert request(mocks, "identity-policy") == imported(
        f"{OKTA}serverPolicy:ServerPolicy", "aus9/00pK",
        ["name", "description", "priority", "clientWhitelists"], server,
    )  # fmt: skip
    assert request(mocks, "identity-rule-client-credentials") == imported(
        f"{OKTA}serverPolicyRule:ServerPolicyRule", "aus9/00pK/0prCC",
        ["name", "priority", "groupWhitelists", "userWhitelists"], policy,
    )  # fmt: skip
    # a flow without a rule of its own gets one, created in the adopted policy
    assert request(mocks, "identity-rule-authorization-code") == Request(
        f"{OKTA}serverPolicyRule:ServerPolicyRule", "identity", False, "", [], [],
        policy | {"identity-rule-client-credentials"},
    )  # fmt: skip


def test_okta_objects_are_created_under_the_identity_component() -> None:
    cfg = configs.okta()
    cfg["identity"]["authServer"] = {"name": "portal"}
    mocks = deploy(cfg)
    server = {"identity-server"}
    assert request(mocks, "identity") == child(
        "kong-okta-portal:identity:OktaIdentity", "kong-okta-portal-test"
    )
    assert request(mocks, "identity-server") == child(f"{OKTA}server:Server", "identity")
    assert inputs(mocks, "identity-server") == {
        "name": "portal", "description": "portal (kong-okta-portal)", "audiences": ["api://portal"],
    }  # fmt: skip
    assert request(mocks, "identity-scope-portal_api") == child(
        f"{OKTA}serverScope:ServerScope", "identity", depends_on=server
    )
    assert inputs(mocks, "identity-scope-portal_api") == {
        "authServerId": "identity-server-id", "name": "portal_api",
        "description": "Access to APIs behind Kong (portal_api)", "consent": "IMPLICIT",
        "metadataPublish": "ALL_CLIENTS",
    }  # fmt: skip
    assert inputs(mocks, "identity-claim") == {
        "authServerId": "identity-server-id", "name": "application_id", "claimType": "RESOURCE",
        "valueType": "EXPRESSION", "value": "app.clientId", "alwaysIncludeInToken": True,
    }  # fmt: skip
    assert inputs(mocks, "identity-policy") == {
        "authServerId": "identity-server-id", "name": "kong-okta-portal",
        "description": "Developer applications of the Kong Dev Portal", "priority": 1,
        "clientWhitelists": ["ALL_CLIENTS"],
    }  # fmt: skip
    rules = {
        flow: inputs(mocks, f"identity-rule-{flow.replace('_', '-')}")
        for flow in ("client_credentials", "authorization_code", "implicit")
    }
    for priority, (flow, rule) in enumerate(rules.items(), start=1):
        assert rule == {
            "authServerId": "identity-server-id", "policyId": "identity-policy-id",
            "name": f"kong-okta-portal {flow}", "priority": priority,
            "grantTypeWhitelists": [flow], "groupWhitelists": ["EVERYONE"],
            # a browser flow signs a user in: openid besides the custom scopes
            "scopeWhitelists": ["portal_api"] if flow == "client_credentials"
            else ["openid", "portal_api"],
        }  # fmt: skip
    assert mocks.monitor is not None
    issuer = "https://dev-1.okta.example/oauth2/aus-identity-server"
    assert mocks.monitor.outputs["identity"] == {
        "issuer": issuer, "token_endpoint": f"{issuer}/v1/token",
    }  # fmt: skip


def test_a_created_server_with_an_audience_and_description_given() -> None:
    cfg = configs.okta()
    cfg["identity"]["authServer"] = {
        "name": "portal", "description": "APIs behind Kong", "audiences": ["api://apis"],
    }  # fmt: skip
    mocks = deploy(cfg)
    assert inputs(mocks, "identity-server") == {
        "name": "portal", "description": "APIs behind Kong", "audiences": ["api://apis"],
    }  # fmt: skip


def test_the_default_server_is_looked_up_under_the_component() -> None:
    mocks = deploy(configs.okta())
    assert mocks.calls == [("okta:auth/getServer:getServer", {"name": "default"})]
    assert mocks.monitor is not None
    assert (
        mocks.monitor.outputs["identity"]["issuer"] == "https://dev-1.okta.example/oauth2/default"
    )
    assert inputs(mocks, "identity-claim")["authServerId"] == "default"


def test_okta_apps_set_up_by_hand_are_imported_by_app_id_else_client_id() -> None:
    cfg = configs.okta()
    cfg["developers"][0]["apps"][0].update(adopt=True, clientId="cid-batch", oktaAppId="0oaB")
    cfg["developers"][0]["apps"][1].update(clientId="0oaWEB")
    mocks = deploy(cfg)
    app = "okta:app/oAuth:OAuth"
    assert request(mocks, "identity-app-ada-batch") == imported(app, "0oaB", ["label"], set())
    assert request(mocks, "identity-app-ada-web") == imported(app, "0oaWEB", ["label"], set())
    assert request(mocks, "identity-app-grace-spa") == child(app, "identity")


# --------------------------------------------------------------------------- used as a library


@pytest.mark.parametrize("cfg", [configs.dcr(), configs.okta()], ids=["dcr", "okta"])
def test_components_take_resource_options_from_their_caller(cfg: dict[str, Any]) -> None:
    # a team's own program nests the components under its own component
    import pulumi

    from components.gateway import ApiGateway, GatewayArgs
    from components.identity import IdentityArgs, build_identity
    from components.portal import Portal, PortalArgs
    from components.settings import parse_settings

    settings = parse_settings(cfg)
    mocks = install(cfg)

    def program() -> None:
        team = pulumi.ComponentResource("acme:platform:Team", "team")
        opts = pulumi.ResourceOptions(parent=team)
        apps = [app for _dev, app in settings.apps()]
        identity = build_identity("id", IdentityArgs(settings=settings.identity, apps=apps), opts)
        ids = {
            svc.name: ApiGateway(
                f"gw-{svc.name}", GatewayArgs(svc, identity.issuer, "application_id"), opts
            ).service_id
            for svc in settings.services
        }
        Portal("portal", PortalArgs(settings.developers, identity.clients, ids), opts)

    run(program)
    assert mocks.monitor is not None
    parents = {name: r.parent for name, r in mocks.monitor.requests.items()}
    assert parents["id"] == parents["gw-orders"] == parents["gw-billing"] == "team"
    assert parents["portal"] == "team"


def test_objects_of_a_server_not_adopted_are_created_even_with_their_ids_given() -> None:
    # a custom server that is created has no Okta id yet: its objects cannot be imported
    cfg = configs.okta()
    cfg["identity"]["authServer"] = {"name": "portal"}
    cfg["identity"]["adopt"] = {"claimId": "oclAPP", "policyId": "00pK"}
    mocks = deploy(cfg)
    for name in ("identity-server", "identity-claim", "identity-policy"):
        assert request(mocks, name).import_id == "", name
        assert not request(mocks, name).retain_on_delete, name


def test_objects_set_up_by_hand_on_the_default_server_are_imported_under_default() -> None:
    cfg = configs.okta()  # the default server: looked up, never created or imported
    cfg["identity"]["adopt"] = {"claimId": "oclAPP", "policyId": "00pK"}
    mocks = deploy(cfg)
    assert request(mocks, "identity-claim").import_id == "default/oclAPP"
    assert request(mocks, "identity-policy").import_id == "default/00pK"


def test_the_token_endpoint_follows_the_issuer_okta_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.program import mocks as program_mocks

    # a server id may end in any letter; only a trailing slash is dropped
    monkeypatch.setattr(program_mocks, "OKTA_ISSUER", "https://dev-1.okta.example/oauth2/ausX/")
    mocks = deploy(configs.okta())
    assert mocks.monitor is not None
    assert mocks.monitor.outputs["identity"]["token_endpoint"] == (
        "https://dev-1.okta.example/oauth2/ausX/v1/token"
    )


def test_okta_client_secrets_reach_the_stack_outputs_as_secrets() -> None:
    from components.identity import IdentityArgs, OktaIdentity
    from components.settings import parse_settings

    settings = parse_settings(configs.okta())
    install(configs.okta())
    seen: dict[str, Any] = {}

    def program() -> Any:
        import asyncio

        apps = [app for _dev, app in settings.apps()]
        identity = OktaIdentity("identity", IdentityArgs(settings=settings.identity, apps=apps))
        batch = identity.clients["ada-batch"]

        async def secret() -> None:
            seen["secret"] = await batch.client_secret.is_secret()

        return batch.client_secret.apply(lambda v: seen.update(value=v)), asyncio.ensure_future(
            secret()
        )

    run(program)
    assert seen == {"value": "secret-identity-app-ada-batch", "secret": True}


def test_settings_find_a_service_by_name() -> None:
    from components.settings import parse_settings

    settings = parse_settings(configs.dcr())
    assert settings.service("billing").url == "https://billing.internal.example/v1"
    assert settings.service("orders").url == "http://127.0.0.1:9000/orders"


def test_a_browser_app_with_the_code_flow_is_a_public_client() -> None:
    cfg = configs.okta()
    cfg["developers"][0]["apps"][1]["oktaAppType"] = "browser"  # ada-web: authorization_code
    mocks = deploy(cfg)
    app = inputs(mocks, "identity-app-ada-web")
    assert (app["type"], app["tokenEndpointAuthMethod"], app["pkceRequired"]) == (
        "browser", "none", True,
    )  # fmt: skip
