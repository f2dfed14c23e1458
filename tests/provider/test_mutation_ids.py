"""The Kong ids this package derives (`KongProvider._new_id`), pinned across releases.

A create repeated after a killed `pulumi up` finds the object its first attempt wrote by the id
derived from the resource's identity; when the killed run was made by an earlier release, the
next release must derive the same id, or the object is refused as someone else's. So the ids
for a fixed identity are pinned here: a change to the derivation fails this test (and needs a
migration note), whatever it is.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from providers import kong_dynamic as kd

SEED = "test::kong-okta-portal::pulumi-python:dynamic/kong:X::x"
PINNED = [
    (kd.ServiceProvider, {"name": "orders"}, "2bbe69b8-7ed2-5a88-9f63-a0eb18459e5f"),
    (kd.RouteProvider, {"name": "r", "service_id": "s1"}, "2e0d2c3c-e917-569d-b348-50ee70e69db7"),
    (kd.PluginProvider, {"name": "openid-connect", "service_id": "s1"},
     "dbaad4e7-b9d3-54c0-a183-b1740a8e38cb"),
    (kd.DeveloperProvider, {"email": "ada@example.com"}, "e36a185c-8a75-5432-8dd5-647efa00b6d3"),
    (kd.ApplicationProvider, {"developer_id": "d1", "name": "a", "custom_id": "c"},
     "f117ec19-a09a-591f-813a-11b5d84d5add"),
    (kd.ApplicationInstanceProvider, {"application_id": "a1", "service_id": "s1"},
     "019afbbc-57b3-586d-a39c-508b032d2f15"),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "inputs", "pinned"), PINNED)
def test_derived_ids_are_those_earlier_releases_derived(
    provider: type[kd.KongProvider], inputs: dict[str, Any], pinned: str
) -> None:
    assert provider()._new_id({**inputs, kd.ID_SEED: SEED}) == pinned


def test_only_replacing_values_and_the_identity_change_the_id() -> None:
    p = kd.PluginProvider()
    base = {"name": "openid-connect", "service_id": "s1", "config": {"a": 1}, kd.ID_SEED: SEED}
    same = p._new_id(base)
    assert p._new_id({**base, "config": {"a": 2}, "enabled": False}) == same
    assert p._new_id({**base, "service_id": "s2"}) != same
    assert p._new_id({**base, "route_id": "r1"}) != same
    assert p._new_id({**base, kd.ID_SEED: SEED + "2"}) != same
    # the same identity in another kind is another object
    assert kd.RouteProvider()._new_id({"service_id": "s1", kd.ID_SEED: SEED}) != same


@pytest.mark.parametrize("seed", [None, "", 7])
def test_without_an_identity_ids_are_random(seed: Any) -> None:
    p = kd.ServiceProvider()
    ids = {p._new_id({"name": "orders", kd.ID_SEED: seed}) for _ in range(3)}
    assert len(ids) == 3
    assert all(uuid.UUID(i).version == 4 for i in ids)
