"""The levels the pack itself serves, as the engine reads them when no --policy-pack-config is
given: the pack is started as the engine starts it and asked over gRPC (GetAnalyzerInfo)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from policies import rules

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "policies"
LEVEL_NAMES = {0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate"}


@pytest.fixture(scope="module")
def served_levels() -> Iterator[dict[str, str]]:
    pack = subprocess.Popen(
        [sys.executable, str(PACK / "__main__.py")],
        cwd=REPO,  # the pack finds its modules from its own path; cwd holds pyproject.toml
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert pack.stdout is not None
        port = int(pack.stdout.readline())  # the pack prints its port once it serves
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(
                empty_pb2.Empty(), timeout=30
            )
        yield {p.name: LEVEL_NAMES[p.enforcementLevel] for p in info.policies}
    finally:
        pack.kill()
        pack.wait()


def test_defaults_without_config_are_the_local_levels(served_levels: dict[str, str]) -> None:
    local = json.loads((PACK / "config" / "local.json").read_text())
    expected = {k: v if isinstance(v, str) else v["enforcementLevel"] for k, v in local.items()}
    assert len(served_levels) == 20
    assert served_levels == expected


def test_correctness_rules_are_mandatory_by_default(served_levels: dict[str, str]) -> None:
    # README: the rules whose violation breaks the flow stop a preview with no config at all
    for name in (
        "oidc-verify-parameters-off",
        "oidc-consumer-claim-path",
        "plugin-config-no-verify-credentials",
        "app-registration-service-only",
        "okta-claim-client-id",
        "portal-app-custom-id-is-client-id",
        "portal-custom-id-unique",
    ):
        assert served_levels[name] == "mandatory", name
    advisory = [n for n, level in served_levels.items() if level == "advisory"]
    assert sorted(advisory) == [
        "app-registration-auto-approve-off",
        "identity-app-no-implicit-grant",
        "kong-admin-url-https",
        "kong-upstream-https",
        "okta-app-pkce",
        "okta-service-app-client-credentials-only",
    ]


def test_the_pack_serves_the_levels_its_policies_declare(served_levels: dict[str, str]) -> None:
    # the same policies, built in this process: what the rule tests call is what the pack runs
    built = {p.name: p.enforcement_level.value for p in rules.build_policies()}
    assert built == served_levels


# each policy of the pack, by name, runs the validator the rule tests exercise
WIRING = {
    "oidc-verify-parameters-off": rules.validate_oidc_verify_parameters,
    "oidc-consumer-claim-path": rules.validate_oidc_consumer_claim,
    "plugin-config-no-verify-credentials": rules.validate_no_verify_credentials,
    "oidc-issuer-https": rules.validate_oidc_issuer_https,
    "oidc-consumer-by-custom-id": rules.validate_oidc_consumer_by,
    "oidc-issuer-matches-identity": rules.validate_oidc_issuer_matches_identity,
    "app-registration-service-only": rules.validate_app_registration_scope,
    "app-registration-with-oidc": rules.validate_app_registration_has_oidc,
    "okta-claim-client-id": rules.validate_okta_claim,
    "okta-claim-matches-consumer-claim": rules.validate_okta_claim_matches_consumer_claim,
    "identity-app-no-implicit-grant": rules.validate_no_implicit_grant,
    "okta-app-pkce": rules.validate_okta_pkce,
    "okta-service-app-client-credentials-only": rules.validate_okta_service_app,
    "okta-flow-has-policy-rule": rules.validate_okta_flows_have_rules,
    "portal-app-custom-id-is-client-id": rules.validate_app_custom_id_is_client_id,
    "portal-contract-service-has-plugins": rules.validate_contract_service_plugins,
    "portal-custom-id-unique": rules.validate_custom_id_unique,
    "app-registration-auto-approve-off": rules.validate_auto_approve_off,
    "kong-upstream-https": rules.validate_upstream_https,
    "kong-admin-url-https": rules.validate_admin_url_https,
}


def _validator(policy: object) -> object:
    # pulumi-policy (pinned) keeps the function it was given in a private attribute
    return getattr(policy, f"_{type(policy).__name__}__validate")


def test_each_policy_runs_the_validator_its_tests_exercise() -> None:
    policies = {p.name: p for p in rules.build_policies()}
    assert {name: _validator(p) for name, p in policies.items()} == WIRING
    remediating = {n for n, p in policies.items() if getattr(p, "has_remediation", bool)()}
    assert remediating == {"oidc-verify-parameters-off"}
    fix = policies["oidc-verify-parameters-off"]
    assert fix._ResourceValidationPolicy__remediate is rules.remediate_oidc_verify_parameters  # type: ignore[attr-defined]


@pytest.mark.parametrize("env", ["local", "dev", "staging", "prod"])
def test_every_option_in_the_env_configs_is_declared_by_its_policy(env: str) -> None:
    # an option the policy does not declare is refused by the engine when the pack starts
    config = json.loads((PACK / "config" / f"{env}.json").read_text())
    declared = {
        p.name: set(p.config_schema.properties) if p.config_schema else set()
        for p in rules.build_policies()
    }
    options = {
        name: set(entry) - {"enforcementLevel"}
        for name, entry in config.items()
        if isinstance(entry, dict)
    }
    assert options, env
    for name, keys in options.items():
        assert keys <= declared[name], (env, name)
    assert "claimNames" in declared["okta-claim-client-id"]
