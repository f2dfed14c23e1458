"""The real program under Pulumi mocks as a gateway or a portal stack (the okta path, whose
plugin cannot run here): every registration, the stack's outputs, and a StackReference that
answers with a gateway stack's outputs."""

from __future__ import annotations

import copy
import json
import runpy
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from tests.program import configs
from tests.program.mocks import PROJECT, RecordingMocks, run
from tests.support.pulumi import REPO_ROOT

GATEWAY_REF = "organization/kong-okta-portal/gateway"


class GatewayMocks(RecordingMocks):
    """RecordingMocks whose StackReference reads `gateway_outputs` (a gateway stack's)."""

    def __init__(self, gateway_outputs: dict[str, Any] | None) -> None:
        super().__init__()
        self.gateway_outputs = gateway_outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {
                "name": args.inputs.get("name"),
                "outputs": self.gateway_outputs or {},
                "secretOutputNames": [],
            }
        return super().new_resource(args)


class AliasMonitor(MockMonitor):
    """The mock monitor, also keeping each registration's alias URNs by resource name."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.aliases: dict[str, list[str]] = {}

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method's name
        self.aliases[request.name] = [a.urn for a in request.aliases if a.urn]
        return super().RegisterResource(request)


@dataclass
class Ran:
    """One run of the program: its registrations, aliases and stack outputs, resolved."""

    mocks: GatewayMocks
    monitor: AliasMonitor
    outputs: dict[str, Any] = field(default_factory=dict)


def run_program(
    cfg: dict[str, Any],
    gateway_outputs: dict[str, Any] | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> Ran:
    """`__main__.py` with `cfg` as the stack's config, under mocks; SystemExit propagates.
    Its `pulumi.export`s are recorded (under mocks the SDK registers no stack outputs)."""
    mocks = GatewayMocks(gateway_outputs)
    ran = Ran(mocks, AliasMonitor(mocks))
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack="test", preview=False, monitor=ran.monitor
    )
    pulumi.runtime.set_all_config(
        {f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    )
    exported: dict[str, Any] = {}
    patch = monkeypatch or pytest.MonkeyPatch()
    patch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))

    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(REPO_ROOT / "__main__.py"))
        return pulumi.Output.from_input(exported).apply(ran.outputs.update)

    try:
        run(program)
    finally:
        if monkeypatch is None:
            patch.undo()
    return ran


def okta_gateway(flows: list[str] | None = None) -> dict[str, Any]:
    """The okta test config as a gateway stack: its services, no developers."""
    cfg = configs.okta()
    del cfg["developers"]
    cfg["split"] = {"role": "gateway", **({"flows": flows} if flows is not None else {})}
    return cfg


def okta_portal(developers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The okta test config's developers as a portal stack of GATEWAY_REF."""
    base = configs.okta()
    return {
        "identity": {"provider": "okta"},
        "kong": copy.deepcopy(base["kong"]),
        "developers": developers if developers is not None else base["developers"],
        "split": {"role": "portal", "gatewayStack": GATEWAY_REF},
    }
