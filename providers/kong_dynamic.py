"""Pulumi dynamic resources for the Kong Enterprise objects of the Okta external-portal setup.

The program-facing names, gathered from their modules: the kinds' declarations
(`kong_kinds`), the program-side resources (`kong_resources`), the engine-side providers
(`kong_providers`) and the plugin config helpers (`kong_plugins`). Stacks deployed before that
split hold pickles that name the providers by this module (`providers.kong_dynamic.ServiceProvider`
...): they resolve through the names below.
"""

from __future__ import annotations

from providers.kong_kinds import ID_SEED
from providers.kong_plugins import application_registration, openid_connect
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
from providers.kong_resources import (
    Application,
    ApplicationInstance,
    Developer,
    KongResource,
    Plugin,
    Route,
    Service,
    WorkspacePortal,
    id_seed,
)

__all__ = [
    "ID_NAMESPACE",
    "ID_SEED",
    "Application",
    "ApplicationInstance",
    "ApplicationInstanceProvider",
    "ApplicationProvider",
    "Developer",
    "DeveloperProvider",
    "KongProvider",
    "KongResource",
    "Plugin",
    "PluginProvider",
    "Route",
    "RouteProvider",
    "Service",
    "ServiceProvider",
    "WorkspacePortal",
    "WorkspacePortalProvider",
    "application_registration",
    "id_seed",
    "openid_connect",
]
