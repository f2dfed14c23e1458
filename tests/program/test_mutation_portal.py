"""The portal component in a portal stack and in a single stack, under Pulumi mocks (no engine):
which objects it makes, the URNs each answers to (the per-developer layout's, and in a portal
stack the one `pulumi state move` gives it), and the gateway exports it keeps where the policy
pack reads them. And the gateway's openid-connect plugin maps the claim the settings name.

The engine tests in tests/split move apps between stacks for real; these call the component
directly so that the fast suite (and mutation testing) sees it."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.identity import ClientCredentials
from components.portal import LEGACY_DEVELOPER_TYPE, Portal, PortalArgs
from components.settings import parse_settings
from tests.program import configs
from tests.program.mocks import PROJECT, RecordingMocks, RecordingMonitor, install, run

GATEWAY = {
    "stack": "organization/kong-okta-portal/gateway",
    "services": {"orders": {"id": "id-orders", "plugins": ["openid-connect"]}},
    "flows": ["client_credentials", "authorization_code", "implicit"],
}
PORTAL_TYPE = "kong-okta-portal:portal:Portal"
WORKSPACE_TYPE = "pulumi-python:dynamic/kong:WorkspacePortal"


def _portal(gateway: dict[str, Any] | None) -> tuple[RecordingMocks, RecordingMonitor]:
    settings = parse_settings(configs.dcr())
    mocks = install(configs.dcr())

    def program() -> None:
        clients = {
            app.name: ClientCredentials(
                client_id=pulumi.Output.from_input(f"cid-{app.name}"),
                client_secret=pulumi.Output.secret("s"),
            )
            for _dev, app in settings.apps()
        }
        Portal(
            "portal",
            PortalArgs(
                developers=settings.developers,
                clients=clients,
                service_ids={"orders": "id-orders", "billing": "id-billing"},
                workspace_portal=gateway is None,
                gateway=gateway,
            ),
        )

    run(program)
    assert mocks.monitor is not None
    return mocks, mocks.monitor


# (resource name, the per-developer layout's name) of the Kong objects of the test config
OBJECTS = [
    ("portal-ada-example-com-developer", "dev-ada-example-com-developer"),
    ("portal-ada-example-com-app-ada-batch", "dev-ada-example-com-app-ada-batch"),
    ("portal-ada-example-com-app-ada-batch-orders", "dev-ada-example-com-app-ada-batch-orders"),
    ("portal-grace-example-com-developer", "dev-grace-example-com-developer"),
    ("portal-grace-example-com-app-grace-cli", "dev-grace-example-com-app-grace-cli"),
]


def _old(typ: str, legacy_name: str) -> str:
    return f"urn:pulumi:test::{PROJECT}::{LEGACY_DEVELOPER_TYPE}${typ}::{legacy_name}"


def test_portal_stack_objects_answer_to_their_moved_urns_and_no_workspace_portal() -> None:
    mocks, monitor = _portal(GATEWAY)
    for name, legacy in OBJECTS:
        req = monitor.requests[name]
        assert req.parent == "portal"
        assert req.aliases == [
            _old(req.typ, legacy),
            f"urn:pulumi:test::{PROJECT}::{req.typ}::{name}",
        ], name
    # the gateway stack turns the workspace's Dev Portal on, not its portal stacks
    assert [r for r in mocks.resources if r.typ == WORKSPACE_TYPE] == []
    # the gateway's exports stay on the component, where the policy pack reads them
    (component,) = [r for r in mocks.resources if r.typ == PORTAL_TYPE]
    assert component.inputs == {"gateway": GATEWAY}
    assert monitor.outputs["portal"] == {"developers": 2, "applications": 4, "gateway": GATEWAY}


def test_single_stack_objects_answer_to_the_old_layout_only() -> None:
    mocks, monitor = _portal(None)
    for name, legacy in OBJECTS:
        req = monitor.requests[name]
        assert req.aliases == [_old(req.typ, legacy)], name
    (workspace,) = [r for r in mocks.resources if r.typ == WORKSPACE_TYPE]
    assert workspace.name == "portal-workspace" and workspace.inputs["portal"] is True
    assert monitor.requests["portal-ada-example-com-developer"].depends_on == {"portal-workspace"}
    (component,) = [r for r in mocks.resources if r.typ == PORTAL_TYPE]
    assert component.inputs == {}
    assert monitor.outputs["portal"] == {"developers": 2, "applications": 4}


def test_the_openid_connect_plugin_maps_the_claim_the_settings_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = configs.dcr()
    cfg["identity"]["claimName"] = "portal_app"
    monkeypatch.setenv("PREFLIGHT", "off")
    mocks = install(cfg)
    run(lambda: runpy.run_path(str(Path(__file__).parents[2] / "__main__.py")))
    plugins = [
        r.inputs["config"]
        for r in mocks.of_type("pulumi-python:dynamic/kong:Plugin")
        if r.inputs["name"] == "openid-connect"
    ]
    assert len(plugins) == 2
    assert [(p["consumer_claim"], p["consumer_by"]) for p in plugins] == [
        (["portal_app"], ["custom_id"])
    ] * 2
