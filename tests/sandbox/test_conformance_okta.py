"""Conformance of the sandbox issuer to Okta's published OAuth spec (the test's own copy,
`tests/sandbox/specs/okta_oauth.json`): client registration (Okta's own example requests, the
response keys, the error shape, the operations' status codes, every enum value), both
metadata documents key by key and list by list, the token response and the JWKS. The match
count is printed at the end of the run."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.issuer import IssuerSettings, create_issuer_app
from tests.sandbox.fidelity import Tally, spec, tally
from tests.sandbox_flow.servers import serve

TOKEN = "conformance-idp-token"
OKTA = spec("okta_oauth.json")
EXAMPLE = "https://{yourOktaDomain}/oauth2/aus59pz16qgMvHvBS0g7"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve(create_issuer_app(IssuerSettings.build(idp_api_token=TOKEN))) as url:
        yield url


@pytest.fixture
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=base, headers={"Authorization": f"SSWS {TOKEN}"}, timeout=10
    ) as client:
        yield client


def register_examples(api: httpx.Client, result: Tally) -> dict[str, dict]:
    made = {}
    for label, request, keys in (
        ("web", OKTA["client_request_web_example"], OKTA["client_response_web_keys"]),
        ("service", OKTA["client_request_service"], OKTA["client_response_service_keys"]),
    ):
        r = api.post("/oauth2/v1/clients", json=request)
        if not result.check(f"Okta's {label} example request is accepted", r.status_code == 201):
            continue
        body = r.json()
        made[label] = body
        for key in keys:
            result.check(f"{label} response carries {key}", key in body)
        extra = sorted(set(body) - set(keys))
        result.check(f"{label} response has no keys beyond Okta's (extra: {extra})", not extra)
        for key, value in request.items():
            result.check(f"{label} response keeps {key} as sent", body.get(key) == value)
        for key in ("client_uri", "logo_uri"):
            if key not in request:
                result.check(f"{label} response {key} is null", body.get(key, "absent") is None)
    return made


def check_spec_only_keys(api: httpx.Client, result: Tally) -> None:
    request = {
        **OKTA["client_request_web_example"],
        "frontchannel_logout_uri": "https://www.example.com/oauth2/frontchannel",
        "frontchannel_logout_session_required": True,
    }
    body = api.post("/oauth2/v1/clients", json=request).json()
    for key in OKTA["client_response_web_keys_spec_only"]:
        result.check(f"spec-only property {key} kept", body.get(key) == request[key])


def check_errors(api: httpx.Client, result: Tally) -> None:
    r = api.post("/oauth2/v1/clients", json={"client_name": ""})
    body = r.json()
    result.check("invalid metadata answers 400", r.status_code == 400)
    result.check(
        "invalid metadata error keys are the OAuth ones",
        sorted(body) == sorted(OKTA["oauth_error_properties"]),
    )
    result.check(
        "invalid metadata error is invalid_client_metadata",
        body.get("error") == OKTA["dcr_validation_error_example"]["error"],
    )
    result.check(
        "error_description names the field", "client_name" in body.get("error_description", "")
    )
    gone = api.get("/oauth2/v1/clients/0oanope")
    result.check(
        "unknown client: management-API error keys",
        set(OKTA["error_properties"]) <= set(gone.json()),
    )


def check_operations(api: httpx.Client, made: dict[str, dict], result: Tally) -> None:
    client = (
        made.get("service")
        or api.post("/oauth2/v1/clients", json=OKTA["client_request_service"]).json()
    )
    cid = client["client_id"]
    answers = {
        "POST /oauth2/v1/clients": api.post(
            "/oauth2/v1/clients", json=OKTA["client_request_service"]
        ),
        "GET /oauth2/v1/clients": api.get("/oauth2/v1/clients"),
        "GET /oauth2/v1/clients/{clientId}": api.get(f"/oauth2/v1/clients/{cid}"),
        "PUT /oauth2/v1/clients/{clientId}": api.put(
            f"/oauth2/v1/clients/{cid}", json={**OKTA["client_request_service"], "client_id": cid}
        ),
        "DELETE /oauth2/v1/clients/{clientId}": api.delete(f"/oauth2/v1/clients/{cid}"),
    }
    for op, codes in OKTA["client_ops"].items():
        got = answers[op].status_code
        result.check(f"{op} answers {codes[0]}", str(got) == codes[0])
        if "404" in codes and "{clientId}" in op:
            method = op.split()[0]
            missing = api.request(
                method, "/oauth2/v1/clients/0oanope", json=OKTA["client_request_service"]
            )
            result.check(f"{op} answers 404 for an unknown client", missing.status_code == 404)
        if "400" in codes:
            method, path = op.split()
            live = api.post("/oauth2/v1/clients", json=OKTA["client_request_service"]).json()
            target = path.replace("{clientId}", live["client_id"])
            bad = api.request(method, target, json={"client_name": 5})
            result.check(f"{op} answers 400 for invalid metadata", bad.status_code == 400)


def check_enums(api: httpx.Client, result: Tally) -> None:
    """Each enum value is known: an error, if any, is a combination rule, never 'not one of'."""
    base = {"client_name": "enum", "redirect_uris": ["https://app.example/cb"]}
    enums = OKTA["enums"]
    cases = [
        *({"application_type": v} for v in enums["ApplicationType"]),
        *({"token_endpoint_auth_method": v} for v in enums["EndpointAuthMethod"]),
        *({"grant_types": [v]} for v in dict.fromkeys(enums["GrantType"])),
        *({"response_types": [v]} for v in enums["ResponseType"]),
    ]
    for case in cases:
        r = api.post("/oauth2/v1/clients", json={**base, **case})
        known = r.status_code == 201 or "is not one of" not in r.json().get("error_description", "")
        result.check(f"enum value {case} is known", known)


def check_metadata(base: str, result: Tally) -> None:
    issuer = f"{base}/oauth2/default"
    example = OKTA["custom_as_oauth_metadata_example"]
    for kind, path, keys in (
        ("OAuth", "oauth-authorization-server", OKTA["custom_as_oauth_metadata_keys"]),
        ("OIDC", "openid-configuration", OKTA["custom_as_oidc_metadata_keys"]),
    ):
        r = httpx.get(f"{issuer}/.well-known/{path}")
        doc = r.json()
        result.check(f"{kind} document answers 200", r.status_code == 200)
        for key in keys:
            result.check(f"{kind} document key {key}", key in doc)
        extra = sorted(set(doc) - set(keys))
        result.check(f"{kind} document has no keys beyond Okta's (extra: {extra})", not extra)
        for key, value in example.items():
            if key not in doc or key in ("scopes_supported",):
                continue
            if isinstance(value, str) and value.startswith("https://{yourOktaDomain}"):
                want = value.replace(EXAMPLE, issuer).replace("https://{yourOktaDomain}", base)
                result.check(f"{kind} {key} is at Okta's path", doc[key] == want)
            elif kind == "OAuth" or key != "claims_supported":
                result.check(f"{kind} {key} lists what Okta lists", doc[key] == value)
        custom = [c for c in doc.get("claims_supported", []) if c == "application_id"]
        result.check(f"{kind} document advertises no custom claim", not custom)
    missing = httpx.get(f"{base}/oauth2/nope/.well-known/openid-configuration")
    result.check(
        "unknown server answers a documented code",
        str(missing.status_code) in OKTA["well_known_codes"],
    )


def check_tokens_and_keys(api: httpx.Client, base: str, result: Tally) -> None:
    issuer = f"{base}/oauth2/default"
    keys = httpx.get(f"{issuer}/v1/keys").json()["keys"]
    result.check("JWKS keys carry Okta's members", sorted(keys[0]) == OKTA["jwk_example_keys"])
    redirect = "https://app.example/cb"
    client = api.post(
        "/oauth2/v1/clients",
        json={
            "client_name": "tokens",
            "redirect_uris": [redirect],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token"],
        },
    ).json()
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    answer = httpx.get(
        f"{issuer}/v1/authorize",
        params={
            "client_id": client["client_id"],
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "openid profile offline_access",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = httpx.post(
        f"{issuer}/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        auth=(client["client_id"], client["client_secret"]),
    ).json()
    for key in OKTA["token_response_example_keys"]:
        result.check(f"token response carries {key}", key in tokens)
    extra = sorted(set(tokens) - set(OKTA["token_response_properties"]))
    result.check(f"token response has no keys beyond Okta's (extra: {extra})", not extra)


def test_issuer_matches_oktas_published_spec(api: httpx.Client, base: str) -> None:
    result = tally("okta_oauth.json")
    made = register_examples(api, result)
    check_spec_only_keys(api, result)
    check_errors(api, result)
    check_operations(api, made, result)
    check_enums(api, result)
    check_metadata(base, result)
    check_tokens_and_keys(api, base, result)
    print(result.line())
    assert result.misses == [], result.misses
