"""The identity components as a split portal uses them, under Pulumi mocks (no engine): a portal
stack's Okta identity takes its gateway stack's issuer and makes only the apps; a gateway
stack's access policy grants the flows it is told, whatever its own apps use; and a portal
stack's clients answer to the URNs `pulumi state move` gives them.

The engine tests in tests/split run the same paths end to end; these call the components
directly so that the fast suite (and mutation testing) sees them."""

from __future__ import annotations

from typing import Any

import pulumi

from components.identity import DcrIdentity, IdentityArgs, OktaIdentity
from components.settings import AppSettings, IdentitySettings, parse_settings
from tests.program import configs
from tests.program.mocks import PROJECT, RecordingMocks, RecordingMonitor, install, run

# an Okta authorization server id may end in an X; the gateway exports it with a slash
GATEWAY_ISSUER = "https://dev-1.okta.example/oauth2/aus5h9kX"
OAUTH = "okta:app/oAuth:OAuth"
REGISTRATION = "pulumi-python:dynamic/identity:ClientRegistration"


def _apps(cfg: dict[str, Any]) -> tuple[IdentitySettings, list[AppSettings]]:
    settings = parse_settings(cfg)
    return settings.identity, [app for _dev, app in settings.apps()]


def _build(cfg: dict[str, Any], make: Any) -> tuple[RecordingMocks, dict[str, Any]]:
    """Run `make(identity settings, apps)` as a program; return the mocks and the component's
    issuer, token endpoint and client ids, resolved."""
    identity, apps = _apps(cfg)
    mocks = install(cfg)
    seen: dict[str, Any] = {}

    def program() -> Any:
        component = make(identity, apps)
        ids = {name: c.client_id for name, c in component.clients.items()}
        return pulumi.Output.all(component.issuer, component.token_endpoint, ids).apply(
            lambda v: seen.update(issuer=v[0], token_endpoint=v[1], client_ids=v[2])
        )

    run(program)
    return mocks, seen


def _moved_urn(typ: str, name: str) -> str:
    return f"urn:pulumi:test::{PROJECT}::{typ}::{name}"


def test_okta_portal_stack_takes_the_gateway_issuer_and_makes_only_apps() -> None:
    mocks, seen = _build(
        configs.okta(),
        lambda idn, apps: OktaIdentity(
            "identity",
            IdentityArgs(
                settings=idn, apps=apps, gateway_issuer=GATEWAY_ISSUER + "/", portal_stack=True
            ),
        ),
    )
    assert seen["issuer"] == GATEWAY_ISSUER
    assert seen["token_endpoint"] == GATEWAY_ISSUER + "/v1/token"
    names = ["ada-batch", "ada-web", "grace-spa", "grace-cli"]
    assert seen["client_ids"] == {n: f"0oa-identity-app-{n}" for n in names}
    # the server, scopes, claim and policy are the gateway stack's: none made or looked up
    assert [r.typ for r in mocks.resources] == ["kong-okta-portal:identity:OktaIdentity"] + [
        OAUTH
    ] * len(names)
    assert mocks.calls == []
    monitor = mocks.monitor
    assert monitor is not None
    assert monitor.outputs["identity"] == {
        "issuer": GATEWAY_ISSUER,
        "token_endpoint": GATEWAY_ISSUER + "/v1/token",
    }
    for n in names:
        assert monitor.requests[f"identity-app-{n}"].aliases == [
            _moved_urn(OAUTH, f"identity-app-{n}")
        ]


def test_okta_apps_of_a_single_stack_have_no_moved_alias() -> None:
    mocks, _seen = _build(
        configs.okta(),
        lambda idn, apps: OktaIdentity("identity", IdentityArgs(settings=idn, apps=apps)),
    )
    monitor = mocks.monitor
    assert monitor is not None
    apps = [name for name, req in monitor.requests.items() if req.typ == OAUTH]
    assert len(apps) == 4
    assert [monitor.requests[name].aliases for name in apps] == [[], [], [], []]


def test_okta_gateway_stack_grants_the_flows_it_is_told() -> None:
    """A gateway stack's policy has a rule per flow of `split.flows`, even with no app of its
    own using them (its portal stacks' apps will)."""
    cfg = configs.okta()
    cfg["developers"] = []
    mocks, _seen = _build(
        cfg,
        lambda idn, apps: OktaIdentity(
            "identity",
            IdentityArgs(settings=idn, apps=apps, flows=["implicit", "client_credentials"]),
        ),
    )
    rules = mocks.of_type("okta:auth/serverPolicyRule:ServerPolicyRule")
    assert [(r.inputs["grantTypeWhitelists"], r.inputs["priority"]) for r in rules] == [
        (["client_credentials"], 1),
        (["implicit"], 2),
    ]


def test_dcr_portal_stack_clients_answer_to_their_moved_urns() -> None:
    mocks, seen = _build(
        configs.dcr(),
        lambda idn, apps: DcrIdentity(
            "identity", IdentityArgs(settings=idn, apps=apps, portal_stack=True)
        ),
    )
    assert seen["issuer"] == "http://127.0.0.1:8080/oauth2/default"
    monitor = mocks.monitor
    assert monitor is not None
    names = ["ada-batch", "ada-web", "grace-spa", "grace-cli"]
    requests = {n: monitor.requests[f"identity-client-{n}"] for n in names}
    assert {n: r.typ for n, r in requests.items()} == dict.fromkeys(names, REGISTRATION)
    assert {n: r.aliases for n, r in requests.items()} == {
        n: [_moved_urn(REGISTRATION, f"identity-client-{n}")] for n in names
    }
    assert monitor.outputs["identity"] == {
        "issuer": "http://127.0.0.1:8080/oauth2/default",
        "token_endpoint": "http://127.0.0.1:8080/oauth2/default/v1/token",
    }


def test_dcr_clients_of_a_single_stack_have_no_moved_alias() -> None:
    mocks, _seen = _build(
        configs.dcr(),
        lambda idn, apps: DcrIdentity("identity", IdentityArgs(settings=idn, apps=apps)),
    )
    monitor = mocks.monitor
    assert monitor is not None
    regs = [req for req in monitor.requests.values() if req.typ == REGISTRATION]
    assert len(regs) == 4
    assert [r.aliases for r in regs] == [[], [], [], []]


class _ProviderMocks(RecordingMocks):
    """RecordingMocks that also keep which provider each invoke went to."""

    def __init__(self) -> None:
        super().__init__()
        self.invoked: list[tuple[str, str]] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.invoked.append((args.token, args.provider))
        return super().call(args)


def test_okta_identity_looks_up_the_default_server_in_the_org_it_is_given() -> None:
    """With an explicit okta provider (another Okta org), the `default` server is looked up in
    that org, as its objects are made there: not through the stack's default provider."""
    import pulumi_okta as okta

    identity, apps = _apps(configs.okta())
    mocks = _ProviderMocks()
    mocks.monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack="test", preview=False, monitor=mocks.monitor
    )

    def program() -> Any:
        org = okta.Provider("org-b", org_name="org-b", base_url="okta.example")
        OktaIdentity(
            "identity",
            IdentityArgs(settings=identity, apps=apps),
            pulumi.ResourceOptions(providers={"okta": org}),
        )

    run(program)
    # the provider reference: its URN (type, name) and id
    assert [(token, ref.rsplit("$", 1)[-1]) for token, ref in mocks.invoked] == [
        ("okta:auth/getServer:getServer", "pulumi:providers:okta::org-b::org-b-id")
    ]
