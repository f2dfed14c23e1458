"""The engine-only baseline: a Pulumi dynamic resource whose provider makes no requests.

Measured beside the real stack, it separates the engine's own cost per resource (gRPC, state
checkpoints, the Python dynamic-provider host) from ours (HTTP to Kong and the issuer).
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

# the same SDK workaround as our providers, so the baseline passes the same cliff
import providers.pickle_chain  # noqa: F401

_KEYS = ("label", "after")


class NoopProvider(ResourceProvider):
    """Creates, reads and deletes nothing anywhere; ids are random like Kong's."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=any(olds.get(k) != news.get(k) for k in _KEYS))

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = {k: props.get(k) for k in _KEYS}
        return CreateResult(str(uuid.uuid4()), outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class NoopObject(Resource, module="bench", name="Noop"):
    """One baseline object; `after` makes it depend on other objects (like Kong references)."""

    label: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        after: pulumi.Input[list[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            NoopProvider(), resource_name, {"label": resource_name, "after": after}, opts
        )


BASELINE_PROGRAM = '''\
"""Baseline: the same number of dynamic resources, with the same dependency shape per app."""

import asyncio

import pulumi

from bench.noop import NoopObject
from providers import program_gc, sdk_logs

# the same program settings as the real program: the engine's own cost is what is left
sdk_logs.quiet()
program_gc.tune()

config = pulumi.Config()
apps = config.require_int("apps")
per_app = config.require_int("perApp")
fixed = config.require_int("fixed")

# fixed objects (services, routes, plugins): half are roots, half need one root each (depth 2)
roots = [NoopObject(f"fixed-{i}") for i in range((fixed + 1) // 2)]
for i in range(fixed // 2):
    NoopObject(f"fixed-dep-{i}", after=[roots[i % len(roots)].id])
root_ids = [roots[0].id] if roots else None

for a in range(apps):
    # per app: independent objects (identity client, developer), then one that needs them all
    # (the portal application), then one that needs that and a service (the contract).
    independent = [NoopObject(f"app-{a}-{j}") for j in range(max(per_app - 2, 0))]
    if per_app >= 2:
        joined = NoopObject(f"app-{a}-join", after=[o.id for o in independent] or None)
        NoopObject(f"app-{a}-last", after=[joined.id, *(root_ids or [])])
    elif per_app == 1:
        NoopObject(f"app-{a}-only", after=root_ids)


async def start_registrations() -> None:
    # as the real program does: the SDK's wait is quadratic without it (see __main__.py)
    await asyncio.sleep(0)


pulumi.run(start_registrations)
'''
