"""The pack under the real engine: `pulumi preview --policy-pack policies --policy-pack-config`.

A small program registers the Kong dynamic resources and a DCR client registration; preview
never calls create, so nothing is contacted. Variants break one setting each.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.support.pulumi import REPO_ROOT, PulumiCLI, write_project

pytestmark = pytest.mark.engine

PACK = REPO_ROOT / "policies"
CONFIG = PACK / "config"

PROGRAM = textwrap.dedent(
    """
    import os

    from providers import kong_dynamic as kong
    from providers.dcr import ClientRegistration

    variant = os.environ.get("POLICY_TEST_VARIANT", "good")
    issuer = os.environ["POLICY_TEST_ISSUER"]

    service = kong.Service("orders", name="orders", url=os.environ["POLICY_TEST_UPSTREAM"])
    kong.Route("orders-route", name="orders", service_id=service.kong_id, paths=["/orders"])
    oidc = kong.openid_connect(issuer=issuer)
    if variant == "verify-parameters":
        oidc["verify_parameters"] = True
    kong.Plugin("orders-oidc", name="openid-connect", service_id=service.kong_id, config=oidc)
    kong.Plugin(
        "orders-appreg",
        name="application-registration",
        service_id=service.kong_id,
        config=kong.application_registration(display_name="Orders"),
    )
    client = ClientRegistration(
        "ada-app-client",
        issuer=issuer,
        client_name="ada-app",
        grant_types=["implicit"] if variant == "implicit" else ["client_credentials"],
        response_types=["token"],
    )
    developer = kong.Developer("ada", email="ada@example.com", meta='{"full_name": "Ada"}')
    app = kong.Application(
        "ada-app", developer_id=developer.kong_id, name="ada-app", custom_id=client.client_id
    )
    if variant == "duplicate-custom-id":
        kong.Application(
            "bob-app", developer_id=developer.kong_id, name="bob-app", custom_id=client.client_id
        )
    kong.ApplicationInstance(
        "ada-app-orders", application_id=app.kong_id, service_id=service.kong_id
    )
    """
)

SANDBOX = {
    "POLICY_TEST_ISSUER": "http://127.0.0.1:4010/oauth2/default",
    "POLICY_TEST_UPSTREAM": "http://127.0.0.1:9000/anything",
}
PRODUCTION = {
    "POLICY_TEST_ISSUER": "https://example.okta.com/oauth2/default",
    "POLICY_TEST_UPSTREAM": "https://orders.internal.example.com",
}


@pytest.fixture
def project(pulumi_cli: PulumiCLI, tmp_path: Path) -> Path:
    directory = write_project(tmp_path / "project", PROGRAM, name="policy-engine")
    pulumi_cli.stack_init(directory, "test")
    return directory


def preview(
    cli: PulumiCLI, project: Path, env_name: str, variant: str, urls: dict[str, str], **env: str
) -> subprocess.CompletedProcess[str]:
    return cli.run(
        "preview",
        "--policy-pack",
        str(PACK),
        "--policy-pack-config",
        str(CONFIG / f"{env_name}.json"),
        cwd=project,
        # KONG_ADMIN_URL from the caller's shell must not leak into the admin-URL rule
        env={"POLICY_TEST_VARIANT": variant, "KONG_ADMIN_URL": "", **urls, **env},
        check=False,
    )


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def test_good_program_passes_with_local_config(pulumi_cli: PulumiCLI, project: Path) -> None:
    proc = preview(pulumi_cli, project, "local", "good", SANDBOX)
    assert proc.returncode == 0, output(proc)
    assert "kong-okta-portal@v0.1.0" in proc.stdout
    assert "[mandatory]" not in proc.stdout and "[advisory]" not in proc.stdout


def test_good_program_passes_with_prod_config(pulumi_cli: PulumiCLI, project: Path) -> None:
    proc = preview(pulumi_cli, project, "prod", "good", PRODUCTION)
    assert proc.returncode == 0, output(proc)


def test_verify_parameters_true_fails_naming_policy_and_plugin(
    pulumi_cli: PulumiCLI, project: Path
) -> None:
    proc = preview(pulumi_cli, project, "local", "verify-parameters", SANDBOX)
    assert proc.returncode != 0
    text = output(proc)
    assert "[mandatory]  oidc-verify-parameters-off" in text
    assert "kong:Plugin: orders-oidc" in text
    assert "Set config.verify_parameters to false" in text


def test_dev_config_remediates_verify_parameters(pulumi_cli: PulumiCLI, project: Path) -> None:
    proc = preview(pulumi_cli, project, "dev", "verify-parameters", PRODUCTION)
    assert proc.returncode == 0, output(proc)
    assert "[remediate]  oidc-verify-parameters-off" in proc.stdout


def test_shared_custom_id_fails_naming_policy_and_application(
    pulumi_cli: PulumiCLI, project: Path
) -> None:
    proc = preview(pulumi_cli, project, "local", "duplicate-custom-id", SANDBOX)
    assert proc.returncode != 0
    text = output(proc)
    assert "[mandatory]  portal-custom-id-unique" in text
    assert "kong:Application: bob-app" in text
    assert "kong:Application: ada-app" in text  # reported on both, whatever the order
    assert "also used by 'ada-app'" in text


def test_implicit_grant_is_advisory_locally(pulumi_cli: PulumiCLI, project: Path) -> None:
    proc = preview(pulumi_cli, project, "local", "implicit", SANDBOX)
    assert proc.returncode == 0, output(proc)
    assert "[advisory]  identity-app-no-implicit-grant" in proc.stdout


def test_implicit_grant_is_mandatory_in_prod(pulumi_cli: PulumiCLI, project: Path) -> None:
    proc = preview(pulumi_cli, project, "prod", "implicit", PRODUCTION)
    assert proc.returncode != 0
    text = output(proc)
    assert "[mandatory]  identity-app-no-implicit-grant" in text
    assert "ClientRegistration: ada-app-client" in text


def test_plain_http_admin_url_fails_in_prod(pulumi_cli: PulumiCLI, project: Path) -> None:
    proc = preview(
        pulumi_cli, project, "prod", "good", PRODUCTION, KONG_ADMIN_URL="http://kong.example:8001"
    )
    assert proc.returncode != 0
    text = output(proc)
    assert "[mandatory]  kong-admin-url-https" in text
    assert "'http://kong.example:8001' is plain http" in text
