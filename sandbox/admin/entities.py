"""Kong entities declared once, as data (OSS/EE `kong/db/schema/entities/*.lua`, 3.4)."""

from __future__ import annotations

import re

from sandbox.admin.schema import (
    Field,
    Schema,
    foreign,
    host_field,
    name_field,
    path_field,
    port_field,
    string_array,
    tags_field,
    timeout_field,
    ts_field,
    url_field,
    uuid_field,
)

PROTOCOLS = ("grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp", "ws", "wss")
HTTP_METHODS_RE = re.compile(r"^[A-Z]+$")

# Consumer types (EE kong/enterprise_edition/dao/enums.lua).
PROXY, DEVELOPER, ADMIN, APPLICATION = 0, 1, 2, 3


def _service_checks(e: dict) -> list[tuple[str, str]]:
    errs = []
    if e.get("protocol") in ("tcp", "tls", "tls_passthrough", "udp", "grpc", "grpcs") and e.get(
        "path"
    ):
        errs.append(("path", f"value must be null when 'protocol' is '{e['protocol']}'"))
    if e.get("protocol") not in ("https", "tls", "wss") and e.get("tls_verify") is not None:
        errs.append(("tls_verify", "value must be null when 'protocol' is not 'https'"))
    return errs


def _route_checks(e: dict) -> list[tuple[str, str]]:
    protocols = e.get("protocols") or []
    has = {k for k in ("methods", "hosts", "headers", "paths", "snis") if e.get(k)}
    if "http" in protocols and not has & {"methods", "hosts", "headers", "paths"}:
        return [
            (
                "@entity",
                "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
            )
        ]
    if "https" in protocols and not has:
        return [
            (
                "@entity",
                "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' "
                "when 'protocols' is 'https'",
            )
        ]
    return []


def _route_path(value: str) -> str | None:
    if not (value.startswith("/") or value.startswith("~/")):
        return "should start with: / (fixed path) or ~/ (regex path)"
    return None


def _method(value: str) -> str | None:
    return None if HTTP_METHODS_RE.match(value) else "invalid value: " + value


def _consumer_checks(e: dict) -> list[tuple[str, str]]:
    if not e.get("custom_id") and not e.get("username"):
        return [
            ("@entity", "at least one of these fields must be non-empty: 'custom_id', 'username'")
        ]
    return []


def _email(value: str) -> str | None:
    if "@" not in value:
        return "missing '@' symbol"
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
        return f"invalid email address {value}"
    return None


SERVICES = Schema(
    "services",
    [
        ("id", uuid_field()),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        ("name", name_field(unique=True)),
        ("retries", Field("integer", between=(0, 32767), default=5)),
        ("protocol", Field("string", required=True, one_of=PROTOCOLS, default="http")),
        ("host", host_field(required=True)),
        ("port", port_field(required=True, default=80)),
        ("path", path_field()),
        ("connect_timeout", timeout_field()),
        ("write_timeout", timeout_field()),
        ("read_timeout", timeout_field()),
        ("tags", tags_field()),
        ("client_certificate", foreign("certificates")),
        ("tls_verify", Field("boolean")),
        ("tls_verify_depth", Field("integer", between=(0, 64))),
        ("ca_certificates", Field("array", elements=Field("string", uuid=True))),
        ("enabled", Field("boolean", default=True)),
    ],
    endpoint_key="name",
    entity_checks=[_service_checks],
)

ROUTES = Schema(
    "routes",
    [
        ("id", uuid_field()),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        ("name", name_field(unique=True)),
        (
            "protocols",
            Field(
                "set",
                len_min=1,
                default=["http", "https"],
                elements=Field("string", one_of=PROTOCOLS),
            ),
        ),
        ("methods", Field("set", elements=Field("string", checks=[_method]))),
        ("hosts", Field("array", elements=Field("string"))),
        ("paths", Field("array", elements=Field("string", checks=[_route_path]))),
        ("headers", Field("map", values=Field("array", elements=Field("string")))),
        (
            "https_redirect_status_code",
            Field("integer", one_of=(426, 301, 302, 307, 308), default=426),
        ),
        ("regex_priority", Field("integer", default=0)),
        ("strip_path", Field("boolean", default=True)),
        ("path_handling", Field("string", one_of=("v0", "v1"), default="v0")),
        ("preserve_host", Field("boolean", default=False)),
        ("request_buffering", Field("boolean", default=True)),
        ("response_buffering", Field("boolean", default=True)),
        ("snis", Field("set", elements=Field("string"))),
        (
            "sources",
            Field(
                "set",
                elements=Field("record", fields=[("ip", Field("string")), ("port", port_field())]),
            ),
        ),
        (
            "destinations",
            Field(
                "set",
                elements=Field("record", fields=[("ip", Field("string")), ("port", port_field())]),
            ),
        ),
        ("tags", tags_field()),
        ("service", foreign("services")),
    ],
    endpoint_key="name",
    entity_checks=[_route_checks],
)

CONSUMERS = Schema(
    "consumers",
    [
        ("id", uuid_field()),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        ("username", Field("string", unique=True)),
        ("username_lower", Field("string")),
        ("custom_id", Field("string", unique=True)),
        ("type", Field("integer", one_of=(PROXY, DEVELOPER, ADMIN, APPLICATION), default=PROXY)),
        ("tags", tags_field()),
    ],
    endpoint_key="username",
    entity_checks=[_consumer_checks],
)

PLUGIN_PROTOCOLS = ("grpc", "grpcs", "http", "https")

# Base plugin fields; `config` and the scope constraints come from each plugin (plugins.py).
PLUGIN_BASE: list[tuple[str, Field]] = [
    ("id", uuid_field()),
    ("name", Field("string", required=True)),
    ("instance_name", name_field(unique=True)),
    ("created_at", ts_field()),
    ("updated_at", ts_field()),
    ("route", foreign("routes", on_delete="cascade")),
    ("service", foreign("services", on_delete="cascade")),
    ("consumer", foreign("consumers", on_delete="cascade")),
    ("consumer_group", foreign("consumer_groups", on_delete="cascade")),
    ("config", Field("record", fields=[])),
    (
        "protocols",
        Field("set", default=list(PLUGIN_PROTOCOLS), elements=Field("string", one_of=PROTOCOLS)),
    ),
    ("enabled", Field("boolean", default=True)),
    ("tags", tags_field()),
    (
        "ordering",
        Field(
            "record",
            default=None,
            fields=[
                ("before", Field("map", values=Field("array", elements=Field("string")))),
                ("after", Field("map", values=Field("array", elements=Field("string")))),
            ],
        ),
    ),
]

CORE_ENTITY_NAMES = (
    "workspaces",
    "services",
    "routes",
    "consumers",
    "plugins",
    "certificates",
    "snis",
    "upstreams",
    "targets",
    "ca_certificates",
    "developers",
    "applications",
    "files",
    "rbac",
    "admins",
    "vaults",
    "keys",
    "key_sets",
    "consumer_groups",
    "schemas",
    "status",
)

DEFAULT_META_FIELDS = (
    '[{"label":"Full Name","title":"full_name","validator":{"required":true,"type":"string"}}]'
)
PORTAL_AUTHS = ("openid-connect", "basic-auth", "key-auth", "")

WORKSPACE_CONFIG: list[tuple[str, Field]] = [
    ("portal", Field("boolean", required=True, default=False)),
    ("portal_auth", Field("string", one_of=PORTAL_AUTHS, len_min=0)),
    ("portal_auth_conf", Field("string")),
    ("meta", Field("map", values=Field("string"))),
    ("portal_auto_approve", Field("boolean")),
    ("portal_token_exp", Field("integer", between=(0, 2**31 - 1))),
    ("portal_invite_email", Field("boolean")),
    ("portal_access_request_email", Field("boolean")),
    ("portal_approved_email", Field("boolean")),
    ("portal_reset_email", Field("boolean")),
    ("portal_reset_success_email", Field("boolean")),
    ("portal_application_status_email", Field("boolean")),
    ("portal_application_request_email", Field("boolean")),
    ("portal_emails_from", Field("string", checks=[_email])),
    ("portal_emails_reply_to", Field("string", checks=[_email])),
    ("portal_smtp_admin_emails", string_array()),
    ("portal_cors_origins", string_array()),
    ("portal_developer_meta_fields", Field("string", default=DEFAULT_META_FIELDS)),
    ("portal_session_conf", Field("string")),
    ("portal_is_legacy", Field("boolean")),
]

WORKSPACES = Schema(
    "workspaces",
    [
        ("id", uuid_field()),
        ("name", name_field(required=True, unique=True, not_one_of=CORE_ENTITY_NAMES)),
        ("comment", Field("string")),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        (
            "meta",
            Field(
                "record",
                fields=[
                    (
                        "color",
                        Field(
                            "string",
                            checks=[
                                lambda v: (
                                    None if re.match(r"^#[0-9a-fA-F]{6}$", v) else "invalid color"
                                )
                            ],
                        ),
                    ),
                    ("thumbnail", Field("string")),
                ],
            ),
        ),
        ("config", Field("record", required=True, fields=WORKSPACE_CONFIG)),
    ],
    endpoint_key="name",
)

DEVELOPERS = Schema(
    "developers",
    [
        ("id", uuid_field()),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        ("email", Field("string", required=True, unique=True, checks=[_email])),
        ("status", Field("integer", between=(0, 5))),
        ("custom_id", Field("string", unique=True)),
        ("consumer", foreign("consumers")),
        ("meta", Field("string")),
        ("rbac_user", foreign("rbac_users")),
    ],
    endpoint_key="email",
    portal=True,
)

APPLICATIONS = Schema(
    "applications",
    [
        ("id", uuid_field()),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        ("name", Field("string", required=True)),
        ("custom_id", Field("string", unique=True)),
        ("redirect_uri", url_field()),
        ("description", Field("string")),
        ("meta", Field("string")),
        ("developer", foreign("developers", required=True, on_delete="cascade")),
        ("consumer", foreign("consumers")),
    ],
    portal=True,
)

APPLICATION_INSTANCES = Schema(
    "application_instances",
    [
        ("id", uuid_field()),
        ("created_at", ts_field()),
        ("updated_at", ts_field()),
        ("application", foreign("applications", required=True, on_delete="cascade")),
        ("service", foreign("services", required=True, on_delete="cascade")),
        ("suspended", Field("boolean", required=True, default=False)),
        ("composite_id", Field("string", unique=True)),
        ("status", Field("integer", between=(0, 5), default=5)),
    ],
    portal=True,
)

SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (
        SERVICES,
        ROUTES,
        CONSUMERS,
        WORKSPACES,
        DEVELOPERS,
        APPLICATIONS,
        APPLICATION_INSTANCES,
    )
}
