"""The real program (`__main__.py`, the repo's Pulumi.yaml) previewed with the pack.

The project is copied to a tmp dir (so no stack file is written into the repo) with its
virtualenv made absolute; the program imports the repo's packages through PYTHONPATH.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.program import configs
from tests.support.pulumi import REPO_ROOT, VENV, PulumiCLI

pytestmark = pytest.mark.engine

PACK = REPO_ROOT / "policies"


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    text = (REPO_ROOT / "Pulumi.yaml").read_text()
    assert "virtualenv: .venv" in text, "Pulumi.yaml no longer names .venv; update this test"
    (target / "Pulumi.yaml").write_text(text.replace("virtualenv: .venv", f"virtualenv: {VENV}"))
    shutil.copy(REPO_ROOT / "__main__.py", target / "__main__.py")
    return target


def write_stack_config(project: Path, stack: str, config: dict[str, Any]) -> None:
    """Pulumi.<stack>.yaml with structured values (JSON is valid YAML)."""
    body = {"config": {f"kong-okta-portal:{key}": value for key, value in config.items()}}
    (project / f"Pulumi.{stack}.yaml").write_text(json.dumps(body, indent=2) + "\n")


def local_passphrase() -> str:
    """The passphrase Pulumi.local.yaml's salt was made with (the Makefile's default)."""
    found = re.search(r"PULUMI_CONFIG_PASSPHRASE \?= (\S+)", (REPO_ROOT / "Makefile").read_text())
    assert found, "the Makefile no longer sets a default PULUMI_CONFIG_PASSPHRASE"
    return found.group(1)


def preview(
    cli: PulumiCLI, project: Path, env_name: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return cli.run(
        "preview",
        "--policy-pack",
        str(PACK),
        "--policy-pack-config",
        str(PACK / "config" / f"{env_name}.json"),
        cwd=project,
        # no Kong or issuer runs here: these tests are about the pack, not preflight
        env={"KONG_ADMIN_URL": "", "KONG_OKTA_PORTAL_PREFLIGHT": "off", **env},
        check=False,
    )


@pytest.fixture
def local_stack(pulumi_cli: PulumiCLI, tmp_path: Path) -> Path:
    """The real program with the repo's own Pulumi.local.yaml."""
    project = copy_project(tmp_path / "project")
    shutil.copy(REPO_ROOT / "Pulumi.local.yaml", project / "Pulumi.local.yaml")
    passphrase = local_passphrase()
    pulumi_cli.run(
        "stack", "init", "local", cwd=project, env={"PULUMI_CONFIG_PASSPHRASE": passphrase}
    )
    return project


def test_real_local_stack_passes_the_local_pack(pulumi_cli: PulumiCLI, local_stack: Path) -> None:
    proc = preview(pulumi_cli, local_stack, "local", PULUMI_CONFIG_PASSPHRASE=local_passphrase())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kong-okta-portal@v0.1.0" in proc.stdout
    assert "[mandatory]" not in proc.stdout and "[advisory]" not in proc.stdout


def test_real_local_stack_is_refused_by_the_prod_pack(
    pulumi_cli: PulumiCLI, local_stack: Path
) -> None:
    proc = preview(pulumi_cli, local_stack, "prod", PULUMI_CONFIG_PASSPHRASE=local_passphrase())
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "[mandatory]  oidc-issuer-https" in text
    assert "[mandatory]  kong-upstream-https" in text
    assert "kong:Service: api-orders-service" in text


def test_real_program_dcr_stack_passes_the_local_pack(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    write_stack_config(project, "local", configs.dcr())
    pulumi_cli.stack_init(project, "local")
    proc = preview(pulumi_cli, project, "local")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kong-okta-portal@v0.1.0" in proc.stdout
    assert "[mandatory]" not in proc.stdout
    # the test settings' grace-spa uses the implicit flow: advisory in local
    assert "[advisory]  identity-app-no-implicit-grant" in proc.stdout
    assert "ClientRegistration: identity-client-grace-spa" in proc.stdout
