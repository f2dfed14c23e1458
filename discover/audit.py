"""`python -m discover audit`: what lives in the portal outside the stack.

Compares the live workspace and identity provider with the stack's state (what `pulumi up`
manages) and lists five kinds of finding. Any finding makes the command exit 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from discover.sources import IdentityClient, KongEstate, _ref

APPLICATION = "pulumi-python:dynamic/kong:Application"
INSTANCE = "pulumi-python:dynamic/kong:ApplicationInstance"
DCR_CLIENT = "pulumi-python:dynamic/identity:ClientRegistration"
OKTA_APP = "okta:app/oAuth:OAuth"
KINDS = (
    "unmanaged_applications",
    "dangling_reference_ids",
    "unreferenced_clients",
    "contracts_approved_outside_stack",
    "developers_without_applications",
)
TITLES = {
    "unmanaged_applications": "portal applications the stack does not manage",
    "dangling_reference_ids": "applications whose Reference Id matches no identity client",
    "unreferenced_clients": "identity clients no portal application references",
    "contracts_approved_outside_stack": "contracts approved outside the stack",
    "developers_without_applications": "developers with no applications",
}


@dataclass
class Managed:
    """What the stack's state holds: Kong ids of apps, instance id -> status, client ids."""

    applications: set[str] = field(default_factory=set)
    instances: dict[str, int] = field(default_factory=dict)
    clients: set[str] = field(default_factory=set)


def managed_from_state(deployment: dict[str, Any]) -> Managed:
    """From `pulumi stack export` JSON."""
    managed = Managed()
    resources = (deployment.get("deployment") or deployment).get("resources") or []
    for res in resources:
        outs = res.get("outputs") or {}
        kind = res.get("type")
        if kind == APPLICATION and outs.get("kong_id"):
            managed.applications.add(outs["kong_id"])
        elif kind == INSTANCE and outs.get("kong_id"):
            status = outs.get("status")
            managed.instances[outs["kong_id"]] = int(status) if status is not None else 0
        elif kind == DCR_CLIENT and outs.get("client_id"):
            managed.clients.add(outs["client_id"])
        elif kind == OKTA_APP and outs.get("clientId"):
            managed.clients.add(outs["clientId"])
    return managed


def audit(
    estate: KongEstate, clients: list[IdentityClient], managed: Managed
) -> dict[str, list[dict[str, Any]]]:
    """Every finding, by kind; each an object a person can look up."""
    client_ids = {c.client_id for c in clients}
    developers = {d["id"]: d["email"] for d in estate.developers}
    apps = {a["id"]: a for a in estate.applications}
    services = {s["id"]: s["name"] for s in estate.services}

    def app_ref(app: dict[str, Any]) -> dict[str, Any]:
        return {
            "application": app.get("name"),
            "id": app["id"],
            "developer": developers.get(_ref(app.get("developer"))),
            "reference_id": app.get("custom_id"),
        }

    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for app in sorted(estate.applications, key=lambda a: (a.get("name") or "", a["id"])):
        if app["id"] not in managed.applications:
            out["unmanaged_applications"].append(app_ref(app))
        if app.get("custom_id") not in client_ids:
            out["dangling_reference_ids"].append(app_ref(app))
    referenced = {a.get("custom_id") for a in estate.applications}
    for client in sorted(clients, key=lambda c: (c.client_name, c.client_id)):
        if client.client_id not in referenced:
            out["unreferenced_clients"].append(
                {
                    "client_id": client.client_id,
                    "client_name": client.client_name,
                    "managed_by_stack": client.client_id in managed.clients,
                }
            )
    for inst in sorted(estate.instances, key=lambda i: i["id"]):
        if inst.get("status") != 0:
            continue
        in_stack = managed.instances.get(inst["id"])
        if in_stack == 0:
            continue
        app = apps.get(_ref(inst.get("application"))) or {"id": _ref(inst.get("application"))}
        out["contracts_approved_outside_stack"].append(
            {
                **app_ref(app),
                "service": services.get(_ref(inst.get("service"))),
                "contract_id": inst["id"],
                "stack_status": {
                    None: "not in the stack",
                    1: "pending",
                    2: "rejected",
                    3: "revoked",
                }.get(in_stack, str(in_stack)),
            }
        )
    with_apps = {_ref(a.get("developer")) for a in estate.applications}
    for dev in sorted(estate.developers, key=lambda d: d["email"]):
        if dev["id"] not in with_apps:
            out["developers_without_applications"].append(
                {"developer": dev["email"], "id": dev["id"]}
            )
    return out


def render(findings: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for kind in KINDS:
        rows = findings[kind]
        lines.append(f"{TITLES[kind]}: {len(rows)}")
        for row in rows:
            lines.append("  - " + ", ".join(f"{k}={v}" for k, v in row.items() if v is not None))
    total = sum(len(v) for v in findings.values())
    lines.append(f"audit: {total} finding{'s' if total != 1 else ''}")
    return "\n".join(lines)
