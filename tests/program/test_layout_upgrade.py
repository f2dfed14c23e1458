"""A stack deployed with the earlier layout upgrades without touching Kong.

The program used to make one `PortalDeveloper` component per developer (children named
`dev-<key>-...`); it now makes one `Portal` component (children `portal-<key>-...`). The
aliases on the portal's children must turn the first `up` after the change into a rename in
state: no Admin API write, no registration, the same Kong objects, and no changes after it.

The providers used to live in `providers.kong_dynamic`, and the state of such a stack names
them there (the engine unpickles them by that path to read, update and delete): a refresh
and an `up` with those pickles work, and the `up` stores the providers' current path.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.harness import SandboxControl
from tests.program.test_engine_local_stack import Inventory, make_project
from tests.support.pulumi import PulumiCLI
from verify.portal_prereq import enable_portal

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]

# The program as it was before one Portal component (its portal part verbatim).
LEGACY_PROGRAM = """\
import json
import re

import pulumi

from components.gateway import ApiGateway, GatewayArgs
from components.identity import IdentityArgs, build_identity
from components.settings import load_settings
from providers import kong_dynamic as kong
from providers import kong_providers

# As in state written before the providers moved: pickled by reference to kong_dynamic.
for provider in (
    kong_providers.ServiceProvider,
    kong_providers.RouteProvider,
    kong_providers.PluginProvider,
    kong_providers.DeveloperProvider,
    kong_providers.ApplicationProvider,
    kong_providers.ApplicationInstanceProvider,
):
    provider.__module__ = "providers.kong_dynamic"

STATUS = {"approved": 0, "pending": 1}


class PortalDeveloper(pulumi.ComponentResource):
    def __init__(self, name, dev, clients, service_ids):
        super().__init__("kong-okta-portal:portal:PortalDeveloper", name, None, None)
        child = pulumi.ResourceOptions(parent=self)
        developer = kong.Developer(
            f"{name}-developer",
            email=dev.email,
            meta=json.dumps({"full_name": dev.full_name}),
            status=0,
            opts=child,
        )
        for app in dev.apps:
            application = kong.Application(
                f"{name}-app-{app.name}",
                developer_id=developer.kong_id,
                name=app.name,
                custom_id=clients[app.name].client_id,
                description=app.description,
                redirect_uri=app.redirect_uris[0] if app.redirect_uris else None,
                opts=child,
            )
            for contract in app.services:
                kong.ApplicationInstance(
                    f"{name}-app-{app.name}-{contract.service}",
                    application_id=application.kong_id,
                    service_id=service_ids[contract.service],
                    status=STATUS[contract.status],
                    opts=child,
                )
        self.register_outputs({"developer_id": developer.kong_id})


settings = load_settings()
apps = [app for _dev, app in settings.apps()]
identity = build_identity("identity", IdentityArgs(settings=settings.identity, apps=apps))
service_ids = {}
for svc in settings.services:
    gateway = ApiGateway(
        f"api-{svc.name}",
        GatewayArgs(service=svc, issuer=identity.issuer, claim_name=settings.identity.claim_name),
    )
    service_ids[svc.name] = gateway.service_id
for dev in settings.developers:
    slug = re.sub(r"[^a-z0-9]+", "-", dev.email.lower()).strip("-")
    PortalDeveloper(f"dev-{slug}", dev, identity.clients, service_ids)
"""


def kong_ids(inv: Inventory) -> dict[str, list[str]]:
    apps = inv.data("/applications")
    return {
        "developers": sorted(d["id"] for d in inv.data("/developers")),
        "applications": sorted(a["id"] for a in apps),
        "instances": sorted(
            i["id"]
            for a in apps
            for i in inv.data(f"/applications/{a['id']}/application_instances")
        ),
    }


def provider_paths(state: dict[str, Any]) -> set[str]:
    """The modules the Kong resources' pickled providers are imported from."""
    paths = set()
    for res in state["deployment"]["resources"]:
        if ":dynamic/kong:" in res["type"]:
            blob = base64.b64decode(res["inputs"]["__provider"])
            paths |= {m.decode() for m in re.findall(rb"providers\.kong_\w+", blob)}
    return paths


def test_per_developer_stack_upgrades_without_touching_kong(
    pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path
) -> None:
    urls = sandbox.urls
    inv = Inventory(urls)
    control = SandboxControl(urls)
    enable_portal(urls["admin"])
    project = make_project(tmp_path, urls)
    (project / "__main__.py").write_text(LEGACY_PROGRAM)
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"]}
    pulumi_cli.stack_init(project, "local")
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    before = kong_ids(inv)
    assert len(before["developers"]) == 2 and len(before["instances"]) == 7
    clients_before = sorted(c["client_id"] for c in inv.clients())
    legacy = json.loads(pulumi_cli.run("stack", "export", cwd=project).stdout)
    assert provider_paths(legacy) == {"providers.kong_dynamic"}

    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    mark = control.mark()
    # refresh reads every object with the providers unpickled from their old path
    pulumi_cli.run("refresh", "--yes", "--skip-preview", cwd=project, env=env)
    up = pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    window = control.since(mark)
    # preflight's refused empty creates (400, nothing stored) are not writes
    accepted = [r for r in window.rows if r["method"] != "GET" and r["status"] < 400]
    assert accepted == [], window.rows
    assert kong_ids(inv) == before
    assert sorted(c["client_id"] for c in inv.clients()) == clients_before
    # the old per-developer components go, the one portal component and the workspace's
    # portal (already on: no write) come; nothing else
    assert "2 created" in up.stdout and "2 deleted" in up.stdout, up.stdout

    state = json.loads(pulumi_cli.run("stack", "export", cwd=project).stdout)
    assert provider_paths(state) == {"providers.kong_providers"}
    resources = state["deployment"]["resources"]
    assert not [r for r in resources if r["type"].endswith(":PortalDeveloper")]
    portal_children = [r["urn"] for r in resources if "portal:Portal$" in r["urn"]]
    # the workspace portal, developers, applications, contracts
    assert len(portal_children) == 1 + 2 + 5 + 7
    assert all(u.rsplit("::", 1)[1].startswith("portal-") for u in portal_children)

    pulumi_cli.run("preview", "--expect-no-changes", cwd=project, env=env)
    control.close()


def test_a_stack_whose_state_an_earlier_version_wrote_upgrades_without_changes(
    pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path
) -> None:
    """Stacks deployed before unset inputs were left out hold `adopt: false` in every Kong
    object's inputs and outputs, and before Kong's timestamps were dropped they hold
    `created_at`/`updated_at` outputs: their first `up` after the change writes nothing, and a
    refresh reports no change."""
    urls = sandbox.urls
    inv = Inventory(urls)
    control = SandboxControl(urls)
    enable_portal(urls["admin"])
    project = make_project(tmp_path, urls)
    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"]}
    pulumi_cli.stack_init(project, "local")
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    before = kong_ids(inv)

    state = json.loads(pulumi_cli.run("stack", "export", cwd=project).stdout)
    kong = [r for r in state["deployment"]["resources"] if ":dynamic/kong:" in r["type"]]
    assert kong and not [r for r in kong if "adopt" in r["inputs"]]
    assert not [r for r in kong if "created_at" in r["outputs"]]
    # our objects are stored without the SDK's Python stack (providers/source_positions.py)
    ours = [r for r in state["deployment"]["resources"] if ":dynamic/" in r["type"]]
    assert not [r["urn"] for r in ours if r.get("stackTrace") or r.get("sourcePosition")]
    assert [r for r in state["deployment"]["resources"] if r.get("stackTrace")]  # the rest keep it
    for res in kong:
        res["inputs"]["adopt"] = False
        res["outputs"].update(adopt=False, created_at=1_700_000_000, updated_at=1_700_000_060)
    old = tmp_path / "old-state.json"
    old.write_text(json.dumps(state))
    pulumi_cli.run("stack", "import", "--file", str(old), cwd=project)

    mark = control.mark()
    pulumi_cli.run("preview", "--expect-no-changes", cwd=project, env=env)
    pulumi_cli.run("refresh", "--yes", "--expect-no-changes", cwd=project, env=env)
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    window = control.since(mark)
    accepted = [r for r in window.rows if r["method"] != "GET" and r["status"] < 400]
    assert accepted == [], window.rows
    assert kong_ids(inv) == before
    control.close()
