"""The in-memory, per-workspace tables and the lookups every rule set shares.

`Backend` (core entities, workspaces) and `Portal` (developers, applications, instances) both
work on one `Store`: one RLock guards everything, rows are Kong-shaped dicts keyed by id.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable, Iterable
from operator import methodcaller
from typing import Any, TypeVar

from sandbox.admin import errors as E
from sandbox.admin.entities import PROXY
from sandbox.admin.schema import is_uuid

F = TypeVar("F", bound=Callable[..., Any])
ENTITIES = (
    "services",
    "routes",
    "plugins",
    "consumers",
    "developers",
    "applications",
    "application_instances",
)
MAX_SIZE = 1000
DEFAULT_SIZE = 100
# The endpoint key of each entity: `GET /E/{key}` accepts the id or this field's value.
KEY_FIELDS = {
    "services": "name",
    "routes": "name",
    "consumers": "username",
    "plugins": "instance_name",
    "developers": "email",
}


def now() -> int:
    return int(time.time())


def locked(fn: F) -> F:
    """Run a `Store` method under the store's lock (re-entrant: locked methods nest)."""

    @functools.wraps(fn)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def parse_size(raw: str | None, *, portal: bool = False) -> int:
    """The `size` query argument; the portal's hand-written routes answer a shorter error."""
    if raw is None:
        return DEFAULT_SIZE
    try:
        value = float(raw)
    except ValueError:
        if portal:
            raise E.KongError(400, {"code": E.INVALID_SIZE, "message": "invalid size"}) from None
        raise E.KongError(
            400,
            {"code": E.INVALID_SIZE, "name": "invalid size", "message": "size must be a number"},
        ) from None
    if not value.is_integer() or not 1 <= value <= MAX_SIZE:
        if portal:
            raise E.KongError(400, {"code": E.INVALID_SIZE, "message": "invalid size"})
        raise E.KongError(
            400,
            {
                "code": E.INVALID_SIZE,
                "name": "invalid size",
                "message": f"size must be an integer between 1 and {MAX_SIZE}",
            },
        )
    return int(value)


def any_holds(rows: Iterable[dict], field: str, value: Any) -> bool:
    """Whether some row's `field` equals `value`: the uniqueness checks' common case (no row
    does) runs as one C-level scan; a per-row Python loop made every insert cost O(rows) of
    interpreted work, a millisecond at a few thousand developers."""
    return value in map(methodcaller("get", field), rows)


def check_scope(entity: str, row: dict, parent: tuple[str, str] | None) -> None:
    """404 unless `row` belongs to the nested `parent`; a non-proxy consumer is `Not Found`."""
    if parent is not None and (row.get(parent[0]) or {}).get("id") != parent[1]:
        raise E.not_found()
    if entity == "consumers" and row.get("type") != PROXY:
        raise E.not_found(capital=True)


class Store:
    """Workspaces and their tables, with the lookups shared by the core and portal rules."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._workspaces: dict[str, dict] = {}
        self._tables: dict[str, dict[str, dict[str, dict]]] = {}

    def ws_row(self, name_or_id: str) -> dict | None:
        """The stored workspace row (not a copy) by id or name, or None."""
        if name_or_id in self._workspaces:
            return self._workspaces[name_or_id]
        for ws in self._workspaces.values():
            if ws["name"] == name_or_id:
                return ws
        return None

    def table(self, ws_id: str, entity: str) -> dict[str, dict]:
        """The stored rows of one entity in one workspace, by id (callers hold the lock)."""
        return self._tables[ws_id][entity]

    def find(self, ws_id: str, entity: str, key: str) -> dict | None:
        """The stored row by id or endpoint key, or None."""
        table = self.table(ws_id, entity)
        if key in table:
            return table[key]
        field = KEY_FIELDS.get(entity)
        if field is None or is_uuid(key):
            return None
        for row in table.values():
            if row.get(field) == key:
                return row
        return None

    @locked
    def find_core(
        self, ws_id: str, entity: str, key: str, parent: tuple[str, str] | None = None
    ) -> dict:
        """A copy of the row, or 404 (also when it does not belong to the nested parent)."""
        row = self.find(ws_id, entity, key)
        if row is None:
            raise E.not_found()
        check_scope(entity, row, parent)
        return copy.deepcopy(row)
