"""A sandbox per module and a small portal in it, built over the Admin API and RFC 7591.

`Portal.add_app` registers a client like the identity component does, creates the portal
application (`custom_id` = client_id) and its contracts, and records the app in `outputs`, in
the shape the program exports, so verify runs against the sandbox exactly as after `pulumi up`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sandbox.issuer.paging import every_item
from sandbox.launch import SandboxProcess, start_sandbox
from verify.user_flows import SignInUser

PORTS = ["--proxy-port", "0", "--issuer-port", "0", "--upstream-port", "0"]
WEB_REDIRECT = "http://localhost:3000/callback"
SPA_REDIRECT = "http://localhost:5173/callback"
STATUS = {"approved": 0, "pending": 1}


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), (response.status_code, response.text)
    return response.json() if response.content else {}


@dataclass
class Portal:
    admin: httpx.Client
    urls: dict[str, Any]
    developer_id: str
    service_ids: dict[str, str]
    outputs: dict[str, Any] = field(default_factory=dict)
    instances: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def user(self) -> SignInUser:
        return SignInUser(self.urls["test_user"], self.urls["test_user_password"])

    def register(self, name: str, kind: str, redirect: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"client_name": name}
        if kind == "service":
            body |= {
                "application_type": "service",
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        elif kind == "implicit":
            body |= {
                "application_type": "browser",
                "grant_types": ["implicit"],
                "response_types": ["token"],
                "redirect_uris": [redirect],
                "token_endpoint_auth_method": "none",
            }
        else:
            body |= {
                "application_type": kind,
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "redirect_uris": [redirect],
                "token_endpoint_auth_method": "none"
                if kind == "browser"
                else "client_secret_basic",
            }
        headers = {"Authorization": f"SSWS {self.urls['idp_api_token']}"}
        return ok(httpx.post(self.urls["registration"], json=body, headers=headers), 201)

    def add_app(
        self,
        name: str,
        kind: str,
        access: dict[str, str],
        *,
        redirect: str | None = None,
        exported_redirect: str | None = None,
    ) -> dict[str, Any]:
        """`kind`: service (client credentials), web (code + secret), browser (PKCE SPA) or
        implicit (a browser app on the implicit grant)."""
        redirect = redirect or (WEB_REDIRECT if kind == "web" else SPA_REDIRECT)
        client = self.register(name, kind, None if kind == "service" else redirect)
        app = ok(
            self.admin.post(
                f"/developers/{self.developer_id}/applications",
                json={"name": name, "custom_id": client["client_id"]},
            ),
            201,
        )
        for service, status in access.items():
            instance = ok(
                self.admin.post(
                    f"/applications/{app['id']}/application_instances",
                    json={"service": {"id": self.service_ids[service]}, "status": STATUS[status]},
                ),
                201,
            )
            self.instances[(name, service)] = f"{app['id']}/application_instances/{instance['id']}"
        flow = {"service": "client_credentials", "implicit": "implicit"}.get(
            kind, "authorization_code"
        )
        self.outputs["apps"][name] = {
            "clientId": client["client_id"],
            "flow": flow,
            "developer": "dev@example.com",
            "access": {s: access.get(s, "none") for s in self.service_ids},
            "redirectUris": [] if kind == "service" else [exported_redirect or redirect],
            "tokenEndpointAuthMethod": client["token_endpoint_auth_method"],
        }
        self.outputs["clientSecrets"][name] = client.get("client_secret")
        return client

    def set_contract(self, app: str, service: str, status: int) -> None:
        """PATCH the contract's status as a portal admin would (3 = revoked)."""
        path = self.instances[(app, service)]
        ok(self.admin.patch(f"/applications/{path}", json={"status": status}))


@pytest.fixture(scope="module")
def portal_sandbox() -> Iterator[SandboxProcess]:
    with start_sandbox(PORTS) as sandbox:
        yield sandbox


@pytest.fixture
def portal(portal_sandbox: SandboxProcess) -> Iterator[Portal]:
    """Two services as in the local stack: orders, and billing with a required scope."""
    urls = portal_sandbox.urls
    with httpx.Client(base_url=urls["admin"], timeout=10) as admin:
        ok(admin.post("/_sandbox/reset"))
        for client in every_item(
            urls["registration"], {"Authorization": f"SSWS {urls['idp_api_token']}"}
        ):
            httpx.delete(
                f"{urls['registration']}/{client['client_id']}",
                headers={"Authorization": f"SSWS {urls['idp_api_token']}"},
            )
        ok(
            admin.patch(
                "/workspaces/default",
                json={"config": {"portal": True, "portal_auth": "openid-connect"}},
            )
        )
        service_ids = {}
        for name, extra in (
            ("orders", {}),
            ("billing", {"scopes_required": ["portal_api"], "scopes_claim": ["scp"]}),
        ):
            svc = ok(admin.post("/services", json={"name": name, "url": urls["upstream"]}))
            service_ids[name] = svc["id"]
            ok(admin.post(f"/services/{name}/routes", json={"name": name, "paths": [f"/{name}"]}))
            oidc = {
                "issuer": urls["issuer"],
                "auth_methods": ["bearer"],
                "consumer_claim": ["application_id"],
                "consumer_by": ["custom_id"],
                "verify_parameters": False,
                **extra,
            }
            ok(
                admin.post(
                    f"/services/{name}/plugins", json={"name": "openid-connect", "config": oidc}
                )
            )
            ok(
                admin.post(
                    f"/services/{name}/plugins",
                    json={"name": "application-registration", "config": {"display_name": name}},
                )
            )
        developer = ok(
            admin.post(
                "/developers",
                json={
                    "email": "dev@example.com",
                    "meta": json.dumps({"full_name": "Dev"}),
                    "status": 0,
                },
            )
        )
        outputs: dict[str, Any] = {
            "issuer": urls["issuer"],
            "tokenEndpoint": urls["issuer"] + "/v1/token",
            "scopes": ["portal_api"],
            "claimName": "application_id",
            "services": {
                name: {"proxyUrl": f"{urls['proxy']}/{name}", "method": "GET", "host": None}
                for name in service_ids
            },
            "apps": {},
            "clientSecrets": {},
        }
        yield Portal(admin, urls, developer["id"], service_ids, outputs)
