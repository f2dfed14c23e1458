"""Program-side Kong resources (``pulumi-python:dynamic/kong:<Kind>``), one per declared kind.

Each class is its kind's declaration (`kong_kinds`) plus the provider that runs it: the keyword
arguments it accepts, the inputs it stores and the outputs it exposes all come from there.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from providers import kong_kinds as kinds
from providers.kong_kinds import ID_SEED, KONG_MODULE, KindSpec
from providers.kong_providers import (
    ID_NAMESPACE,
    ApplicationInstanceProvider,
    ApplicationProvider,
    DeveloperProvider,
    KongProvider,
    PluginProvider,
    RouteProvider,
    ServiceProvider,
    WorkspacePortalProvider,
)
from providers.source_positions import without_source_position


def id_seed(
    resource_type: type[Resource], resource_name: str, opts: pulumi.ResourceOptions | None
) -> str:
    """The identity a resource's Kong id is derived from: stack, project, parent, type, name.

    Like the URN it is unique within a stack, and the same in every run of the program, so a
    create repeated after a killed `pulumi up` picks the id its first attempt wrote. (Plain
    text, not the parent's URN Output: a child depending on its parent is a cycle.)
    """
    parent = opts.parent if opts is not None else None
    scope = f"{parent.pulumi_resource_type}::{parent.pulumi_resource_name}$" if parent else ""
    ident = (
        f"{pulumi.get_stack()}::{pulumi.get_project()}::{scope}"
        f"pulumi-python:{resource_type._resource_type_name}::{resource_name}"
    )
    return str(uuid.uuid5(ID_NAMESPACE, ident))


def _delete_first(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """Replacements delete the old object first, also those the engine forces (`--replace`,
    `replacement_trigger`, `replace_with`) without asking the provider: every Kong kind has a
    unique natural key, so the new object could not exist beside the old one, and with an
    unchanged key it gets the same derived id. An explicit option of the caller wins."""
    return pulumi.ResourceOptions.merge(pulumi.ResourceOptions(delete_before_replace=True), opts)


class KongResource(Resource):
    """A Kong object: keyword arguments are the kind's declared fields, plus ``adopt`` (take
    over an object this stack did not create) and ``opts``."""

    spec: ClassVar[KindSpec]
    provider: ClassVar[type[KongProvider]]

    kong_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        props = self._props(inputs)
        # `adopt` only when set, like the fields: each input costs the program, the engine and
        # the provider host work per resource, and an unset one would only echo None
        if adopt:
            props["adopt"] = True
        props[ID_SEED] = id_seed(type(self), resource_name, opts)
        props.update(dict.fromkeys(self.spec.output_names))
        secrets = list(self.spec.where("secret"))
        if secrets:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=secrets)
            )
        with without_source_position():
            super().__init__(self.provider(), resource_name, props, _delete_first(opts))

    def _props(self, inputs: dict[str, Any]) -> dict[str, Any]:
        cls = type(self).__name__
        unknown = sorted(set(inputs) - set(self.spec.names))
        if unknown:
            raise TypeError(f"{cls}() got unexpected keyword arguments {unknown}")
        missing = [name for name in self.spec.where("required") if name not in inputs]
        if missing:
            raise TypeError(f"{cls}() missing required keyword arguments {missing}")
        # Fields left unset (None) are not inputs at all: Kong's default applies, as it would
        # with the field left out of the request, and no output ever carries them.
        props: dict[str, Any] = {}
        for field in self.spec.fields:
            value = inputs.get(field.name, field.default)
            if value is None:
                continue
            props[field.name] = pulumi.Output.secret(value) if field.secret else value
        return props


class Service(KongResource, module=KONG_MODULE, name=kinds.SERVICE.kind):
    """A Kong service."""

    spec = kinds.SERVICE
    provider = ServiceProvider


class Route(KongResource, module=KONG_MODULE, name=kinds.ROUTE.kind):
    """A Kong route on a service."""

    spec = kinds.ROUTE
    provider = RouteProvider


class Plugin(KongResource, module=KONG_MODULE, name=kinds.PLUGIN.kind):
    """A Kong plugin scoped to a service, route or consumer, or global."""

    spec = kinds.PLUGIN
    provider = PluginProvider


class Developer(KongResource, module=KONG_MODULE, name=kinds.DEVELOPER.kind):
    """A classic Dev Portal developer (created with POST /developers, never PUT)."""

    spec = kinds.DEVELOPER
    provider = DeveloperProvider
    consumer_id: pulumi.Output[str]


class Application(KongResource, module=KONG_MODULE, name=kinds.APPLICATION.kind):
    """A portal application; ``custom_id`` is its Reference Id (the Okta ``client_id``)."""

    spec = kinds.APPLICATION
    provider = ApplicationProvider
    consumer_id: pulumi.Output[str]


class ApplicationInstance(KongResource, module=KONG_MODULE, name=kinds.APPLICATION_INSTANCE.kind):
    """An application's contract with a service; status 0 = approved (the default)."""

    spec = kinds.APPLICATION_INSTANCE
    provider = ApplicationInstanceProvider
    composite_id: pulumi.Output[str]


class WorkspacePortal(KongResource, module=KONG_MODULE, name=kinds.WORKSPACE_PORTAL.kind):
    """The Dev Portal on in the provider's workspace (the guide's prerequisite); destroying
    the stack leaves it on."""

    spec = kinds.WORKSPACE_PORTAL
    provider = WorkspacePortalProvider
