"""The in-memory, per-workspace tables and the lookups every rule set shares.

`Backend` (core entities, workspaces) and `Portal` (developers, applications, instances) both
work on one `Store`: one RLock guards everything, rows are Kong-shaped dicts keyed by id, each
entity's rows of a workspace in a `Table` that indexes the fields the uniqueness checks and the
cascades look up.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, NoReturn, TypeVar

from sandbox.admin import errors as E
from sandbox.admin.entities import PLUGIN_BASE, PROXY, SCHEMAS
from sandbox.admin.schema import Field, is_uuid

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


# A plugin's scope: at most one plugin of a name per route/service/consumer/consumer group.
PLUGIN_SCOPE = ("name", "route", "service", "consumer", "consumer_group")
# One field; a foreign key's id ("service.id"); or a compound key of several fields.
IndexField = str | tuple[str, ...]


def _unique_fields(fields: list[tuple[str, Field]]) -> tuple[str, ...]:
    return tuple(name for name, f in fields if f.unique and name != "id")


# The foreign keys whose children a delete cascades to or a portal list reads, by entity.
CHILD_KEYS: dict[str, tuple[str, ...]] = {
    "routes": ("service.id",),
    "plugins": ("service.id", "route.id", "consumer.id"),
    "applications": ("developer.id", "consumer.id"),
    "application_instances": ("application.id", "service.id"),
}
# The fields each table indexes: the schema's unique fields, which are also the ones the
# portal's clash checks compare (consumers' username/custom_id, developers' email/custom_id,
# instances' composite_id); the plugins' scope; and the foreign keys above.
INDEXED: dict[str, tuple[IndexField, ...]] = {
    e: (
        *_unique_fields(PLUGIN_BASE if e == "plugins" else SCHEMAS[e].fields),
        *((PLUGIN_SCOPE,) if e == "plugins" else ()),
        *CHILD_KEYS.get(e, ()),
    )
    for e in ENTITIES
}


def index_key(value: Any) -> Hashable:
    """A hashable stand-in for a JSON value, equal to another's exactly when the values are
    equal (`==`), so an index lookup answers what a scan comparing with `==` would."""
    kind = type(value)
    if kind is dict:
        return ("{}", tuple(sorted((k, index_key(v)) for k, v in value.items())))
    if kind is list or kind is tuple:
        return ("[]", tuple(index_key(v) for v in value))
    return value


_ATOMS = frozenset({str, int, float, bool, type(None)})


def clone(value: Any) -> Any:
    """A deep copy of a JSON-shaped value (what rows hold) for handing a row out: callers may
    change it without touching the store. Several times cheaper than `copy.deepcopy` (about a
    fifth of the Admin API's CPU in a profile at 1,000 apps); other types fall back to it."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _ATOMS else clone(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _ATOMS else clone(v) for v in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


def field_value(row: Mapping[str, Any], field: IndexField) -> Any:
    """The value a row holds in an indexed field (a tuple for a compound key)."""
    if isinstance(field, tuple):
        return tuple(row.get(name) for name in field)
    name, _, sub = field.partition(".")
    value = row.get(name)
    if sub:
        return value.get(sub) if isinstance(value, dict) else None
    return value


class Table(dict[str, dict]):
    """One entity's rows in one workspace, by id, with an index of each field in `fields`:
    `holders(field, value)` answers in O(1) which rows hold a value, where a scan of every
    row made each insert (uniqueness) and delete (cascades) cost O(rows): minutes of CPU at
    10,000 developer apps.

    Rows change only through `table[id] = row`, `del table[id]` and `table.pop(id)`, which
    keep the index; a stored row is never changed in place in an indexed field (store a new
    row instead). Null never clashes, so a None in a single field is not indexed; a compound
    key is indexed with its nulls, as the plugins' scope check compares them."""

    __slots__ = ("fields", "_index", "_keys")

    def __init__(
        self, fields: tuple[IndexField, ...], rows: Iterable[tuple[str, dict]] = ()
    ) -> None:
        super().__init__()
        self.fields = fields
        self._index: dict[IndexField, dict[Hashable, dict[str, None]]] = {f: {} for f in fields}
        self._keys: dict[str, list[tuple[IndexField, Hashable]]] = {}  # what each row is under
        for row_id, row in rows:
            self[row_id] = row

    def holders(self, field: IndexField, value: Any) -> tuple[str, ...]:
        """Ids of the rows whose `field` equals `value`, in indexing order (none for None);
        a snapshot, so the caller may delete them while iterating."""
        if value is None:
            return ()
        index = self._index.get(field)
        if index is None:  # a field no index covers (a plugin's own unique field): scan
            return tuple(rid for rid, row in self.items() if field_value(row, field) == value)
        return tuple(index.get(index_key(value), ()))

    def rows_with(self, field: IndexField, value: Any) -> list[dict]:
        """The stored rows whose `field` equals `value` (see `holders`)."""
        return [self[rid] for rid in self.holders(field, value)]

    def __setitem__(self, row_id: str, row: dict) -> None:
        self._unindex(row_id)
        dict.__setitem__(self, row_id, row)
        keys = []
        for field in self.fields:
            value = field_value(row, field)
            if value is None:
                continue
            key = index_key(value)
            self._index[field].setdefault(key, {})[row_id] = None
            keys.append((field, key))
        self._keys[row_id] = keys

    def __delitem__(self, row_id: str) -> None:
        dict.__delitem__(self, row_id)
        self._unindex(row_id)

    def pop(self, row_id: str, *default: Any) -> Any:  # type: ignore[override]
        if row_id in self:
            row = dict.pop(self, row_id)
            self._unindex(row_id)
            return row
        if default:
            return default[0]
        raise KeyError(row_id)

    def _unindex(self, row_id: str) -> None:
        """Drop a row from the index under the keys it was indexed with (not its current
        values, which a caller may have changed)."""
        for field, key in self._keys.pop(row_id, ()):
            holders = self._index[field][key]
            del holders[row_id]
            if not holders:
                del self._index[field][key]

    def _unsupported(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Table rows change through [], del and pop only (they keep the index)")

    update = setdefault = popitem = clear = __ior__ = _unsupported  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict) -> Table:
        return Table(self.fields, ((k, copy.deepcopy(v, memo)) for k, v in self.items()))

    def __reduce__(self) -> tuple:
        return (Table, (self.fields, list(self.items())))


def new_tables(loaded: Mapping[str, Mapping[str, dict]] | None = None) -> dict[str, Table]:
    """One workspace's tables (every entity), indexed, holding `loaded` rows if given."""
    loaded = loaded or {}
    names = [*ENTITIES, *(e for e in loaded if e not in ENTITIES)]
    return {e: Table(INDEXED.get(e, ()), (loaded.get(e) or {}).items()) for e in names}


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
        self._tables: dict[str, dict[str, Table]] = {}

    def ws_row(self, name_or_id: str) -> dict | None:
        """The stored workspace row (not a copy) by id or name, or None."""
        if name_or_id in self._workspaces:
            return self._workspaces[name_or_id]
        for ws in self._workspaces.values():
            if ws["name"] == name_or_id:
                return ws
        return None

    def table(self, ws_id: str, entity: str) -> Table:
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
        for row_id in table.holders(field, key):
            return table[row_id]
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
        return clone(row)
