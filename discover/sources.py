"""Read-only views of the two live sources: a Kong workspace and the identity provider.

Only GETs. Every failure becomes a `SourceError` that names the source, the URL and what to
do; tokens never appear in a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from providers.kong_admin import (
    KongAdminClient,
    KongAdminError,
    KongAdminSettings,
    KongConfigError,
    RetryPolicy,
)

Progress = Callable[[str], None]
PORTAL_PLUGINS = ("openid-connect", "application-registration")
# a source that is down should fail in seconds, not after the provider's minute of retries
READ_RETRY = RetryPolicy(attempts=3, max_seconds=10.0)


class SourceError(RuntimeError):
    """A live source could not be read: which one, where, and what to change."""


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


@dataclass
class KongEstate:
    """What one workspace holds of the portal setup, as Kong returns it."""

    admin_url: str
    workspace: str
    services: list[dict[str, Any]] = field(default_factory=list)
    routes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # service id -> routes
    plugins: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # id -> name -> p
    plugin_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    developers: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    instances: list[dict[str, Any]] = field(default_factory=list)

    def portal_services(self) -> list[dict[str, Any]]:
        """Services carrying openid-connect or application-registration."""
        return [s for s in self.services if self.plugins.get(s["id"])]

    def apps_of(self, developer_id: str) -> list[dict[str, Any]]:
        return [a for a in self.applications if _ref(a.get("developer")) == developer_id]

    def instances_of(self, application_id: str) -> list[dict[str, Any]]:
        return [i for i in self.instances if _ref(i.get("application")) == application_id]


def _config_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    for entry in schema.get("fields") or []:
        config = entry.get("config") if isinstance(entry, dict) else None
        if isinstance(config, dict):
            out = {}
            for item in config.get("fields") or []:
                for name, spec in item.items():
                    out[name] = spec.get("default") if isinstance(spec, dict) else None
            return out
    return {}


def kong_client(
    admin_url: str, workspace: str, token: str | None, tls: dict[str, Any] | None = None
) -> KongAdminClient:
    """A read-only client; `tls` holds the stack's kong keys tlsVerify, caBundle and
    allowInsecureHttp when they are set."""
    tls = tls or {}
    try:
        settings = KongAdminSettings(
            admin_url=admin_url.rstrip("/"),
            workspace=workspace,
            token=token,
            tls_verify=bool(tls.get("tlsVerify", True)),
            ca_bundle=tls.get("caBundle"),
            allow_insecure_http=bool(tls.get("allowInsecureHttp", False)),
        )
    except KongConfigError as exc:
        raise SourceError(
            f"Kong Admin API: {exc} (discover's flags: --allow-insecure-http, --ca-bundle, "
            "--no-tls-verify)"
        ) from None
    return KongAdminClient(settings, retry=READ_RETRY)


def _kong_error(exc: KongAdminError, admin_url: str) -> SourceError:
    if exc.status == 401:
        hint = "set KONG_ADMIN_TOKEN (or --kong-admin-token) to a valid RBAC token"
    elif exc.status == 403:
        hint = "the token's RBAC role must be allowed to read this endpoint"
    elif exc.status == 404:
        hint = "check --workspace, and that the Dev Portal is on in it"
    elif exc.status is None:
        hint = "check --admin-url and that Kong is running and reachable from here"
    else:
        hint = "see Kong's message above"
    return SourceError(f"cannot read the Kong Admin API at {admin_url}: {exc}. {hint}")


def read_kong(client: KongAdminClient, progress: Progress = lambda _m: None) -> KongEstate:
    """Services, routes, portal plugins, developers, applications and their instances."""
    url = client.settings.admin_url
    estate = KongEstate(url, client.settings.workspace or "default")
    try:
        client.request("GET", "/")
        estate.services = list(client.paginate(client.path("services")))
        for route in client.paginate(client.path("routes")):
            estate.routes.setdefault(_ref(route.get("service")), []).append(route)
        for plugin in client.paginate(client.path("plugins")):
            service = _ref(plugin.get("service"))
            if plugin.get("name") in PORTAL_PLUGINS and service and not plugin.get("route"):
                estate.plugins.setdefault(service, {})[plugin["name"]] = plugin
        for name in PORTAL_PLUGINS:
            schema = client.get_json(client.path("schemas", "plugins", name), allow_missing=True)
            estate.plugin_defaults[name] = _config_defaults(schema or {})
        progress(
            f"kong: {len(estate.services)} services, {len(estate.portal_services())} "
            "with portal plugins"
        )
        estate.developers = _collect(client, "developers", progress)
        estate.applications = _collect(client, "applications", progress)
        for svc in estate.portal_services():
            path = client.path("services", svc["id"], "application_instances")
            for row in client.paginate(path):
                row = dict(row)
                row["service"] = {"id": svc["id"]}
                estate.instances.append(row)
        progress(f"kong: {len(estate.instances)} application instances")
    except KongAdminError as exc:
        raise _kong_error(exc, url) from None
    return estate


def _collect(client: KongAdminClient, collection: str, progress: Progress) -> list[dict]:
    rows: list[dict] = []
    for row in client.paginate(client.path(collection), {"size": 100}):
        rows.append(row)
        if len(rows) % 100 == 0:
            progress(f"kong: {collection} read: {len(rows)}")
    progress(f"kong: {len(rows)} {collection}")
    return rows


# -- identity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityClient:
    """An OAuth client at the identity provider, in RFC 7591 terms (no secret)."""

    client_id: str
    client_name: str
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: str | None
    application_type: str | None
    okta_app_id: str | None = None


def _http_get(
    client: httpx.Client, url: str, what: str, hint_401: str, params: dict | None = None
) -> httpx.Response:
    try:
        resp = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise SourceError(
            f"cannot reach {what} at {url}: {type(exc).__name__}: {exc}. Check the URL and "
            "that the server is running and reachable from here"
        ) from None
    if resp.status_code in (401, 403):
        raise SourceError(f"{what} at {url} refused the request ({resp.status_code}): {hint_401}")
    if resp.status_code != 200:
        raise SourceError(f"{what} at {url} answered {resp.status_code}: {resp.text[:300]}")
    return resp


def dcr_clients(
    registration_endpoint: str, token: str | None, progress: Progress = lambda _m: None
) -> list[IdentityClient]:
    """Every client the issuer lists at its RFC 7591 endpoint (Okta: GET /oauth2/v1/clients,
    in pages of at most 200 linked by `Link: rel="next"`)."""
    if not token:
        raise SourceError("identity provider: set IDENTITY_API_TOKEN (an SSWS API token)")
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    out: list[IdentityClient] = []
    with httpx.Client(headers=headers, timeout=30.0) as http:
        pages = okta_pages(
            http,
            registration_endpoint,
            {"limit": 200},
            "the identity provider's client registration endpoint",
            "set IDENTITY_API_TOKEN to a valid SSWS API token",
        )
        for body in pages:
            if not isinstance(body, list):
                raise SourceError(f"{registration_endpoint} did not answer a list of clients")
            out += [
                IdentityClient(
                    client_id=c["client_id"],
                    client_name=c.get("client_name") or "",
                    grant_types=tuple(c.get("grant_types") or ()),
                    response_types=tuple(c.get("response_types") or ()),
                    redirect_uris=tuple(c.get("redirect_uris") or ()),
                    token_endpoint_auth_method=c.get("token_endpoint_auth_method"),
                    application_type=c.get("application_type"),
                )
                for c in body
                if isinstance(c, dict) and c.get("client_id")
            ]
    progress(f"identity: {len(out)} clients at {registration_endpoint}")
    return out


def _next_link(resp: httpx.Response) -> str | None:
    link = resp.links.get("next") or {}
    return link.get("url")


def okta_pages(
    http: httpx.Client, url: str, params: dict[str, Any], what: str, hint_401: str
) -> Iterator[Any]:
    """An Okta list, page by page through `Link: rel="next"` (the body of each page)."""
    next_url: str | None = url
    next_params: dict[str, Any] | None = params
    seen: set[str] = set()
    while next_url and next_url not in seen:
        seen.add(next_url)
        resp = _http_get(http, next_url, what, hint_401, next_params)
        yield resp.json()
        next_url, next_params = _next_link(resp), None


def okta_apps_pages(http: httpx.Client, org_url: str) -> Iterator[list[dict[str, Any]]]:
    """Okta's `GET /api/v1/apps` (OIDC apps only), page by page."""
    url = f"{org_url.rstrip('/')}/api/v1/apps"
    for page in okta_pages(
        http,
        url,
        {"filter": 'name eq "oidc_client"', "limit": 200},
        "the Okta management API",
        "set OKTA_API_TOKEN to an API token allowed to read applications (okta.apps.read)",
    ):
        if not isinstance(page, list):
            raise SourceError(f"{url} did not answer a list of applications")
        yield page


def okta_clients(
    org_url: str,
    token: str | None,
    progress: Progress = lambda _m: None,
    transport: httpx.BaseTransport | None = None,
) -> list[IdentityClient]:
    """The OIDC apps of an Okta org, each as its OAuth client (id, grants, redirect URIs)."""
    if not token:
        raise SourceError("okta: set OKTA_API_TOKEN (an Okta API token, sent as SSWS)")
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    out: list[IdentityClient] = []
    with httpx.Client(headers=headers, timeout=30.0, transport=transport) as http:
        for page in okta_apps_pages(http, org_url):
            for app in page:
                creds = (app.get("credentials") or {}).get("oauthClient") or {}
                oauth = (app.get("settings") or {}).get("oauthClient") or {}
                client_id = creds.get("client_id") or app.get("id")
                if not client_id:
                    continue
                out.append(
                    IdentityClient(
                        client_id=client_id,
                        client_name=app.get("label") or "",
                        grant_types=tuple(oauth.get("grant_types") or ()),
                        response_types=tuple(oauth.get("response_types") or ()),
                        redirect_uris=tuple(oauth.get("redirect_uris") or ()),
                        token_endpoint_auth_method=creds.get("token_endpoint_auth_method"),
                        application_type=oauth.get("application_type"),
                        okta_app_id=app.get("id"),
                    )
                )
            progress(f"okta: {len(out)} OIDC apps read")
    return out


def parse_meta(meta: Any) -> dict[str, Any]:
    if isinstance(meta, dict):
        return meta
    try:
        value = json.loads(meta) if isinstance(meta, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class OktaAuthServer:
    """An authorization server's guide objects as Okta lists them (ids, names, rule grants)."""

    server_id: str
    claims: list[dict[str, Any]] = field(default_factory=list)
    scopes: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # policy id -> rules


def okta_auth_server(
    org_url: str,
    token: str | None,
    server_id: str,
    transport: httpx.BaseTransport | None = None,
) -> OktaAuthServer:
    """`GET /api/v1/authorizationServers/{id}/claims|scopes|policies|policies/{p}/rules`."""
    if not token:
        raise SourceError("okta: set OKTA_API_TOKEN (an Okta API token, sent as SSWS)")
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    base = f"{org_url.rstrip('/')}/api/v1/authorizationServers/{server_id}"
    hint = "set OKTA_API_TOKEN to a token allowed to read authorization servers"
    found = OktaAuthServer(server_id)
    with httpx.Client(headers=headers, timeout=30.0, transport=transport) as http:

        def listed(path: str) -> list[dict[str, Any]]:
            body = _http_get(http, f"{base}{path}", "the Okta management API", hint).json()
            if not isinstance(body, list):
                raise SourceError(f"{base}{path} did not answer a list")
            return [row for row in body if isinstance(row, dict)]

        found.claims = listed("/claims")
        found.scopes = listed("/scopes")
        found.policies = listed("/policies")
        for policy in found.policies:
            found.rules[policy["id"]] = listed(f"/policies/{policy['id']}/rules")
    return found
