"""Okta and client-registration rules (Okta props arrive camelCased, as the engine sends them)."""

from __future__ import annotations

import pytest

from policies import rules
from tests.policies.support import UNKNOWN, messages, resource_args


def claim(config: dict | None = None, **props: object) -> object:
    base = {
        "authServerId": UNKNOWN,
        "name": "application_id",
        "claimType": "RESOURCE",
        "valueType": "EXPRESSION",
        "value": "app.clientId",
    }
    return resource_args(rules.OKTA_CLAIM, {**base, **props}, name="application-id", config=config)


def app(type_: str, name: str = "app", **props: object) -> object:
    return resource_args(rules.OKTA_APP, {"label": name, "type": type_, **props}, name=name)


# 5. the claim --------------------------------------------------------------------------------


def test_access_token_client_id_claim_passes() -> None:
    assert messages(rules.validate_okta_claim, claim()) == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"claimType": "IDENTITY"}, "RESOURCE"),
        ({"valueType": "GROUPS"}, "EXPRESSION"),
        ({"value": "app.id"}, "app.clientId"),
    ],
)
def test_wrong_claim_settings_are_flagged(override: dict, expected: str) -> None:
    found = messages(rules.validate_okta_claim, claim(**override))
    assert len(found) == 1 and expected in found[0] and "application_id" in found[0]


def test_claim_with_configured_name_is_checked() -> None:
    args = claim(config={"claimNames": ["client"]}, name="client", claimType="IDENTITY")
    assert len(messages(rules.validate_okta_claim, args)) == 1


def test_unrelated_claim_is_ignored() -> None:
    args = claim(name="groups", valueType="GROUPS", value="Everyone", claimType="IDENTITY")
    assert messages(rules.validate_okta_claim, args) == []


def test_unknown_claim_fields_pass() -> None:
    args = claim(claimType=UNKNOWN, value=UNKNOWN)
    assert messages(rules.validate_okta_claim, args) == []


# 6. apps -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        app("service", grantTypes=["client_credentials"]),
        app("browser", grantTypes=["authorization_code"], pkceRequired=True),
        resource_args(rules.CLIENT_REGISTRATION, {"grant_types": ["client_credentials"]}),
        app("web", grantTypes=UNKNOWN),
    ],
)
def test_no_implicit_grant_passes(args: object) -> None:
    assert messages(rules.validate_no_implicit_grant, args) == []


@pytest.mark.parametrize(
    "args",
    [
        app("browser", name="spa", grantTypes=["implicit"]),
        resource_args(
            rules.CLIENT_REGISTRATION,
            {"issuer": "https://i", "grant_types": ["implicit"], "response_types": ["token"]},
            name="spa",
        ),
    ],
)
def test_implicit_grant_is_flagged(args: object) -> None:
    found = messages(rules.validate_no_implicit_grant, args)
    assert len(found) == 1 and "'spa'" in found[0] and "implicit" in found[0]


@pytest.mark.parametrize(
    "args",
    [
        app("browser", grantTypes=["authorization_code"], pkceRequired=True),
        app("native", grantTypes=["authorization_code"]),  # Okta's default for native is PKCE
        app("native", grantTypes=["authorization_code"], pkceRequired=UNKNOWN),
        app("web", grantTypes=["authorization_code"], pkceRequired=False),
        app("browser", grantTypes=["implicit"], pkceRequired=False),  # no code exchange
    ],
)
def test_pkce_passes(args: object) -> None:
    assert messages(rules.validate_okta_pkce, args) == []


@pytest.mark.parametrize("type_", ["browser", "native"])
def test_public_app_without_pkce_is_flagged(type_: str) -> None:
    found = messages(rules.validate_okta_pkce, app(type_, name="spa", pkceRequired=False))
    assert len(found) == 1 and "pkce_required=True" in found[0] and "'spa'" in found[0]


@pytest.mark.parametrize(
    "args",
    [
        app("service", grantTypes=["client_credentials"]),
        app("service"),  # the default for a service app is client_credentials
        app("service", grantTypes=[UNKNOWN]),
        app("web", grantTypes=["authorization_code", "client_credentials"]),
    ],
)
def test_service_app_client_credentials_only_passes(args: object) -> None:
    assert messages(rules.validate_okta_service_app, args) == []


def test_service_app_with_other_grants_is_flagged() -> None:
    args = app("service", name="batch", grantTypes=["client_credentials", "implicit"])
    found = messages(rules.validate_okta_service_app, args)
    assert len(found) == 1 and "['implicit']" in found[0] and "'batch'" in found[0]
