"""RFC 7591 dynamic client registration as a Pulumi dynamic resource.

One `ClientRegistration` per developer app, registered at the identity provider's registration
endpoint (Okta: `/oauth2/v1/clients`, `Authorization: SSWS <token>`), updated with PUT and deleted
with the stack. Connection settings reach the provider only through `configure()`:
`kong-okta-portal:identity` (`registrationEndpoint`, optional; derived from the issuer otherwise)
and the secret `kong-okta-portal:identityApiToken` (env fallback `IDENTITY_API_TOKEN`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pydantic import ValidationError
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from providers.connections import RETRY_STATUSES, send, shared_transport
from providers.settings import IdentityConnection, config_object, describe
from providers.source_positions import without_source_position

INPUT_KEYS = (
    "issuer",
    "client_name",
    "grant_types",
    "response_types",
    "redirect_uris",
    "token_endpoint_auth_method",
    "application_type",
)
# changing these cannot be done in place at Okta: register a new client instead
REPLACE_KEYS = ("issuer", "application_type", "token_endpoint_auth_method")
SET_KEYS = ("grant_types", "response_types", "redirect_uris")
# clock difference tolerated between us and the identity provider (client_id_issued_at)
ISSUED_AT_SKEW = 120.0
# Okta lists clients in pages of `limit`, 200 at most (default 20)
LIST_LIMIT = 200
# searches for a killed run's leftovers before one read of the whole list answers the rest
SEARCHES_BEFORE_LIST = 50


class RegistrationError(Exception):
    """An answer from the registration endpoint, with its error fields (never a secret)."""

    def __init__(self, action: str, status: int, body: Any) -> None:
        self.status = status
        detail = ""
        if isinstance(body, dict):
            keep = ("error", "error_description", "errorCode", "errorSummary", "errorCauses")
            detail = json.dumps({k: body[k] for k in keep if k in body})
        super().__init__(f"client registration {action} failed: HTTP {status} {detail}".strip())


class _Transient(Exception):
    pass


def registration_endpoint_for(issuer: str) -> str:
    """Okta serves RFC 7591 on the org host, whatever the authorization server."""
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}/oauth2/v1/clients"


def registered_name(props: dict[str, Any]) -> str:
    """The name the client is registered under: the app's name, qualified by project/stack."""
    return f"{props['client_name']}{props.get('name_suffix') or ''}"


def _normalise(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in INPUT_KEYS:
        value = props.get(key)
        if key in SET_KEYS:
            value = sorted(value or []) if not isinstance(value, Unknown) else value
        out[key] = value
    return out


class ClientRegistrationProvider(ResourceProvider):
    """Provider for `pulumi-python:dynamic/identity:ClientRegistration`."""

    # settings come from configure(), so the pickle holds nothing secret (see KongProvider)
    serialize_as_secret_always = False

    _connection: IdentityConnection = IdentityConnection()
    _listing_lock: ClassVar[threading.Lock] = threading.Lock()
    _config_error: str | None = None
    _token: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        try:
            raw = config_object(req.config.get("identity"), "identity")
            # the identity object also holds the program's keys (provider, scopes, ...)
            own = {k: v for k, v in raw.items() if k in IdentityConnection.keys()}
            self._connection = IdentityConnection.model_validate(own)
            self._config_error = None
        except ValidationError as exc:
            self._config_error = describe(exc, "identity")
        except ValueError as exc:
            self._config_error = str(exc)
        self._token = req.config.get("identityApiToken") or os.environ.get("IDENTITY_API_TOKEN")

    # -- HTTP -----------------------------------------------------------------------------
    def _endpoint_for(self, issuer: str) -> str:
        endpoint = self._connection.registration_endpoint or registration_endpoint_for(issuer)
        return endpoint.rstrip("/")

    def _headers(self) -> dict[str, str]:
        """The registration API's headers, once the settings and the token are known good."""
        if self._config_error:
            raise RegistrationError(
                "setup", 0, {"error": "invalid settings", "error_description": self._config_error}
            )
        if not self._token:
            raise RegistrationError(
                "setup",
                0,
                {
                    "error": "missing token",
                    "error_description": "set `pulumi config set --secret "
                    "kong-okta-portal:identityApiToken ...` or IDENTITY_API_TOKEN",
                },
            )
        return {"Authorization": f"SSWS {self._token}", "Accept": "application/json"}

    def _send_once(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = self._headers()
        conn = self._connection
        tls = (True, conn.ca_bundle) if conn.ca_bundle else (conn.tls_verify, None)
        resp = send(
            shared_transport(*tls),
            method,
            url,
            headers=headers,
            timeout_seconds=conn.timeout_seconds,
            json=body,
            params=params,
        )
        if resp.status_code in RETRY_STATUSES:
            raise _Transient(f"HTTP {resp.status_code}")
        return resp

    # transient answers (429, 502, 503, 504) and refused connections are tried again, up to 5 times
    _send = retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Transient | httpx.ConnectError)),
        wait=wait_exponential(multiplier=0.2, max=5),
        stop=stop_after_attempt(5),
        reraise=True,
    )(_send_once)

    @staticmethod
    def _json(resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            return None

    @staticmethod
    def _metadata(props: dict[str, Any]) -> dict[str, Any]:
        body = {k: props[k] for k in INPUT_KEYS if k != "issuer" and props.get(k) is not None}
        if not body.get("redirect_uris"):
            body.pop("redirect_uris", None)
        body["client_name"] = registered_name(props)
        return body

    def _outs(self, props: dict[str, Any], client: dict[str, Any], secret: str | None) -> dict:
        outs = {k: props.get(k) for k in INPUT_KEYS}
        outs["name_suffix"] = props.get("name_suffix")
        outs["client_id"] = client["client_id"]
        outs["client_secret"] = secret
        return outs

    def _listed(self, endpoint: str, name: str | None) -> list[dict[str, Any]] | None:
        """Clients registered under exactly `name` (every client when None), or None if the
        list can't be read.

        Okta's `?q=` is a startsWith search on client_name, in pages of `limit` (at most 200)
        linked by `Link: rel="next"`: other names may share the prefix, so read every page."""
        url: str | None = endpoint
        params: dict[str, str] | None = {"limit": str(LIST_LIMIT)}
        if name is not None:
            params["q"] = name
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            try:
                resp = self._send("GET", url, params=params)
            except (httpx.HTTPError, _Transient):
                return None
            data = self._json(resp)
            if resp.status_code != 200 or not isinstance(data, list):
                return None
            found += [
                c
                for c in data
                if isinstance(c, dict) and (name is None or c.get("client_name") == name)
            ]
            url, params = (resp.links.get("next") or {}).get("url"), None
        return found

    def _unrecorded(self, endpoint: str, name: str) -> list[dict[str, Any]] | None:
        """Clients registered under `name` before this run: one search per client at first;
        past `SEARCHES_BEFORE_LIST` in this process (a big first `up`), the issuer's whole
        list, read once, answers the rest (N/200 requests instead of N). A killed run's
        leftovers are older than this run, so that list holds every one of them; each name is
        answered once (a resource is created once per run)."""
        with self._listing_lock:
            # the engine keeps one provider instance per process; set lazily, never pickled
            lists: dict[str, dict[str, list]] = self.__dict__.setdefault("_lists", {})
            searches: dict[str, int] = self.__dict__.setdefault("_searches", {})
            by_name = lists.get(endpoint)
            if by_name is None:
                searches[endpoint] = searches.get(endpoint, 0) + 1
                if searches[endpoint] > SEARCHES_BEFORE_LIST:
                    every = self._listed(endpoint, None)
                    if every is not None:
                        by_name = lists[endpoint] = {}
                        for client in every:
                            by_name.setdefault(client.get("client_name"), []).append(client)
            if by_name is not None:
                return by_name.pop(name, [])
        return self._listed(endpoint, name)

    def _remove_unrecorded(self, endpoint: str, props: dict[str, Any]) -> None:
        """Delete clients an interrupted run of this stack registered but never recorded.

        Only for stack-qualified names: `create` runs when the stack holds no client for this
        resource, so a client already registered under its name (project/stack included) is
        one whose response was lost (a killed `pulumi up`); its secret was never seen.
        """
        if not props.get("name_suffix"):
            return
        for client in self._unrecorded(endpoint, registered_name(props)) or []:
            self._send("DELETE", f"{endpoint}/{client['client_id']}")

    def _orphan_of(self, endpoint: str, props: dict[str, Any], since: float) -> dict | None:
        """After a lost response: the client that request registered, if the server kept it.

        Matched on name and grant types, and issued no earlier than the request (so a client
        registered by someone else under the same name is never touched). Okta lists with ?q=.
        """
        listed = self._listed(endpoint, registered_name(props))
        if listed is None:
            return None
        matches = [
            c
            for c in listed
            if sorted(c.get("grant_types") or []) == sorted(props.get("grant_types") or [])
            and float(c.get("client_id_issued_at") or 0) >= since - ISSUED_AT_SKEW
        ]
        return matches[0] if len(matches) == 1 else None

    def _adopt(self, endpoint: str, props: dict[str, Any]) -> CreateResult:
        """Take over a client that already exists (an app's Reference Id): read it, and write
        only when its metadata differs from the settings. Its secret stays unknown to the
        stack: it was shown once, to whoever registered the client."""
        client_id = props["adopt_client_id"]
        resp = self._send("GET", f"{endpoint}/{client_id}")
        data = self._json(resp)
        if resp.status_code == 404:
            raise RegistrationError(
                f"adoption of {client_id!r} (clientId of app {props['client_name']!r})",
                404,
                {
                    "error": "not found",
                    "error_description": f"no client {client_id} at {endpoint}: fix clientId "
                    "or drop it to register a new client",
                },
            )
        if resp.status_code != 200 or not isinstance(data, dict):
            raise RegistrationError(f"read of {client_id}", resp.status_code, data)
        live = {**props, **{k: data.get(k) for k in INPUT_KEYS if k != "issuer"}}
        if set(props.get("grant_types") or []) == {"client_credentials"}:
            # never at the authorization endpoint: its response types are the server's default
            # (Okta's Apps API says ["token"]) and mean nothing, so they are no difference
            live["response_types"] = props.get("response_types") or []
        wanted = {**props, "client_name": registered_name(props)}
        if _normalise(live) != _normalise(wanted):
            body = {"client_id": client_id, **self._metadata(props)}
            resp = self._send("PUT", f"{endpoint}/{client_id}", body)
            if resp.status_code != 200:
                raise RegistrationError(
                    f"update of {client_id}", resp.status_code, self._json(resp)
                )
        return CreateResult(client_id, self._outs(props, {"client_id": client_id}, None))

    # -- CRUD -----------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        endpoint = self._endpoint_for(props["issuer"])
        if props.get("adopt_client_id"):
            return self._adopt(endpoint, props)
        body = self._metadata(props)
        self._remove_unrecorded(endpoint, props)
        since = time.time()
        try:
            resp = self._send("POST", endpoint, body)
        except (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError):
            # the registration may have been committed, and its secret is shown only once:
            # remove that orphan, then register again, so exactly one client remains
            orphan = self._orphan_of(endpoint, props, since)
            if orphan is not None:
                self._send("DELETE", f"{endpoint}/{orphan['client_id']}")
            resp = self._send("POST", endpoint, body)
        data = self._json(resp)
        if resp.status_code not in (200, 201) or not isinstance(data, dict):
            raise RegistrationError(f"of {props['client_name']!r}", resp.status_code, data)
        return CreateResult(data["client_id"], self._outs(props, data, data.get("client_secret")))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [
            CheckFailure(key, f"{key} is required")
            for key in ("issuer", "client_name", "grant_types")
            if news.get(key) in (None, "", [])
        ]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = _normalise(olds), _normalise(news)
        changed = [k for k in INPUT_KEYS if isinstance(new[k], Unknown) or old[k] != new[k]]
        return DiffResult(
            changes=bool(changed),
            replaces=[k for k in changed if k in REPLACE_KEYS],
            delete_before_replace=False,
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        endpoint = self._endpoint_for(props["issuer"])
        resp = self._send("GET", f"{endpoint}/{id_}")
        if resp.status_code == 404:
            return ReadResult(None, {})
        data = self._json(resp)
        if resp.status_code != 200 or not isinstance(data, dict):
            raise RegistrationError(f"read of {id_}", resp.status_code, data)
        live = dict(props)
        for key in INPUT_KEYS:
            if key != "issuer" and key in data:
                live[key] = data[key]
        suffix = props.get("name_suffix") or ""
        if suffix and str(live.get("client_name", "")).endswith(suffix):
            live["client_name"] = live["client_name"][: -len(suffix)]
        if not data.get("redirect_uris") and not props.get("redirect_uris"):
            live["redirect_uris"] = props.get("redirect_uris")
        outs = self._outs(
            live, {"client_id": id_}, data.get("client_secret") or props.get("client_secret")
        )
        inputs = {k: outs[k] for k in INPUT_KEYS}
        if outs.get("name_suffix"):
            inputs["name_suffix"] = outs["name_suffix"]
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        endpoint = self._endpoint_for(news["issuer"])
        body = {"client_id": id_, **self._metadata(news)}
        resp = self._send("PUT", f"{endpoint}/{id_}", body)
        data = self._json(resp)
        if resp.status_code != 200 or not isinstance(data, dict):
            raise RegistrationError(f"update of {id_}", resp.status_code, data)
        secret = data.get("client_secret") or olds.get("client_secret")
        return UpdateResult(self._outs(news, {"client_id": id_}, secret))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        endpoint = self._endpoint_for(props["issuer"])
        resp = self._send("DELETE", f"{endpoint}/{id_}")
        if resp.status_code not in (200, 202, 204, 404):
            raise RegistrationError(f"delete of {id_}", resp.status_code, self._json(resp))


class ClientRegistration(Resource, module="identity", name="ClientRegistration"):
    """A client registered through RFC 7591; `client_secret` is a secret output."""

    client_id: pulumi.Output[str]
    client_secret: pulumi.Output[str]
    issuer: pulumi.Output[str]
    client_name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        issuer: pulumi.Input[str],
        client_name: pulumi.Input[str],
        grant_types: Sequence[str],
        response_types: Sequence[str] | None = None,
        redirect_uris: Sequence[str] | None = None,
        token_endpoint_auth_method: str | None = None,
        application_type: str | None = None,
        adopt_client_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["client_secret"])
        props = {
            "issuer": issuer,
            "client_name": client_name,
            "grant_types": list(grant_types),
            "response_types": list(response_types or []),
            "redirect_uris": list(redirect_uris or []),
            "token_endpoint_auth_method": token_endpoint_auth_method,
            "application_type": application_type,
            # the registered name carries project/stack, so the clients of a run that was
            # killed before recording them can be told apart from anyone else's and removed
            # (an adopted client keeps the name its developer gave it)
            "name_suffix": ""
            if adopt_client_id
            else f" ({pulumi.get_project()}/{pulumi.get_stack()})",
            "adopt_client_id": adopt_client_id,
            "client_id": None,
            "client_secret": None,
        }
        with without_source_position():
            super().__init__(
                ClientRegistrationProvider(),
                resource_name,
                props,
                pulumi.ResourceOptions.merge(opts, secret_opts),
            )
