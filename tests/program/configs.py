"""Valid stack configurations the program tests start from (deep-copied per test)."""

from __future__ import annotations

import copy
from typing import Any

BASE: dict[str, Any] = {
    "kong": {"adminUrl": "http://127.0.0.1:8001"},
    "proxyUrl": "http://127.0.0.1:8000",
    "services": [
        {
            "name": "orders",
            "url": "http://127.0.0.1:9000/orders",
            "route": {"paths": ["/orders"], "methods": ["GET"]},
            "applicationRegistration": {"display_name": "Orders API", "show_issuer": True},
        },
        {
            "name": "billing",
            "url": "https://billing.internal.example/v1",
            "route": {"paths": ["/billing"]},
            "openidConnect": {"scopes_required": ["portal_api"], "extra": {"leeway": 5}},
        },
    ],
    "developers": [
        {
            "email": "ada@example.com",
            "fullName": "Ada Lovelace",
            "apps": [
                {"name": "ada-batch", "flow": "client_credentials", "services": ["orders"]},
                {
                    "name": "ada-web",
                    "flow": "authorization_code",
                    "redirectUris": ["https://ada.example.com/callback"],
                    "services": [{"service": "billing", "status": "pending"}],
                },
            ],
        },
        {
            "email": "grace@example.com",
            "fullName": "Grace Hopper",
            "apps": [
                {
                    "name": "grace-spa",
                    "flow": "implicit",
                    "redirectUris": ["http://localhost:3000/cb"],
                    "services": ["orders", "billing"],
                },
                {
                    "name": "grace-cli",
                    "flow": "authorization_code",
                    "oktaAppType": "native",
                    "redirectUris": ["http://127.0.0.1:7000/cb"],
                },
            ],
        },
    ],
}


def okta() -> dict[str, Any]:
    cfg = copy.deepcopy(BASE)
    cfg["identity"] = {"provider": "okta", "scopes": ["portal_api"]}
    return cfg


def dcr() -> dict[str, Any]:
    cfg = copy.deepcopy(BASE)
    cfg["identity"] = {
        "provider": "dcr",
        "issuer": "http://127.0.0.1:8080/oauth2/default",
        "registrationEndpoint": "http://127.0.0.1:8080/oauth2/v1/clients",
    }
    return cfg
