"""The floor: the bench stack's Admin API and registration requests with no engine at all.

One `httpx.Client` with kept-alive connections sends, one after another, what a create of the
bench stack sends (a version lookup; per service a PUT of the service, route and two plugins;
per app a client look-up and registration, a developer, an application whose `custom_id` is the
client id, an approved contract), then what `refresh` sends (one GET per object) and what
`destroy` sends (one DELETE per object), one request after another. No engine, no program, no
provider process: what is left is HTTP and the sandbox. The bench compares the method counts
with the real run's, so a floor that stopped matching the stack's requests fails a check.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from providers.dcr import LIST_LIMIT, SEARCHES_BEFORE_LIST
from providers.kong_dynamic import application_registration, openid_connect

NAMESPACE = uuid.UUID("8c3f2d4e-0b7a-4c51-9f1e-6a2d5b8e7c90")
PROJECT = "kong-okta-portal:"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


class Floor:
    """The bench stack's objects, made, read back and deleted straight over HTTP."""

    def __init__(self, urls: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        self.services = config[f"{PROJECT}services"]
        self.developers = config[f"{PROJECT}developers"]
        self.issuer = config[f"{PROJECT}identity"]["issuer"]
        self.registration = urls["registration"]
        self.issuer_auth = {"Authorization": f"SSWS {urls['idp_api_token']}"}
        self.admin = urls["admin"].rstrip("/")
        self.made: list[str] = []  # Admin API paths of created objects, in creation order
        self.clients: list[str] = []
        self.searches = 0  # look-ups for a killed run's leftovers so far
        self.http = httpx.Client(timeout=30)  # one client, kept-alive connections

    def close(self) -> None:
        self.http.close()

    def _leftover_lookup(self, name: str) -> None:
        """As the provider looks: a search per client, then one read of the whole list."""
        self.searches += 1
        if self.searches <= SEARCHES_BEFORE_LIST:
            params = {"limit": str(LIST_LIMIT), "q": name}
            self._send("GET", self.registration, params=params, headers=self.issuer_auth)
        elif self.searches == SEARCHES_BEFORE_LIST + 1:
            url: str | None = self.registration
            params2: dict[str, str] | None = {"limit": str(LIST_LIMIT)}
            while url:
                resp = self._send("GET", url, params=params2, headers=self.issuer_auth)
                url, params2 = (resp.links.get("next") or {}).get("url"), None

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"floor: {method} {url} -> {response.status_code}")
        return response

    def create(self) -> float:
        """Seconds to send what a create of the stack sends."""
        start = time.perf_counter()
        self._send("GET", f"{self.admin}/")  # the providers' version lookup
        self._send("GET", f"{self.admin}/workspaces/default")  # the WorkspacePortal's read
        service_ids = {svc["name"]: self._service(svc) for svc in self.services}
        for dev in self.developers:
            self._developer(dev, service_ids)
        return time.perf_counter() - start

    def _service(self, svc: Mapping[str, Any]) -> str:
        sid = _id("service", svc["name"])
        oidc = svc.get("openidConnect") or {}
        config = openid_connect(
            issuer=self.issuer,
            scopes_required=oidc.get("scopes_required"),
            **(oidc.get("extra") or {}),
        )
        registration = application_registration(**svc["applicationRegistration"])
        route = {"name": f"{svc['name']}-route", "service": {"id": sid}, **svc.get("route", {})}
        for collection, object_id, body in (
            ("services", sid, {"name": svc["name"], "url": svc["url"]}),
            ("routes", _id("route", svc["name"]), route),
            (
                "plugins",
                _id("oidc", svc["name"]),
                {"name": "openid-connect", "service": {"id": sid}, "config": config},
            ),
            (
                "plugins",
                _id("registration", svc["name"]),
                {
                    "name": "application-registration",
                    "service": {"id": sid},
                    "config": registration,
                },
            ),
        ):
            self._send("PUT", f"{self.admin}/{collection}/{object_id}", json=body)
            self.made.append(f"{collection}/{object_id}")
        return sid

    def _developer(self, dev: Mapping[str, Any], service_ids: Mapping[str, str]) -> None:
        dev_id = _id("developer", dev["email"])
        clients = []
        for app in dev["apps"]:
            name = f"{app['name']} (floor)"
            # the look-up for a client a killed run left, then the registration
            self._leftover_lookup(name)
            body = {
                "client_name": name,
                "grant_types": ["client_credentials"],
                "response_types": [],
                "application_type": "service",
                "token_endpoint_auth_method": "client_secret_basic",
            }
            client = self._send("POST", self.registration, headers=self.issuer_auth, json=body)
            clients.append(client.json()["client_id"])
        self.clients += clients
        meta = json.dumps({"full_name": dev["fullName"]})
        body = {"id": dev_id, "email": dev["email"], "meta": meta, "status": 0}
        self._send("POST", f"{self.admin}/developers", json=body)
        self.made.append(f"developers/{dev_id}")
        for app, client_id in zip(dev["apps"], clients, strict=True):
            app_id = _id("application", dev["email"], app["name"])
            body = {"id": app_id, "name": app["name"], "custom_id": client_id}
            self._send("POST", f"{self.admin}/developers/{dev_id}/applications", json=body)
            self.made.append(f"applications/{app_id}")
            for contract in app["services"]:
                service = contract if isinstance(contract, str) else contract["service"]
                body = {"service": {"id": service_ids[service]}, "status": 0}
                instance = self._send(
                    "POST", f"{self.admin}/applications/{app_id}/application_instances", json=body
                ).json()
                self.made.append(f"applications/{app_id}/application_instances/{instance['id']}")

    def refresh(self) -> float:
        """Seconds to GET every object once."""
        start = time.perf_counter()
        self._send("GET", f"{self.admin}/workspaces/default")
        for path in self.made:
            self._send("GET", f"{self.admin}/{path}")
        for client_id in self.clients:
            self._send("GET", f"{self.registration}/{client_id}", headers=self.issuer_auth)
        return time.perf_counter() - start

    def destroy(self) -> float:
        """Seconds to DELETE every object once, dependents first."""
        start = time.perf_counter()
        for path in reversed(self.made):
            self._send("DELETE", f"{self.admin}/{path}")
        for client_id in self.clients:
            self._send("DELETE", f"{self.registration}/{client_id}", headers=self.issuer_auth)
        self.made, self.clients = [], []
        return time.perf_counter() - start
