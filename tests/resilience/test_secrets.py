"""Secrets audit: after `up` with an RBAC admin token and confidential clients, neither the token
nor any client secret appears in plain text in the exported state, the CLI's output and logs,
or the sandbox's request log.

Audited: the create run with `up --verbose=9 --logtostderr --logflow` (the engine's most
detailed level: every gRPC call, plugins' logs flowed through), the normal output of `refresh`
and of an update, the `pulumi stack export` document (no `--show-secrets`), the sandbox's
request log (Admin API and issuer) and the sandbox's own stderr.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from bench.harness import start_bench_sandbox
from tests.resilience.support import StackRun
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine

APPS = 3


def _leaks(text: str, values: dict[str, str]) -> list[str]:
    return sorted(name for name, value in values.items() if value in text)


def test_no_token_or_client_secret_in_state_logs_or_request_log(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    token = "kop-rbac-" + secrets.token_urlsafe(24)
    sandbox = start_bench_sandbox(["--rbac-token", token])
    try:
        run = StackRun.create(
            pulumi_cli, tmp_path / "project", sandbox.urls, APPS, admin_token=token
        )
        control = run.control()
        outputs: list[str] = []

        # the create, where the issuer hands out the client secrets, with the engine's most
        # detailed log: every gRPC call between engine, program and providers
        up = run.up("--verbose=9", "--logtostderr", "--logflow")
        outputs += [up.stdout, up.stderr]
        assert len(up.stderr) > 10_000, "no engine log on stderr: the audit would see nothing"

        client_secrets = pulumi_cli.outputs(run.project, show_secrets=True)["clientSecrets"]
        assert len(client_secrets) == APPS
        assert all(isinstance(s, str) and len(s) >= 16 for s in client_secrets.values())
        # the stack really is confidential: every app got a secret, and the token was needed
        anonymous = control.admin.get("/services", headers={"Kong-Admin-Token": ""})
        assert anonymous.status_code == 401
        watched = {"admin token": token, **{f"secret of {k}": v for k, v in client_secrets.items()}}
        watched["identity API token"] = str(sandbox.urls["idp_api_token"])

        refresh = pulumi_cli.run("refresh", "--yes", "--skip-preview", cwd=run.project)
        outputs += [refresh.stdout, refresh.stderr]

        # an update that touches a portal application (custom_id = client_id) at normal level
        run.config["kong-okta-portal:developers"][0]["apps"][0]["description"] = "audited"
        run.write_config()
        update = run.up()
        outputs += [update.stdout, update.stderr]
        assert "1 updated" in update.stdout, update.stdout

        exported = pulumi_cli.run("stack", "export", cwd=run.project).stdout
        # the values watched for are the real ones: in clear only with --show-secrets
        revealed = pulumi_cli.run("stack", "export", "--show-secrets", cwd=run.project).stdout
        assert all(s in revealed for s in client_secrets.values())
        assert json.loads(exported)["deployment"]["secrets_providers"]["type"] == "passphrase"

        requests = json.dumps(control.log())
        control.close()
        sandbox_stderr = sandbox.stderr_text()
    finally:
        sandbox.stop()

    assert _leaks(exported, watched) == []
    assert _leaks("\n".join(outputs), watched) == []
    assert _leaks(requests, watched) == []
    assert _leaks(sandbox_stderr, watched) == []
