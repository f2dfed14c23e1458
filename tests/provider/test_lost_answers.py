"""Writes whose answer is lost after Kong committed them, and what refresh keeps.

A gateway or load balancer in front of Kong may answer 502/504 although Kong committed the
write (the sandbox's `commit` fault). The Admin API client flags such a retried write as
possibly applied, so a provider that meets "already exists" on the retry takes the object over
instead of refusing it as someone else's.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from providers import kong_dynamic as kd
from providers import kong_providers
from providers.kong_admin import KongAdminClient, KongAdminError, KongAdminSettings, RetryPolicy
from tests.provider.conftest import Kong
from tests.provider.test_provider_sandbox import ONE_EACH, build_all, counts

BODY = {"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})}
FAST = RetryPolicy(attempts=4, max_seconds=30, backoff_initial=0.001, backoff_max=0.01)


def client(kong: Kong, transport: httpx.BaseTransport | None = None) -> KongAdminClient:
    return KongAdminClient(KongAdminSettings(admin_url=kong.admin), retry=FAST, transport=transport)


@pytest.mark.parametrize("status", [502, 504])
def test_write_committed_then_gateway_error_is_flagged_possibly_applied(
    kong: Kong, status: int
) -> None:
    kong.fault(status=status, commit=True, methods=["POST"], path_prefix="/developers", count=1)
    with client(kong) as admin:
        response = admin.request("POST", "/developers", json_body=BODY, allow=(409,))
        assert admin.attempts == 2
        assert admin.ambiguous_retry is True
    # the retry met the object the first attempt committed: there is exactly one
    assert response.status_code == 409
    assert [d["email"] for d in kong.rows("/developers")] == ["ada@example.com"]
    posts = [r for r in kong.new_requests() if r["method"] == "POST"]
    assert [(r["fault"], r["status"]) for r in posts] == [(f"commit:{status}", 200), (None, 409)]


def test_a_503_is_retried_but_not_flagged(kong: Kong) -> None:
    # 503 means Kong did not take the request: a retry that meets an object is not ours
    kong.fault(status=503, methods=["POST"], path_prefix="/developers", count=1)
    with client(kong) as admin:
        response = admin.request("POST", "/developers", json_body=BODY)
        assert (response.status_code, admin.attempts) == (200, 2)
        assert admin.ambiguous_retry is False
    assert len(kong.rows("/developers")) == 1


@pytest.mark.parametrize("status", [502, 504])
def test_every_create_survives_a_committed_write_answered_by_a_gateway_error(
    kong: Kong, status: int
) -> None:
    for prefix in ("/services", "/routes", "/plugins", "/developers", "/applications"):
        kong.fault(status=status, commit=True, methods=["PUT", "POST"], path_prefix=prefix, count=1)
    objs = build_all(kong)
    log = kong.new_requests()
    assert sum(1 for r in log if r["fault"] == f"commit:{status}") == 5
    assert counts(kong) == ONE_EACH
    assert [d["id"] for d in kong.rows("/developers")] == [objs["developer"].id]
    assert [a["id"] for a in kong.rows("/applications")] == [objs["application"].id]


class OwnIds(httpx.BaseTransport):
    """The sandbox reached over HTTP, as a Kong that picks its own developer ids (drops the
    client-chosen one): then only the possibly-applied flag tells our retry from a stranger."""

    def __init__(self) -> None:
        self._http = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/developers":
            body = json.loads(request.content)
            body.pop("id", None)
            headers = {k: v for k, v in request.headers.items() if k != "content-length"}
            request = httpx.Request(request.method, request.url, headers=headers, json=body)
        return self._http.handle_request(request)

    def close(self) -> None:
        self._http.close()


@pytest.mark.parametrize("status", [502, 504])
def test_create_takes_over_its_own_write_when_kong_chose_the_id(
    kong: Kong, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def own_ids_client(settings: KongAdminSettings, **kwargs: Any) -> KongAdminClient:
        return KongAdminClient(settings, retry=FAST, transport=OwnIds())

    monkeypatch.setattr(kong_providers, "KongAdminClient", own_ids_client)
    kong.fault(status=status, commit=True, methods=["POST"], path_prefix="/developers", count=1)
    inputs = {"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})}
    created = kong.provider(kd.DeveloperProvider).create(dict(inputs))
    assert [d["id"] for d in kong.rows("/developers")] == [created.id]

    # without a lost answer, the same clash is someone else's developer: adopt=True is needed
    kong.http.delete(f"/developers/{created.id}").raise_for_status()
    kong.http.post("/developers", json=inputs).raise_for_status()
    with pytest.raises(KongAdminError, match="adopt=True"):
        kong.provider(kd.DeveloperProvider).create(dict(inputs))


def test_a_read_reports_managed_fields_only_not_kongs_timestamps(kong: Kong) -> None:
    """Kong bumps `updated_at` for fields no stack manages; the outputs leave the timestamps
    out (states of earlier versions lose theirs at the next refresh, which the engine does not
    count as a change: tests/program/test_layout_upgrade.py), and a drifted field still shows."""
    svc = build_all(kong)["service"]
    assert not {"created_at", "updated_at"} & set(svc.outs)
    recorded = {**svc.outs, "created_at": 1_700_000_000, "updated_at": 1_700_000_060}
    kong.http.patch(f"/services/{svc.id}", json={"read_timeout": 1234}).raise_for_status()
    read = svc.provider.read(svc.id, recorded)
    assert read.outs == svc.outs
    assert svc.provider.diff(svc.id, read.outs, svc.inputs).changes is False

    kong.http.patch(f"/services/{svc.id}", json={"tags": ["x"]}).raise_for_status()
    assert svc.provider.read(svc.id, recorded).outs == {**svc.outs, "tags": ["x"]}
