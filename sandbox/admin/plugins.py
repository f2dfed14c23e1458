"""Plugin schemas: `config` records, scope constraints and entity checks, declared as data.

`openid-connect` and `application-registration` are built from the published 3.4 schemas
committed in `sandbox/specs/` (see `plugin_data`); acl, rate-limiting and cors, which the
guide does not configure, follow OSS `kong/plugins/{acl,rate-limiting,cors}/schema.lua`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.admin.entities import PLUGIN_BASE
from sandbox.admin.plugin_data import (
    apply_shorthands,
    config_fields,
    later_fields,
    plugin_fields,
    shorthands,
)
from sandbox.admin.schema import (
    EntityCheck,
    Field,
    Schema,
    one_of_array,
    string_array,
)
from sandbox.settings import NodeSettings


@dataclass
class PluginSpec:
    """A plugin known to the node. `scope` maps route/service/consumer to "null" (must be
    null) or "not null"; `available` says whether this node version loads it."""

    name: str
    priority: int
    config: Callable[[NodeSettings], list[tuple[str, Field]]]
    scope: dict[str, str] = field(default_factory=dict)
    checks: list[EntityCheck] = field(default_factory=list)
    available: Callable[[NodeSettings], bool] = lambda s: True
    published: bool = False  # its schema comes from the published data in sandbox/specs/

    def schema(self, settings: NodeSettings) -> Schema:
        fields: list[tuple[str, Field]] = []
        top = plugin_fields(self.name) if self.published else {}
        rewrites = shorthands(self.name) if self.published else []
        for name, f in PLUGIN_BASE:
            if name == "config":
                f = Field("record", required=True, fields=self.config(settings))
            elif name in top:
                f = dataclasses.replace(top[name], on_delete=f.on_delete)
            elif name in self.scope:
                f = Field(
                    f.type,
                    reference=f.reference,
                    on_delete=f.on_delete,
                    eq_null=self.scope[name] == "null",
                    ne_null=self.scope[name] == "not null",
                )
            fields.append((name, f))
        return Schema(
            f"plugins/{self.name}",
            fields,
            endpoint_key="instance_name",
            entity_checks=list(self.checks),
            rewrite_input=(
                (lambda data, form: apply_shorthands(rewrites, data, form=form))
                if rewrites
                else None
            ),
        )


def _oidc_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    return config_fields("openid-connect", settings)


def _app_reg_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    return config_fields("application-registration", settings) + later_fields(
        "application-registration", settings
    )


def _acl_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    return [
        ("allow", Field("array", elements=Field("string"))),
        ("deny", Field("array", elements=Field("string"))),
        ("hide_groups_header", Field("boolean", required=True, default=False)),
        ("include_consumer_groups", Field("boolean", default=False)),
        ("always_use_authenticated_groups", Field("boolean", required=True, default=False)),
    ]


def _acl_checks(e: dict) -> list[tuple[str, str]]:
    cfg = e.get("config") or {}
    if cfg.get("allow") and cfg.get("deny"):
        return [
            ("@entity", "only one of these fields must be non-empty: 'config.allow', 'config.deny'")
        ]
    if not cfg.get("allow") and not cfg.get("deny"):
        return [
            (
                "@entity",
                "at least one of these fields must be non-empty: 'config.allow', 'config.deny'",
            )
        ]
    return []


_PERIODS = ("second", "minute", "hour", "day", "month", "year")


def _rate_limiting_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    fields: list[tuple[str, Field]] = [
        (p, Field("number", between=(0, float(2**53)))) for p in _PERIODS
    ]
    return fields + [
        (
            "limit_by",
            Field(
                "string",
                default="consumer",
                one_of=(
                    "consumer",
                    "credential",
                    "ip",
                    "service",
                    "header",
                    "path",
                    "consumer-group",
                ),
            ),
        ),
        ("header_name", Field("string")),
        ("path", Field("string", starts_with="/")),
        ("policy", Field("string", default="local", one_of=("local", "cluster", "redis"))),
        ("fault_tolerant", Field("boolean", required=True, default=True)),
        ("redis_host", Field("string")),
        ("redis_port", Field("integer", between=(0, 65535), default=6379)),
        ("redis_password", Field("string")),
        ("redis_username", Field("string")),
        ("redis_ssl", Field("boolean", default=False)),
        ("redis_ssl_verify", Field("boolean", default=False)),
        ("redis_server_name", Field("string")),
        ("redis_timeout", Field("number", default=2000)),
        ("redis_database", Field("integer", default=0)),
        ("hide_client_headers", Field("boolean", required=True, default=False)),
        ("error_code", Field("number", default=429)),
        ("error_message", Field("string", default="API rate limit exceeded")),
        ("sync_rate", Field("number", default=-1)),
    ]


def _rate_limiting_checks(e: dict) -> list[tuple[str, str]]:
    cfg = e.get("config") or {}
    if all(cfg.get(p) is None for p in _PERIODS):
        names = ", ".join(f"'config.{p}'" for p in _PERIODS)
        return [("@entity", f"at least one of these fields must be non-empty: {names}")]
    return []


def _cors_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    return [
        ("origins", string_array()),
        ("headers", string_array()),
        ("exposed_headers", string_array()),
        (
            "methods",
            one_of_array(
                ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"),
                default=[
                    "GET",
                    "HEAD",
                    "PUT",
                    "PATCH",
                    "POST",
                    "DELETE",
                    "OPTIONS",
                    "TRACE",
                    "CONNECT",
                ],
            ),
        ),
        ("max_age", Field("number")),
        ("credentials", Field("boolean", required=True, default=False)),
        ("preflight_continue", Field("boolean", required=True, default=False)),
    ]


PLUGINS: dict[str, PluginSpec] = {
    spec.name: spec
    for spec in (
        PluginSpec(
            "openid-connect", 1050, _oidc_config, scope={"consumer": "null"}, published=True
        ),
        PluginSpec(
            "application-registration",
            995,
            _app_reg_config,
            scope={
                "service": "not null",
                "route": "null",
                "consumer": "null",
                "consumer_group": "null",
            },
            available=lambda s: s.portal_available,
            published=True,
        ),
        PluginSpec("acl", 950, _acl_config, scope={"consumer": "null"}, checks=[_acl_checks]),
        PluginSpec("rate-limiting", 910, _rate_limiting_config, checks=[_rate_limiting_checks]),
        PluginSpec("cors", 2000, _cors_config, scope={"consumer": "null"}),
    )
}


def enabled_plugins(settings: NodeSettings) -> dict[str, PluginSpec]:
    """Plugins this node loads (its `plugins` configuration property, as Kong would report)."""
    return {name: spec for name, spec in PLUGINS.items() if spec.available(settings)}


def not_enabled_message(name: str) -> str:
    return f"plugin '{name}' not enabled; add it to the 'plugins' configuration property"
