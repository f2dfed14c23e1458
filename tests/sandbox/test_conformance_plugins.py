"""Conformance of the sandbox's plugin schemas to the published Kong 3.4 schemas (the test's
own copies in `tests/sandbox/specs/`). Every config field is compared with what
`GET /schemas/plugins/{name}` serves and with what a created plugin stores; every enum value
is sent and must be accepted, and a value outside the list refused; every shorthand must be
accepted. The match count is printed at the end of the run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import make_service
from tests.sandbox.fidelity import Tally, spec, tally

ISSUER = "https://dev-123.okta.com/oauth2/default"
REQUIRED = {
    "openid-connect": {"issuer": ISSUER},
    "application-registration": {"display_name": "Orders"},
}
SAMPLE = {"string": "x", "number": 1, "integer": 1, "boolean": True}
# A shorthand whose new field has an enum needs a value of that enum ("off" is translated).
SHORTHAND_SAMPLE = {"authorization_cookie_samesite": "Strict", "session_cookie_samesite": "off"}


def served_fields(admin: httpx.Client, plugin: str) -> dict[str, dict]:
    body = admin.get(f"/schemas/plugins/{plugin}").json()
    config = next(f["config"] for f in body["fields"] if "config" in f)
    return {next(iter(f)): next(iter(f.values())) for f in config["fields"]}


def shape(field: dict[str, Any]) -> dict[str, Any]:
    """The attributes Kong's schema JSON and the published data share, in one form."""
    out: dict[str, Any] = {"type": field["type"], "required": bool(field.get("required"))}
    if field.get("default") is not None:
        out["default"] = field["default"]
    for key in ("one_of", "between", "starts_with"):
        if key in field:
            out[key] = list(field[key]) if isinstance(field[key], list) else field[key]
    if "elements" in field:
        out["elements"] = shape(field["elements"])
    if "fields" in field:
        subs = field["fields"]
        named = (
            {s["name"]: s for s in subs}
            if subs and "name" in subs[0]
            else {next(iter(s)): next(iter(s.values())) for s in subs}
        )
        out["fields"] = {name: shape(sub) for name, sub in named.items()}
    return out


def validate(admin: httpx.Client, plugin: str, config: dict) -> httpx.Response:
    body = {"name": plugin, "config": {**REQUIRED[plugin], **config}}
    if plugin == "application-registration":
        body["service"] = {"id": admin.get("/services/s1").json()["id"]}
    return admin.post("/schemas/plugins/validate", json=body)


def enum_cases(field: dict[str, Any]) -> tuple[list[Any], bool]:
    """The enum values of a field (its own or its elements'), and whether they are elements."""
    if "one_of" in field:
        return field["one_of"], False
    return field.get("elements", {}).get("one_of", []), True


def walk_plugin(admin: httpx.Client, plugin: str, result: Tally) -> None:
    data = spec(f"kong_{plugin}_3.4.x.json")
    make_service(admin, "s1")
    served = served_fields(admin, plugin)
    created = admin.post("/services/s1/plugins", json={"name": plugin, "config": REQUIRED[plugin]})
    assert created.status_code == 201, created.text
    stored = created.json()["config"]
    fields = data["config_fields"] + data.get("later_patch_fields", [])
    for field in fields:
        name = field["name"]
        result.check(f"{name}: served by the schema endpoint", name in served)
        if name in served:
            result.check(f"{name}: type/required/default/enum", shape(served[name]) == shape(field))
        result.check(
            f"{name}: stored with its default",
            name in stored
            and stored[name]
            == (field.get("default") if name not in REQUIRED[plugin] else REQUIRED[plugin][name]),
        )
        values, as_elements = enum_cases(field)
        for value in values:
            sent = [value] if as_elements else value
            ok = validate(admin, plugin, {name: sent}).status_code == 200
            result.check(f"{name}: accepts {value!r}", ok)
        if values:
            sent = ["not-in-the-list"] if as_elements else "not-in-the-list"
            refused = validate(admin, plugin, {name: sent})
            result.check(f"{name}: refuses a value outside its enum", refused.status_code == 400)
        if field.get("typedef") == "url":
            refused = validate(admin, plugin, {name: "no scheme"})
            result.check(f"{name}: refuses a non-URL (typedef url)", refused.status_code == 400)
    for shorthand in data["shorthand_fields"]:
        name = shorthand["name"]
        value = SHORTHAND_SAMPLE.get(name, SAMPLE[shorthand["type"]])
        ok = validate(admin, plugin, {name: value})
        result.check(f"{name}: deprecated shorthand accepted", ok.status_code == 200)
    top = {
        next(iter(f)): next(iter(f.values()))
        for f in admin.get(f"/schemas/plugins/{plugin}").json()["fields"]
    }
    for field in data["plugin_fields"]:
        name = field["name"]
        got = top.get(name, {})
        same = shape(got) == shape(field) and all(
            (key in got) == (key in field) for key in ("eq", "ne")
        )
        result.check(f"plugin field {name}: type/scope/default", same)
    extra = set(served) - {f["name"] for f in fields}
    result.check(f"no fields beyond the published schema (extra: {sorted(extra)})", not extra)


@pytest.mark.parametrize("plugin", ["openid-connect", "application-registration"])
def test_plugin_schema_matches_the_published_schema(admin: httpx.Client, plugin: str) -> None:
    result = tally(f"kong_{plugin}_3.4.x.json")
    walk_plugin(admin, plugin, result)
    print(result.line())
    assert result.misses == [], result.misses
