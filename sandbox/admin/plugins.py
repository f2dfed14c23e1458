"""Plugin schemas: `config` records, scope constraints and entity checks, declared as data.

Sources: TK `schemas/<plugin>/3.4.x.json`, EE `kong/plugins/application-registration/schema.lua`,
OSS `kong/plugins/{acl,rate-limiting,cors}/schema.lua`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.admin.entities import PLUGIN_BASE
from sandbox.admin.schema import (
    EntityCheck,
    Field,
    Schema,
    one_of_array,
    string_array,
    url_field,
)
from sandbox.settings import NodeSettings

AUTH_METHODS = (
    "password",
    "client_credentials",
    "authorization_code",
    "bearer",
    "introspection",
    "userinfo",
    "kong_oauth2",
    "refresh_token",
    "session",
)
CLIENT_AUTH = (
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
)
TOKEN_PARAM_TYPES = ("header", "cookie", "query", "body")


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

    def schema(self, settings: NodeSettings) -> Schema:
        fields: list[tuple[str, Field]] = []
        for name, f in PLUGIN_BASE:
            if name == "config":
                f = Field("record", required=True, fields=self.config(settings))
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
        )


def _oidc_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    claim_field = settings.consumer_claim_field
    return [
        ("issuer", url_field(required=True)),
        ("using_pseudo_issuer", Field("boolean", default=False)),
        ("discovery_headers_names", string_array()),
        ("discovery_headers_values", string_array()),
        ("extra_jwks_uris", Field("set", elements=url_field())),
        ("rediscovery_lifetime", Field("number", default=30)),
        ("auth_methods", one_of_array(AUTH_METHODS, default=list(AUTH_METHODS))),
        ("client_id", string_array()),
        ("client_secret", string_array()),
        ("client_auth", one_of_array(CLIENT_AUTH)),
        ("client_alg", string_array()),
        ("client_arg", Field("string", default="client_id")),
        ("redirect_uri", Field("array", elements=url_field())),
        ("login_redirect_uri", Field("array", elements=url_field())),
        ("logout_redirect_uri", Field("array", elements=url_field())),
        ("forbidden_redirect_uri", Field("array", elements=url_field())),
        ("forbidden_error_message", Field("string", default="Forbidden")),
        ("unauthorized_redirect_uri", Field("array", elements=url_field())),
        ("unauthorized_error_message", Field("string", default="Unauthorized")),
        (
            "response_mode",
            Field(
                "string",
                default="query",
                one_of=(
                    "query",
                    "form_post",
                    "fragment",
                    "query.jwt",
                    "form_post.jwt",
                    "fragment.jwt",
                    "jwt",
                ),
            ),
        ),
        ("response_type", string_array(default=["code"])),
        ("scopes", string_array(default=["openid"])),
        ("audience", string_array()),
        ("issuers_allowed", string_array()),
        ("scopes_required", string_array()),
        ("scopes_claim", string_array(default=["scope"])),
        ("audience_required", string_array()),
        ("audience_claim", string_array(default=["aud"])),
        ("groups_required", string_array()),
        ("groups_claim", string_array(default=["groups"])),
        ("roles_required", string_array()),
        ("roles_claim", string_array(default=["roles"])),
        ("authenticated_groups_claim", string_array()),
        ("authorization_endpoint", url_field()),
        ("token_endpoint", url_field()),
        ("introspection_endpoint", url_field()),
        ("revocation_endpoint", url_field()),
        ("userinfo_endpoint", url_field()),
        ("end_session_endpoint", url_field()),
        ("introspect_jwt_tokens", Field("boolean", default=False)),
        ("introspection_hint", Field("string", default="access_token")),
        (claim_field, string_array()),
        (
            "consumer_by",
            one_of_array(("id", "username", "custom_id"), default=["username", "custom_id"]),
        ),
        ("consumer_optional", Field("boolean", default=False)),
        ("credential_claim", string_array(default=["sub"])),
        ("anonymous", Field("string")),
        ("run_on_preflight", Field("boolean", default=True)),
        ("leeway", Field("number", default=0)),
        ("verify_parameters", Field("boolean", default=False)),
        ("verify_nonce", Field("boolean", default=True)),
        ("verify_claims", Field("boolean", default=True)),
        ("verify_signature", Field("boolean", default=True)),
        (
            "ignore_signature",
            one_of_array(
                (
                    "password",
                    "client_credentials",
                    "authorization_code",
                    "refresh_token",
                    "session",
                    "introspection",
                    "userinfo",
                ),
                default=[],
            ),
        ),
        ("enable_hs_signatures", Field("boolean", default=False)),
        ("disable_session", string_array()),
        ("cache_ttl", Field("number", default=3600)),
        ("cache_introspection", Field("boolean", default=True)),
        ("cache_tokens", Field("boolean", default=True)),
        ("cache_user_info", Field("boolean", default=True)),
        ("search_user_info", Field("boolean", default=False)),
        ("display_errors", Field("boolean", default=False)),
        ("ssl_verify", Field("boolean", default=False)),
        ("timeout", Field("number", default=10000)),
        ("http_version", Field("number", default=1.1)),
        ("http_proxy", url_field()),
        ("https_proxy", url_field()),
        ("no_proxy", Field("string")),
        ("keepalive", Field("boolean", default=True)),
        ("hide_credentials", Field("boolean", default=False)),
        (
            "bearer_token_param_type",
            one_of_array(TOKEN_PARAM_TYPES, default=["header", "query", "body"]),
        ),
        ("upstream_headers_claims", string_array()),
        ("upstream_headers_names", string_array()),
        ("upstream_access_token_header", Field("string", default="authorization:bearer")),
        ("refresh_tokens", Field("boolean", default=True)),
        ("preserve_query_args", Field("boolean", default=False)),
        ("session_secret", Field("string")),
        ("session_cookie_name", Field("string", default="session")),
        (
            "session_storage",
            Field("string", default="cookie", one_of=("cookie", "memcache", "memcached", "redis")),
        ),
    ]


def _app_reg_config(settings: NodeSettings) -> list[tuple[str, Field]]:
    fields = [
        ("display_name", Field("string", required=True, unique=True)),
        ("description", Field("string", unique=True)),
        ("auto_approve", Field("boolean", required=True, default=False)),
        ("show_issuer", Field("boolean", required=True, default=False)),
    ]
    if settings.at_least("3.4.3.7"):
        fields.append(
            (
                "enable_proxy_with_consumer_credential",
                Field("boolean", required=True, default=False),
            )
        )
    return fields


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
        PluginSpec("openid-connect", 1050, _oidc_config, scope={"consumer": "null"}),
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
