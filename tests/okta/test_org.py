"""One org address, in process: the management API beside the issuer, which keeps its own
`/api/v1` routes (e.g. `/api/v1/authn`)."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sandbox.okta import OktaOrg, OktaStore, create_okta_app

TOKEN = {"Authorization": "SSWS t"}


async def authn(request: Request) -> Response:
    return PlainTextResponse("issuer")


def test_requests_go_to_the_app_that_serves_the_path() -> None:
    issuer = Starlette(routes=[Route("/api/v1/authn", authn, methods=["POST"])])
    org = OktaOrg(create_okta_app(OktaStore(), "t", "u@example.com"), issuer)

    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=org)
        async with httpx.AsyncClient(transport=transport, base_url="http://org.test") as c:
            return [
                await c.post("/api/v1/authn"),
                await c.get("/api/v1/apps", headers=TOKEN),
                await c.get("/api/v1/groups", headers=TOKEN),
                await c.get("/oauth2/default/v1/keys"),
            ]

    authn_reply, apps, unknown, keys = asyncio.run(calls())
    assert authn_reply.text == "issuer"
    assert apps.json() == []
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "E0000022"
    assert keys.status_code == 404 and keys.text == "Not Found"  # the issuer's own 404
