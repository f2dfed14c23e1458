"""The pack's policies and its per-environment configuration files agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies import rules

CONFIG_DIR = Path(rules.__file__).parent / "config"
POLICIES = {p.name: p for p in rules.build_policies()}
LEVELS = {"advisory", "mandatory", "remediate", "disabled"}


def level(entry: object) -> str:
    return entry if isinstance(entry, str) else entry["enforcementLevel"]  # type: ignore[index]


def load(env: str) -> dict:
    return json.loads((CONFIG_DIR / f"{env}.json").read_text())


def test_policy_names_are_unique_and_described() -> None:
    built = rules.build_policies()
    assert len(built) == len(POLICIES) == 20
    for policy in built:
        assert policy.description.strip(), policy.name


@pytest.mark.parametrize("env", ["local", "dev", "staging", "prod"])
def test_config_names_every_policy_with_a_valid_level(env: str) -> None:
    config = load(env)
    assert set(config) == set(POLICIES)
    for name, entry in config.items():
        assert level(entry) in LEVELS, (env, name)
        if level(entry) == "remediate":
            assert POLICIES[name].has_remediation(), name  # type: ignore[union-attr]


def test_prod_makes_everything_mandatory_and_disallows_loopback() -> None:
    config = load("prod")
    assert {level(e) for e in config.values()} == {"mandatory"}
    assert config["identity-app-no-implicit-grant"] == "mandatory"
    assert config["oidc-issuer-https"]["allowLoopback"] is False


@pytest.mark.parametrize("env", ["local", "dev"])
def test_local_and_dev_keep_hygiene_rules_advisory(env: str) -> None:
    config = load(env)
    for name in ("identity-app-no-implicit-grant", "okta-app-pkce", "kong-upstream-https"):
        assert level(config[name]) == "advisory", name
    assert level(config["portal-custom-id-unique"]) == "mandatory"


def test_pack_yaml_reuses_the_repo_virtualenv() -> None:
    text = (CONFIG_DIR.parent / "PulumiPolicy.yaml").read_text()
    assert "virtualenv: ../.venv" in text and "name: python" in text
    assert (CONFIG_DIR.parent / "../.venv").resolve() == Path(rules.__file__).parents[1] / ".venv"
