"""Kong Admin API errors as data: each carries the HTTP status and the exact body Kong sends.

Bodies follow OSS `kong/db/errors.lua` (codes) and `kong/api/endpoints.lua` (`handle_error`).
"""

from __future__ import annotations

from typing import Any

INVALID_PRIMARY_KEY = 1
SCHEMA_VIOLATION = 2
PRIMARY_KEY_VIOLATION = 3
FOREIGN_KEY_VIOLATION = 4
UNIQUE_VIOLATION = 5
INVALID_OFFSET = 7
INVALID_SIZE = 9
INVALID_OPTIONS = 11
OPERATION_UNSUPPORTED = 12


class KongError(Exception):
    """An Admin API error: `status` and the JSON `body` to send."""

    def __init__(self, status: int, body: dict[str, Any] | None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


def lua_repr(value: Any) -> str:
    """Render a value the way Kong prints keys in messages: `{id="…"}`, `null`, `"x"`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={lua_repr(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value) + '"'


def flatten_errors(errors: Any, prefix: str = "") -> list[str]:
    """`{"config": {"x": "unknown field"}}` -> `["config.x: unknown field"]` (sorted by name)."""
    out: list[str] = []
    if isinstance(errors, dict):
        for key in sorted(errors, key=str):
            if key == "@entity":
                continue
            out.extend(flatten_errors(errors[key], f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list):
        for i, err in enumerate(errors, start=1):
            if err is not None:
                out.extend(flatten_errors(err, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out.append(f"{prefix}: {errors}" if prefix else str(errors))
    return out


def schema_violation(errors: dict[str, Any]) -> KongError:
    parts = list(errors.get("@entity", [])) + flatten_errors(errors)
    if len(parts) == 1:
        message = f"schema violation ({parts[0]})"
    else:
        message = f"{len(parts)} schema violations ({'; '.join(parts)})"
    return KongError(
        400,
        {
            "code": SCHEMA_VIOLATION,
            "name": "schema violation",
            "message": message,
            "fields": errors,
        },
    )


def unique_violation(fields: dict[str, Any]) -> KongError:
    return KongError(
        409,
        {
            "code": UNIQUE_VIOLATION,
            "name": "unique constraint violation",
            "message": f"UNIQUE violation detected on '{lua_repr(fields)}'",
            "fields": fields,
        },
    )


def primary_key_violation(pk: dict[str, Any]) -> KongError:
    return KongError(
        400,
        {
            "code": PRIMARY_KEY_VIOLATION,
            "name": "primary key violation",
            "message": f"primary key violation on key '{lua_repr(pk)}'",
            "fields": pk,
        },
    )


def invalid_primary_key(value: Any) -> KongError:
    return KongError(
        400,
        {
            "code": INVALID_PRIMARY_KEY,
            "name": "invalid primary key",
            "message": f"invalid primary key: '{lua_repr({'id': value})}'",
            "fields": {"id": "expected a valid UUID"},
        },
    )


def foreign_key_violation(field: str, ref: dict[str, Any], table: str) -> KongError:
    return KongError(
        400,
        {
            "code": FOREIGN_KEY_VIOLATION,
            "name": "foreign key violation",
            "message": f"the foreign key '{lua_repr(ref)}' does not reference an existing "
            f"'{table}' entity.",
            "fields": {field: ref},
        },
    )


def referenced_by(child: str, parent: str) -> KongError:
    return KongError(
        400,
        {
            "code": FOREIGN_KEY_VIOLATION,
            "name": "foreign key violation",
            "message": f"an existing '{child}' entity references this '{parent}' entity",
            "fields": {"@referenced_by": child},
        },
    )


def invalid_options(options: dict[str, Any]) -> KongError:
    parts = "; ".join(f"{k}: {v}" for k, v in sorted(options.items()))
    return KongError(
        400,
        {
            "code": INVALID_OPTIONS,
            "name": "invalid options",
            "message": f"invalid option ({parts})",
            "options": options,
        },
    )


def not_found(capital: bool = False) -> KongError:
    return KongError(404, {"message": "Not Found" if capital else "Not found"})


def message(status: int, text: Any) -> KongError:
    return KongError(status, {"message": text})


def require_object(data: Any) -> dict:
    """A request body must be a JSON object: anything else is `400 Cannot parse JSON body`."""
    if not isinstance(data, dict):
        raise message(400, "Cannot parse JSON body")
    return data
