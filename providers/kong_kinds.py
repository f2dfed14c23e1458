"""Each Kong kind the stack manages, declared once.

A declaration names the kind's fields (required, replacing, write-only, secret, foreign key,
part of the path), the outputs Kong computes, and its endpoint. The program-side Resource
(`kong_resources`) and the engine-side provider (`kong_providers`) both derive from it: the
Resource's keyword arguments and stored inputs, the provider's `check`, `diff`, request
bodies, read-back and outputs. A kind's endpoint quirks live in its provider subclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Module of the Kong resource types: `pulumi-python:dynamic/kong:<Kind>`.
KONG_MODULE = "kong"
KONG_TYPE_PREFIX = f"pulumi-python:dynamic/{KONG_MODULE}:"
# Outputs every kind has: the Kong id. (Kong's timestamps are not kept: nothing reads them,
# Kong bumps `updated_at` for fields no stack manages, and every output costs the program, the
# engine and the provider work per resource.)
COMMON_OUTPUTS = ("kong_id",)
# Input carrying the resource's identity (project, stack, URN parts); never diffed or sent.
ID_SEED = "id_seed"
# Kong's error code for a primary-key clash: an object with our client-chosen id exists.
PRIMARY_KEY_VIOLATION = 3

# The guide's JSON sample sets this openid-connect field; Kong has no such field.
GUIDE_TYPO_FIELD = "verify_credentials"
GUIDE_TYPO_MESSAGE = (
    "openid-connect has no `verify_credentials` field (the guide's JSON sample is wrong "
    "and Kong rejects it); use verify_parameters=False"
)


@dataclass(frozen=True)
class Field:
    """One input of a Kong kind."""

    name: str
    required: bool = False
    # A change makes a new object (Kong cannot move it, or the id is derived from it).
    replace: bool = False
    # Kong never returns it: the stack's value stands for the live one.
    write_only: bool = False
    # Wrapped as a Pulumi secret and stored encrypted in state.
    secret: bool = False
    # Kong foreign key: sent as {ref: {"id": value}}, read back from live[ref]["id"].
    ref: str | None = None
    # A segment of the endpoint (`{name}` in the path), never in a request body.
    in_path: bool = False
    # Kong ignores it on create: set with a PATCH right after.
    on_create: bool = True
    # The Resource's default when the program does not set it.
    default: Any = None


@dataclass(frozen=True)
class KindSpec:
    """A Kong kind: its fields, outputs and endpoint."""

    kind: str
    fields: tuple[Field, ...]
    # Collection of the kind's objects, `{field}` segments filled from the inputs.
    endpoint: str
    # Where a POST creates one, when not the collection itself.
    create_endpoint: str | None = None
    # Output name -> Kong field holding a foreign key (`{"id": ...}`) or a value.
    outputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def where(self, attr: str) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if getattr(f, attr))

    @property
    def refs(self) -> dict[str, str]:
        return {f.name: f.ref for f in self.fields if f.ref}

    @property
    def output_names(self) -> tuple[str, ...]:
        return (*self.outputs, *COMMON_OUTPUTS)


def type_token(spec: KindSpec) -> str:
    """The kind's resource type as the engine and the policy pack see it."""
    return KONG_TYPE_PREFIX + spec.kind


def _set(*names: str) -> tuple[Field, ...]:
    return tuple(Field(n) for n in names)


SERVICE = KindSpec(
    kind="Service",
    endpoint="services",
    fields=(
        Field("name", required=True),
        *_set("url", "protocol", "host", "port", "path", "retries"),
        *_set("connect_timeout", "write_timeout", "read_timeout", "enabled", "tags"),
    ),
)

ROUTE = KindSpec(
    kind="Route",
    endpoint="routes",
    fields=(
        Field("name", required=True),
        Field("service_id", required=True, replace=True, ref="service"),
        *_set("paths", "hosts", "methods", "protocols", "strip_path", "preserve_host", "tags"),
    ),
)

PLUGIN = KindSpec(
    kind="Plugin",
    endpoint="plugins",
    fields=(
        Field("name", required=True, replace=True),
        Field("config", required=True),
        Field("service_id", replace=True, ref="service"),
        Field("route_id", replace=True, ref="route"),
        Field("consumer_id", replace=True, ref="consumer"),
        *_set("enabled", "protocols", "tags"),
    ),
)

DEVELOPER = KindSpec(
    kind="Developer",
    endpoint="developers",
    fields=(
        Field("email", required=True),
        *_set("meta", "custom_id"),
        Field("password", write_only=True, secret=True),
        Field("status"),
    ),
    outputs={"consumer_id": "consumer"},
)

APPLICATION = KindSpec(
    kind="Application",
    endpoint="applications",
    create_endpoint="developers/{developer_id}/applications",
    fields=(
        Field("developer_id", required=True, replace=True, ref="developer", in_path=True),
        Field("name", required=True),
        Field("custom_id", required=True),
        *_set("description", "redirect_uri"),
    ),
    outputs={"consumer_id": "consumer"},
)

APPLICATION_INSTANCE = KindSpec(
    kind="ApplicationInstance",
    endpoint="applications/{application_id}/application_instances",
    fields=(
        Field("application_id", required=True, replace=True, ref="application", in_path=True),
        Field("service_id", required=True, replace=True, ref="service"),
        Field("status", default=0),
        Field("suspended", on_create=False),
    ),
    outputs={"composite_id": "composite_id"},
)

# The Dev Portal settings of the provider's workspace (fields of the workspace's `config`).
WORKSPACE_PORTAL = KindSpec(
    kind="WorkspacePortal",
    endpoint="workspaces",
    fields=(Field("portal", default=True), *_set("portal_auth", "portal_auto_approve")),
)

KINDS = (SERVICE, ROUTE, PLUGIN, DEVELOPER, APPLICATION, APPLICATION_INSTANCE, WORKSPACE_PORTAL)
