"""Comparable forms of Kong values: what `diff` and `read` compare, so a change is of meaning."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi.output import Unknown

# Fields Kong treats as sets: order never counts as a change.
SET_FIELDS = frozenset({"tags", "protocols", "methods", "hosts"})
DEFAULT_PORTS = {"http": 80, "https": 443, "grpc": 80, "grpcs": 443}


def has_unknown(value: Any) -> bool:
    """Whether a value (or anything inside it) is only known after the deployment."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_unknown(v) for v in value)
    return False


def integral(value: Any) -> Any:
    """The engine carries every number as a float: give Kong back its integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def _url_parts(url: Any) -> tuple[Any, ...] | Any:
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port, parts.path or None)


def normalise(key: str, value: Any) -> Any:
    """A comparable form: sets sorted, JSON strings parsed, URLs split, ints not floats."""
    if value is None:
        return None
    if key == "url":
        return _url_parts(value)
    if key == "meta" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, Mapping):
        return {k: normalise(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [normalise("", v) for v in value]
        if key in SET_FIELDS:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def project(user: Any, live: Any) -> Any:
    """Kong's value restricted to the shape the user set (dict keys the user gave)."""
    if isinstance(user, Mapping) and isinstance(live, Mapping):
        return {k: project(v, live.get(k)) for k, v in user.items()}
    return live


def ref_id(value: Any) -> Any:
    """The id of a Kong foreign key (`{"id": ...}`), or the value itself."""
    if isinstance(value, Mapping):
        return value.get("id")
    return value


def service_url(live: Mapping[str, Any]) -> str:
    """The upstream URL of a Kong service, from the parts Kong stores."""
    port = live.get("port")
    url = f"{live.get('protocol')}://{live.get('host')}"
    if port and port != DEFAULT_PORTS.get(str(live.get("protocol"))):
        url += f":{port}"
    return url + (live.get("path") or "")
