"""The sandbox's `GET /oauth2/v1/clients` pages and searches as Okta's does.

Okta's Dynamic Client Registration API, "List all Client Applications"
(developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/Client/): query parameters `q`
("Searches the client_name property of clients for matching value"; a startsWith match),
`limit` (1 to 200, default 20) and `after` (an opaque cursor taken from the `Link` header's
`rel="next"`). A sandbox that answered every client at once hid two bugs: the provider read
one page where Okta pages, and each registration listed the whole issuer (quadratic)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.issuer import IssuerSettings, create_issuer_app
from sandbox.issuer.paging import every_item
from tests.sandbox_flow.servers import serve

TOKEN = "paging-idp-token"
AUTH = {"Authorization": f"SSWS {TOKEN}"}
SERVICE = {"grant_types": ["client_credentials"], "application_type": "service"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with serve(create_issuer_app(IssuerSettings.build(idp_api_token=TOKEN))) as url:
        endpoint = f"{url}/oauth2/v1/clients"
        for i in range(45):
            name = f"alpha-{i:02d}" if i < 25 else f"beta-{i:02d}"
            r = httpx.post(endpoint, json={"client_name": name, **SERVICE}, headers=AUTH)
            assert r.status_code == 201, r.text
        yield endpoint


def test_default_page_is_20_with_a_next_link(endpoint: str) -> None:
    r = httpx.get(endpoint, headers=AUTH)
    assert r.status_code == 200
    assert [c["client_name"] for c in r.json()] == [f"alpha-{i:02d}" for i in range(20)]
    assert r.links["self"]["url"].endswith("/oauth2/v1/clients")
    follow = httpx.get(r.links["next"]["url"], headers=AUTH)
    assert [c["client_name"] for c in follow.json()][:5] == [
        f"alpha-{i:02d}" for i in range(20, 25)
    ]


def test_q_is_a_startswith_search_on_client_name(endpoint: str) -> None:
    r = httpx.get(endpoint, params={"q": "BETA-", "limit": "200"}, headers=AUTH)
    assert [c["client_name"] for c in r.json()] == [f"beta-{i:02d}" for i in range(25, 45)]
    assert "next" not in r.links
    assert httpx.get(endpoint, params={"q": "lpha"}, headers=AUTH).json() == []


def test_pages_follow_with_the_query_kept(endpoint: str) -> None:
    first = httpx.get(endpoint, params={"q": "alpha", "limit": "10"}, headers=AUTH)
    names = [c["client_name"] for c in first.json()]
    url = first.links["next"]["url"]
    assert "q=alpha" in url and "limit=10" in url and "after=" in url
    while url:
        page = httpx.get(url, headers=AUTH)
        names += [c["client_name"] for c in page.json()]
        url = page.links.get("next", {}).get("url")
    assert names == [f"alpha-{i:02d}" for i in range(25)]


def test_limit_is_capped_at_200_and_must_be_a_positive_integer(endpoint: str) -> None:
    assert len(httpx.get(endpoint, params={"limit": "1000"}, headers=AUTH).json()) == 45
    for bad in ("0", "-3", "ten"):
        r = httpx.get(endpoint, params={"limit": bad}, headers=AUTH)
        assert r.status_code == 400, bad
        assert r.json()["errorCode"] == "E0000001"


def test_every_item_reads_all_pages(endpoint: str) -> None:
    names = [c["client_name"] for c in every_item(endpoint, AUTH)]
    assert len(names) == 45 and len(set(names)) == 45
