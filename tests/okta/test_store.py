"""The org's rules without HTTP: policy evaluation order, cascading deletes, request targets."""

from __future__ import annotations

import pytest

from sandbox.issuer.errors import OktaError
from sandbox.okta.org import origin_form
from sandbox.okta.store import OktaStore, parse_filter


def policy(name: str, priority: int, clients: list[str]) -> dict:
    return {"type": "OAUTH_AUTHORIZATION_POLICY", "name": name, "description": name,
            "priority": priority, "conditions": {"clients": {"include": clients}}}  # fmt: skip


def rule(name: str, grants: list[str], scopes: list[str], groups: list[str]) -> dict:
    return {"type": "RESOURCE_ACCESS", "name": name, "priority": 1,
            "conditions": {"grantTypes": {"include": grants}, "scopes": {"include": scopes},
                           "people": {"groups": {"include": groups},
                                      "users": {"include": ["00u1"]}}}}  # fmt: skip


@pytest.fixture
def org() -> tuple[OktaStore, str]:
    store = OktaStore()
    server = store.create("server", (), {"name": "s", "audiences": ["api://s"]})["id"]
    store.create("scope", (server,), {"name": "portal_api"})
    return store, server


def test_first_matching_policy_by_priority_decides(org: tuple[OktaStore, str]) -> None:
    store, server = org
    only_a = store.create("policy", (server,), policy("only-a", 1, ["client-a"]))["id"]
    everyone = store.create("policy", (server,), policy("all", 2, ["ALL_CLIENTS"]))["id"]
    store.create("rule", (server, only_a), rule("a", ["client_credentials"], ["*"], []))
    store.create(
        "rule", (server, everyone), rule("all", ["authorization_code"], ["portal_api"],
                                         ["EVERYONE"])
    )  # fmt: skip
    m2m = ("client_credentials", ["portal_api"])
    assert store.matching_rule(server, "client-a", *m2m, user=False)["name"] == "a"
    assert store.matching_rule(server, "client-b", *m2m, user=False) is None
    code = ("authorization_code", ["openid", "portal_api"])
    assert store.matching_rule(server, "client-b", *code, user=True) is None  # openid not allowed
    assert store.matching_rule(server, "client-b", "authorization_code", ["portal_api"],
                               user=True)["name"] == "all"  # fmt: skip
    store.set_status("policy", (server,), only_a, active=False)
    assert store.matching_rule(server, "client-a", *m2m, user=False) is None


def test_user_grants_need_a_rule_for_everyone(org: tuple[OktaStore, str]) -> None:
    store, server = org
    pid = store.create("policy", (server,), policy("p", 1, ["ALL_CLIENTS"]))["id"]
    store.create("rule", (server, pid), rule("users", ["authorization_code"], ["*"], []))
    assert store.matching_rule(server, "c", "authorization_code", ["openid"], user=True) is None


def test_deleting_a_server_takes_its_objects_along(org: tuple[OktaStore, str]) -> None:
    store, server = org
    pid = store.create("policy", (server,), policy("p", 1, ["ALL_CLIENTS"]))["id"]
    store.create("rule", (server, pid), rule("r", ["client_credentials"], ["*"], ["EVERYONE"]))
    store.delete("server", (), server)
    assert store.dump()["records"]["rule"] == []
    assert store.dump()["records"]["scope"] == []
    with pytest.raises(OktaError) as err:
        store.get("server", (), server)
    assert err.value.code == "E0000007" and "AuthorizationServer" in err.value.summary


def test_system_scopes_cannot_be_deleted(org: tuple[OktaStore, str]) -> None:
    store, server = org
    (openid,) = [s for s in store.records("scope", (server,)) if s["name"] == "openid"]
    with pytest.raises(OktaError) as err:
        store.delete("scope", (server,), openid["id"])
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("http://127.0.0.1/api/v1/apps", "/api/v1/apps"),
        ("http://127.0.0.1:8080/api/v1/apps/0oa1", "/api/v1/apps/0oa1"),
        ("HTTPS://org.okta.local/oauth2/aus1/v1/keys", "/oauth2/aus1/v1/keys"),
        ("http://127.0.0.1", "/"),
        ("/api/v1/apps", "/api/v1/apps"),
    ],
)
def test_absolute_request_targets_become_paths(target: str, path: str) -> None:
    assert origin_form(target) == path


def test_app_filter_terms() -> None:
    assert parse_filter('status eq "ACTIVE" and name eq "oidc_client"') == [
        ("status", "ACTIVE"),
        ("name", "oidc_client"),
    ]
    with pytest.raises(OktaError) as err:
        parse_filter('lastUpdated gt "2020-01-01"')
    assert err.value.code == "E0000031"
