"""One Pulumi Mocks class for the program tests: records every resource and invoke."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

PROJECT = "kong-okta-portal"
OKTA_ISSUER = "https://dev-1.okta.example/oauth2/default"


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[Registered] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.monitor: RecordingMonitor | None = None  # set by `install`

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        self.resources.append(Registered(args.typ, args.name, inputs))
        outs = dict(args.inputs)
        if args.typ == "okta:app/oAuth:OAuth":
            outs.update(clientId=f"0oa-{args.name}", clientSecret=f"secret-{args.name}")
        elif args.typ == "okta:auth/server:Server":
            outs["issuer"] = f"https://dev-1.okta.example/oauth2/aus-{args.name}"
        elif args.typ == "pulumi-python:dynamic/identity:ClientRegistration":
            outs.update(client_id=f"cid-{args.name}", client_secret=f"secret-{args.name}")
        elif args.typ.startswith("pulumi-python:dynamic/kong:"):
            outs["kong_id"] = f"kong-{args.name}"
        return f"{args.name}-id", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.calls.append((args.token, dict(args.args)))
        if args.token == "okta:auth/getServer:getServer":
            return {"id": "default", "name": "default", "issuer": OKTA_ISSUER}
        return {}

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def named(self, name: str) -> Registered:
        (found,) = [r for r in self.resources if r.name == name]
        return found


@dataclass
class Request:
    """What the engine is told about one resource besides its inputs: options and wiring."""

    typ: str
    parent: str  # the parent's name ("" for the stack)
    retain_on_delete: bool
    import_id: str
    ignore_changes: list[str]
    aliases: list[str]  # alias URNs
    depends_on: set[str]  # names of the resources it waits for


class RecordingMonitor(MockMonitor):
    """The mock monitor, also keeping each registration's options and each component's outputs
    (what `RecordingMocks` cannot see: the SDK's `new_resource` gets the inputs only)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.requests: dict[str, Request] = {}
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        response = super().RegisterResource(request)
        self.requests[request.name] = Request(
            typ=request.type,
            parent=request.parent.rsplit("::", 1)[-1] if request.parent else "",
            retain_on_delete=request.retainOnDelete,
            import_id=request.importId,
            ignore_changes=list(request.ignoreChanges),
            aliases=[a.urn for a in request.aliases if a.urn],
            depends_on={urn.rsplit("::", 1)[-1] for urn in request.dependencies},
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        name = request.urn.rsplit("::", 1)[-1]
        self.outputs[name] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


def install(config: dict[str, Any] | None = None) -> RecordingMocks:
    mocks = RecordingMocks()
    mocks.monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack="test", preview=False, monitor=mocks.monitor
    )
    flat = {
        f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v)
        for k, v in (config or {}).items()
    }
    pulumi.runtime.set_all_config(flat)
    return mocks


def run(fn: Callable[[], Any]) -> None:
    """Run `fn` as a Pulumi program under the installed mocks, waiting for every registration."""

    @pulumi.runtime.test
    def program() -> Any:
        return fn()

    program()
