"""Kong kinds declared once (`providers.kong_kinds`) and what a provider derives from them.

The declarations and the providers' class attributes are evaluated at import, before any test
runs; these tests evaluate them again (a fresh run of the module, a kind declared in the test)
so a wrong declaration or derivation fails here, and hold the declared fields against Kong's
published 3.4 Admin API (`tests/sandbox/specs/`, from Kong/developer.konghq.com and
Kong/docs.konghq.com; see each file's `source`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown

from providers import kong_kinds as kinds
from providers import kong_resources as resources
from providers.kong_kinds import Field, KindSpec, type_token
from providers.kong_providers import PostProvider, PutByIdProvider

SPECS = Path(__file__).resolve().parents[1] / "sandbox" / "specs"


def _entities() -> dict[str, set[str]]:
    spec = json.loads((SPECS / "kong_admin_api_3.4.json").read_text())
    fields = {name: set(e["both_versions"]) for name, e in spec["entities"].items()}
    fields["WorkspaceConfig"] = set(spec["workspace_config_keys"])
    return fields


def fresh_kinds() -> dict[str, Any]:
    """The declarations as the module builds them, evaluated now."""
    source = Path(kinds.__file__)
    namespace: dict[str, Any] = {"__name__": kinds.__name__}
    exec(compile(source.read_text(), str(source), "exec"), namespace)  # noqa: S102
    return namespace


def kong_fields(spec: KindSpec) -> set[str]:
    """The Kong fields a kind writes: its own names, or the foreign key's."""
    return {f.ref or f.name for f in spec.fields if not f.in_path}


def test_core_kinds_declare_only_fields_of_kongs_entities() -> None:
    fresh, entities = fresh_kinds(), _entities()
    # `url` is Kong's write-only shorthand for protocol, host, port and path
    assert kong_fields(fresh["SERVICE"]) - {"url"} <= entities["Service"]
    assert kong_fields(fresh["ROUTE"]) <= entities["Route"]
    assert kong_fields(fresh["PLUGIN"]) <= entities["Plugin"]
    assert kong_fields(fresh["WORKSPACE_PORTAL"]) <= entities["WorkspaceConfig"]
    assert fresh["SERVICE"].names == (
        "name", "url", "protocol", "host", "port", "path", "retries",
        "connect_timeout", "write_timeout", "read_timeout", "enabled", "tags",
    )  # fmt: skip
    assert fresh["ROUTE"].names[2:] == (
        "paths",
        "hosts",
        "methods",
        "protocols",
        "strip_path",
        "preserve_host",
        "tags",
    )
    assert fresh["PLUGIN"].names[-3:] == ("enabled", "protocols", "tags")
    assert fresh["WORKSPACE_PORTAL"].names == ("portal", "portal_auth", "portal_auto_approve")


def test_portal_kinds_read_back_fields_kong_returns() -> None:
    fresh = fresh_kinds()
    developer, application = fresh["DEVELOPER"], fresh["APPLICATION"]
    assert developer.names == ("email", "meta", "custom_id", "password", "status")
    assert application.names == ("developer_id", "name", "custom_id", "description", "redirect_uri")
    # what the Admin API answers on a create (the classic Dev Portal reference for 3.4.x)
    ops = json.loads((SPECS / "kong_devportal_3.4.json").read_text())["operations"]
    answers = {(o["method"], o["path"]): set(o["body_keys"] or ()) for o in ops}
    dev_keys = answers[("POST", "/developers")]
    app_keys = answers[("POST", "/developers/{DEVELOPER_EMAIL|DEVELOPER_ID}/applications")]
    assert set(developer.outputs.values()) <= dev_keys
    assert set(application.outputs.values()) <= app_keys
    assert {"email", "meta", "status"} <= dev_keys
    assert {"name", "custom_id", "redirect_uri"} <= app_keys


def test_type_tokens_are_the_types_the_engine_reports() -> None:
    pairs = [
        (kinds.SERVICE, resources.Service),
        (kinds.ROUTE, resources.Route),
        (kinds.PLUGIN, resources.Plugin),
        (kinds.DEVELOPER, resources.Developer),
        (kinds.APPLICATION, resources.Application),
        (kinds.APPLICATION_INSTANCE, resources.ApplicationInstance),
        (kinds.WORKSPACE_PORTAL, resources.WorkspacePortal),
    ]
    for spec, resource in pairs:
        assert type_token(spec) == f"pulumi-python:{resource._resource_type_name}"
    assert type_token(kinds.SERVICE) == "pulumi-python:dynamic/kong:Service"


# -- a kind declared once: the provider derives its rules from the declaration ------------------

GADGET = KindSpec(
    kind="Gadget",
    endpoint="gadgets",
    fields=(
        Field("name", required=True),
        Field("service_id", required=True, replace=True, ref="service"),
        Field("owner", replace=True),
        Field("secret_key", write_only=True, secret=True),
        Field("colour"),
    ),
)


def declare(base: type[PutByIdProvider] | type[PostProvider]) -> Any:
    """A provider for GADGET, declared when called: the class attributes are derived then
    (a class statement at module level runs at import, before the test)."""

    class GadgetProvider(base):  # type: ignore[valid-type,misc]
        spec = GADGET

    return GadgetProvider


def test_a_declared_kind_gets_its_attributes_from_the_declaration() -> None:
    for provider in (declare(PutByIdProvider), declare(PostProvider)):
        assert provider.kind == "Gadget"
        assert provider.fields == ("name", "service_id", "owner", "secret_key", "colour")
        assert provider.required == ("name", "service_id")
        assert provider.replace_on == ("service_id", "owner")
        assert provider.write_only == frozenset({"secret_key"})
        assert provider.references == {"service_id": "service"}


def test_a_subclass_without_its_own_spec_keeps_its_parents() -> None:
    class Quieter(declare(PutByIdProvider)):  # type: ignore[misc]
        pass

    assert Quieter.kind == "Gadget" and Quieter.required == ("name", "service_id")
    assert PutByIdProvider.kind == "" and PutByIdProvider.fields == ()


def test_a_declared_kinds_check_diff_and_body_follow_the_declaration() -> None:
    p = declare(PutByIdProvider)()
    failures = [(f.property, f.reason) for f in p.check({}, {"colour": "red"}).failures]
    assert failures == [
        ("name", "Gadget: `name` is required"),
        ("service_id", "Gadget: `service_id` is required"),
    ]
    olds = {"name": "g", "service_id": "s1", "owner": "o", "colour": "red", "secret_key": "k"}
    assert p.diff("id", olds, {**olds, "colour": "blue"}).replaces == []
    moved = p.diff("id", olds, {**olds, "service_id": "s2", "owner": "p"})
    assert (moved.replaces, moved.delete_before_replace) == (["owner", "service_id"], True)
    assert p._body(olds) == {
        "name": "g", "service": {"id": "s1"}, "owner": "o", "secret_key": "k", "colour": "red"
    }  # fmt: skip
    # Kong never returns a write-only field: the stack's value stands for the live one
    live = {"id": "x", "name": "g", "service": {"id": "s1"}, "owner": "o", "colour": "red"}
    assert p._matches(live, olds)
    assert not p._matches({**live, "colour": "blue"}, olds)


def test_check_gives_kong_integers_and_leaves_the_provider_reference_alone() -> None:
    p = declare(PutByIdProvider)()
    news = {"name": "g", "service_id": "s", "colour": 3.0, "__provider": 1.0, "sizes": [2.0]}
    result = p.check({}, news)
    assert result.failures == []
    assert result.inputs == {
        "name": "g", "service_id": "s", "colour": 3, "__provider": 1.0, "sizes": [2]
    }  # fmt: skip
    assert type(result.inputs["colour"]) is int and type(result.inputs["__provider"]) is float


@pytest.mark.parametrize("missing", [None, Unknown()])
def test_check_counts_only_absent_required_inputs(missing: Any) -> None:
    failures = declare(PutByIdProvider)().check({}, {"name": "g", "service_id": missing}).failures
    expected = [("service_id", "Gadget: `service_id` is required")] if missing is None else []
    assert [(f.property, f.reason) for f in failures] == expected
