"""The registration provider's look-up of a killed run's leftovers, and answers other than the
sandbox's: the exact switch from searches to one read of the list, every page read, a `next`
link that loops, a 200 to a registration, a registration endpoint as configured, and the
message of an issuer that stays unavailable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers.dcr import SEARCHES_BEFORE_LIST
from providers.settings import KongConnection
from tests.provider.conftest import Recorder
from tests.provider.test_mutation_dcr import (
    CLIENTS,
    ISSUER_URL,
    SUFFIX,
    json_answer,
    provider,
    service,
)


def _issuer(pages: dict[str, tuple[list[Any], str | None]]) -> Any:
    """GETs answered from `pages` (URL without query -> clients, next URL); POSTs register."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            key = str(request.url.copy_with(query=None))
            clients, nxt = pages.get(key, ([], None))
            headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else {}
            return httpx.Response(200, json=clients, headers=headers)
        if request.method == "POST":
            return httpx.Response(201, json={"client_id": "0oaNEW", "client_secret": "s"})
        return httpx.Response(204)

    return answer


def test_the_first_searches_ask_for_each_name_then_one_read_of_the_list_answers(
    wire: dict[str, Any],
) -> None:
    wire["server"] = Recorder(_issuer({}))
    p = provider()
    for i in range(SEARCHES_BEFORE_LIST + 2):
        p.create(service(ISSUER_URL, client_name=f"app-{i}", name_suffix=SUFFIX))
    gets = [dict(r.url.params) for r in wire["server"].requests if r.method == "GET"]
    # exactly SEARCHES_BEFORE_LIST searches by name, then the whole list once, then none
    assert gets[:SEARCHES_BEFORE_LIST] == [
        {"limit": "200", "q": f"app-{i}{SUFFIX}"} for i in range(SEARCHES_BEFORE_LIST)
    ]
    assert gets[SEARCHES_BEFORE_LIST:] == [{"limit": "200"}]


def test_a_search_reads_every_page_and_removes_the_leftovers_on_each(
    wire: dict[str, Any],
) -> None:
    name = "zed" + SUFFIX
    page2 = f"{CLIENTS}?after=0oaB&limit=200"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.params.get("after") == "0oaB":
            return httpx.Response(200, json=[{"client_id": "0oaB", "client_name": name}])
        if request.method == "GET":
            page = [{"client_id": "0oaA", "client_name": name}]
            return httpx.Response(200, json=page, headers={"Link": f'<{page2}>; rel="next"'})
        if request.method == "POST":
            return httpx.Response(201, json={"client_id": "0oaNEW", "client_secret": "s"})
        return httpx.Response(204)

    wire["server"] = Recorder(answer)
    provider().create(service(ISSUER_URL, client_name="zed", name_suffix=SUFFIX))
    deleted = [r.url.path for r in wire["server"].requests if r.method == "DELETE"]
    # the leftover on the first page is removed too, not only the last page's
    assert deleted == ["/oauth2/v1/clients/0oaA", "/oauth2/v1/clients/0oaB"]


def test_a_next_link_back_to_a_page_already_read_ends_the_listing(
    wire: dict[str, Any],
) -> None:
    name = "zed" + SUFFIX
    looped = f"{CLIENTS}?limit=200&q=zed"

    gets: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            gets.append(request)
            # a server that always links to the same page (stop after 5 to fail, not hang)
            headers = {"Link": f'<{looped}>; rel="next"'} if len(gets) < 5 else {}
            return httpx.Response(200, json=[{"client_id": "0oaA", "client_name": name}],
                                  headers=headers)  # fmt: skip
        if request.method == "POST":
            return httpx.Response(201, json={"client_id": "0oaNEW", "client_secret": "s"})
        return httpx.Response(204)

    wire["server"] = Recorder(answer)
    provider().create(service(ISSUER_URL, client_name="zed", name_suffix=SUFFIX))
    # the first page, and the page its link names once; that page's link is not followed again
    assert [str(r.url) for r in gets][1:] == [looped]
    assert len(gets) == 2


def test_a_registration_answered_200_is_accepted(wire: dict[str, Any]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"client_id": "0oa200", "client_secret": "s200"})
        return httpx.Response(200, json=[])

    wire["server"] = Recorder(answer)
    created = provider().create(service(ISSUER_URL, client_name="ok", name_suffix=SUFFIX))
    assert (created.id, created.outs["client_secret"]) == ("0oa200", "s200")


def test_the_registration_endpoint_loses_only_its_trailing_slash(wire: dict[str, Any]) -> None:
    wire["server"] = Recorder(json_answer(204, None))
    provider('{"registrationEndpoint": "https://id.example.com/regX/"}').delete(
        "0oa1", service(ISSUER_URL)
    )
    (request,) = wire["server"].requests
    assert str(request.url) == "https://id.example.com/regX/0oa1"


def test_the_admin_url_loses_only_its_trailing_slash() -> None:
    conn = KongConnection.model_validate({"adminUrl": "https://kong.example.com/adminX/"})
    assert conn.admin_url == "https://kong.example.com/adminX"


def test_an_issuer_that_stays_unavailable_fails_with_its_status(wire: dict[str, Any]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(503, json={"error": "unavailable"})

    wire["server"] = Recorder(answer)
    with pytest.raises(Exception, match=r"^HTTP 503$"):
        provider().create(service(ISSUER_URL, client_name="down", name_suffix=SUFFIX))
    posts = [r for r in wire["server"].requests if r.method == "POST"]
    assert len(posts) == 5  # tried five times before giving up
