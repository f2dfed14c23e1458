"""The portal-application rules, message by message, with their boundaries: custom_id is an
identity app's client_id and unique; a contracted service carries both auth plugins, in this
stack or (a portal stack) as its gateway stack exports it.
"""

from __future__ import annotations

from policies import rules
from policies.stack_index import PORTAL_COMPONENT, Stack
from tests.policies.support import UNKNOWN, StackBuilder, dcr_stack, messages, violations

# 8a. custom_id is an identity app's client_id ---------------------------------------------------


def _not_client_id(app: str, custom_id: str) -> str:
    return (
        f"portal application {app!r}: custom_id {custom_id!r} is not the client_id of an "
        "identity app (Okta app or client registration) in this stack, so its tokens never "
        "match it. Set custom_id from the identity app's client_id output."
    )


def _app(stack: StackBuilder, name: str, value: object, **deps: str | list[str]) -> None:
    """A portal application whose custom_id is `value` (wired from `deps`, if any)."""
    stack.add(rules.KONG_APPLICATION, name, {"name": name, "custom_id": value}, **deps)


def test_custom_id_message_and_every_app_after_a_passing_one_is_checked() -> None:
    stack = dcr_stack(preview=False)
    # before the wrong one, each passing another way: wired from an identity app (trusted
    # whatever the value), unknown at preview, equal to a known client_id
    _app(stack, "wired", "cid-ada-v2", custom_id="ada-app-client")
    _app(stack, "unknown", UNKNOWN)
    _app(stack, "literal", "cid-bob")
    _app(stack, "wrong", "0oa-typed")
    assert violations(rules.validate_app_custom_id_is_client_id, stack.args()) == [
        (_not_client_id("wrong", "0oa-typed"), stack.by_name["wrong"].urn)
    ]


def test_a_custom_id_wired_from_something_else_is_checked_by_value() -> None:
    stack = dcr_stack(preview=False)
    _app(stack, "from-dev", "dev-1", custom_id="ada")
    assert messages(rules.validate_app_custom_id_is_client_id, stack.args()) == [
        _not_client_id("from-dev", "dev-1")
    ]


def test_an_unknown_client_id_may_match_but_only_in_a_stack_with_identity_apps() -> None:
    stack = dcr_stack(preview=True)
    _app(stack, "typed", "0oa-typed")
    _app(stack, "typed-2", "0oa-other")
    assert messages(rules.validate_app_custom_id_is_client_id, stack.args()) == []
    bare = StackBuilder()
    _app(bare, "typed", "0oa-typed")
    _app(bare, "typed-2", "0oa-other")
    assert messages(rules.validate_app_custom_id_is_client_id, bare.args()) == [
        _not_client_id("typed", "0oa-typed"),
        _not_client_id("typed-2", "0oa-other"),
    ]


# 8b. contracted services carry both plugins ------------------------------------------------------


def _contract_message(instance: str, label: str, missing: str) -> str:
    return (
        f"application instance {instance!r}: service {label} is contracted but has no {missing}"
        " plugin. Add both openid-connect and application-registration on the service before"
        " approving contracts."
    )


def test_a_disabled_plugin_does_not_count() -> None:
    stack = dcr_stack(preview=False)
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "service_id": "svc-1", "enabled": False, "config": {}},
    )
    assert violations(rules.validate_contract_service_plugins, stack.args()) == [
        (
            _contract_message("ada-app-orders", "'orders'", "openid-connect"),
            stack.by_name["ada-app-orders"].urn,
        )
    ]
    stack.remove("orders-oidc")
    stack.add(
        rules.KONG_PLUGIN,
        "orders-oidc",
        {"name": "openid-connect", "service_id": "svc-1", "enabled": True, "config": {}},
    )
    assert messages(rules.validate_contract_service_plugins, stack.args()) == []


def test_every_instance_is_checked_after_one_without_a_service() -> None:
    stack = dcr_stack(preview=False)
    orders = stack.by_name["ada-app-orders"]
    stack.resources.remove(orders)
    stack.add(rules.KONG_APPLICATION_INSTANCE, "no-service", {"application_id": "app-1"})
    stack.resources.append(orders)
    stack.remove("orders-appreg")
    assert messages(rules.validate_contract_service_plugins, stack.args()) == [
        _contract_message("ada-app-orders", "'orders'", "application-registration")
    ]


def portal_stack(services: object, instance_service: str = "svc-9") -> StackBuilder:
    """A portal stack: its contract names a service of the gateway stack by Kong id."""
    stack = StackBuilder()
    gateway = {"flows": ["client_credentials"], "services": services}
    stack.add(PORTAL_COMPONENT, "portal", {"gateway": gateway})
    stack.add(
        rules.KONG_APPLICATION_INSTANCE,
        "ada-billing",
        {"application_id": "app-1", "service_id": instance_service},
    )
    return stack


BOTH = ["openid-connect", "application-registration"]


def test_a_gateway_service_with_both_plugins_passes() -> None:
    services = {
        "orders": {"id": "svc-1", "plugins": []},
        "billing": {"id": "svc-9", "plugins": BOTH},
    }
    assert messages(rules.validate_contract_service_plugins, portal_stack(services).args()) == []


def test_a_gateway_service_missing_a_plugin_is_named_by_its_kong_id() -> None:
    services = {
        "billing": {"id": "svc-9", "plugins": ["openid-connect", 7]},
        "orders": {"id": "svc-1", "plugins": BOTH},
    }
    stack = portal_stack(services)
    assert violations(rules.validate_contract_service_plugins, stack.args()) == [
        (
            _contract_message("ada-billing", "'svc-9'", "application-registration"),
            stack.by_name["ada-billing"].urn,
        )
    ]


def test_a_gateway_service_exported_without_plugins_has_none() -> None:
    stack = portal_stack({"billing": {"id": "svc-9"}})
    assert messages(rules.validate_contract_service_plugins, stack.args()) == [
        _contract_message("ada-billing", "'svc-9'", "application-registration / openid-connect")
    ]


def test_a_service_the_gateway_does_not_export_has_no_plugins() -> None:
    for services in ({"orders": {"id": "svc-1", "plugins": BOTH}}, UNKNOWN, ["svc-9"], None):
        stack = portal_stack(services)
        assert messages(rules.validate_contract_service_plugins, stack.args()) == [
            _contract_message("ada-billing", "'svc-9'", "application-registration / openid-connect")
        ], services


def test_the_gateway_export_is_looked_up_by_kong_id_only() -> None:
    stack = Stack(portal_stack({"x": "not-a-service", "billing": {"id": "svc-9"}}).resources)
    assert stack.gateway_service("id:svc-9") == {"id": "svc-9"}
    assert stack.gateway_service("id:svc-1") is None
    assert stack.gateway_service("svc-9") is None  # a URN of this stack, not a gateway id
    assert stack.gateway_exports() == [
        {
            "flows": ["client_credentials"],
            "services": {"x": "not-a-service", "billing": {"id": "svc-9"}},
        }
    ]


# 8c. custom_id unique ---------------------------------------------------------------------------


def test_a_shared_literal_custom_id_message_lists_the_others() -> None:
    stack = dcr_stack(preview=False)
    _app(stack, "cara-app", "cid-ada")
    found = violations(rules.validate_custom_id_unique, stack.args())
    assert found == [
        (
            f"portal application {me!r} uses custom_id 'cid-ada', also used by {others}; Kong"
            " refuses the second one with 409 (custom_id is unique per workspace). Give each"
            " application its own identity app.",
            stack.by_name[me].urn,
        )
        for me, others in (("ada-app", "'cara-app'"), ("cara-app", "'ada-app'"))
    ]
    _app(stack, "dan-app", "cid-ada")
    found = messages(rules.validate_custom_id_unique, stack.args())
    assert "'ada-app' uses custom_id 'cid-ada', also used by 'cara-app', 'dan-app';" in found[0]


def test_two_apps_wired_to_one_identity_app_message() -> None:
    stack = dcr_stack(preview=True)
    _app(stack, "cara-app", UNKNOWN, custom_id="ada-app-client")
    found = messages(rules.validate_custom_id_unique, stack.args())
    assert found[1] == (
        "portal application 'cara-app' uses custom_id the client_id of 'ada-app-client', also"
        " used by 'ada-app'; Kong refuses the second one with 409 (custom_id is unique per"
        " workspace). Give each application its own identity app."
    )


def test_only_applications_wired_to_exactly_one_identity_app_are_grouped_at_preview() -> None:
    stack = dcr_stack(preview=True)
    # a developer wired to the same identity app, an app wired to two, an app with no custom_id
    stack.add(
        rules.KONG_DEVELOPER, "zed", {"email": "z@example.com", "custom_id": UNKNOWN},
        custom_id="ada-app-client",
    )  # fmt: skip
    _app(stack, "two", UNKNOWN, custom_id=["ada-app-client", "bob-app-client"])
    stack.add(
        rules.KONG_APPLICATION, "none", {"name": "none", "custom_id": None},
        custom_id="ada-app-client",
    )  # fmt: skip
    assert messages(rules.validate_custom_id_unique, stack.args()) == []
