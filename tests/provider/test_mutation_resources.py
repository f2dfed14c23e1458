"""The program-side Kong resources (`providers.kong_resources`) under Pulumi mocks: what each
declaration makes of a program's keyword arguments, and what the engine is told.

These run in-process (the engine tests run the same constructors in a program subprocess),
so they are what mutation testing sees of the resources.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import dill
import pulumi
import pytest
from pulumi.runtime import rpc

from providers import kong_dynamic as kd
from providers.kong_providers import ID_NAMESPACE
from tests.program.mocks import PROJECT, RecordingMocks, RecordingMonitor, install, run


class OptionsMonitor(RecordingMonitor):
    """Also keeps the options the SDK sends that `RecordingMonitor` leaves out."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.options: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        self.options[request.name] = {
            "delete_before_replace": request.deleteBeforeReplace,
            "secret_outputs": sorted(request.additionalSecretOutputs),
        }
        return super().RegisterResource(request)


class ProviderMocks(RecordingMocks):
    """Also keeps the provider each dynamic resource carries (what the engine will run)."""

    def __init__(self) -> None:
        super().__init__()
        self.providers: dict[str, Any] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if "__provider" in args.inputs:
            blob = base64.b64decode(args.inputs["__provider"])
            self.providers[args.name] = dill.loads(blob)
        return super().new_resource(args)


def deploy(
    program: Any, monitor_cls: type[OptionsMonitor] = OptionsMonitor
) -> tuple[ProviderMocks, OptionsMonitor]:
    install()
    mocks = ProviderMocks()
    monitor = monitor_cls(mocks)
    mocks.monitor = monitor
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="test", preview=False, monitor=monitor)
    run(program)
    return mocks, monitor


def seed(typ: str, name: str, scope: str = "") -> str:
    """The documented identity: stack, project, parent scope, type, name (`id_seed`)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"test::{PROJECT}::{scope}{typ}::{name}"))


def test_inputs_are_the_declared_fields_with_defaults_and_outputs_unset() -> None:
    def program() -> None:
        kd.Service("svc", name="orders", url="http://orders.internal:8080/v1")
        kd.ApplicationInstance("inst", application_id="a", service_id="s")
        kd.WorkspacePortal("portal")

    mocks, _ = deploy(program)
    assert type(mocks.providers["svc"]) is kd.ServiceProvider
    assert type(mocks.providers["portal"]) is kd.WorkspacePortalProvider
    svc = mocks.named("svc").inputs
    assert svc == {
        "name": "orders",
        "url": "http://orders.internal:8080/v1",
        "id_seed": seed("pulumi-python:dynamic/kong:Service", "svc"),
    }  # unset fields, `adopt` unset and outputs are no inputs at all (the engine drops None)
    inst = mocks.named("inst").inputs
    assert inst["status"] == 0  # approved unless the program says
    assert "adopt" not in inst
    assert "suspended" not in inst
    assert mocks.named("portal").inputs["portal"] is True


def test_adopt_and_the_parent_reach_the_inputs() -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("kong-okta-portal:test:Parent", "api")
        kd.Route("route", name="r", service_id="s", adopt=True,
                 opts=pulumi.ResourceOptions(parent=parent))  # fmt: skip

    mocks, _ = deploy(program)
    route = mocks.named("route").inputs
    assert route["adopt"] is True
    scope = "kong-okta-portal:test:Parent::api$"
    assert route["id_seed"] == seed("pulumi-python:dynamic/kong:Route", "route", scope)


def test_replacements_delete_first_unless_the_program_says_otherwise() -> None:
    def program() -> None:
        kd.Service("first", name="a", url="http://a.internal")
        kd.Service(
            "kept", name="b", url="http://b.internal",
            opts=pulumi.ResourceOptions(delete_before_replace=False),
        )  # fmt: skip

    _, monitor = deploy(program)
    assert monitor.options["first"]["delete_before_replace"] is True
    assert monitor.options["kept"]["delete_before_replace"] is False


def test_a_developers_password_is_always_a_secret_output_and_other_kinds_have_none() -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("kong-okta-portal:test:Parent", "team")
        kd.Developer("dev", email="ada@example.com", password="hunter2",
                     opts=pulumi.ResourceOptions(parent=parent))  # fmt: skip
        kd.Developer("plain", email="bob@example.com")
        kd.Service("svc", name="orders", url="http://orders.internal")

    mocks, monitor = deploy(program)
    assert monitor.options["dev"]["secret_outputs"] == ["password"]
    assert monitor.options["plain"]["secret_outputs"] == ["password"]
    assert monitor.requests["dev"].parent == "team"  # the caller's options kept beside it
    password = mocks.named("dev").inputs["password"]  # sent, wrapped as a secret
    assert password == {rpc._special_sig_key: rpc._special_secret_sig, "value": "hunter2"}
    assert monitor.options["svc"]["secret_outputs"] == []
    assert mocks.named("plain").inputs.get("password") is None


def test_wrong_keyword_arguments_are_refused_with_their_names() -> None:
    with pytest.raises(TypeError) as info:
        kd.Service("svc", nmae="orders", url="http://x", colour="red")
    assert str(info.value) == "Service() got unexpected keyword arguments ['colour', 'nmae']"
    with pytest.raises(TypeError) as info:
        kd.Application("app", name="n")
    assert str(info.value) == (
        "Application() missing required keyword arguments ['developer_id', 'custom_id']"
    )


def test_a_client_registration_is_stack_qualified_unless_adopted() -> None:
    from providers.dcr import ClientRegistration, ClientRegistrationProvider

    def program() -> None:
        parent = pulumi.ComponentResource("kong-okta-portal:test:Parent", "ids")
        opts = pulumi.ResourceOptions(parent=parent, delete_before_replace=False)
        ClientRegistration(
            "new",
            issuer="https://id.example.com/oauth2/default",
            client_name="ada",
            grant_types=["client_credentials"],
            opts=opts,
        )
        ClientRegistration("adopted", issuer="https://id.example.com/oauth2/default",
                           client_name="bob", grant_types=["client_credentials"],
                           adopt_client_id="0oaBOB")  # fmt: skip

    mocks, monitor = deploy(program)
    assert isinstance(mocks.providers["new"], ClientRegistrationProvider)
    new, adopted = mocks.named("new").inputs, mocks.named("adopted").inputs
    assert new["name_suffix"] == f" ({PROJECT}/test)"
    assert new.get("adopt_client_id") is None
    assert (adopted["name_suffix"], adopted["adopt_client_id"]) == ("", "0oaBOB")
    assert new["response_types"] == [] and new["redirect_uris"] == []
    assert monitor.options["new"]["secret_outputs"] == ["client_secret"]
    assert monitor.options["adopted"]["secret_outputs"] == ["client_secret"]
    # the caller's options are kept beside the secret output
    assert monitor.options["new"]["delete_before_replace"] is False
    assert monitor.requests["new"].parent == "ids"
    assert monitor.requests["new"].typ == "pulumi-python:dynamic/identity:ClientRegistration"


def test_a_resource_exposes_its_declared_outputs() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        svc = kd.Service("svc", name="orders", url="http://orders.internal")
        dev = kd.Developer("dev", email="ada@example.com")
        svc.kong_id.apply(lambda v: seen.__setitem__("kong_id", v))
        dev.consumer_id.apply(lambda v: seen.__setitem__("consumer_id", v))

    deploy(program)
    # the mocks answer kong_id for every Kong kind; unset outputs resolve to None
    assert seen == {"kong_id": "kong-svc", "consumer_id": None}
