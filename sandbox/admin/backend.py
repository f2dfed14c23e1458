"""The Admin API backend: an in-memory, per-workspace store plus Kong's rules. No HTTP here.

Read API for other sandbox components (the proxy) — all thread-safe and returning copies:

- `backend.settings` -> `NodeSettings` (`kong_version`, `portal_app_auth`, `rbac_token`, ...).
- `backend.workspace(name_or_id)` -> the workspace row or None (`"default"` always exists).
- `backend.list(workspace, entity)` -> every row of `entity` in that workspace, e.g.
  `backend.list("default", "routes")`. Entities: services, routes, plugins, consumers (ALL
  types: 0 proxy, 1 developer, 3 application — hidden ones included), developers, applications,
  application_instances. Rows are Kong-shaped dicts: foreign keys as `{"id": ...}`, plugins
  with `name`, `config`, `service`/`route`/`consumer`, `enabled`.
- `backend.get(workspace, entity, id_or_key)` -> one row or None; the key may be the id or
  the endpoint key (services/routes: name, consumers: username, developers: email,
  plugins: instance_name).
- `backend.matching(workspace, entity, field, value)` -> the rows whose `field` equals
  `value`, sorted by id: a `list` filtered without copying every row (indexed fields, e.g.
  consumers' `username`/`custom_id`, and foreign keys' ids as `"consumer.id"`, are O(1)).
- `backend.acl_groups(workspace, consumer_id)` -> service ids an application consumer may
  consume (approved, unsuspended application instances), as Kong's ACL groups.

Writes raise `KongError` carrying Kong's status and body; the HTTP layer only renders them.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from sandbox.admin import errors as E
from sandbox.admin.entities import (
    CONSUMERS,
    PROXY,
    ROUTES,
    SCHEMAS,
    SERVICES,
    WORKSPACES,
)
from sandbox.admin.plugins import enabled_plugins, not_enabled_message
from sandbox.admin.portal import Portal
from sandbox.admin.schema import (
    Schema,
    assemble_row,
    check_row,
    fill_defaults,
    is_uuid,
    new_id,
    normalize,
    record_input,
)
from sandbox.admin.store import (
    KEY_FIELDS,
    PLUGIN_SCOPE,
    Store,
    check_scope,
    clone,
    locked,
    new_tables,
    now,
    parse_size,
)
from sandbox.settings import NodeSettings


def encode_offset(row_id: str) -> str:
    return base64.b64encode(json.dumps([row_id]).encode()).decode()


def decode_offset(token: str) -> str:
    bad = E.KongError(
        400,
        {
            "code": E.INVALID_OFFSET,
            "name": "invalid offset",
            "message": f"'{token}' is not a valid offset: bad base64 encoding",
        },
    )
    try:
        decoded = json.loads(base64.b64decode(token.encode(), validate=True))
    except (binascii.Error, ValueError, UnicodeError):
        raise bad from None
    if not (isinstance(decoded, list) and len(decoded) == 1 and isinstance(decoded[0], str)):
        raise bad
    return decoded[0]


def keyset_slice(
    rows: list[dict], query: dict[str, str], size: int
) -> tuple[list[dict], str | None]:
    """One page of id-sorted `rows` after the `offset` row, and the offset of the next page
    (None on the last page)."""
    if query.get("offset") is not None:
        last = decode_offset(query["offset"])
        rows = [r for r in rows if r["id"] > last]
    chunk = rows[:size]
    return chunk, encode_offset(chunk[-1]["id"]) if len(rows) > size else None


def parse_tags(raw: str | None) -> tuple[list[str], str] | None:
    """`a,b` -> AND, `a/b` -> OR (Kong's endpoints.lua); None when absent."""
    if raw is None:
        return None
    if "," in raw and "/" in raw:
        raise E.invalid_options({"tags": "invalid filter syntax"})
    mode = "or" if "/" in raw else "and"
    tags = raw.split("/" if mode == "or" else ",")
    if any(t == "" for t in tags):
        raise E.invalid_options({"tags": "invalid filter syntax"})
    if len(tags) > 5:
        raise E.invalid_options({"tags": "cannot query more than 5 tags"})
    return tags, mode


class Backend(Store):
    """Kong's core rules over the store; the Dev Portal rules are its `portal` collaborator.
    Every public method takes the store's lock."""

    def __init__(self, settings: NodeSettings) -> None:
        super().__init__()
        self.settings = settings
        self._default_ws_id = new_id()
        self.portal = Portal(self, settings)
        self.reset()

    def acl_groups(self, workspace: str, consumer_id: str) -> list[str]:
        """The service ids an application consumer may consume (see `Portal.acl_groups`)."""
        return self.portal.acl_groups(workspace, consumer_id)

    # ------------------------------------------------------------------ lifecycle & state

    @locked
    def reset(self) -> None:
        """Forget everything; only the `default` workspace remains."""
        self._workspaces = {}
        self._tables = {}
        ts = now()
        row = fill_defaults(WORKSPACES.fields, {"name": "default"})
        row.update(id=self._default_ws_id, created_at=ts, updated_at=ts)
        self._workspaces[row["id"]] = row
        self._tables[row["id"]] = new_tables()

    @locked
    def dump_state(self) -> dict:
        tables = {ws: {e: dict(t) for e, t in ts.items()} for ws, ts in self._tables.items()}
        return clone({"workspaces": self._workspaces, "tables": tables})

    @locked
    def load_state(self, data: dict) -> None:
        self._workspaces = copy.deepcopy(data["workspaces"])
        loaded = copy.deepcopy(data["tables"])
        self._tables = {ws_id: new_tables(tables) for ws_id, tables in loaded.items()}
        for ws_id in self._workspaces:
            self._tables.setdefault(ws_id, new_tables())
        for ws in self._workspaces.values():
            if ws["name"] == "default":
                self._default_ws_id = ws["id"]

    # --------------------------------------------------------------------------- read API

    @locked
    def workspace(self, name_or_id: str) -> dict | None:
        """The workspace row by name or id, or None."""
        ws = self.ws_row(name_or_id)
        return clone(ws) if ws else None

    @locked
    def list(self, workspace: str, entity: str) -> list[dict]:
        """Copies of every `entity` row in `workspace` (name or id), sorted by id."""
        ws = self.ws_row(workspace)
        if ws is None:
            return []
        rows = self._tables[ws["id"]][entity].values()
        return clone(sorted(rows, key=lambda r: r["id"]))

    @locked
    def matching(self, workspace: str, entity: str, field: str, value: Any) -> list[dict]:
        """Copies of the `entity` rows in `workspace` whose `field` (`"service.id"` for a
        foreign key's id) equals `value`, sorted by id; none for a None value."""
        ws = self.ws_row(workspace)
        if ws is None:
            return []
        rows = self._tables[ws["id"]][entity].rows_with(field, value)
        return clone(sorted(rows, key=lambda r: r["id"]))

    @locked
    def get(self, workspace: str, entity: str, id_or_key: str) -> dict | None:
        """A copy of one row by id or endpoint key, or None."""
        ws = self.ws_row(workspace)
        if ws is None:
            return None
        row = self.find(ws["id"], entity, id_or_key)
        return clone(row) if row else None

    # ------------------------------------------------------------------------- internals

    def resolve_workspace(self, name_or_id: str) -> dict:
        with self.lock:
            ws = self.ws_row(name_or_id)
            if ws is None:
                raise E.message(404, f"Workspace '{name_or_id}' not found")
            return ws

    def schema_for(self, entity: str, data: dict | None = None, existing: dict | None = None):
        """The schema of an entity; for plugins, the one of the named plugin (or a 400)."""
        if entity != "plugins":
            return SCHEMAS[entity]
        name = (data or {}).get("name", (existing or {}).get("name"))
        if name is None:
            raise E.schema_violation({"name": "required field missing"})
        if not isinstance(name, str):
            raise E.schema_violation({"name": "expected a string"})
        spec = enabled_plugins(self.settings).get(name)
        if spec is None:
            raise E.schema_violation({"name": not_enabled_message(name)})
        return spec.schema(self.settings)

    def _check_unique(self, ws_id: str, schema: Schema, entity: str, row: dict) -> None:
        table = self.table(ws_id, entity)
        for name, f in schema.fields:
            if not f.unique or row.get(name) is None:
                continue
            if any(other != row["id"] for other in table.holders(name, row[name])):
                raise E.unique_violation({name: row[name]})
        if entity == "plugins":
            scope = tuple(row.get(k) for k in PLUGIN_SCOPE)
            if any(other != row["id"] for other in table.holders(PLUGIN_SCOPE, scope)):
                raise E.unique_violation(dict(zip(PLUGIN_SCOPE, scope, strict=True)))

    def _check_foreign(self, ws_id: str, schema: Schema, row: dict) -> None:
        for name, f in schema.fields:
            ref = row.get(name)
            if f.type != "foreign" or ref is None:
                continue
            table = self._tables[ws_id].get(f.reference or "", {})
            if ref["id"] not in table:
                raise E.foreign_key_violation(name, {"id": ref["id"]}, f.reference or "")

    def _build(
        self,
        ws_id: str,
        entity: str,
        data: Any,
        *,
        form: bool,
        existing: dict | None,
        replace: bool,
    ) -> tuple[Schema, dict]:
        """Validate `data` into a full row: insert/upsert when `replace`, else merge (PATCH)."""
        E.require_object(data)
        schema = self.schema_for(entity, data, existing)
        data = record_input(schema.fields, data, form=form)
        if schema.rewrite_input is not None:
            schema.rewrite_input(data, form)
        for auto in ("created_at", "updated_at"):
            data.pop(auto, None)
        if entity == "services" and "url" in data:
            data.update(_split_url(data.pop("url")))
        row = assemble_row(schema.fields, data, existing, replace=replace)
        check_row(schema, row)
        row = normalize(schema.fields, row)
        ts = now()
        row["created_at"] = existing["created_at"] if existing else ts
        row["updated_at"] = ts
        if entity == "consumers":
            row["username_lower"] = row["username"].lower() if row.get("username") else None
        return schema, {name: row.get(name) for name, _ in schema.fields}

    def _store(self, ws_id: str, entity: str, schema: Schema, row: dict) -> dict:
        self._check_unique(ws_id, schema, entity, row)
        self._check_foreign(ws_id, schema, row)
        self.table(ws_id, entity)[row["id"]] = row
        return clone(row)

    # ------------------------------------------------------------------- core entities

    @locked
    def insert(
        self,
        ws_id: str,
        entity: str,
        data: Any,
        *,
        form: bool = False,
        parent: tuple[str, str] | None = None,
    ) -> dict:
        """POST: validate, fill defaults, check unique/foreign keys, store. Returns the row."""
        if isinstance(data, dict) and parent is not None:
            data = {**data, parent[0]: {"id": parent[1]}}
        if entity == "consumers":
            data = self._consumer_input(data)
        schema, row = self._build(ws_id, entity, data, form=form, existing=None, replace=True)
        if row["id"] in self.table(ws_id, entity):
            raise E.primary_key_violation({"id": row["id"]})
        return self._store(ws_id, entity, schema, row)

    @locked
    def validate_only(self, ws_id: str, entity: str, data: Any, *, form: bool = False) -> None:
        """`POST /schemas/<entity>/validate`: the insert checks of the schema, nothing stored."""
        self._build(ws_id, entity, data, form=form, existing=None, replace=True)

    @locked
    def upsert(
        self,
        ws_id: str,
        entity: str,
        key: str,
        data: Any,
        *,
        form: bool = False,
        parent: tuple[str, str] | None = None,
    ) -> dict:
        """PUT: replace the whole entity (omitted fields revert to defaults); the URL key wins."""
        data = dict(E.require_object(data))
        if entity == "consumers":
            data = self._consumer_input(data)
        existing = self.find(ws_id, entity, key)
        if existing is not None and entity == "consumers" and existing.get("type") != PROXY:
            raise E.not_found(capital=True)
        if is_uuid(key):
            data["id"] = key
        else:
            data[KEY_FIELDS.get(entity) or "name"] = key
        if parent is not None:
            data[parent[0]] = {"id": parent[1]}
        if existing is not None:
            data["id"] = existing["id"]
        schema, row = self._build(ws_id, entity, data, form=form, existing=existing, replace=True)
        return self._store(ws_id, entity, schema, row)

    @locked
    def update(
        self,
        ws_id: str,
        entity: str,
        key: str,
        data: Any,
        *,
        form: bool = False,
        parent: tuple[str, str] | None = None,
    ) -> dict:
        """PATCH: deep-merge records into the existing entity, then validate the result."""
        existing = self.find_core(ws_id, entity, key, parent)
        if entity == "consumers":
            data = self._consumer_input(data)
        schema, row = self._build(ws_id, entity, data, form=form, existing=existing, replace=False)
        return self._store(ws_id, entity, schema, row)

    @locked
    def delete(
        self, ws_id: str, entity: str, key: str, parent: tuple[str, str] | None = None
    ) -> None:
        """DELETE: no-op when missing; refuses a referenced service; cascades plugins etc."""
        row = self.find(ws_id, entity, key)
        if row is None:
            return
        check_scope(entity, row, parent)
        self._delete_row(ws_id, entity, row["id"])

    def _delete_row(self, ws_id: str, entity: str, row_id: str) -> None:
        tables = self._tables[ws_id]
        if entity == "services":
            if tables["routes"].holders("service.id", row_id):
                raise E.referenced_by("routes", "services")
            for inst_id in tables["application_instances"].holders("service.id", row_id):
                del tables["application_instances"][inst_id]
        fk = {"services": "service", "routes": "route", "consumers": "consumer"}.get(entity)
        if fk:
            for plugin_id in tables["plugins"].holders(f"{fk}.id", row_id):
                del tables["plugins"][plugin_id]
        tables[entity].pop(row_id, None)

    def _consumer_input(self, data: Any) -> Any:
        if isinstance(data, dict):
            if "type" in data:
                raise E.message(400, "Invalid parameter: 'type'")
            if "username_lower" in data:
                data = {k: v for k, v in data.items() if k != "username_lower"}
            data = {**data, "type": PROXY}
        return data

    @locked
    def page(
        self,
        ws_id: str,
        entity: str,
        query: dict[str, str],
        base_path: str,
        *,
        parent: tuple[str, str] | None = None,
        where: Callable[[dict], bool] | None = None,
    ) -> dict:
        """Core pagination: sorted by id, opaque offset, relative `next` (None at the end)."""
        size = parse_size(query.get("size"))
        tags = None if parent else parse_tags(query.get("tags"))
        rows = sorted(self.table(ws_id, entity).values(), key=lambda r: r["id"])
        if parent is not None:
            rows = [r for r in rows if (r.get(parent[0]) or {}).get("id") == parent[1]]
        if where is not None:
            rows = [r for r in rows if where(r)]
        if tags is not None:
            wanted, mode = tags
            test = all if mode == "and" else any
            rows = [r for r in rows if test(t in (r.get("tags") or []) for t in wanted)]
        chunk, token = keyset_slice(rows, query, size)
        body: dict[str, Any] = {"data": clone(chunk), "next": None}
        if token is not None:
            nxt = f"{base_path}?offset={quote(token, safe='')}"
            if tags is not None and not parent:
                nxt += f"&tags={quote(query['tags'], safe='')}"
            if query.get("size") is not None and not parent:
                nxt += f"&size={size}"
            body["offset"] = token
            body["next"] = nxt
        return body

    # ------------------------------------------------------------------------ workspaces

    @locked
    def workspace_insert(self, data: Any, *, form: bool = False) -> dict:
        schema, row = self._build_workspace(data, form=form, existing=None)
        self._check_ws_unique(row)
        self._workspaces[row["id"]] = row
        self._tables[row["id"]] = new_tables()
        return clone(row)

    @locked
    def workspace_upsert(self, key: str, data: Any, *, form: bool = False) -> dict:
        existing = self.ws_row(key)
        data = dict(E.require_object(data))
        if existing is not None:
            if data.get("name", existing["name"]) != existing["name"] or (
                not is_uuid(key) and key != existing["name"]
            ):
                raise E.message(400, "Cannot rename a workspace")
            data["name"] = existing["name"]
            data["id"] = existing["id"]
        elif is_uuid(key):
            data["id"] = key
        else:
            data["name"] = key
        schema, row = self._build_workspace(data, form=form, existing=existing, replace=True)
        self._check_ws_unique(row)
        self._workspaces[row["id"]] = row
        if row["id"] not in self._tables:
            self._tables[row["id"]] = new_tables()
        return clone(row)

    @locked
    def workspace_update(self, key: str, data: Any, *, form: bool = False) -> dict:
        existing = self.ws_row(key)
        if existing is None:
            raise E.not_found()
        if isinstance(data, dict) and data.get("name", existing["name"]) != existing["name"]:
            raise E.message(400, "Cannot rename a workspace")
        schema, row = self._build_workspace(data, form=form, existing=existing, replace=False)
        self._workspaces[row["id"]] = row
        return clone(row)

    @locked
    def workspace_delete(self, key: str, cascade: bool = False) -> None:
        ws = self.ws_row(key)
        if ws is None:
            return
        if ws["name"] == "default":
            raise E.message(400, "Cannot delete default workspace")
        counts = {e: len(t) for e, t in self._tables[ws["id"]].items() if t}
        if counts and not cascade:
            raise E.message(400, {"message": "Workspace is not empty", "entities": counts})
        del self._workspaces[ws["id"]]
        del self._tables[ws["id"]]

    @locked
    def workspace_meta(self, key: str) -> dict:
        ws = self.ws_row(key)
        if ws is None:
            raise E.not_found()
        return {"counts": {e: len(t) for e, t in self._tables[ws["id"]].items()}}

    @locked
    def workspace_page(self, query: dict[str, str]) -> dict:
        size = parse_size(query.get("size"))
        rows = sorted(self._workspaces.values(), key=lambda r: r["id"])
        chunk, token = keyset_slice(rows, query, size)
        body: dict[str, Any] = {"data": clone(chunk), "next": None}
        if token is not None:
            body["offset"] = token
            body["next"] = f"/workspaces?offset={quote(token, safe='')}"
            if query.get("size") is not None:
                body["next"] += f"&size={size}"
        return body

    def _check_ws_unique(self, row: dict) -> None:
        for other in self._workspaces.values():
            if other["id"] != row["id"] and other["name"] == row["name"]:
                raise E.unique_violation({"name": row["name"]})

    def _build_workspace(
        self, data: Any, *, form: bool, existing: dict | None, replace: bool = True
    ) -> tuple[Schema, dict]:
        data = record_input(WORKSPACES.fields, E.require_object(data), form=form)
        config = data.get("config")
        if isinstance(config, dict):
            config = dict(config)
            for key in ("portal_auth_conf", "portal_session_conf"):
                value = config.get(key)
                if isinstance(value, dict):
                    config[key] = json.dumps(value)
                elif value is not None and not isinstance(value, str):
                    raise E.message(400, f"'config.{key}' must be type 'table'")
            data["config"] = config
        data.pop("created_at", None)
        data.pop("updated_at", None)
        row = assemble_row(WORKSPACES.fields, data, existing, replace=replace)
        if isinstance(row.get("config"), dict):
            row["config"] = fill_defaults(
                WORKSPACES.field_map()["config"].fields or [], row["config"]
            )
        check_row(WORKSPACES, row)
        cfg = row.get("config") or {}
        if cfg.get("portal_auth") in ("basic-auth", "key-auth") and not cfg.get(
            "portal_session_conf"
        ):
            raise E.message(
                400,
                f"'portal_session_conf' is required when 'portal_auth' is set to "
                f"{cfg['portal_auth']}",
            )
        row = normalize(WORKSPACES.fields, row)
        ts = now()
        row["created_at"] = existing["created_at"] if existing else ts
        row["updated_at"] = ts
        return WORKSPACES, row


def _split_url(url: Any) -> dict[str, Any]:
    """The services `url` shorthand -> protocol, host, port, path."""
    if not isinstance(url, str):
        raise E.schema_violation({"url": "expected a string"})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise E.schema_violation({"url": "invalid port number"}) from None
    if not parts.scheme:
        raise E.schema_violation({"url": "missing scheme in url"})
    if not parts.hostname:
        raise E.schema_violation({"url": "missing host in url"})
    default_port = 443 if parts.scheme in ("https", "grpcs", "tls", "wss") else 80
    path = parts.path or None
    if path and parts.query:
        path += "?" + parts.query
    return {
        "protocol": parts.scheme,
        "host": parts.hostname,
        "port": port if port is not None else default_port,
        "path": path,
    }


__all__ = ["Backend", "CONSUMERS", "ROUTES", "SERVICES", "parse_size", "parse_tags"]
