"""The openid-connect and application-registration schemas built from the published 3.4
data: every field validated and stored, enums checked, the deprecated shorthands rewritten;
workspace `config.meta`."""

from __future__ import annotations

import httpx

from tests.sandbox.conftest import make_service

ISSUER = "https://dev-123.okta.com/oauth2/default"


def oidc(admin: httpx.Client, **config: object) -> httpx.Response:
    make_service(admin, "s1")
    return admin.post(
        "/services/s1/plugins",
        json={"name": "openid-connect", "config": {"issuer": ISSUER, **config}},
    )


def test_fields_the_proxy_ignores_are_validated_and_stored(admin: httpx.Client) -> None:
    r = oidc(
        admin,
        max_age=300,
        token_endpoint_auth_method="private_key_jwt",
        session_cookie_same_site="Strict",
        authorization_cookie_name="authz",
        downstream_headers_names=["x-user"],
        downstream_headers_claims=["sub"],
        login_action="redirect",
        logout_methods=["POST"],
        client_jwk=[{"kty": "RSA", "kid": "k1"}],
    )
    assert r.status_code == 201, r.text
    cfg = r.json()["config"]
    assert cfg["max_age"] == 300 and cfg["token_endpoint_auth_method"] == "private_key_jwt"
    assert cfg["session_cookie_same_site"] == "Strict"
    assert cfg["downstream_headers_names"] == ["x-user"]
    assert cfg["client_jwk"][0]["kid"] == "k1"
    # Defaults of fields nobody set are filled like Kong does.
    assert cfg["session_rolling_timeout"] == 3600 and cfg["session_cookie_http_only"] is True
    stored = admin.get(f"/plugins/{r.json()['id']}").json()["config"]
    assert stored == cfg


def test_enums_follow_the_published_lists(admin: httpx.Client) -> None:
    bad = oidc(admin, client_alg=["HS999"], disable_session=["nope"], response_mode="query.jwt")
    assert bad.status_code == 400
    fields = bad.json()["fields"]["config"]
    assert "expected one of" in fields["client_alg"][0]
    assert "expected one of" in fields["disable_session"][0]
    assert fields["response_mode"] == "expected one of: query, form_post, fragment"
    ok = admin.post(
        "/schemas/plugins/validate",
        json={
            "name": "openid-connect",
            "config": {
                "issuer": ISSUER,
                "client_alg": ["RS256", "EdDSA"],
                "disable_session": ["bearer"],
                "response_mode": "form_post",
            },
        },
    )
    assert ok.status_code == 200, ok.text


def test_deprecated_shorthands_write_their_new_fields(admin: httpx.Client) -> None:
    r = oidc(
        admin,
        session_cookie_lifetime=120,
        session_cookie_samesite="off",
        authorization_cookie_httponly=False,
        session_memcache_port=11999,
        session_strategy="regenerate",
    )
    assert r.status_code == 201, r.text
    cfg = r.json()["config"]
    assert cfg["session_rolling_timeout"] == 120
    assert cfg["session_cookie_same_site"] == "Lax"
    assert cfg["authorization_cookie_http_only"] is False
    assert cfg["session_memcached_port"] == 11999
    for gone in ("session_cookie_lifetime", "session_cookie_samesite", "session_strategy"):
        assert gone not in cfg


def test_shorthand_of_the_wrong_type_is_named(admin: httpx.Client) -> None:
    r = oidc(admin, session_cookie_lifetime="long")
    assert r.status_code == 400
    assert r.json()["fields"] == {"config": {"session_cookie_lifetime": "expected a number"}}


def test_unknown_fields_are_still_refused(admin: httpx.Client) -> None:
    r = oidc(admin, verify_credentials=False)
    assert r.status_code == 400
    assert r.json()["fields"] == {"config": {"verify_credentials": "unknown field"}}


def test_schema_endpoint_lists_every_published_field(admin: httpx.Client) -> None:
    body = admin.get("/schemas/plugins/openid-connect").json()
    config = next(f["config"] for f in body["fields"] if "config" in f)
    names = [next(iter(f)) for f in config["fields"]]
    assert len(names) == 213 and names[0] == "issuer"


def test_application_registration_display_name_is_unique_in_the_schema(
    admin: httpx.Client,
) -> None:
    body = admin.get("/schemas/plugins/application-registration").json()
    config = next(f["config"] for f in body["fields"] if "config" in f)
    fields = {next(iter(f)): next(iter(f.values())) for f in config["fields"]}
    assert fields["display_name"] == {"type": "string", "required": True, "unique": True}
    assert fields["enable_proxy_with_consumer_credential"]["default"] is False


def test_workspace_config_meta_is_a_map_of_strings(admin: httpx.Client) -> None:
    r = admin.post("/workspaces", json={"name": "team-a", "config": {"meta": {"owner": "ops"}}})
    assert r.status_code == 201, r.text
    assert r.json()["config"]["meta"] == {"owner": "ops"}
    assert admin.post("/workspaces", json={"name": "team-b"}).json()["config"]["meta"] is None
    bad = admin.post("/workspaces", json={"name": "team-c", "config": {"meta": {"n": 1}}})
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"config": {"meta": {"n": "expected a string"}}}
