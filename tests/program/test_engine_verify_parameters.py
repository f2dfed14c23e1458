"""The guide's pitfall deployed for real: `verify_parameters: true` on a stack whose clients send
their credentials to Kong, against an issuer whose discovery document does not list the grant.

The policy pack refuses the setting at preview; switched off explicitly, the stack deploys and
Kong answers 401 (see tests/sandbox_flow/test_verify_parameters.py for the Kong source). The
same stack with the corrected value answers 200.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.launch import start_sandbox
from tests.conftest import sandbox_args
from tests.program.test_engine_local_stack import NS, REPO, local_config, make_project
from tests.program.test_engine_local_stack import write_stack_config as write_config
from tests.support.pulumi import PulumiCLI
from verify.portal_prereq import enable_portal

pytestmark = pytest.mark.engine

PACK = REPO / "policies"


def one_app_stack(urls: dict[str, str], verify_parameters: bool) -> dict[str, Any]:
    """The local stack cut to the orders service and ada-batch, whose clients call Kong with
    their id and secret (the client_credentials auth method) for a portal_api token."""
    cfg = local_config(urls)
    orders = next(s for s in cfg[f"{NS}:services"] if s["name"] == "orders")
    orders["openidConnect"] = {
        "auth_methods": ["client_credentials", "bearer"],
        "extra": {"scopes": ["portal_api"], "verify_parameters": verify_parameters},
    }
    cfg[f"{NS}:services"] = [orders]
    ada = next(d for d in cfg[f"{NS}:developers"] if d["email"] == "ada@example.com")
    ada["apps"] = [a for a in ada["apps"] if a["name"] == "ada-batch"]
    for app in ada["apps"]:
        app["services"] = [
            c for c in app["services"] if (c if isinstance(c, str) else c["service"]) == "orders"
        ]
    cfg[f"{NS}:developers"] = [ada]
    return cfg


def pack_config(tmp_path: Path, **levels: str) -> Path:
    config = json.loads((PACK / "config" / "local.json").read_text())
    config.update(levels)
    path = tmp_path / "pack-config.json"
    path.write_text(json.dumps(config))
    return path


def call_with_credentials(cli: PulumiCLI, project: Path, proxy: str) -> httpx.Response:
    outputs = cli.outputs(project, show_secrets=True)
    client_id = outputs["apps"]["ada-batch"]["clientId"]
    secret = outputs["clientSecrets"]["ada-batch"]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return httpx.get(f"{proxy}/orders/list", headers={"Authorization": f"Basic {basic}"})


def test_guide_mistake_gives_401_and_the_corrected_value_200(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    with start_sandbox([*sandbox_args(), "--grant-type", "authorization_code"]) as sandbox:
        urls = sandbox.urls
        enable_portal(urls["admin"])
        project = make_project(tmp_path, urls)
        write_config(project, one_app_stack(urls, verify_parameters=True))
        env = {"IDENTITY_API_TOKEN": urls["idp_api_token"]}
        pulumi_cli.stack_init(project, "local")
        pack = ["--policy-pack", str(PACK), "--policy-pack-config"]

        # the pack at the local levels stops the guide's value at preview
        refused = pulumi_cli.run(
            "preview", *pack, str(PACK / "config" / "local.json"),
            cwd=project, env=env, check=False,
        )  # fmt: skip
        assert refused.returncode != 0
        assert "oidc-verify-parameters-off" in refused.stdout + refused.stderr

        # switched off explicitly, the mistake deploys, and Kong refuses the client: 401
        off = pack_config(tmp_path, **{"oidc-verify-parameters-off": "disabled"})
        pulumi_cli.run("up", "--yes", "--skip-preview", *pack, str(off), cwd=project, env=env)
        plugins = httpx.get(urls["admin"] + "/plugins").json()["data"]
        oidc = next(p for p in plugins if p["name"] == "openid-connect")
        assert oidc["config"]["verify_parameters"] is True
        refused_call = call_with_credentials(pulumi_cli, project, urls["proxy"])
        assert refused_call.status_code == 401, refused_call.text

        # the corrected value, with the pack at its local levels again: 200
        write_config(project, one_app_stack(urls, verify_parameters=False))
        local = str(PACK / "config" / "local.json")
        pulumi_cli.run("up", "--yes", "--skip-preview", *pack, local, cwd=project, env=env)
        allowed = call_with_credentials(pulumi_cli, project, urls["proxy"])
        assert allowed.status_code == 200, allowed.text
        assert (
            allowed.json()["headers"]["x-consumer-custom-id"]
            == (pulumi_cli.outputs(project)["apps"]["ada-batch"]["clientId"])
        )
