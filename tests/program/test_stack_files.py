"""The committed stack files are valid settings (what `pulumi up` would read)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.settings import PROJECT, parse_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name", ["Pulumi.local.yaml", "Pulumi.dev.yaml.example", "Pulumi.prod.yaml.example"]
)
def test_stack_file_parses(name: str) -> None:
    config = yaml.safe_load((REPO / name).read_text())["config"]
    ours = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(f"{PROJECT}:")}
    settings = parse_settings(ours)
    assert settings.services and settings.developers


def test_local_stack_shows_allowed_and_refused_calls() -> None:
    config = yaml.safe_load((REPO / "Pulumi.local.yaml").read_text())["config"]
    settings = parse_settings({k.split(":", 1)[1]: v for k, v in config.items()})
    assert settings.identity.provider == "dcr"
    assert len(settings.services) == 2
    apps = settings.apps()
    assert len(apps) == 5
    statuses = [c.status for _d, a in apps for c in a.services]
    assert "pending" in statuses and statuses.count("approved") >= 2
    # every flow `make demo` shows: client credentials, a web app and a PKCE single-page app
    kinds = sorted((a.flow, a.app_type) for _d, a in apps)
    assert kinds == [
        ("authorization_code", "browser"),
        ("authorization_code", "web"),
        ("client_credentials", "service"),
        ("client_credentials", "service"),
        ("client_credentials", "service"),
    ]


def test_local_stack_uses_the_sandbox_default_ports() -> None:
    from sandbox.__main__ import build_parser

    defaults = vars(build_parser().parse_args([]))
    text = (REPO / "Pulumi.local.yaml").read_text()
    for flag in ("admin_port", "proxy_port", "issuer_port", "upstream_port"):
        assert f"127.0.0.1:{defaults[flag]}" in text, flag
