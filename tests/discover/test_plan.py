"""What discovery copies, corrects, flags and leaves alone, on a hand-built estate."""

from __future__ import annotations

from typing import Any

from discover.plan import build_config
from discover.sources import IdentityClient, KongEstate

NS = "kong-okta-portal"
ISSUER = "https://acme.okta.example/oauth2/default"


def client(client_id: str, name: str) -> IdentityClient:
    return IdentityClient(
        client_id, name, ("client_credentials",), (), (), "client_secret_basic", "service"
    )


def estate(oidc: dict[str, Any], registration: dict[str, Any]) -> KongEstate:
    e = KongEstate("https://kong.example:8444", "default")
    e.services = [{"id": "s1", "name": "orders", "protocol": "https", "host": "o.example"}]
    e.routes = {
        "s1": [
            {"id": "r1", "name": "a-orders", "paths": ["/orders"], "protocols": ["https"]},
            {"id": "r2", "name": "b-legacy", "paths": ["/legacy"], "protocols": ["https"]},
        ]
    }
    e.plugins = {
        "s1": {
            "openid-connect": {"config": {"issuer": ISSUER, **oidc}},
            "application-registration": {"config": {"display_name": "Orders", **registration}},
        }
    }
    e.plugin_defaults = {"openid-connect": {"leeway": 0}, "application-registration": {}}
    e.developers = [
        {"id": "d1", "email": "ada@example.com", "meta": '{"full_name": "Ada"}', "status": 1}
    ]
    e.applications = [
        {"id": "a1", "name": "My App", "custom_id": "0oa1", "developer": {"id": "d1"}},
        {"id": "a2", "name": "My App!", "custom_id": "0oa2", "developer": {"id": "d1"}},
    ]
    e.instances = [
        {"id": "i1", "application": {"id": "a1"}, "service": {"id": "s1"}, "status": 3},
        {"id": "i2", "application": {"id": "a2"}, "service": {"id": "s1"}, "status": 5},
    ]
    return e


def test_guide_values_are_corrected_and_the_rest_flagged_or_left() -> None:
    live = estate(
        {"consumer_claim": "application_id", "consumer_by": ["username"],
         "auth_methods": ["bearer"], "leeway": 5, "verify_parameters": False},
        {"auto_approve": True, "enable_proxy_with_consumer_credential": True},
    )  # fmt: skip
    result = build_config(
        live, [client("0oa1", "x"), client("0oa2", "y")], provider="okta", proxy_url="https://p"
    )
    found = {(f.field, f.kind): f for f in result.findings}
    claim = found[("consumer_claim", "correction")]
    assert (claim.live, claim.settings, claim.policy) == (
        "application_id", ["application_id"], "oidc-consumer-claim-path",
    )  # fmt: skip
    assert found[("consumer_by", "correction")].settings == ["custom_id"]
    assert found[("auto_approve", "advisory")].policy == "app-registration-auto-approve-off"
    assert found[("enable_proxy_with_consumer_credential", "unmanaged")].live is True
    assert found[("routes", "unmanaged")].live == "b-legacy"
    assert found[("status", "correction")].settings == 0  # a pending developer gets approved
    renamed = [f.settings for f in result.findings if f.field == "name"]
    assert renamed == ["My-App", "My-App-2"]
    (svc,) = result.config[f"{NS}:services"]
    assert svc["route"]["name"] == "a-orders"
    assert svc["openidConnect"]["extra"] == {"leeway": 5}  # a hand-set non-default is kept
    assert svc["applicationRegistration"]["auto_approve"] is True
    (dev,) = result.config[f"{NS}:developers"]
    first, second = dev["apps"]
    assert first["services"] == [{"service": "orders", "status": "revoked"}]
    assert "services" not in second  # status 5 (unverified) is left as it is, and listed
    assert any(f.field == "application_instance" and f.live == "i2" for f in result.findings)
