"""The Okta org behind the management API, with no HTTP in it.

Authorization servers with their scopes, claims, policies and rules; OAuth apps; the org's
access policies. Each kind is declared once in :data:`KINDS` (404 name, id prefix, validator);
one engine creates, replaces, lists and deletes them all. Records are kept in Okta's JSON shape
without ``_links`` (those depend on the base URL a request came in on; see ``sandbox.okta.api``).

Client secrets are kept in memory only; the state file holds SHA-256 digests, so a restarted
sandbox still accepts the secret but no longer returns it (Okta returns it on create and update).
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.issuer.errors import OktaError
from sandbox.issuer.settings import OIDC_SCOPES, SettingsError, check_expression
from sandbox.okta.errors import invalid, not_found

_ALPHABET = string.ascii_letters + string.digits
RESERVED_CLAIMS = {"iss", "aud", "exp", "iat", "nbf", "jti", "cid", "uid", "scp", "sub", "ver"}
RULE_GRANT_TYPES = (
    "authorization_code",
    "implicit",
    "client_credentials",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "interaction_code",
)
# What each Okta app type may ask for, and what it must include (Okta's Apps API rules).
APP_GRANTS: dict[str, tuple[frozenset[str], str | None]] = {
    "service": (
        frozenset({"client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"}),
        "client_credentials",
    ),
    "web": (
        frozenset(
            {
                "authorization_code",
                "implicit",
                "refresh_token",
                "client_credentials",
                "password",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:token-exchange",
                "interaction_code",
            }
        ),
        "authorization_code",
    ),
    "browser": (
        frozenset({"authorization_code", "implicit", "refresh_token", "interaction_code"}),
        None,
    ),
    "native": (
        frozenset(
            {
                "authorization_code",
                "implicit",
                "refresh_token",
                "password",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:token-exchange",
                "interaction_code",
            }
        ),
        None,
    ),
}
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt", "none")


def okta_id(prefix: str) -> str:
    """A 20-character Okta id with its type prefix (``aus`` servers, ``0oa`` apps, ...)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(20 - len(prefix)))


def now_iso() -> str:
    ms = int(time.time() * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _obj(body: Any, field: str) -> dict[str, Any]:
    value = body.get(field) if isinstance(body, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, "expected an object")
    return value


def _text(body: dict[str, Any], field: str, *, required: bool = True, path: str = "") -> str:
    value = body.get(field)
    name = path or field
    if value is None or value == "":
        if required:
            raise invalid(name, "The field cannot be left blank.")
        return ""
    if not isinstance(value, str):
        raise invalid(name, f"expected a string, got {value!r}")
    return value


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(field, f"expected a list of strings, got {value!r}")
    return list(value)


def _choice(value: Any, field: str, allowed: Iterable[str], default: str) -> str:
    allowed = tuple(allowed)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise invalid(field, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _priority(value: Any, field: str = "priority") -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(field, f"expected a positive integer, got {value!r}")
    return value


# -- validators: (store, parents, body, existing) -> the record to keep --------------------------
Validator = Callable[["OktaStore", tuple[str, ...], dict[str, Any], dict[str, Any] | None], dict]


def _server(store: OktaStore, parents: tuple[str, ...], body: dict, old: dict | None) -> dict:
    name = _text(body, "name")
    audiences = _strings(body.get("audiences"), "audiences")
    if not audiences:
        raise invalid("audiences", "The field cannot be left blank.")
    for other in store.records("server", ()):
        if other["name"] == name and (old is None or other["id"] != old["id"]):
            raise invalid("name", f"An authorization server named {name!r} already exists.")
    return {
        "name": name,
        "description": _text(body, "description", required=False),
        "audiences": audiences,
        "issuerMode": _choice(
            body.get("issuerMode"), "issuerMode", ("ORG_URL", "CUSTOM_URL", "DYNAMIC"), "ORG_URL"
        ),
        "credentials": (old or {}).get("credentials")
        or {"signing": {"rotationMode": "AUTO", "use": "sig", "kid": okta_id("")}},
    }


def _scope(store: OktaStore, parents: tuple[str, ...], body: dict, old: dict | None) -> dict:
    name = _text(body, "name")
    if not re.fullmatch(r"[A-Za-z0-9_.:/-]+", name):
        raise invalid("name", f"{name!r}: use letters, digits and _ . : / - only")
    if old is not None and old.get("system"):
        raise invalid("name", "System scopes cannot be modified.")
    for other in store.records("scope", parents):
        if other["name"] == name and (old is None or other["id"] != old["id"]):
            raise invalid("name", f"A scope named {name!r} already exists on this server.")
    return {
        "name": name,
        "displayName": _text(body, "displayName", required=False) or name,
        "description": _text(body, "description", required=False),
        "system": False,
        "default": bool(body.get("default", False)),
        "optional": bool(body.get("optional", False)),
        "consent": _choice(
            body.get("consent"), "consent", ("IMPLICIT", "REQUIRED", "FLEXIBLE"), "IMPLICIT"
        ),
        "metadataPublish": _choice(
            body.get("metadataPublish"),
            "metadataPublish",
            ("ALL_CLIENTS", "NO_CLIENTS"),
            "NO_CLIENTS",
        ),
    }


def _claim(store: OktaStore, parents: tuple[str, ...], body: dict, old: dict | None) -> dict:
    name = _text(body, "name")
    if name in RESERVED_CLAIMS:
        raise invalid("name", f"{name!r} is a reserved claim name.")
    claim_type = _choice(body.get("claimType"), "claimType", ("RESOURCE", "IDENTITY"), "")
    if not claim_type:
        raise invalid("claimType", "The field cannot be left blank.")
    value_type = _choice(body.get("valueType"), "valueType", ("EXPRESSION", "GROUPS"), "EXPRESSION")
    value = _text(body, "value")
    if value_type == "EXPRESSION":
        try:
            check_expression(name, value)
        except SettingsError as exc:
            raise invalid("value", str(exc)) from None
    elif not body.get("group_filter_type"):
        raise invalid("group_filter_type", "required when valueType is GROUPS")
    for other in store.records("claim", parents):
        same = other["name"] == name and other["claimType"] == claim_type
        if same and (old is None or other["id"] != old["id"]):
            raise invalid("name", f"A {claim_type} claim named {name!r} already exists.")
    conditions = _obj(body, "conditions")
    record = {
        "name": name,
        "claimType": claim_type,
        "valueType": value_type,
        "value": value,
        "alwaysIncludeInToken": bool(body.get("alwaysIncludeInToken", True)),
        "conditions": {"scopes": _strings(conditions.get("scopes"), "conditions.scopes")},
        "system": False,
    }
    if value_type == "GROUPS":
        record["group_filter_type"] = body["group_filter_type"]
    if body.get("status") is not None:  # claims have no lifecycle calls: status is in the body
        record["status"] = _choice(body["status"], "status", ("ACTIVE", "INACTIVE"), "ACTIVE")
    return record


def _policy(store: OktaStore, parents: tuple[str, ...], body: dict, old: dict | None) -> dict:
    name = _text(body, "name")
    description = _text(body, "description")
    _choice(body.get("type"), "type", ("OAUTH_AUTHORIZATION_POLICY",), "")
    clients = _obj(_obj(body, "conditions"), "clients")
    include = _strings(clients.get("include"), "conditions.clients.include")
    if not include:
        raise invalid("conditions.clients.include", "The field cannot be left blank.")
    return {
        "type": "OAUTH_AUTHORIZATION_POLICY",
        "name": name,
        "description": description,
        "priority": _priority(body.get("priority")),
        "system": False,
        "conditions": {"clients": {"include": include}},
    }


def _rule(store: OktaStore, parents: tuple[str, ...], body: dict, old: dict | None) -> dict:
    name = _text(body, "name")
    _choice(body.get("type"), "type", ("RESOURCE_ACCESS",), "")
    conditions = _obj(body, "conditions")
    grants = _strings(_obj(conditions, "grantTypes").get("include"), "conditions.grantTypes")
    if not grants:
        raise invalid("conditions.grantTypes.include", "The field cannot be left blank.")
    bad = [g for g in grants if g not in RULE_GRANT_TYPES]
    if bad:
        raise invalid("conditions.grantTypes.include", f"unsupported grant types {bad}")
    scopes = _strings(_obj(conditions, "scopes").get("include"), "conditions.scopes")
    if not scopes:
        raise invalid("conditions.scopes.include", "The field cannot be left blank.")
    known = {s["name"] for s in store.records("scope", parents[:1])}
    missing = [s for s in scopes if s != "*" and s not in known]
    if missing:
        raise invalid(
            "conditions.scopes.include",
            f"One or more scopes are not configured for the authorization server: {missing}",
        )
    people = _obj(conditions, "people")
    groups = _strings(_obj(people, "groups").get("include"), "conditions.people.groups")
    users = _strings(_obj(people, "users").get("include"), "conditions.people.users")
    if not groups and not users:
        raise invalid("conditions.people", "include at least one group or user")
    token = _obj(_obj(body, "actions"), "token")
    return {
        "type": "RESOURCE_ACCESS",
        "name": name,
        "priority": _priority(body.get("priority")),
        "system": False,
        "conditions": {
            "people": {"groups": {"include": groups}, "users": {"include": users}},
            "grantTypes": {"include": grants},
            "scopes": {"include": scopes},
        },
        "actions": {
            "token": {
                "accessTokenLifetimeMinutes": token.get("accessTokenLifetimeMinutes", 60),
                "refreshTokenLifetimeMinutes": token.get("refreshTokenLifetimeMinutes", 0),
                "refreshTokenWindowMinutes": token.get("refreshTokenWindowMinutes", 10080),
                "inlineHook": token.get("inlineHook"),
            }
        },
    }


def _app(store: OktaStore, parents: tuple[str, ...], body: dict, old: dict | None) -> dict:
    if (body.get("name") or "oidc_client") != "oidc_client":
        raise invalid("name", f"{body.get('name')!r}: the sandbox offers OIDC apps only")
    label = _text(body, "label")
    _choice(body.get("signOnMode"), "signOnMode", ("OPENID_CONNECT",), "OPENID_CONNECT")
    settings = _obj(_obj(body, "settings"), "oauthClient")
    prefix = "settings.oauthClient."
    app_type = _choice(
        settings.get("application_type"), prefix + "application_type", tuple(APP_GRANTS), ""
    )
    if not app_type:
        raise invalid(prefix + "application_type", "The field cannot be left blank.")
    grants = _strings(settings.get("grant_types"), prefix + "grant_types")
    if not grants:
        raise invalid(prefix + "grant_types", "The field cannot be left blank.")
    allowed, required = APP_GRANTS[app_type]
    bad = [g for g in grants if g not in allowed]
    if bad:
        raise invalid(
            prefix + "grant_types",
            f"{bad} not allowed for application_type {app_type!r}; allowed: {sorted(allowed)}",
        )
    if required and required not in grants:
        raise invalid(prefix + "grant_types", f"application_type {app_type!r} needs {required!r}")
    responses = _strings(settings.get("response_types"), prefix + "response_types")
    if not responses:
        responses = (["token"] if {"implicit", "client_credentials"} & set(grants) else []) + (
            ["code"] if {"authorization_code", "password", "refresh_token"} & set(grants) else []
        )
    needs = {"code": {"authorization_code"}, "token": {"implicit", "client_credentials"}}
    needs["id_token"] = {"implicit"}
    for response in responses:
        if response not in needs:
            raise invalid(prefix + "response_types", f"unknown response type {response!r}")
        if not needs[response] & set(grants):
            raise invalid(
                prefix + "response_types",
                f"{response!r} needs one of the grant types {sorted(needs[response])}",
            )
    redirects = _strings(settings.get("redirect_uris"), prefix + "redirect_uris")
    if {"authorization_code", "implicit"} & set(grants) and not redirects:
        raise invalid(prefix + "redirect_uris", "required for authorization_code and implicit")
    credentials = _obj(_obj(body, "credentials"), "oauthClient")
    method = _choice(
        credentials.get("token_endpoint_auth_method"),
        "credentials.oauthClient.token_endpoint_auth_method",
        AUTH_METHODS,
        "client_secret_basic",
    )
    if method == "none" and app_type not in ("browser", "native"):
        raise invalid(
            "credentials.oauthClient.token_endpoint_auth_method",
            f"'none' is for browser and native apps, not {app_type!r}",
        )
    client_id = credentials.get("client_id") or (old or {}).get("_client_id")
    secret = credentials.get("client_secret")
    if secret is not None and (not isinstance(secret, str) or not 14 <= len(secret) <= 100):
        raise invalid("credentials.oauthClient.client_secret", "14 to 100 characters")
    pkce = credentials.get("pkce_required")
    return {
        "name": "oidc_client",
        "label": label,
        "signOnMode": "OPENID_CONNECT",
        "features": [],
        "visibility": body.get("visibility")
        or {"autoSubmitToolbar": False, "hide": {"iOS": True, "web": True}},
        "accessibility": body.get("accessibility") or {"selfService": False},
        "credentials": {
            "userNameTemplate": _obj(_obj(body, "credentials"), "userNameTemplate")
            or {"template": "${source.login}", "type": "BUILT_IN"},
            "oauthClient": {
                "autoKeyRotation": bool(credentials.get("autoKeyRotation", True)),
                "token_endpoint_auth_method": method,
                "pkce_required": bool(pkce) if pkce is not None else method == "none",
            },
        },
        "settings": {
            "app": {},
            "notifications": {"vpn": {"network": {"connection": "DISABLED"}}},
            "notes": _obj(_obj(body, "settings"), "notes") or {"admin": None, "enduser": None},
            "oauthClient": {
                **{k: v for k, v in settings.items() if k not in ("grant_types",)},
                "application_type": app_type,
                "grant_types": grants,
                "response_types": responses,
                "redirect_uris": redirects,
                "consent_method": settings.get("consent_method") or "TRUSTED",
                "issuer_mode": settings.get("issuer_mode") or "ORG_URL",
            },
        },
        "_client_id": client_id,
        "_secret": secret,
    }


@dataclass(frozen=True)
class Kind:
    """One kind of object: its Okta type name (404s), id prefix, parents and validator."""

    name: str
    okta_type: str
    prefix: str
    depth: int
    validate: Validator


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("server", "AuthorizationServer", "aus", 0, _server),
        Kind("scope", "OAuth2Scope", "scp", 1, _scope),
        Kind("claim", "OAuth2Claim", "ocl", 1, _claim),
        Kind("policy", "AuthorizationServerPolicy", "00p", 1, _policy),
        Kind("rule", "AuthorizationServerPolicyRule", "0pr", 2, _rule),
        Kind("app", "AppInstance", "0oa", 0, _app),
    )
}
# Children removed with their parent (a server takes its scopes, claims and policies along).
CHILDREN = {"server": ("scope", "claim", "policy"), "policy": ("rule",)}


@dataclass
class GrantClient:
    """What the issuer needs to know about an OAuth app to authenticate it."""

    client_id: str
    app_id: str
    grant_types: list[str]
    redirect_uris: list[str]
    token_endpoint_auth_method: str
    secret_digest: str | None
    active: bool


class OktaStore:
    """Every object of the org, keyed by kind and parent ids; safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._records: dict[str, dict[tuple[str, ...], dict[str, dict]]] = {
                k: {} for k in KINDS
            }
            self._secrets: dict[str, str] = {}
            self._digests: dict[str, str] = {}
            self._id_tokens: dict[str, dict[str, Any]] = {}
            self.org_id = okta_id("00o")
            self.access_policy = {
                "id": okta_id("rst"),
                "type": "ACCESS_POLICY",
                "name": "Default Policy",
                "description": "The default app sign-on policy",
                "status": "ACTIVE",
                "system": True,
                "priority": 1,
                "created": now_iso(),
                "lastUpdated": now_iso(),
            }

    # -- the generic engine -------------------------------------------------------------------
    def records(self, kind: str, parents: tuple[str, ...]) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(r) for r in self._records[kind].get(parents, {}).values()]

    def _bucket(self, kind: str, parents: tuple[str, ...]) -> dict[str, dict]:
        spec = KINDS[kind]
        if len(parents) != spec.depth:
            raise ValueError(f"{kind} needs {spec.depth} parent ids")
        if spec.depth:
            parent_kind = "server" if spec.depth == 1 else "policy"
            self._find(parent_kind, parents[:-1], parents[-1])
        return self._records[kind].setdefault(parents, {})

    def _find(self, kind: str, parents: tuple[str, ...], ident: str) -> dict[str, Any]:
        if kind == "rule":
            self._find("policy", parents[:1], parents[1])
        elif KINDS[kind].depth == 1:
            self._find("server", (), parents[0])
        record = self._records[kind].get(parents, {}).get(ident)
        if record is None:
            raise not_found(KINDS[kind].okta_type, ident)
        return record

    def get(self, kind: str, parents: tuple[str, ...], ident: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._find(kind, parents, ident))

    def create(
        self, kind: str, parents: tuple[str, ...], body: Any, *, active: bool = True
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid("body", "expected a JSON object")
        with self._lock:
            bucket = self._bucket(kind, parents)
            fields = KINDS[kind].validate(self, parents, body, None)
            ident = okta_id(KINDS[kind].prefix)
            stamp = now_iso()
            record = {"id": ident, "status": "ACTIVE" if active else "INACTIVE", **fields}
            record.update(created=stamp, lastUpdated=stamp)
            if kind == "app":
                self._keep_client(record, new=True)
            bucket[ident] = record
            if kind == "server":
                self._system_scopes(ident)
            return copy.deepcopy(record)

    def replace(self, kind: str, parents: tuple[str, ...], ident: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid("body", "expected a JSON object")
        with self._lock:
            old = self._find(kind, parents, ident)
            fields = KINDS[kind].validate(self, parents, body, old)
            record = {
                "id": ident,
                "status": old["status"],
                **fields,
                "created": old["created"],
                "lastUpdated": now_iso(),
            }
            if kind == "app":
                record["_client_id"] = old["_client_id"]
                record["_accessPolicy"] = old.get("_accessPolicy")
                self._keep_client(record, new=False)
            self._records[kind][parents][ident] = record
            return copy.deepcopy(record)

    def delete(self, kind: str, parents: tuple[str, ...], ident: str) -> None:
        with self._lock:
            record = self._find(kind, parents, ident)
            if kind == "scope" and record.get("system"):
                raise invalid("scope", "System scopes cannot be deleted.")
            del self._records[kind][parents][ident]
            self._drop_children(kind, (*parents, ident))
            if kind == "app":
                self._secrets.pop(record["_client_id"], None)
                self._digests.pop(record["_client_id"], None)
                self._id_tokens.pop(ident, None)

    def _drop_children(self, kind: str, key: tuple[str, ...]) -> None:
        for child in CHILDREN.get(kind, ()):
            for ident in list(self._records[child].pop(key, {})):
                self._drop_children(child, (*key, ident))

    def set_status(self, kind: str, parents: tuple[str, ...], ident: str, active: bool) -> None:
        with self._lock:
            record = self._find(kind, parents, ident)
            record["status"] = "ACTIVE" if active else "INACTIVE"
            record["lastUpdated"] = now_iso()

    def _system_scopes(self, server_id: str) -> None:
        bucket = self._records["scope"].setdefault((server_id,), {})
        for name in OIDC_SCOPES:
            ident = okta_id("scp")
            stamp = now_iso()
            bucket[ident] = {
                "id": ident,
                "name": name,
                "displayName": name,
                "description": f"Standard OIDC scope {name}",
                "system": True,
                "default": False,
                "optional": False,
                "consent": "IMPLICIT",
                "metadataPublish": "ALL_CLIENTS",
                "status": "ACTIVE",
                "created": stamp,
                "lastUpdated": stamp,
            }

    # -- apps: client ids and secrets ------------------------------------------------------------
    def _keep_client(self, record: dict[str, Any], *, new: bool) -> None:
        client_id = record["_client_id"] or record["id"]
        for other in self._records["app"].get((), {}).values():
            if other["_client_id"] == client_id and other["id"] != record["id"]:
                raise invalid("credentials.oauthClient.client_id", "already in use")
        record["_client_id"] = client_id
        secret = record.pop("_secret", None)
        method = record["credentials"]["oauthClient"]["token_endpoint_auth_method"]
        if method == "none":
            self._secrets.pop(client_id, None)
            self._digests.pop(client_id, None)
            return
        if secret is None and (new or client_id not in self._digests):
            secret = secrets.token_urlsafe(30)
        if secret is not None:
            self._secrets[client_id] = secret
            self._digests[client_id] = _digest(secret)

    def client_secret(self, client_id: str) -> str | None:
        """The secret for a create or update response (in memory only)."""
        with self._lock:
            return self._secrets.get(client_id)

    def list_apps(self, q: str | None = None, filter_expr: str | None = None) -> list[dict]:
        apps = self.records("app", ())
        if q:
            needle = q.lower()
            apps = [a for a in apps if a["label"].lower().startswith(needle)]
        if filter_expr:
            for field, value in parse_filter(filter_expr):
                apps = [a for a in apps if str(a.get(field)) == value]
        return apps

    def id_token_settings(self, app_id: str) -> dict[str, Any]:
        with self._lock:
            self._find("app", (), app_id)
            return dict(self._id_tokens.get(app_id, {}))

    def set_id_token_settings(self, app_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid("body", "expected a JSON object")
        with self._lock:
            self._find("app", (), app_id)
            self._id_tokens[app_id] = dict(body)
            return dict(body)

    def assign_access_policy(self, app_id: str, policy_id: str) -> None:
        with self._lock:
            app = self._find("app", (), app_id)
            if policy_id != self.access_policy["id"]:
                raise not_found("Policy", policy_id)
            app["_accessPolicy"] = policy_id

    # -- what the issuer asks -----------------------------------------------------------------
    def active_server(self, server_id: str) -> dict[str, Any] | None:
        """An ACTIVE server with its scope names and the claims its access tokens carry."""
        with self._lock:
            server = self._records["server"].get((), {}).get(server_id)
            if server is None or server["status"] != "ACTIVE":
                return None
            scopes = [s["name"] for s in self._records["scope"].get((server_id,), {}).values()]
            claims = {
                c["name"]: c["value"]
                for c in self._records["claim"].get((server_id,), {}).values()
                if c["status"] == "ACTIVE"
                and c["claimType"] == "RESOURCE"
                and c["valueType"] == "EXPRESSION"
            }
            return {"id": server_id, "audience": server["audiences"][0], "scopes": scopes,
                    "claims": claims}  # fmt: skip

    def grant_client(self, client_id: str) -> GrantClient | None:
        with self._lock:
            for app in self._records["app"].get((), {}).values():
                if app["_client_id"] == client_id:
                    oauth = app["settings"]["oauthClient"]
                    return GrantClient(
                        client_id=client_id,
                        app_id=app["id"],
                        grant_types=list(oauth["grant_types"]),
                        redirect_uris=list(oauth["redirect_uris"]),
                        token_endpoint_auth_method=app["credentials"]["oauthClient"][
                            "token_endpoint_auth_method"
                        ],
                        secret_digest=self._digests.get(client_id),
                        active=app["status"] == "ACTIVE",
                    )
        return None

    def matching_rule(
        self, server_id: str, client_id: str, grant: str, scopes: list[str], *, user: bool
    ) -> dict[str, Any] | None:
        """The first ACTIVE rule of the first ACTIVE policy (by priority) that lets this client
        use this grant for these scopes; None when Okta would say "Policy evaluation failed"."""
        with self._lock:
            policies = sorted(
                (
                    p
                    for p in self._records["policy"].get((server_id,), {}).values()
                    if p["status"] == "ACTIVE"
                ),
                key=lambda p: p["priority"],
            )
            for policy in policies:
                include = policy["conditions"]["clients"]["include"]
                if "ALL_CLIENTS" not in include and client_id not in include:
                    continue
                rules = sorted(
                    (
                        r
                        for r in self._records["rule"].get((server_id, policy["id"]), {}).values()
                        if r["status"] == "ACTIVE"
                    ),
                    key=lambda r: r["priority"],
                )
                for rule in rules:
                    cond = rule["conditions"]
                    if grant not in cond["grantTypes"]["include"]:
                        continue
                    allowed = cond["scopes"]["include"]
                    if "*" not in allowed and not set(scopes) <= set(allowed):
                        continue
                    if user and "EVERYONE" not in cond["people"]["groups"]["include"]:
                        continue  # the sandbox's one test user is in no group but Everyone
                    return copy.deepcopy(rule)
        return None

    # -- persistence ----------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """Every object as JSON-able data; client secrets only as digests."""
        with self._lock:
            return {
                "org_id": self.org_id,
                "access_policy": self.access_policy,
                "records": {
                    kind: [[list(parents), list(items.values())] for parents, items in by.items()]
                    for kind, by in self._records.items()
                },
                "digests": dict(self._digests),
                "id_tokens": dict(self._id_tokens),
            }

    def load(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.reset()
            self.org_id = data.get("org_id") or self.org_id
            self.access_policy = data.get("access_policy") or self.access_policy
            for kind, groups in (data.get("records") or {}).items():
                if kind in self._records:
                    self._records[kind] = {
                        tuple(parents): {r["id"]: r for r in items} for parents, items in groups
                    }
            self._digests = dict(data.get("digests") or {})
            self._id_tokens = dict(data.get("id_tokens") or {})


_FILTER_TERM = re.compile(r'^\s*(status|name)\s+eq\s+"([^"]*)"\s*$')


def parse_filter(expression: str) -> list[tuple[str, str]]:
    """Okta's app filter: ``status eq "ACTIVE"``, ``name eq "oidc_client"``, joined by ``and``."""
    terms = []
    for part in re.split(r"\s+and\s+", expression.strip()):
        match = _FILTER_TERM.match(part)
        if match is None:
            raise OktaError(
                400,
                "E0000031",
                "Invalid search criteria.",
                [f'filter: {part.strip()!r}; supported: status eq "…", name eq "…" joined by and'],
            )
        terms.append((match.group(1), match.group(2)))
    return terms
