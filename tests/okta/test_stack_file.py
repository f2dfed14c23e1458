"""Pulumi.okta-local.yaml: valid settings, provider keys pulumi-okta 7 reads, sandbox ports."""

from __future__ import annotations

import inspect
from pathlib import Path

import pulumi_okta.config.vars as okta_vars
import yaml

from components.settings import PROJECT, parse_settings
from sandbox.__main__ import build_parser

REPO = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO / "Pulumi.okta-local.yaml").read_text())["config"]


def test_settings_parse_to_the_okta_path_with_a_created_server() -> None:
    ours = {k.split(":", 1)[1]: v for k, v in CONFIG.items() if k.startswith(f"{PROJECT}:")}
    settings = parse_settings(ours)
    assert settings.identity.provider == "okta"
    assert not settings.identity.auth_server.is_default
    assert settings.developers


def test_provider_keys_are_the_ones_pulumi_okta_reads() -> None:
    source = inspect.getsource(okta_vars)
    provider_keys = [k.split(":", 1)[1] for k in CONFIG if k.startswith("okta:")]
    assert sorted(provider_keys) == ["backoff", "baseUrl", "httpProxy", "maxRetries", "orgName"]
    for key in provider_keys:
        assert f"'{key}'" in source, key
    assert str(CONFIG["okta:backoff"]).lower() == "false"
    assert str(CONFIG["okta:maxRetries"]) == "0"
    assert "okta:apiToken" not in CONFIG  # from OKTA_API_TOKEN (scripts/demo), never the file


def test_http_proxy_is_the_sandbox_okta_url_on_default_ports() -> None:
    defaults = vars(build_parser().parse_args([]))
    assert CONFIG["okta:httpProxy"] == f"http://127.0.0.1:{defaults['issuer_port']}"
    text = (REPO / "Pulumi.okta-local.yaml").read_text()
    for flag in ("admin_port", "proxy_port", "upstream_port"):
        assert f"127.0.0.1:{defaults[flag]}" in text, flag
