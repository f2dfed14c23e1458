"""A create repeated by a new provider process (after a killed `pulumi up`) finds its own object.

Each resource carries an `id_seed` derived from its identity in the stack; the Kong id is
derived from it, so the second process writes to, or finds, the object the first one committed,
while an object made by anyone else (another seed) still needs `adopt=True`.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

import pulumi
import pytest
from pulumi.dynamic import CreateResult

from providers import kong_dynamic as kd
from providers import kong_providers
from providers.kong_admin import KongAdminClient, KongAdminError, RetryPolicy
from tests.provider.conftest import Kong
from tests.provider.test_provider_sandbox import ISSUER, ONE_EACH, counts

ONE_TRY = RetryPolicy(attempts=1)


def seed(name: str, stack: str = "dev") -> str:
    return str(uuid.uuid5(kd.ID_NAMESPACE, f"{stack}::kong-okta-portal::{name}"))


def create_in_killed_process(
    kong: Kong, cls: type[kd.KongProvider], inputs: dict[str, Any], prefix: str
) -> None:
    """The first process: its write is committed, the response dropped, and it dies (one try)."""
    kong.fault(drop=True, methods=["PUT", "POST"], path_prefix=prefix, count=1)
    provider = kong.provider(cls)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            kong_providers, "KongAdminClient", functools.partial(KongAdminClient, retry=ONE_TRY)
        )
        with pytest.raises(KongAdminError, match="failed after 1 attempts"):
            provider.create(dict(inputs))


def create_twice(
    kong: Kong, cls: type[kd.KongProvider], inputs: dict[str, Any], prefix: str
) -> CreateResult:
    create_in_killed_process(kong, cls, inputs, prefix)
    return kong.provider(cls).create(dict(inputs))  # the next process, a new instance


def test_next_process_takes_over_what_the_killed_one_committed(kong: Kong) -> None:
    svc = create_twice(
        kong,
        kd.ServiceProvider,
        {"name": "orders", "url": "http://127.0.0.1:9/orders", "id_seed": seed("svc")},
        "/services",
    )
    route = create_twice(
        kong,
        kd.RouteProvider,
        {"name": "orders-route", "service_id": svc.id, "paths": ["/o"], "id_seed": seed("route")},
        "/routes",
    )
    oidc = create_twice(
        kong,
        kd.PluginProvider,
        {
            "name": "openid-connect",
            "service_id": svc.id,
            "config": kd.openid_connect(issuer=ISSUER),
            "id_seed": seed("oidc"),
        },
        "/plugins",
    )
    kong.provider(kd.PluginProvider).create(
        {
            "name": "application-registration",
            "service_id": svc.id,
            "config": kd.application_registration(display_name="Orders", auto_approve=True),
            "id_seed": seed("reg"),
        }
    )
    dev = create_twice(
        kong,
        kd.DeveloperProvider,
        {
            "email": "ada@example.com",
            "meta": json.dumps({"full_name": "Ada"}),
            "id_seed": seed("d"),
        },
        "/developers",
    )
    app_inputs = {"developer_id": dev.id, "name": "ada-app", "custom_id": "0oa-1"}
    app = create_twice(
        kong, kd.ApplicationProvider, {**app_inputs, "id_seed": seed("app")}, "/developers"
    )
    inst = create_twice(
        kong,
        kd.ApplicationInstanceProvider,
        {"application_id": app.id, "service_id": svc.id, "status": 0, "id_seed": seed("i")},
        "/applications",
    )
    faults = [r for r in kong.new_requests() if r["fault"] == "drop"]
    assert len(faults) == 6  # every first write committed and its answer lost
    assert counts(kong) == ONE_EACH
    # the ids the second process returned are the objects that exist
    assert [s["id"] for s in kong.rows("/services")] == [svc.id]
    assert [r["id"] for r in kong.rows("/routes")] == [route.id]
    assert oidc.id in {p["id"] for p in kong.rows("/plugins")}
    assert [d["id"] for d in kong.rows("/developers")] == [dev.id]
    assert [a["id"] for a in kong.rows("/applications")] == [app.id]
    instances = kong.rows(f"/applications/{app.id}/application_instances")
    assert [i["id"] for i in instances] == [inst.id] and inst.outs["status"] == 0


def test_object_of_another_stack_still_needs_adopt(kong: Kong) -> None:
    svc_inputs = {"name": "orders", "url": "http://127.0.0.1:9/orders"}
    dev_inputs = {"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"})}
    kong.provider(kd.ServiceProvider).create({**svc_inputs, "id_seed": seed("svc", "prod")})
    dev = kong.provider(kd.DeveloperProvider).create({**dev_inputs, "id_seed": seed("d", "prod")})
    kong.provider(kd.ApplicationProvider).create(
        {"developer_id": dev.id, "name": "a", "custom_id": "0oa-x", "id_seed": seed("a", "prod")}
    )
    with pytest.raises(KongAdminError, match="'orders'.*adopt=True"):
        kong.provider(kd.ServiceProvider).create({**svc_inputs, "id_seed": seed("svc")})
    with pytest.raises(KongAdminError, match="ada@example.com.*adopt=True"):
        kong.provider(kd.DeveloperProvider).create({**dev_inputs, "id_seed": seed("d")})
    with pytest.raises(KongAdminError, match="custom_id '0oa-x'.*adopt=True"):
        kong.provider(kd.ApplicationProvider).create(
            {"developer_id": dev.id, "name": "a", "custom_id": "0oa-x", "id_seed": seed("a")}
        )
    held = counts(kong)
    assert (held["services"], held["developers"], held["applications"]) == (1, 1, 1)


def test_taken_over_object_gets_the_inputs_of_the_next_run(kong: Kong) -> None:
    # The killed run registered the app with one client_id; the identity client was
    # registered again before the next run, so its Reference Id changed.
    dev = kong.provider(kd.DeveloperProvider).create(
        {"email": "ada@example.com", "meta": json.dumps({"full_name": "Ada"}), "id_seed": seed("d")}
    )
    app_seed = seed("app")
    first = {"developer_id": dev.id, "name": "ada-app", "custom_id": "0oa-old", "id_seed": app_seed}
    create_in_killed_process(kong, kd.ApplicationProvider, first, "/developers")
    again = kong.provider(kd.ApplicationProvider).create({**first, "custom_id": "0oa-new"})
    assert [(a["id"], a["custom_id"]) for a in kong.rows("/applications")] == [
        (again.id, "0oa-new")
    ]
    assert again.outs["custom_id"] == "0oa-new"


def test_id_seed_never_shows_in_a_diff_and_replacements_get_new_ids() -> None:
    route = kd.RouteProvider()
    olds = {"name": "r", "service_id": "s1", "paths": ["/a"], "kong_id": "x"}
    news = {"name": "r", "service_id": "s1", "paths": ["/a"], "id_seed": seed("route")}
    assert route.diff("x", olds, news).changes is False
    assert route.diff("x", {**olds, "id_seed": seed("old")}, news).changes is False
    same = route._new_id(news)
    assert route._new_id(dict(news)) == same  # the same in every process
    moved = route._new_id({**news, "service_id": "s2"})
    assert moved != same  # a replacement never lands on the object it replaces
    assert uuid.UUID(same).version == 5
    assert kd.ServiceProvider()._new_id({"name": "r", "id_seed": seed("route")}) != same
    # without a seed (no Pulumi program around) every call picks a new random id
    assert route._new_id({"name": "r"}) != route._new_id({"name": "r"})


def _seeds_of_a_program_run(stack: str) -> list[tuple[str, str, str]]:
    from tests.program import mocks

    recorded = mocks.install()
    pulumi.runtime.set_mocks(recorded, project=mocks.PROJECT, stack=stack, preview=False)

    def program() -> None:
        parent = pulumi.ComponentResource("kong-okta-portal:portal:PortalDeveloper", "ada")
        child = pulumi.ResourceOptions(parent=parent)
        kd.Service("orders", name="orders", url="http://127.0.0.1:9/orders")
        kd.Developer("ada-developer", email="ada@example.com", opts=child)
        kd.Developer("ada-developer", email="ada@example.com")

    mocks.run(program)
    return sorted(  # registration order varies: compare as a sorted list
        (r.typ, r.name, r.inputs["id_seed"])
        for r in recorded.resources
        if r.typ.startswith("pulumi-python:dynamic/kong:")
    )


def test_program_gives_each_resource_a_stable_seed_of_its_own() -> None:
    first, again, other_stack = (_seeds_of_a_program_run(s) for s in ("dev", "dev", "prod"))
    assert first == again  # the same in every run of the program
    seeds = {seed for _typ, _name, seed in first}
    assert len(first) == 3 and len(seeds) == 3  # one each; the parent is part of the identity
    assert not seeds & {seed for _typ, _name, seed in other_stack}
