"""Plugin schemas built from the vendors' published schemas, committed as data in
`sandbox/specs/` (`kong_<plugin>_3.4.x.json`: every field with its type, default, enum,
required flag and typedef; `plugin_amendments.json`: what each deprecated shorthand writes, and
the later versions' differences). Nothing here is a hand-kept field list."""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.admin import errors as E
from sandbox.admin.schema import (
    MISSING,
    Field,
    coerce_value,
    host_field,
    path_field,
    url_field,
    validate_field,
)
from sandbox.settings import NodeSettings

SPECS = Path(__file__).resolve().parents[1] / "specs"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """One committed spec file, parsed once."""
    return json.loads((SPECS / name).read_text(encoding="utf-8"))


def plugin_spec(plugin: str) -> dict[str, Any]:
    return load(f"kong_{plugin}_3.4.x.json")


def field_from_spec(spec: dict[str, Any]) -> Field:
    """A `Field` from one published field description (Kong's schema JSON shape)."""
    typedef = spec.get("typedef")
    kw: dict[str, Any] = {}
    if spec.get("required"):
        kw["required"] = True
    if spec.get("default") is not None:
        kw["default"] = copy.deepcopy(spec["default"])
    if "one_of" in spec:
        kw["one_of"] = tuple(spec["one_of"])
    if "between" in spec:
        kw["between"] = tuple(spec["between"])
    if "elements" in spec:
        kw["elements"] = field_from_spec(spec["elements"])
    if "fields" in spec:
        kw["fields"] = [(f["name"], field_from_spec(f)) for f in spec["fields"]]
    if spec.get("unique"):
        kw["unique"] = True
    if "reference" in spec:
        kw["reference"] = spec["reference"]
    if "eq" in spec and spec["eq"] is None:
        kw["eq_null"] = True
    if "ne" in spec and spec["ne"] is None:
        kw["ne_null"] = True
    if spec["type"] == "string" and typedef == "url":
        return url_field(**kw)
    if spec["type"] == "string" and typedef == "host":
        return host_field(**kw)
    if spec["type"] == "string" and typedef == "path":
        return path_field(**kw)
    if "starts_with" in spec:
        kw["starts_with"] = spec["starts_with"]
    return Field(spec["type"], **kw)


def version_renames(plugin: str, settings: NodeSettings) -> dict[str, str]:
    """Field renames of the later versions this node's version has reached."""
    renames: dict[str, str] = {}
    for change in load("plugin_amendments.json")["versions"].get(plugin, []):
        if settings.at_least(change["since"]):
            renames.update(change.get("rename", {}))
    return renames


def config_fields(plugin: str, settings: NodeSettings) -> list[tuple[str, Field]]:
    """Every `config` field of the plugin's published schema, in order, as this node's
    version names it."""
    renames = version_renames(plugin, settings)
    flags = load("plugin_amendments.json")["flags"].get(plugin, {})
    fields = [
        (f["name"], field_from_spec({**f, **flags.get(f["name"], {})}))
        for f in plugin_spec(plugin)["config_fields"]
    ]
    return [(renames.get(name, name), f) for name, f in fields]


def later_fields(plugin: str, settings: NodeSettings) -> list[tuple[str, Field]]:
    """Fields a later 3.4 patch release added (`later_patch_fields`, each with `since`)."""
    return [
        (f["name"], field_from_spec(f))
        for f in plugin_spec(plugin).get("later_patch_fields", [])
        if settings.at_least(f["since"])
    ]


def plugin_fields(plugin: str) -> dict[str, Field]:
    """The published top-level plugin fields (scope constraints, protocols)."""
    return {f["name"]: field_from_spec(f) for f in plugin_spec(plugin)["plugin_fields"]}


@dataclass(frozen=True)
class Shorthand:
    """A deprecated field Kong accepts and rewrites before validation, never stores."""

    name: str
    field: Field
    to: str | None
    value_map: dict[str, Any]

    def apply(self, config: dict[str, Any], *, form: bool) -> None:
        value = config.pop(self.name)
        if form:
            value = coerce_value(self.field, value)
        err = validate_field(self.field, value)
        if err is not None:
            raise E.schema_violation({"config": {self.name: err}})
        if self.to is None or value is None:
            return
        value = self.value_map.get(value, value) if isinstance(value, str) else value
        # The current field, when also given, wins over its deprecated form.
        config.setdefault(self.to, value)


def shorthands(plugin: str) -> list[Shorthand]:
    writes = load("plugin_amendments.json")["shorthands"].get(plugin, {})
    out = []
    for spec in plugin_spec(plugin)["shorthand_fields"]:
        target = writes[spec["name"]]
        out.append(
            Shorthand(spec["name"], Field(spec["type"]), target["to"], target.get("map", {}))
        )
    return out


def apply_shorthands(items: list[Shorthand], data: Any, *, form: bool) -> None:
    """Rewrite the shorthand fields of a plugin body's `config`, in place."""
    config = data.get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict):
        return
    for shorthand in items:
        if shorthand.name in config:
            shorthand.apply(config, form=form)


__all__ = [
    "MISSING",
    "apply_shorthands",
    "config_fields",
    "field_from_spec",
    "later_fields",
    "plugin_fields",
    "shorthands",
]
