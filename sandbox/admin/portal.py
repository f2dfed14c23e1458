"""Dev Portal rules (EE 3.4): developers, applications, application instances.

The `Backend` holds one `Portal` as its collaborator; both work on the same `Store`. Access
rule for the proxy: an application may consume a service when it has an application instance
for that service with `status == 0` and `suspended is False` (Kong adds ACL group = service id).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from sandbox.admin import errors as E
from sandbox.admin.entities import (
    APPLICATION,
    APPLICATION_INSTANCES,
    APPLICATIONS,
    DEFAULT_META_FIELDS,
    DEVELOPER,
    DEVELOPERS,
)
from sandbox.admin.schema import (
    check_row,
    fill_defaults,
    is_uuid,
    new_id,
    normalize,
    record_input,
    unknown_fields,
    validate,
)
from sandbox.admin.store import Store, clone, now, parse_size

if TYPE_CHECKING:
    from sandbox.admin.schema import Schema
    from sandbox.settings import NodeSettings

APPROVED, PENDING, UNVERIFIED = 0, 1, 5
INSTANCE_INPUT = ("service", "status", "suspended", "application", "id")

T = TypeVar("T")


def render(row: dict | None) -> dict | None:
    """EE hand-written portal routes call the DAO without `nulls`: null fields are omitted."""
    if row is None:
        return None
    return {k: clone(v) for k, v in row.items() if v is not None}


def _sort_key(value: Any) -> tuple:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, "" if value is None else json.dumps(value, sort_keys=True, default=str))


def portal_page(rows: list[dict], query: dict[str, str], path: str) -> dict:
    """EE `crud_helpers.paginate`: in-memory sort, offset = id of the next page's first row."""
    size = parse_size(query.get("size"), portal=True)
    sort_by = query.get("sort_by") or "id"
    desc = query.get("sort_desc") in ("true", "1")
    rows = sorted(rows, key=lambda r: r["id"])
    rows = sorted(rows, key=lambda r: _sort_key(r.get(sort_by)), reverse=desc)
    start = 0
    if query.get("offset") is not None:
        ids = [r["id"] for r in rows]
        if query["offset"] not in ids:
            raise E.KongError(400, {"code": E.INVALID_OFFSET, "message": "invalid offset"})
        start = ids.index(query["offset"])
    chunk = rows[start : start + size]
    body: dict[str, Any] = {"data": chunk, "total": len(chunk), "next": None}
    if start + size < len(rows):
        nxt_id = rows[start + size]["id"]
        others = "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items() if k != "offset"
        )
        body["offset"] = nxt_id
        body["next"] = f"{path}?{others + '&' if others else ''}offset={nxt_id}"
    return body


def _violation(field: str, msg: Any) -> E.KongError:
    return E.schema_violation({field: msg})


def _conflict(field: str, msg: str) -> E.KongError:
    """The portal's own 409 (no `name` / `message`, unlike the DAO's unique violation)."""
    return E.KongError(409, {"code": E.UNIQUE_VIOLATION, "fields": {field: msg}})


def _status_filter(rows: list[dict], query: dict[str, str]) -> list[dict]:
    """The `?status=` filter of the portal lists (an integer, else a schema violation)."""
    if query.get("status") is None:
        return rows
    try:
        status = int(query["status"])
    except ValueError:
        raise _violation("status", "expected an integer") from None
    return [r for r in rows if r.get("status") == status]


class Portal:
    """Developer / application / application instance operations on the shared store (all
    take its lock)."""

    def __init__(self, store: Store, settings: NodeSettings) -> None:
        self.store = store
        self.settings = settings

    # ------------------------------------------------------------------------ read API

    def acl_groups(self, workspace: str, consumer_id: str) -> list[str]:
        """The ACL groups Kong gives an application's hidden consumer: one per service with an
        approved (status 0), unsuspended instance, the group being that service's id."""
        with self.store.lock:
            ws = self.store.ws_row(workspace)
            if ws is None:
                return []
            instances = self.store.table(ws["id"], "application_instances")
            return sorted(
                i["service"]["id"]
                for app_id in self.store.table(ws["id"], "applications").holders(
                    "consumer.id", consumer_id
                )
                for i in instances.rows_with("application.id", app_id)
                if i["status"] == APPROVED and not i["suspended"]
            )

    # ------------------------------------------------------------------------ helpers

    def _body_for(
        self, data: Any, schema: Schema, form: bool, find: Callable[[], T]
    ) -> tuple[T, dict]:
        """The prologue of a write under a parent: reject a non-object body, then look up the
        parent (its 404 comes next), then copy the body (coercing form data)."""
        E.require_object(data)
        parent = find()
        return parent, record_input(schema.fields, data, form=form)

    def portal_enabled(self, ws: dict) -> bool:
        """Portal endpoints exist only up to 3.4 and when workspace `config.portal` is true."""
        return self.settings.portal_available and bool((ws.get("config") or {}).get("portal"))

    def _consumers_clash(self, ws_id: str, field: str, value: Any, own: str | None):
        """The consumer other than `own` whose `field` equals `value`, or None (null never
        clashes)."""
        consumers = self.store.table(ws_id, "consumers")
        for cid in consumers.holders(field, value):
            if cid != own:
                return consumers[cid]
        return None

    def _rename_consumer(self, ws_id: str, consumer_id: str | None, username: str, row: dict):
        """Give the hidden consumer of a developer or application its owner's new username
        and custom_id, as a new stored row so the consumers' index follows."""
        consumers = self.store.table(ws_id, "consumers")
        consumer = consumers.get(consumer_id or "")
        if consumer is not None:
            consumers[consumer["id"]] = {
                **consumer,
                "username": username,
                "username_lower": username.lower(),
                "custom_id": row.get("custom_id"),
                "updated_at": row["updated_at"],
            }

    def _new_consumer(self, ws_id: str, username: str, custom_id: Any, ctype: int):
        ts = now()
        row = {
            "id": new_id(),
            "created_at": ts,
            "updated_at": ts,
            "username": username,
            "username_lower": username.lower(),
            "custom_id": custom_id,
            "type": ctype,
            "tags": None,
        }
        self.store.table(ws_id, "consumers")[row["id"]] = row
        return row

    def _validate_meta(self, ws: dict, meta: Any) -> None:
        fields_json = (ws.get("config") or {}).get("portal_developer_meta_fields")
        try:
            meta_fields = json.loads(fields_json or DEFAULT_META_FIELDS)
        except ValueError:
            meta_fields = json.loads(DEFAULT_META_FIELDS)
        required = [
            f.get("title")
            for f in meta_fields
            if isinstance(f, dict) and (f.get("validator") or {}).get("required")
        ]
        if meta is None:
            parsed: Any = {}
        else:
            try:
                parsed = json.loads(meta)
            except (ValueError, RecursionError):
                raise _violation("meta", "expected a JSON-encoded object") from None
            if not isinstance(parsed, dict):
                raise _violation("meta", "expected a JSON-encoded object")
        missing = {t: "required field missing" for t in required if not parsed.get(t)}
        if missing:
            raise _violation("meta", missing)

    # ----------------------------------------------------------------------- developers

    def developer_insert(self, ws: dict, data: Any, *, form: bool = False) -> dict:
        with self.store.lock:
            E.require_object(data)
            cfg = ws.get("config") or {}
            if not cfg.get("portal_auth"):
                raise E.KongError(
                    400,
                    {
                        "code": E.SCHEMA_VIOLATION,
                        "message": "portal_auth must be enabled create a developer",
                    },
                )
            data = record_input(DEVELOPERS.fields, data, form=form)
            roles = data.pop("roles", None)
            if roles is not None and not isinstance(roles, list):
                raise E.KongError(
                    400,
                    {
                        "code": E.SCHEMA_VIOLATION,
                        "fields": {"roles": "the roles of developer should be an array."},
                    },
                )
            password, key = data.pop("password", None), data.pop("key", None)
            if cfg["portal_auth"] == "basic-auth" and not password:
                raise _violation("password", "required field missing")
            if cfg["portal_auth"] == "key-auth" and not key:
                raise _violation("key", "required field missing")
            for auto in ("created_at", "updated_at", "consumer", "rbac_user"):
                data.pop(auto, None)
            if data.get("status") is None:
                data["status"] = APPROVED if cfg.get("portal_auto_approve") else PENDING
            row = fill_defaults(DEVELOPERS.fields, data)
            row["id"] = row.get("id") or new_id()
            check_row(DEVELOPERS, row)
            self._validate_meta(ws, row.get("meta"))
            row = normalize(DEVELOPERS.fields, row)
            ws_id = ws["id"]
            table = self.store.table(ws_id, "developers")
            if row["id"] in table:
                raise E.primary_key_violation({"id": row["id"]})
            email = row["email"]
            if any(table.holders("email", email)) or self._consumers_clash(
                ws_id, "username", email, None
            ):
                raise _conflict("email", f"developer already exists with email: {email}")
            if self._consumers_clash(ws_id, "custom_id", row.get("custom_id"), None):
                raise _conflict(
                    "custom_id", "developer already exists with custom_id: " + str(row["custom_id"])
                )
            consumer = self._new_consumer(ws_id, email, row.get("custom_id"), DEVELOPER)
            ts = now()
            row.update(consumer={"id": consumer["id"]}, created_at=ts, updated_at=ts)
            table[row["id"]] = row
            return render(row) or {}

    def developer_find(self, ws: dict, key: str) -> dict:
        """The stored developer row by id or email, or 404. Read it, never change it: the
        callers render a copy or store a new row."""
        with self.store.lock:
            row = self.store.find(ws["id"], "developers", key)
            if row is None:
                raise E.not_found()
            return row

    def developer_get(self, ws: dict, key: str) -> dict:
        with self.store.lock:
            body = render(self.developer_find(ws, key)) or {}
        body["roles"] = []
        return body

    def developer_page(self, ws: dict, query: dict[str, str], path: str) -> dict:
        with self.store.lock:
            rows = list(self.store.table(ws["id"], "developers").values())
            rows = _status_filter(rows, query)
            if query.get("custom_id") is not None:
                rows = [r for r in rows if r.get("custom_id") == query["custom_id"]]
            if query.get("role") is not None:
                rows = []  # developer roles are not modelled: no developer has one
            body = portal_page(rows, query, path)
            body["data"] = [dict(render(r) or {}, roles=[]) for r in body["data"]]
            return body

    def developer_update(self, ws: dict, key: str, data: Any, *, form: bool = False) -> dict:
        with self.store.lock:
            existing, data = self._body_for(
                data, DEVELOPERS, form, lambda: self.developer_find(ws, key)
            )
            for ignored in (
                "id",
                "created_at",
                "updated_at",
                "consumer",
                "rbac_user",
                "roles",
                "password",
                "key",
            ):
                data.pop(ignored, None)
            row = {**existing, **data}
            check_row(DEVELOPERS, row)
            if "meta" in data:
                self._validate_meta(ws, row.get("meta"))
            if row.get("status") == UNVERIFIED and existing.get("status") != UNVERIFIED:
                raise _violation("status", "cannot update developer to status UNVERIFIED")
            ws_id = ws["id"]
            own_consumer = (existing.get("consumer") or {}).get("id")
            for field, cfield in (("email", "username"), ("custom_id", "custom_id")):
                value = row.get(field)
                if value is None or value == existing.get(field):
                    continue
                dup_dev = any(
                    d != existing["id"]
                    for d in self.store.table(ws_id, "developers").holders(field, value)
                )
                if dup_dev or self._consumers_clash(ws_id, cfield, value, own_consumer):
                    raise _conflict(field, f"already exists with value '{value}'")
            row = normalize(DEVELOPERS.fields, row)
            row["updated_at"] = now()
            self.store.table(ws_id, "developers")[row["id"]] = row
            self._rename_consumer(ws_id, own_consumer, row["email"], row)
            if row.get("status") != existing.get("status"):
                suspended = row.get("status") != APPROVED
                instances = self.store.table(ws_id, "application_instances")
                for app_id in self.store.table(ws_id, "applications").holders(
                    "developer.id", row["id"]
                ):
                    for inst in instances.rows_with("application.id", app_id):
                        inst["suspended"] = suspended  # not an indexed field: safe in place
                        inst["updated_at"] = row["updated_at"]
            return {"developer": render(row)}

    def developer_delete(self, ws: dict, key: str) -> None:
        with self.store.lock:
            dev = self.developer_find(ws, key)
            ws_id = ws["id"]
            for app in self.store.table(ws_id, "applications").rows_with("developer.id", dev["id"]):
                self._delete_application(ws_id, app)
            if dev.get("consumer"):
                self.store.table(ws_id, "consumers").pop(dev["consumer"]["id"], None)
            self.store.table(ws_id, "developers").pop(dev["id"], None)

    # --------------------------------------------------------------------- applications

    def _required_by_strategy(self, row: dict) -> None:
        needed = (
            "custom_id" if self.settings.portal_app_auth == "external-oauth2" else "redirect_uri"
        )
        if row.get(needed) is None:
            raise _violation(needed, "required field missing")

    def _app_conflicts(self, ws_id: str, row: dict, own_consumer: str | None) -> None:
        username = f"{row['developer']['id']}_{row['name']}"
        for field, value, label in (
            ("username", username, "name"),
            ("custom_id", row.get("custom_id"), "custom_id"),
        ):
            if self._consumers_clash(ws_id, field, value, own_consumer):
                shown = row["name"] if label == "name" else value
                msg = f"application already exists with {label}: '{shown}'"
                raise E.KongError(
                    409,
                    {
                        "code": E.UNIQUE_VIOLATION,
                        "name": "unique constraint violation",
                        "message": msg,
                        "fields": {label: msg},
                    },
                )

    def application_insert(
        self, ws: dict, data: Any, *, form: bool = False, developer: str | None = None
    ) -> dict:
        with self.store.lock:
            data = record_input(APPLICATIONS.fields, E.require_object(data), form=form)
            ws_id = ws["id"]
            if developer is not None:
                data["developer"] = {"id": self.developer_find(ws, developer)["id"]}
            for auto in ("created_at", "updated_at", "consumer"):
                data.pop(auto, None)
            if isinstance(data.get("name"), str):
                data["name"] = data["name"].rstrip()
            row = fill_defaults(APPLICATIONS.fields, data)
            row["id"] = row.get("id") or new_id()
            self._required_by_strategy(row)
            check_row(APPLICATIONS, row)
            if row["developer"]["id"] not in self.store.table(ws_id, "developers"):
                raise E.foreign_key_violation("developer", row["developer"], "developers")
            if row["id"] in self.store.table(ws_id, "applications"):
                raise E.primary_key_violation({"id": row["id"]})
            self._app_conflicts(ws_id, row, None)
            consumer = self._new_consumer(
                ws_id, f"{row['developer']['id']}_{row['name']}", row.get("custom_id"), APPLICATION
            )
            ts = now()
            row.update(consumer={"id": consumer["id"]}, created_at=ts, updated_at=ts)
            self.store.table(ws_id, "applications")[row["id"]] = row
            return render(row) or {}

    def application_find(self, ws: dict, app_id: str, developer: str | None = None) -> dict:
        """The stored application row (of that developer, when given), or 404. Read it, never
        change it: the callers render a copy or store a new row."""
        with self.store.lock:
            dev_id = self.developer_find(ws, developer)["id"] if developer is not None else None
            if not is_uuid(app_id):
                raise E.invalid_primary_key(app_id)
            row = self.store.table(ws["id"], "applications").get(app_id)
            if row is None or (dev_id is not None and row["developer"]["id"] != dev_id):
                raise E.not_found()
            return row

    def application_get(self, ws: dict, app_id: str, developer: str | None = None) -> dict:
        with self.store.lock:
            return render(self.application_find(ws, app_id, developer)) or {}

    def application_page(self, ws: dict, developer: str, query: dict[str, str], path: str) -> dict:
        with self.store.lock:
            dev_id = self.developer_find(ws, developer)["id"]
            rows = self.store.table(ws["id"], "applications").rows_with("developer.id", dev_id)
            body = portal_page(rows, query, path)
            body["data"] = [render(r) for r in body["data"]]
            return body

    def application_update(
        self,
        ws: dict,
        app_id: str,
        data: Any,
        *,
        form: bool = False,
        developer: str | None = None,
    ) -> dict:
        with self.store.lock:
            existing, data = self._body_for(
                data, APPLICATIONS, form, lambda: self.application_find(ws, app_id, developer)
            )
            allowed = (
                ("name", "redirect_uri", "custom_id")
                if developer is not None
                else ("name", "redirect_uri", "custom_id", "description", "meta")
            )
            unknown = unknown_fields(data, APPLICATIONS.field_map())
            if unknown:
                raise E.schema_violation(unknown)
            changes = {k: v for k, v in data.items() if k in allowed}
            if isinstance(changes.get("name"), str):
                changes["name"] = changes["name"].rstrip()
            row = {**existing, **changes}
            self._required_by_strategy(row)
            check_row(APPLICATIONS, row)
            ws_id = ws["id"]
            own = (existing.get("consumer") or {}).get("id")
            self._app_conflicts(ws_id, row, own)
            row["updated_at"] = now()
            self.store.table(ws_id, "applications")[row["id"]] = row
            self._rename_consumer(ws_id, own, f"{row['developer']['id']}_{row['name']}", row)
            return render(row) or {}

    def application_delete(self, ws: dict, app_id: str, developer: str | None = None) -> None:
        with self.store.lock:
            if developer is not None:
                self.developer_find(ws, developer)
            if not is_uuid(app_id):
                raise E.invalid_primary_key(app_id)
            row = self.store.table(ws["id"], "applications").get(app_id)
            if row is None:
                return
            if (
                developer is not None
                and row["developer"]["id"] != self.developer_find(ws, developer)["id"]
            ):
                raise E.not_found()
            self._delete_application(ws["id"], row)

    def _delete_application(self, ws_id: str, app: dict) -> None:
        instances = self.store.table(ws_id, "application_instances")
        for inst_id in instances.holders("application.id", app["id"]):
            del instances[inst_id]
        if app.get("consumer"):
            self.store.table(ws_id, "consumers").pop(app["consumer"]["id"], None)
        self.store.table(ws_id, "applications").pop(app["id"], None)

    def service_applications(self, ws: dict, service: str) -> dict:
        with self.store.lock:
            svc = self.store.find_core(ws["id"], "services", service)
            app_ids = {
                i["application"]["id"]
                for i in self.store.table(ws["id"], "application_instances").rows_with(
                    "service.id", svc["id"]
                )
            }
            apps = [
                render(a)
                for a in self.store.table(ws["id"], "applications").values()
                if a["id"] in app_ids
            ]
            return {"data": apps, "total": len(apps)}

    # ------------------------------------------------------------- application instances

    def _app_reg_plugin(self, ws_id: str, service_id: str) -> dict | None:
        for p in self.store.table(ws_id, "plugins").values():
            if (
                p["name"] == "application-registration"
                and (p.get("service") or {}).get("id") == service_id
            ):
                return p
        return None

    def instance_insert(
        self,
        ws: dict,
        app_id: str,
        data: Any,
        *,
        form: bool = False,
        developer: str | None = None,
    ) -> dict:
        with self.store.lock:
            app, data = self._body_for(
                data,
                APPLICATION_INSTANCES,
                form,
                lambda: self.application_find(ws, app_id, developer),
            )
            unknown = unknown_fields(data, INSTANCE_INPUT)
            svc = data.get("service")
            probe = {
                "application": {"id": app["id"]},
                "service": svc,
                "status": data.get("status"),
                "suspended": False,
            }
            errs = validate(APPLICATION_INSTANCES, probe)
            errs.update(unknown)
            if errs:
                raise E.schema_violation(errs)
            ws_id = ws["id"]
            if svc["id"] not in self.store.table(ws_id, "services"):
                raise E.foreign_key_violation("service", {"id": svc["id"]}, "services")
            plugin = self._app_reg_plugin(ws_id, svc["id"])
            if plugin is None:
                raise E.KongError(
                    405,
                    {
                        "code": E.OPERATION_UNSUPPORTED,
                        "message": "'Application Registration' plugin must be enabled.",
                    },
                )
            status = data.get("status")
            if status is None:
                status = APPROVED if plugin["config"].get("auto_approve") else PENDING
            dev = self.store.table(ws_id, "developers").get(app["developer"]["id"]) or {}
            composite = f"{app['id']}_{svc['id']}"
            inst_id = data.get("id") if is_uuid(data.get("id")) else new_id()
            # the primary key index answers first, as for every DAO insert
            if inst_id in self.store.table(ws_id, "application_instances"):
                raise E.primary_key_violation({"id": inst_id})
            if any(
                self.store.table(ws_id, "application_instances").holders("composite_id", composite)
            ):
                raise E.unique_violation({"composite_id": composite})
            ts = now()
            row = {
                "id": inst_id,
                "created_at": ts,
                "updated_at": ts,
                "application": {"id": app["id"]},
                "service": {"id": svc["id"]},
                "suspended": dev.get("status") != APPROVED,
                "composite_id": composite,
                "status": int(status),
            }
            self.store.table(ws_id, "application_instances")[row["id"]] = row
            return render(row) or {}

    def _expand(self, ws_id: str, inst: dict, by_service: bool) -> dict:
        out = render(inst) or {}
        app = clone(self.store.table(ws_id, "applications").get(inst["application"]["id"]))
        if app is not None:
            dev = self.store.table(ws_id, "developers").get(app["developer"]["id"])
            app["developer"] = render(dev) if dev else app["developer"]
            out["application"] = render(app)
        if by_service:
            svc = self.store.table(ws_id, "services").get(inst["service"]["id"])
            out["service"] = clone(svc) if svc else inst["service"]
        else:
            plugin = self._app_reg_plugin(ws_id, inst["service"]["id"])
            out["service"] = {"id": inst["service"]["id"]}
            if plugin is not None:
                out["service"]["display_name"] = plugin["config"].get("display_name")
        return out

    def instance_page(
        self,
        ws: dict,
        query: dict[str, str],
        path: str,
        *,
        application: str | None = None,
        developer: str | None = None,
        service: str | None = None,
    ) -> dict:
        with self.store.lock:
            ws_id = ws["id"]
            instances = self.store.table(ws_id, "application_instances")
            if service is not None:
                sid = self.store.find_core(ws_id, "services", service)["id"]
                rows = instances.rows_with("service.id", sid)
            else:
                app = self.application_find(ws, application or "", developer)
                rows = instances.rows_with("application.id", app["id"])
            rows = _status_filter(rows, query)
            body = portal_page(rows, query, path)
            body["data"] = [self._expand(ws_id, r, service is not None) for r in body["data"]]
            return body

    def _instance_lookup(
        self,
        ws: dict,
        inst_id: str,
        application: str | None,
        developer: str | None,
        service: str | None,
    ) -> dict:
        """The instance under that parent (the stored row), or 404."""
        ws_id = ws["id"]
        if service is not None:
            parent = ("service", self.store.find_core(ws_id, "services", service)["id"])
        else:
            parent = ("application", self.application_find(ws, application or "", developer)["id"])
        if not is_uuid(inst_id):
            raise E.invalid_primary_key(inst_id)
        row = self.store.table(ws_id, "application_instances").get(inst_id)
        if row is None or row[parent[0]]["id"] != parent[1]:
            raise E.not_found()
        return row

    def instance_get(
        self,
        ws: dict,
        inst_id: str,
        *,
        application: str | None = None,
        developer: str | None = None,
        service: str | None = None,
    ) -> dict:
        with self.store.lock:
            row = self._instance_lookup(ws, inst_id, application, developer, service)
            return render(row) or {}

    def instance_update(
        self,
        ws: dict,
        inst_id: str,
        data: Any,
        *,
        form: bool = False,
        application: str | None = None,
        developer: str | None = None,
        service: str | None = None,
    ) -> dict:
        with self.store.lock:
            row, data = self._body_for(
                data,
                APPLICATION_INSTANCES,
                form,
                lambda: self._instance_lookup(ws, inst_id, application, developer, service),
            )
            changes = {k: data[k] for k in ("status", "suspended") if k in data}
            errs = validate(APPLICATION_INSTANCES, {**row, **changes})
            if errs:
                raise E.schema_violation(errs)
            row.update(normalize(APPLICATION_INSTANCES.fields, changes))
            row["updated_at"] = now()
            return render(row) or {}

    def instance_delete(
        self,
        ws: dict,
        inst_id: str,
        *,
        application: str | None = None,
        developer: str | None = None,
        service: str | None = None,
    ) -> None:
        with self.store.lock:
            try:
                row = self._instance_lookup(ws, inst_id, application, developer, service)
            except E.KongError as exc:
                if exc.status == 404:
                    return  # an unknown instance, or a wrong or unknown parent, still answers 204
                raise
            del self.store.table(ws["id"], "application_instances")[row["id"]]
