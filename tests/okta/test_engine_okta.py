"""The okta path under the real Pulumi engine, against the sandbox's Okta management API.

1. The `okta-local` stack with the real pulumi-okta provider: runs where its plugin is installed
   (`pulumi plugin ls` under PULUMI_HOME, or the repo's .pulumi-home), else skips with how to
   install it. The plugin cannot be obtained offline.
2. Without the plugin: the same Okta objects the OktaIdentity component makes, driven over
   HTTP, then the `local` stack's Kong side and clients on that API-made server, and
   `python -m verify` passes; with the rule deactivated through the API, verify fails.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.program.test_engine_local_stack import local_config, write_stack_config
from tests.support.pulumi import VENV, PulumiCLI
from verify.portal_prereq import enable_portal

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
NS = "kong-okta-portal"
OKTA_STACK = "okta-local"


def _plugin_module() -> Any:
    spec = importlib.util.spec_from_file_location("okta_plugin", REPO / "scripts/okta_plugin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plugin_home() -> Path:
    """Where `make demo` and the make targets keep plugins (their PULUMI_HOME)."""
    return Path(os.environ.get("PULUMI_HOME") or REPO / ".pulumi-home")


def okta_config(urls: dict[str, str]) -> dict[str, Any]:
    """Pulumi.okta-local.yaml with the sandbox's free ports instead of the defaults."""
    cfg = yaml.safe_load((REPO / f"Pulumi.{OKTA_STACK}.yaml").read_text())["config"]
    local = local_config(urls)
    cfg["okta:httpProxy"] = urls["okta"]
    for key in ("kong", "proxyUrl", "services"):
        cfg[f"{NS}:{key}"] = local[f"{NS}:{key}"]
    return cfg


def project_dir(root: Path, stack: str, cfg: dict[str, Any]) -> Path:
    project = root / "project"
    project.mkdir()
    text = (REPO / "Pulumi.yaml").read_text()
    (project / "Pulumi.yaml").write_text(text.replace("virtualenv: .venv", f"virtualenv: {VENV}"))
    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    path = project / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": cfg}, sort_keys=False))
    return project


def run_verify(cli: PulumiCLI, project: Path, stack: str) -> subprocess.CompletedProcess[str]:
    env = {**cli.env, "PULUMI_BIN_DIR": str(cli.bin_dir)}
    return subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "verify", "--stack", stack, "--cwd", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_okta_stack_with_the_pulumi_okta_provider(
    pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path
) -> None:
    plugin = _plugin_module()
    message = plugin.missing_message(
        str(pulumi_cli.bin_dir / "pulumi"), {**pulumi_cli.env, "PULUMI_HOME": str(plugin_home())}
    )
    if message:
        pytest.skip(message)
    # the test's own PULUMI_HOME gets a copy of the installed plugin
    version = plugin.required_version()
    for entry in (plugin_home() / "plugins").glob(f"resource-okta-v{version}*"):
        target = pulumi_cli.home / "plugins" / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if entry.is_dir() else shutil.copy)(entry, target)

    urls = sandbox.urls
    enable_portal(urls["admin"])
    project = project_dir(tmp_path, OKTA_STACK, okta_config(urls))
    env = {"OKTA_API_TOKEN": urls["idp_api_token"]}
    pulumi_cli.stack_init(project, OKTA_STACK)
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)

    okta = httpx.Client(
        base_url=urls["okta"], headers={"Authorization": f"SSWS {urls['idp_api_token']}"}
    )
    servers = okta.get("/api/v1/authorizationServers", params={"q": "kong-portal"}).json()
    assert [s["name"] for s in servers] == ["kong-portal"]
    assert len(okta.get("/api/v1/apps").json()) == 3
    verified = run_verify(pulumi_cli, project, OKTA_STACK)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    pulumi_cli.run("destroy", "--yes", "--skip-preview", cwd=project, env=env)
    assert okta.get("/api/v1/apps").json() == []


def okta_objects_like_the_component(urls: dict[str, str]) -> dict[str, str]:
    """What OktaIdentity creates with a custom server, over the management API."""
    with httpx.Client(
        base_url=urls["okta"],
        headers={"Authorization": f"SSWS {urls['idp_api_token']}"},
        timeout=30,
    ) as c:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            resp = c.post(path, json=body)
            assert resp.status_code in (200, 201), resp.text
            return resp.json()

        server = post(
            "/api/v1/authorizationServers",
            {"name": "kong-portal", "description": "APIs behind Kong",
             "audiences": ["api://kong-portal"]},
        )  # fmt: skip
        base = f"/api/v1/authorizationServers/{server['id']}"
        post(f"{base}/scopes", {"name": "portal_api", "consent": "IMPLICIT",
                                "metadataPublish": "ALL_CLIENTS"})  # fmt: skip
        post(f"{base}/claims", {"name": "application_id", "claimType": "RESOURCE",
                                "valueType": "EXPRESSION", "value": "app.clientId",
                                "alwaysIncludeInToken": True})  # fmt: skip
        policy = post(
            f"{base}/policies",
            {"type": "OAUTH_AUTHORIZATION_POLICY", "name": "kong-okta-portal",
             "description": "Developer applications of the Kong Dev Portal", "priority": 1,
             "conditions": {"clients": {"include": ["ALL_CLIENTS"]}}},
        )  # fmt: skip
        rule = post(
            f"{base}/policies/{policy['id']}/rules",
            {"type": "RESOURCE_ACCESS", "name": "kong-okta-portal client_credentials",
             "priority": 1,
             "conditions": {"people": {"groups": {"include": ["EVERYONE"]}},
                            "grantTypes": {"include": ["client_credentials"]},
                            "scopes": {"include": ["portal_api"]}}},
        )  # fmt: skip
    return {
        "issuer": server["issuer"],
        "rule": f"{base}/policies/{policy['id']}/rules/{rule['id']}",
    }


def test_verify_passes_on_a_server_configured_through_the_api(
    pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path
) -> None:
    urls = sandbox.urls
    enable_portal(urls["admin"])
    made = okta_objects_like_the_component(urls)
    cfg = local_config(urls)
    cfg[f"{NS}:identity"]["issuer"] = made["issuer"]
    project = tmp_path / "project"
    project.mkdir()
    text = (REPO / "Pulumi.yaml").read_text()
    (project / "Pulumi.yaml").write_text(text.replace("virtualenv: .venv", f"virtualenv: {VENV}"))
    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    write_stack_config(project, cfg)
    pulumi_cli.stack_init(project, "local")
    env = {"IDENTITY_API_TOKEN": urls["idp_api_token"]}
    pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project, env=env)
    assert pulumi_cli.outputs(project)["issuer"] == made["issuer"]

    verified = run_verify(pulumi_cli, project, "local")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "FAIL" not in verified.stdout and made["issuer"] in verified.stdout

    # the server's access policy decides: without an active rule, no token and verify fails
    with httpx.Client(
        base_url=urls["okta"], headers={"Authorization": f"SSWS {urls['idp_api_token']}"}
    ) as c:
        assert c.post(f"{made['rule']}/lifecycle/deactivate").status_code == 204
    refused = run_verify(pulumi_cli, project, "local")
    assert refused.returncode == 1
    assert "access_denied" in refused.stdout
