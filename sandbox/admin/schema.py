"""A small declarative schema engine in the spirit of Kong's `kong/db/schema/init.lua`.

Entities and plugin configs are declared once as `Schema`/`Field` data; `validate()` checks a
whole entity and returns Kong-shaped field errors, `fill_defaults()` applies defaults the way
Kong's `process_auto_fields` does on insert and upsert, `coerce_form()` applies the
`kong/api/arguments.lua` inference that only form bodies get, and `schema_json()` renders a
schema like `GET /schemas/plugins/{name}`.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.admin import errors as E

MISSING: Any = object()

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


Check = Callable[[Any], "str | None"]
EntityCheck = Callable[[dict], "list[tuple[str, str]]"]


@dataclass
class Field:
    """One field. `type` is one of string, integer, number, boolean, array, set, record, map,
    foreign. Constraints mirror Kong's: required, default, one_of, between, len_min,
    starts_with, eq_null / ne_null, unique, plus `checks` (callables returning an error)."""

    type: str
    required: bool = False
    default: Any = MISSING
    elements: Field | None = None
    fields: list[tuple[str, Field]] | None = None
    values: Field | None = None
    reference: str | None = None
    one_of: tuple[Any, ...] | None = None
    not_one_of: tuple[Any, ...] | None = None
    between: tuple[float, float] | None = None
    len_min: int | None = None
    len_max: int | None = None
    starts_with: str | None = None
    uuid: bool = False
    unique: bool = False
    auto: bool = False
    eq_null: bool = False
    ne_null: bool = False
    on_delete: str | None = None
    checks: list[Check] = field(default_factory=list)
    description: str | None = None

    def field_map(self) -> dict[str, Field]:
        return dict(self.fields or [])


@dataclass
class Schema:
    """An entity: ordered fields, keys, and entity-level checks (errors go to `@entity`)."""

    name: str
    fields: list[tuple[str, Field]]
    endpoint_key: str | None = None
    entity_checks: list[EntityCheck] = field(default_factory=list)
    portal: bool = False  # EE portal entity: rendered without nulls, no tags
    # Rewrites a request body before validation (a plugin's deprecated shorthand fields).
    rewrite_input: Callable[[Any, bool], None] | None = None

    def field_map(self) -> dict[str, Field]:
        return dict(self.fields)


# ---------------------------------------------------------------- common field types (typedefs)


def _utf8_name(value: Any) -> str | None:
    for ch in value:
        if ord(ch) < 128 and not (ch.isalnum() or ch in ".-_~"):
            return (
                f"invalid value '{value}': the only accepted ascii characters are alphanumerics "
                "or ., -, _, and ~"
            )
    return None


def _tag(value: Any) -> str | None:
    bad = any(
        ch in ",/" or (ord(ch) < 128 and not ch.isprintable()) or unicodedata.category(ch) == "Cs"
        for ch in value
    )
    if bad:
        return (
            f"invalid tag '{value}': expected printable ascii (except `,` and `/`) or valid "
            "utf-8 sequences"
        )
    return None


def _url(value: Any) -> str | None:
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#\s]+)([^\s]*)$", value)
    if not m:
        return "missing host in url" if "://" in value else "missing scheme in url"
    return None


def _host(value: Any) -> str | None:
    if not re.match(r"^[A-Za-z0-9._\-\[\]:]+$", value) or value.startswith((".", "-")):
        return f"invalid value: {value}"
    return None


def _path(value: Any) -> str | None:
    if "//" in value:
        return "must not have empty segments"
    if any(ch.isspace() for ch in value):
        return (
            "invalid path: '"
            + value
            + "' (characters outside of the reserved list of RFC 3986 found)"
        )
    return None


def uuid_field(**kw: Any) -> Field:
    return Field("string", uuid=True, auto=True, **kw)


def ts_field() -> Field:
    return Field("integer", auto=True)


def name_field(**kw: Any) -> Field:
    return Field("string", checks=[_utf8_name], **kw)


def tags_field() -> Field:
    return Field("set", elements=Field("string", checks=[_tag]))


def url_field(**kw: Any) -> Field:
    return Field("string", checks=[_url], **kw)


def host_field(**kw: Any) -> Field:
    return Field("string", checks=[_host], **kw)


def path_field(**kw: Any) -> Field:
    return Field("string", starts_with="/", checks=[_path], **kw)


def foreign(reference: str, **kw: Any) -> Field:
    return Field("foreign", reference=reference, **kw)


def port_field(**kw: Any) -> Field:
    return Field("integer", between=(0, 65535), **kw)


def timeout_field(default: int = 60000) -> Field:
    return Field("integer", between=(1, 2**31 - 2), default=default)


def string_array(**kw: Any) -> Field:
    return Field("array", elements=Field("string"), **kw)


def one_of_array(options: tuple[str, ...], **kw: Any) -> Field:
    return Field("array", elements=Field("string", one_of=options), **kw)


# ---------------------------------------------------------------------------------- validation


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def validate_field(f: Field, value: Any) -> Any:
    """Returns None when valid, else the error (a string, or a dict/list for nested errors)."""
    if value is None:
        if f.required or f.ne_null:
            return "required field missing" if f.required else "value must not be null"
        return None
    if f.eq_null:
        return "value must be null"
    t = f.type
    if t == "string":
        if not isinstance(value, str):
            return "expected a string"
        if f.uuid:
            return None if is_uuid(value) else "expected a valid UUID"
        if len(value) < (1 if f.len_min is None else f.len_min):
            return f"length must be at least {1 if f.len_min is None else f.len_min}"
        if f.len_max is not None and len(value) > f.len_max:
            return f"length must be at most {f.len_max}"
    elif t == "integer":
        if not _is_int(value):
            return "expected an integer"
    elif t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "expected a number"
    elif t == "boolean":
        if not isinstance(value, bool):
            return "expected a boolean"
    elif t in ("array", "set"):
        if not isinstance(value, list):
            return "expected an array" if t == "array" else "expected a set"
        if f.len_min is not None and len(value) < f.len_min:
            return f"length must be at least {f.len_min}"
        if f.len_max is not None and len(value) > f.len_max:
            return f"length must be at most {f.len_max}"
        assert f.elements is not None
        errs = [
            validate_field(f.elements, v) if v is not None else "required field missing"
            for v in value
        ]
        if any(e is not None for e in errs):
            return errs
    elif t == "record":
        if not isinstance(value, dict):
            return "expected a record"
        errs = validate_record(f.fields or [], value)
        if errs:
            return errs
    elif t == "map":
        if not isinstance(value, dict):
            return "expected a map"
        if f.values is not None:
            errs = {k: e for k, v in value.items() if (e := validate_field(f.values, v))}
            if errs:
                return errs
    elif t == "foreign":
        if not isinstance(value, dict):
            return "expected a record"
        errs = unknown_fields(value, ("id",))
        if value.get("id") is None:
            errs["id"] = "required field missing"
        elif not is_uuid(value["id"]):
            errs["id"] = "expected a valid UUID"
        if errs:
            return errs
    if f.one_of is not None and value not in f.one_of:
        return "expected one of: " + ", ".join(_fmt(o) for o in f.one_of)
    if f.not_one_of is not None and value in f.not_one_of:
        return "must not be one of: " + ", ".join(_fmt(o) for o in f.not_one_of)
    if f.between is not None and isinstance(value, (int, float)):
        lo, hi = f.between
        if not lo <= value <= hi:
            return f"value should be between {_fmt(lo)} and {_fmt(hi)}"
    if f.starts_with is not None and isinstance(value, str) and not value.startswith(f.starts_with):
        return f"should start with: {f.starts_with}"
    for check in f.checks:
        err = check(value)
        if err:
            return err
    return None


def validate_record(fields: list[tuple[str, Field]], data: dict) -> dict[str, Any]:
    errors: dict[str, Any] = unknown_fields(data, dict(fields))
    for name, f in fields:
        err = validate_field(f, data.get(name))
        if err is not None:
            errors[name] = err
    return errors


def validate(schema: Schema, entity: dict) -> dict[str, Any]:
    """All errors of `entity` (after defaults); `{}` when valid. Entity checks run only on an
    entity whose fields are valid, as Kong skips checks over invalid fields."""
    errors = validate_record(schema.fields, entity)
    if not errors:
        entity_errors = []
        for check in schema.entity_checks:
            for where, msg in check(entity):
                if where == "@entity":
                    entity_errors.append(msg)
                else:
                    errors.setdefault(where, msg)
        if entity_errors:
            errors["@entity"] = entity_errors
    return errors


# ------------------------------------------------------------------------------------ defaults


def _default_value(f: Field) -> Any:
    if f.default is not MISSING:
        return copy.deepcopy(f.default)
    if f.type == "record":
        return fill_defaults(f.fields or [], {})
    return None


def check_row(schema: Schema, row: dict) -> None:
    """`validate` a full row (its timestamps aside); any error is a 400 schema violation."""
    errs = validate(schema, {k: v for k, v in row.items() if k not in ("created_at", "updated_at")})
    if errs:
        raise E.schema_violation(errs)


def assemble_row(
    fields: list[tuple[str, Field]], data: dict, existing: dict | None, *, replace: bool
) -> dict:
    """The row a write makes of `data` (a fresh dict, `id` dropped on merge): with defaults when
    `replace` (POST/PUT), else merged into `existing` (PATCH); it keeps the existing id, or
    gets a new one when it has none."""
    if replace:
        row = fill_defaults(fields, data)
    else:
        assert existing is not None
        data.pop("id", None)
        row = merge(existing, data)
    if existing is not None:
        row["id"] = existing["id"]
    elif row.get("id") is None:
        row["id"] = new_id()
    return row


def fill_defaults(fields: list[tuple[str, Field]], data: dict) -> dict:
    """Absent keys get their default (records are built from their fields' defaults);
    present records are filled recursively. Explicit nulls are kept, as in Kong."""
    out = dict(data)
    for name, f in fields:
        if name not in out:
            out[name] = _default_value(f)
        elif f.type == "record" and isinstance(out[name], dict):
            out[name] = fill_defaults(f.fields or [], out[name])
    return out


def normalize(fields: list[tuple[str, Field]], data: dict) -> dict:
    """Post-validation normalisation: sets are de-duplicated, keeping the first occurrence."""
    out = dict(data)
    for name, f in fields:
        value = out.get(name)
        if f.type == "set" and isinstance(value, list):
            seen: list[Any] = []
            for v in value:
                if v not in seen:
                    seen.append(v)
            out[name] = seen
        elif f.type == "record" and isinstance(value, dict):
            out[name] = normalize(f.fields or [], value)
        elif f.type == "integer" and isinstance(value, float) and value.is_integer():
            out[name] = int(value)
    return out


def merge(old: Any, new: Any) -> Any:
    """PATCH semantics (`Schema:merge_values`): records merge recursively, arrays replace."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for k, v in new.items():
            out[k] = merge(old.get(k), v) if isinstance(v, dict) and k in old else v
        return out
    return new


# ------------------------------------------------------------------------------ form coercion

_TRUE = {"true": True, "false": False}


def coerce_value(f: Field | None, value: Any) -> Any:
    """Kong's `infer_value` for form/multipart bodies: "" -> null, numbers, booleans, a single
    value becomes a one-element array, records recurse."""
    if f is None:
        return value
    if value == "":
        return None
    if f.type in ("array", "set"):
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict):  # config.x[1]=a parsed as {"1": "a"}
            items = [value[k] for k in sorted(value, key=lambda k: int(k) if k.isdigit() else 0)]
        return [coerce_value(f.elements, v) for v in items]
    if isinstance(value, list):
        return value[-1] if value and f.type not in ("record", "map") else value
    if f.type in ("integer", "number") and isinstance(value, str):
        try:
            num = float(value)
        except ValueError:
            return value
        return int(num) if num.is_integer() and f.type == "integer" else num
    if f.type == "boolean" and isinstance(value, str):
        return _TRUE.get(value, value)
    if f.type == "record" and isinstance(value, dict):
        return coerce_record(f.fields or [], value)
    if f.type == "foreign" and isinstance(value, dict):
        return value
    if f.type == "foreign" and isinstance(value, str):
        return {"id": value}
    return value


def coerce_record(fields: list[tuple[str, Field]], data: dict) -> dict:
    known = dict(fields)
    return {k: coerce_value(known.get(k), v) for k, v in data.items()}


def record_input(fields: list[tuple[str, Field]], data: dict, *, form: bool) -> dict:
    """A fresh copy of a request body; form/multipart values are coerced to the field types."""
    return coerce_record(fields, data) if form else dict(data)


def unknown_fields(data: dict, known: Any) -> dict[str, Any]:
    """`{key: "unknown field"}` for each key of `data` that is not in `known`, in body order."""
    return {k: "unknown field" for k in data if k not in known}


def new_id() -> str:
    return str(uuid.uuid4())


# ------------------------------------------------------------------------------- rendering


def field_json(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"type": f.type}
    if f.required:
        out["required"] = True
    if f.default is not MISSING:
        out["default"] = f.default
    if f.one_of is not None:
        out["one_of"] = list(f.one_of)
    if f.between is not None:
        out["between"] = list(f.between)
    if f.len_min is not None:
        out["len_min"] = f.len_min
    if f.starts_with is not None:
        out["starts_with"] = f.starts_with
    if f.uuid:
        out["uuid"] = True
    if f.unique:
        out["unique"] = True
    if f.auto:
        out["auto"] = True
    if f.eq_null:
        out["eq"] = None
    if f.ne_null:
        out["ne"] = None
    if f.reference:
        out["reference"] = f.reference
    if f.on_delete:
        out["on_delete"] = f.on_delete
    if f.elements is not None:
        out["elements"] = field_json(f.elements)
    if f.values is not None:
        out["values"] = field_json(f.values)
    if f.fields is not None:
        out["fields"] = [{name: field_json(sub)} for name, sub in f.fields]
    if f.description:
        out["description"] = f.description
    return out


def schema_json(schema: Schema) -> dict[str, Any]:
    return {"fields": [{name: field_json(f)} for name, f in schema.fields]}
