"""A create repeated with the same client-chosen id meets Kong's primary-key violation.

The provider takes an object over after a lost response only on this answer (400, code 3), so
it is checked here for every kind the provider creates with an id it chose, each with values
that clash on nothing else (no unique name, email or custom_id in common).

Source: Kong's DAO error table, `kong/db/errors.lua` (Kong/kong):
`PRIMARY_KEY_VIOLATION = 3, -- primary key already exists (HTTP 400)`, named
"primary key violation", message `primary key violation on key '{id="<uuid>"}'`, with the key
as `fields`; the Admin API renders DAO errors as they are (shared/reference/kong-admin-api.md,
"primary-key clash | 400 | code 3"). Developers, applications and application instances are
DAO entities in Kong Enterprise and take the same path as services.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.sandbox.conftest import make_developer, make_service

Create = Callable[[httpx.Client, str, int], httpx.Response]


def service(client: httpx.Client, id_: str, n: int) -> httpx.Response:
    return client.post("/services", json={"id": id_, "name": f"s{n}", "host": "h.test"})


def route(client: httpx.Client, id_: str, n: int) -> httpx.Response:
    sid = make_service(client, f"for-route-{n}")["id"]
    return client.post(
        "/routes", json={"id": id_, "name": f"r{n}", "paths": ["/r"], "service": {"id": sid}}
    )


def plugin(client: httpx.Client, id_: str, n: int) -> httpx.Response:
    sid = make_service(client, f"for-plugin-{n}")["id"]
    config = {"issuer": "http://127.0.0.1:9/oauth2/default"}
    body = {"id": id_, "name": "openid-connect", "service": {"id": sid}, "config": config}
    return client.post("/plugins", json=body)


def developer(client: httpx.Client, id_: str, n: int) -> httpx.Response:
    body = {"id": id_, "email": f"dev{n}@example.com", "meta": json.dumps({"full_name": "D"})}
    return client.post("/developers", json=body)


def application(client: httpx.Client, id_: str, n: int) -> httpx.Response:
    dev = make_developer(client, f"owner{n}@example.com")["id"]
    body = {"id": id_, "name": f"app{n}", "custom_id": f"0oa-{n}"}
    return client.post(f"/developers/{dev}/applications", json=body)


APP_ID = "00000000-0000-4000-8000-0000000000a1"


def application_instance(client: httpx.Client, id_: str, n: int) -> httpx.Response:
    sid = make_service(client, f"for-instance-{n}")["id"]
    registration = {"name": "application-registration", "config": {"display_name": f"S{n}"}}
    client.post(f"/services/{sid}/plugins", json=registration).raise_for_status()
    if client.get(f"/applications/{APP_ID}").status_code == 404:
        dev = make_developer(client, "instances@example.com")["id"]
        body = {"id": APP_ID, "name": "instances", "custom_id": "0oa-instances"}
        client.post(f"/developers/{dev}/applications", json=body).raise_for_status()
    body = {"id": id_, "service": {"id": sid}}
    return client.post(f"/applications/{APP_ID}/application_instances", json=body)


@pytest.mark.parametrize(
    ("create", "listing"),
    [
        (service, "/services"),
        (route, "/routes"),
        (plugin, "/plugins"),
        (developer, "/developers"),
        (application, "/applications"),
        (application_instance, f"/applications/{APP_ID}/application_instances"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_repeated_id_is_a_primary_key_violation(
    portal: httpx.Client, create: Create, listing: str
) -> None:
    id_ = str(uuid.uuid4())
    first = create(portal, id_, 1)
    assert first.status_code in (200, 201), first.text
    assert first.json()["id"] == id_

    again = create(portal, id_, 2)  # other names: only the id clashes
    assert again.status_code == 400, again.text
    assert again.json() == {
        "code": 3,
        "name": "primary key violation",
        "message": f"primary key violation on key '{{id=\"{id_}\"}}'",
        "fields": {"id": id_},
    }
    ids = [row["id"] for row in portal.get(listing, params={"size": 1000}).json()["data"]]
    assert ids.count(id_) == 1
