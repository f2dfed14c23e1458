"""From the live estate to stack settings: what is adopted, what the stack would correct.

Values the policy pack would refuse are never copied silently: each becomes a `Finding` with
the policy it violates and the value the settings carry instead (the first `pulumi up` writes
exactly those objects). Objects that cannot be adopted are listed with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from components.settings import MANAGED_OIDC_FIELDS, OIDC_STANDARD_SCOPES, PROJECT
from discover.sources import IdentityClient, KongEstate, OktaAuthServer, _ref, parse_meta
from providers.settings import is_loopback_url

STATUS_NAMES = {0: "approved", 1: "pending", 2: "rejected", 3: "revoked"}
KONG_NAME = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
DEFAULT_PORTS = {"http": 80, "https": 443}
# openid-connect fields the settings hold under their own keys, not in `extra`
OIDC_OWN_KEYS = MANAGED_OIDC_FIELDS | {"verify_parameters", "verify_credentials"}
REGISTRATION_KEYS = ("display_name", "description", "auto_approve", "show_issuer")


@dataclass(frozen=True)
class Finding:
    """One object the settings do not copy as it is live."""

    object: str
    field: str
    live: Any
    kind: str  # "correction" (the stack will write it), "skipped", "unmanaged", "advisory"
    policy: str | None = None
    settings: Any = None
    note: str = ""

    def render(self) -> str:
        head = f"{self.object}: {self.field} = {self.live!r}"
        if self.kind == "correction":
            return f"{head} -> {self.settings!r} (policy {self.policy}; {self.note})"
        if self.kind == "advisory":
            return f"{head} kept (advisory policy {self.policy}: {self.note})"
        return f"{head}: {self.note}"


@dataclass
class Discovery:
    config: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "findings": [asdict(f) for f in self.findings],
        }


def service_url(svc: dict[str, Any]) -> str:
    protocol = svc.get("protocol") or "http"
    url = f"{protocol}://{svc.get('host')}"
    if svc.get("port") and svc["port"] != DEFAULT_PORTS.get(protocol):
        url += f":{svc['port']}"
    return url + (svc.get("path") or "")


def _flow(client: IdentityClient) -> str:
    grants = set(client.grant_types)
    if "client_credentials" in grants:
        return "client_credentials"
    if "authorization_code" in grants:
        return "authorization_code"
    return "implicit"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._~-]+", "-", name).strip("-")[:128] or "app"


class Planner:
    """Builds the `kong-okta-portal:` config section for one estate and its clients."""

    def __init__(self, estate: KongEstate, clients: list[IdentityClient]) -> None:
        self.estate = estate
        self.clients = {c.client_id: c for c in clients}
        self.findings: list[Finding] = []

    def _note(self, obj: str, fld: str, live: Any, kind: str, note: str, **kw: Any) -> None:
        self.findings.append(Finding(obj, fld, live, kind, note=note, **kw))

    # -- identity ------------------------------------------------------------------------

    def claim_name(self) -> str:
        claims: Counter[str] = Counter()
        for svc in self.estate.portal_services():
            oidc = self.estate.plugins[svc["id"]].get("openid-connect")
            if oidc is None:
                continue
            cfg = oidc.get("config") or {}
            claim = cfg.get("consumer_claim") or cfg.get("consumer_claims")
            if isinstance(claim, str):
                claims[claim] += 1
            elif isinstance(claim, list) and claim and isinstance(claim[0], str):
                claims[claim[0]] += 1
        return claims.most_common(1)[0][0] if claims else "application_id"

    def issuer(self) -> str | None:
        issuers: Counter[str] = Counter()
        for svc in self.estate.portal_services():
            oidc = self.estate.plugins[svc["id"]].get("openid-connect")
            if oidc and (oidc.get("config") or {}).get("issuer"):
                issuers[oidc["config"]["issuer"].rstrip("/")] += 1
        return issuers.most_common(1)[0][0] if issuers else None

    # -- services ------------------------------------------------------------------------

    def service(self, svc: dict[str, Any], claim: str, issuer: str | None) -> dict[str, Any]:
        name = svc["name"]
        obj = f"service {name}"
        out: dict[str, Any] = {"name": name, "url": service_url(svc)}
        routes = sorted(self.estate.routes.get(svc["id"], []), key=lambda r: r.get("name") or "")
        route: dict[str, Any] = {}
        if routes:
            r = routes[0]
            if r.get("name"):
                route["name"] = r["name"]
            for key in ("paths", "hosts", "methods", "protocols"):
                if r.get(key):
                    route[key] = list(r[key])
            route["stripPath"] = r.get("strip_path", True)
            for extra in routes[1:]:
                self._note(
                    obj,
                    "routes",
                    extra.get("name") or extra["id"],
                    "unmanaged",
                    "a second route: the settings hold one route per service; it stays "
                    "as it is, outside the stack",
                )
        out["route"] = route
        plugins = self.estate.plugins.get(svc["id"], {})
        out["openidConnect"] = self._oidc(obj, plugins.get("openid-connect"), claim, issuer)
        out["applicationRegistration"] = self._registration(
            obj, plugins.get("application-registration")
        )
        if "application-registration" not in plugins:
            self._note(
                obj,
                "application-registration",
                None,
                "correction",
                "missing: the stack creates it (contracts need it)",
                settings="created",
                policy="app-registration-with-oidc",
            )
        if "openid-connect" not in plugins:
            self._note(
                obj,
                "openid-connect",
                None,
                "correction",
                "missing: the stack creates it",
                settings="created",
                policy="app-registration-with-oidc",
            )
        # the settings' own rule (providers.settings): plain http only to loopback
        if out["url"].startswith("http://") and not is_loopback_url(out["url"]):
            self._note(
                obj,
                "url",
                out["url"],
                "skipped",
                "plain http upstream off loopback: the settings refuse it (policy "
                "kong-upstream-https); change it to https in the settings before `up`",
                policy="kong-upstream-https",
            )
        out["adopt"] = True
        return out

    def _oidc(
        self, obj: str, plugin: dict | None, claim: str, issuer: str | None
    ) -> dict[str, Any]:
        if plugin is None:
            return {}
        cfg = dict(plugin.get("config") or {})
        obj = f"{obj} openid-connect"
        defaults = self.estate.plugin_defaults.get("openid-connect", {})
        live_claim = cfg.get("consumer_claim") or cfg.get("consumer_claims")
        if live_claim != [claim]:
            self._note(
                obj,
                "consumer_claim",
                live_claim,
                "correction",
                "a claim path (an array) naming the identity claim",
                policy="oidc-consumer-claim-path",
                settings=[claim],
            )
        if cfg.get("consumer_by") != ["custom_id"]:
            self._note(
                obj,
                "consumer_by",
                cfg.get("consumer_by"),
                "correction",
                "applications are found by their Reference Id (custom_id)",
                policy="oidc-consumer-by-custom-id",
                settings=["custom_id"],
            )
        if cfg.get("verify_parameters"):
            self._note(
                obj,
                "verify_parameters",
                cfg.get("verify_parameters"),
                "correction",
                "Kong's guide: verify_parameters must be off for portal apps",
                policy="oidc-verify-parameters-off",
                settings=False,
            )
        live_issuer = (cfg.get("issuer") or "").rstrip("/")
        if issuer and live_issuer != issuer:
            self._note(
                obj,
                "issuer",
                cfg.get("issuer"),
                "correction",
                "one issuer for the stack (identity.issuer)",
                policy="oidc-issuer-matches-identity",
                settings=issuer,
            )
        if cfg.get("issuer", "").endswith("/") and live_issuer == issuer:
            self._note(
                obj,
                "issuer",
                cfg.get("issuer"),
                "correction",
                "the stack writes the issuer without a trailing slash",
                policy="oidc-issuer-matches-identity",
                settings=issuer,
            )
        out: dict[str, Any] = {"auth_methods": list(cfg.get("auth_methods") or ["bearer"])}
        for key in ("scopes_required", "audience_required"):
            if cfg.get(key) is not None:
                out[key] = list(cfg[key])
        extra = {
            k: v
            for k, v in cfg.items()
            if k not in OIDC_OWN_KEYS and v is not None and (k not in defaults or v != defaults[k])
        }
        if extra:
            out["extra"] = extra
        return out

    def _registration(self, obj: str, plugin: dict | None) -> dict[str, Any]:
        if plugin is None:
            return {}
        cfg = plugin.get("config") or {}
        out = {k: cfg[k] for k in REGISTRATION_KEYS if cfg.get(k) is not None}
        if cfg.get("auto_approve"):
            self._note(
                f"{obj} application-registration",
                "auto_approve",
                True,
                "advisory",
                "every access request is approved without an admin",
                policy="app-registration-auto-approve-off",
            )
        defaults = self.estate.plugin_defaults.get("application-registration", {})
        for key, value in cfg.items():
            if key in REGISTRATION_KEYS or value is None or defaults.get(key) == value:
                continue
            self._note(
                f"{obj} application-registration",
                key,
                value,
                "unmanaged",
                "not a setting of this stack: left as it is",
            )
        return out

    # -- developers and apps -----------------------------------------------------------

    def developers(self, services: dict[str, str]) -> list[dict[str, Any]]:
        out = []
        names_used: set[str] = set()
        for dev in sorted(self.estate.developers, key=lambda d: d["email"].lower()):
            obj = f"developer {dev['email']}"
            meta = parse_meta(dev.get("meta"))
            full_name = meta.get("full_name") or dev["email"].split("@")[0]
            if not meta.get("full_name"):
                self._note(
                    obj,
                    "meta.full_name",
                    meta.get("full_name"),
                    "correction",
                    "the settings need a full name",
                    policy="settings",
                    settings=full_name,
                )
            if dev.get("status", 0) != 0:
                self._note(
                    obj,
                    "status",
                    dev.get("status"),
                    "correction",
                    "the stack manages approved developers",
                    policy="settings",
                    settings=0,
                )
            apps = []
            for app in sorted(self.estate.apps_of(dev["id"]), key=lambda a: a["name"]):
                entry = self.app(app, services, names_used)
                if entry is not None:
                    apps.append(entry)
            item: dict[str, Any] = {"email": dev["email"], "fullName": full_name}
            if apps:
                item["apps"] = apps
            item["adopt"] = True
            out.append(item)
        return out

    def app(
        self, app: dict[str, Any], services: dict[str, str], names_used: set[str]
    ) -> dict[str, Any] | None:
        obj = f"application {app['name']} ({app['id']})"
        client = self.clients.get(app.get("custom_id") or "")
        if client is None:
            self._note(
                obj,
                "custom_id",
                app.get("custom_id"),
                "skipped",
                "the Reference Id matches no identity client: not adopted (fix the "
                "Reference Id or register the client, then discover again)",
            )
            return None
        name = app["name"]
        if not KONG_NAME.match(name) or name in names_used:
            base = _slug(name)
            name = base
            n = 2
            while name in names_used:
                name, n = f"{base}-{n}", n + 1
            self._note(
                obj,
                "name",
                app["name"],
                "correction",
                "app names are unique in the stack and use letters, digits, . _ ~ -",
                policy="settings",
                settings=name,
            )
        names_used.add(name)
        entry: dict[str, Any] = {"name": name, "flow": _flow(client)}
        if client.application_type:
            entry["oktaAppType"] = client.application_type
        if app.get("description"):
            entry["description"] = app["description"]
        if client.redirect_uris:
            entry["redirectUris"] = list(client.redirect_uris)
            if app.get("redirect_uri") not in (None, client.redirect_uris[0]):
                self._note(
                    obj,
                    "redirect_uri",
                    app.get("redirect_uri"),
                    "correction",
                    "the portal app carries its client's first redirect URI",
                    policy="settings",
                    settings=client.redirect_uris[0],
                )
        contracts = []
        for inst in sorted(self.estate.instances_of(app["id"]), key=lambda i: i["id"]):
            svc_name = services.get(_ref(inst.get("service")))
            status = STATUS_NAMES.get(inst.get("status"))
            if svc_name is None or status is None:
                self._note(
                    obj,
                    "application_instance",
                    inst["id"],
                    "unmanaged",
                    f"status {inst.get('status')!r} is not adopted; left as it is",
                )
                continue
            if inst.get("suspended"):
                self._note(
                    obj,
                    f"contract {svc_name}",
                    "suspended",
                    "unmanaged",
                    "suspension is not a setting: left as it is",
                )
            contracts.append(
                svc_name if status == "approved" else {"service": svc_name, "status": status}
            )
        if contracts:
            entry["services"] = contracts
        entry["adopt"] = True
        entry["clientId"] = client.client_id
        if client.okta_app_id and client.okta_app_id != client.client_id:
            entry["oktaAppId"] = client.okta_app_id
        return entry


FLOWS = ("client_credentials", "authorization_code", "implicit")


def okta_server_id(issuer: str | None) -> str:
    """The authorization server's id from its issuer (`…/oauth2/<id>`; `default` otherwise)."""
    if not issuer:
        return "default"
    last = urlsplit(issuer).path.rstrip("/").split("/")[-1]
    return last if last and last != "oauth2" else "default"


def okta_adoption(
    server: OktaAuthServer, claim: str, scopes: list[str], findings: list[Finding]
) -> tuple[dict[str, Any], str | None]:
    """`identity.adopt` ids for what the guide set up by hand on the server, and the claim's
    value when it is not the guide's `app.clientId` (kept, and flagged)."""
    adopt: dict[str, Any] = {}
    if server.server_id != "default":
        adopt["serverId"] = server.server_id
    obj = f"okta authorization server {server.server_id}"
    claim_value = None
    match = [
        c for c in server.claims if c.get("name") == claim and c.get("claimType") == "RESOURCE"
    ]
    if match:
        adopt["claimId"] = match[0]["id"]
        value = match[0].get("value")
        if value != "app.clientId":
            claim_value = value
            findings.append(
                Finding(
                    obj,
                    f"claim {claim}",
                    value,
                    "advisory",
                    policy="okta-claim-client-id",
                    note="the Reference Id must be the client id: app.clientId",
                )
            )
    scope_ids = {s["name"]: s["id"] for s in server.scopes if s.get("name") in scopes}
    if scope_ids:
        adopt["scopeIds"] = scope_ids
    rule_ids: dict[str, str] = {}
    for policy in sorted(server.policies, key=lambda p: p.get("priority") or 0):
        rules = server.rules.get(policy["id"], [])
        grants = {
            flow: rule["id"]
            for rule in sorted(rules, key=lambda r: r.get("priority") or 0)
            for flow in ((rule.get("conditions") or {}).get("grantTypes") or {}).get("include", [])
            if flow in FLOWS
        }
        if grants:
            adopt["policyId"] = policy["id"]
            rule_ids = grants
            break
    if rule_ids:
        adopt["ruleIds"] = rule_ids
    return adopt, claim_value


def build_config(
    estate: KongEstate,
    clients: list[IdentityClient],
    *,
    provider: str,
    proxy_url: str,
    registration_endpoint: str | None = None,
    okta_server: OktaAuthServer | None = None,
) -> Discovery:
    """The `kong-okta-portal:` config for the estate, with its findings and counts."""
    planner = Planner(estate, clients)
    claim = planner.claim_name()
    issuer = planner.issuer()
    services = [planner.service(s, claim, issuer) for s in estate.portal_services()]
    by_id = {s["id"]: s["name"] for s in estate.portal_services()}
    developers = planner.developers(by_id)
    scopes: list[str] = []
    for svc in services:
        for scope in svc["openidConnect"].get("scopes_required") or []:
            if scope not in scopes and scope not in OIDC_STANDARD_SCOPES:
                scopes.append(scope)
    identity: dict[str, Any] = {"provider": provider, "claimName": claim}
    if provider == "dcr":
        identity["issuer"] = issuer
        if registration_endpoint:
            identity["registrationEndpoint"] = registration_endpoint
    elif issuer:
        identity["authServer"] = {"name": okta_server_id(issuer)}
    identity["scopes"] = scopes or ["portal_api"]
    if provider == "okta" and okta_server is not None:
        adopt, claim_value = okta_adoption(okta_server, claim, identity["scopes"], planner.findings)
        if claim_value:
            identity["claimValue"] = claim_value
        if adopt:
            identity["adopt"] = adopt
    kong: dict[str, Any] = {"adminUrl": estate.admin_url, "workspace": estate.workspace}
    config = {
        f"{PROJECT}:identity": identity,
        f"{PROJECT}:kong": kong,
        f"{PROJECT}:proxyUrl": proxy_url,
        f"{PROJECT}:services": services,
        f"{PROJECT}:developers": developers,
    }
    apps = sum(len(d.get("apps", [])) for d in developers)
    contracts = sum(len(a.get("services", [])) for d in developers for a in d.get("apps", []))
    counts = {
        "services": len(services),
        "developers": len(developers),
        "applications": apps,
        "contracts": contracts,
        "corrections": sum(f.kind == "correction" for f in planner.findings),
        "skipped": sum(f.kind == "skipped" for f in planner.findings),
    }
    return Discovery(config, planner.findings, counts)
