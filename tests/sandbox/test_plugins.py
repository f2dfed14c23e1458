"""Plugin schemas: openid-connect (the guide's sample), application-registration, acl,
rate-limiting, cors."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import make_service

GUIDE_SAMPLE = {
    "name": "openid-connect",
    "config": {
        "issuer": "https://dev-123.okta.com/oauth2/default",
        "verify_credentials": False,
        "consumer_claim": "application_id",
    },
}


def test_guide_sample_json_is_rejected_naming_both_fields(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    r = admin.post("/services/s1/plugins", json=GUIDE_SAMPLE)
    assert r.status_code == 400
    body = r.json()
    assert body["fields"] == {
        "config": {"consumer_claim": "expected an array", "verify_credentials": "unknown field"}
    }
    assert body["message"] == (
        "2 schema violations (config.consumer_claim: expected an array; "
        "config.verify_credentials: unknown field)"
    )
    assert admin.get("/plugins").json()["data"] == []


def test_corrected_body_is_accepted_with_defaults(admin: httpx.Client) -> None:
    svc = make_service(admin, "s1")
    r = admin.post(
        "/services/s1/plugins",
        json={
            "name": "openid-connect",
            "config": {
                "issuer": "https://dev-123.okta.com/oauth2/default",
                "verify_parameters": False,
                "consumer_claim": ["application_id"],
                "consumer_by": ["custom_id"],
            },
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["service"] == {"id": svc["id"]} and body["route"] is None
    cfg = body["config"]
    assert cfg["consumer_claim"] == ["application_id"] and cfg["consumer_by"] == ["custom_id"]
    assert cfg["scopes"] == ["openid"] and cfg["credential_claim"] == ["sub"]
    assert cfg["consumer_optional"] is False and cfg["auth_methods"][0] == "password"
    assert len(cfg["auth_methods"]) == 9


def test_oidc_issuer_required_and_enums_checked(admin: httpx.Client) -> None:
    r = admin.post(
        "/plugins", json={"name": "openid-connect", "config": {"auth_methods": ["bearer", "magic"]}}
    )
    assert r.status_code == 400
    assert r.json()["fields"]["config"] == {
        "issuer": "required field missing",
        "auth_methods": [
            None,
            "expected one of: password, client_credentials, "
            "authorization_code, bearer, introspection, userinfo, kong_oauth2, "
            "refresh_token, session",
        ],
    }
    r = admin.post("/plugins", json={"name": "openid-connect", "config": {"issuer": "not a url"}})
    assert r.status_code == 400 and "issuer" in r.json()["fields"]["config"]


def test_app_registration_defaults_one_per_service(admin: httpx.Client) -> None:
    make_service(admin, "s1")
    body = {"name": "application-registration", "config": {"display_name": "Orders"}}
    r = admin.post("/services/s1/plugins", json=body)
    assert r.status_code == 201
    assert r.json()["config"] == {
        "display_name": "Orders",
        "description": None,
        "auto_approve": False,
        "show_issuer": False,
        "enable_proxy_with_consumer_credential": False,
    }
    assert admin.post("/services/s1/plugins", json=body).status_code == 409
    r = admin.post("/services/s1/plugins", json={"name": "application-registration"})
    assert r.status_code in (400, 409)


def test_acl_rate_limiting_cors_checks(admin: httpx.Client) -> None:
    r = admin.post("/plugins", json={"name": "acl"})
    assert r.status_code == 400 and r.json()["fields"] == {
        "@entity": ["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"]
    }
    r = admin.post("/plugins", json={"name": "acl", "config": {"allow": ["a"], "deny": ["b"]}})
    assert r.status_code == 400
    r = admin.post("/plugins", json={"name": "acl", "config": {"allow": ["a"]}})
    assert r.status_code == 201 and r.json()["config"]["hide_groups_header"] is False
    r = admin.post("/plugins", json={"name": "rate-limiting", "config": {"policy": "local"}})
    assert r.status_code == 400 and r.json()["message"].startswith(
        "schema violation (at least one of these fields must be non-empty: 'config.second'"
    )
    r = admin.post("/plugins", json={"name": "rate-limiting", "config": {"minute": 10}})
    assert r.status_code == 201 and r.json()["config"]["limit_by"] == "consumer"
    r = admin.post("/plugins", json={"name": "cors", "config": {"origins": "*"}})
    assert r.status_code == 400 and r.json()["fields"] == {
        "config": {"origins": "expected an array"}
    }


def test_plugin_put_and_nested_item(admin: httpx.Client) -> None:
    svc = make_service(admin, "s1")
    pid = "1a2b3c4d-5555-4c1e-9e2a-1234567890ab"
    r = admin.put(f"/services/s1/plugins/{pid}", json={"name": "cors"})
    assert r.status_code == 200 and r.json()["service"] == {"id": svc["id"]}
    assert admin.get(f"/services/s1/plugins/{pid}").status_code == 200
    assert admin.get(f"/plugins/{pid}/service").json()["id"] == svc["id"]
    make_service(admin, "s2")
    assert admin.get(f"/services/s2/plugins/{pid}").status_code == 404


def test_schema_validate_endpoint_stores_nothing(admin: httpx.Client) -> None:
    r = admin.post("/schemas/plugins/validate", json=GUIDE_SAMPLE)
    assert r.status_code == 400 and set(r.json()["fields"]["config"]) == {
        "consumer_claim",
        "verify_credentials",
    }
    ok = {"name": "openid-connect", "config": {"issuer": "https://i.test/"}}
    r = admin.post("/schemas/plugins/validate", json=ok)
    assert r.status_code == 200 and r.json() == {"message": "schema validation successful"}
    assert admin.get("/plugins").json()["data"] == []
