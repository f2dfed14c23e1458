"""Discover reads every client of the issuer, not only Okta's first page (20 by default)."""

from __future__ import annotations

import httpx

from discover.sources import dcr_clients
from sandbox.issuer import IssuerSettings, create_issuer_app
from tests.sandbox_flow.servers import serve

TOKEN = "discover-paging-token"


def test_dcr_clients_follows_every_page() -> None:
    with serve(create_issuer_app(IssuerSettings.build(idp_api_token=TOKEN))) as url:
        endpoint = f"{url}/oauth2/v1/clients"
        made = set()
        for i in range(205):
            r = httpx.post(
                endpoint,
                json={"client_name": f"app-{i}", "grant_types": ["client_credentials"]},
                headers={"Authorization": f"SSWS {TOKEN}"},
            )
            assert r.status_code == 201, r.text
            made.add(r.json()["client_id"])
        found = dcr_clients(endpoint, TOKEN)
    assert {c.client_id for c in found} == made
    assert len(found) == 205
