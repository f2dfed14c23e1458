"""Expected provider failures under the real engine: one message per resource, no traceback.

Preflight is switched off here (the documented switch, which must print its warning), so the
failures reach the providers as they would for a fault preflight cannot foresee.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from sandbox.launch import start_sandbox
from tests.conftest import sandbox_args
from tests.preflight.support import Case, Deployment
from tests.program.test_engine_local_stack import NS, Inventory, local_config
from tests.support.pulumi import PulumiCLI, write_project

pytestmark = pytest.mark.engine

SKIP = {"KONG_OKTA_PORTAL_PREFLIGHT": "off"}


def diagnostics(output: str) -> str:
    return output.split("Diagnostics:", 1)[1] if "Diagnostics:" in output else ""


def assert_clean(output: str) -> None:
    assert "Traceback" not in output
    assert 'File "' not in output
    assert "preflight skipped (KONG_OKTA_PORTAL_PREFLIGHT=off)" in output


def test_kong_5xx_after_retries_is_one_message_per_resource(
    deploy: Callable[[Case], Deployment],
) -> None:
    dep = deploy(Case())
    admin = dep.sandbox.urls["admin"]
    httpx.post(
        admin + "/_sandbox/faults",
        json={"status": 503, "methods": ["PUT"], "path_prefix": "/default/services"},
    ).raise_for_status()
    code, output = dep.run("up", "--yes", "--skip-preview", env=SKIP)
    assert code != 0
    assert_clean(output)
    assert len(re.findall(r"Kong Admin API PUT /default/services/\S+ returned 503", output)) == 6
    details = re.findall(r".*gave up after \d+ attempts.*", output)
    # each service's headline: twice in the progress display and once in Diagnostics; its
    # remote answer and the fix once
    assert len(details) == 2, output
    assert all("Fix: the server kept failing after retries" in d for d in details)
    assert diagnostics(output).count("pulumi-python:dynamic/kong:Service (api-") == 2


def test_object_the_stack_does_not_own_is_refused_once_with_the_fix(
    deploy: Callable[[Case], Deployment],
) -> None:
    dep = deploy(Case())
    admin = dep.sandbox.urls["admin"]
    httpx.post(
        admin + "/services", json={"name": "orders", "url": "http://127.0.0.1:9/by-hand"}
    ).raise_for_status()
    code, output = dep.run("up", "--yes", "--skip-preview", env=SKIP)
    assert code != 0
    assert_clean(output)
    lines = [line for line in output.splitlines() if "set adopt=True" in line]
    assert len(lines) == 1, output
    assert "was not created by this stack" in output
    assert "pulumi-python:dynamic/kong:Service (api-orders-service):" in diagnostics(output)


def test_registration_refused_names_the_token_setting_and_hides_it(
    deploy: Callable[[Case], Deployment],
) -> None:
    dep = deploy(Case(env={"IDENTITY_API_TOKEN": "wrong-idp-token"}))
    code, output = dep.run("up", "--yes", "--skip-preview", env=SKIP)
    assert code != 0
    assert_clean(output)
    lines = [line for line in output.splitlines() if "HTTP 401" in line]
    apps = [a for d in local_config(dep.sandbox.urls)[f"{NS}:developers"] for a in d["apps"]]
    # one line per refused registration: the engine starts no new create after the first
    # failure, so how many registrations are already in flight by then is a matter of timing
    assert 1 <= len(lines) <= len(apps), output
    assert all("kong-okta-portal:identityApiToken" in line for line in lines)
    assert "wrong-idp-token" not in output


STRING_CLAIM = """
from providers.kong_dynamic import Plugin, Service

svc = Service("svc", name="svc", url="http://127.0.0.1:9/x")
Plugin(
    "oidc",
    name="openid-connect",
    service_id=svc.kong_id,
    config={"issuer": "http://127.0.0.1:9/oauth2/default", "consumer_claim": "application_id"},
)
"""


def test_check_failure_is_printed_once_without_the_input_value(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    with start_sandbox(sandbox_args()) as sandbox:
        project = write_project(tmp_path / "p", STRING_CLAIM)
        pulumi_cli.stack_init(project, "dev")
        for command in (["preview"], ["up", "--yes"]):
            proc = pulumi_cli.run(
                *command, cwd=project, env={"KONG_ADMIN_URL": sandbox.urls["admin"]}, check=False
            )
            output = proc.stdout + proc.stderr
            assert proc.returncode != 0
            reason = "openid-connect `consumer_claim` must be a list (a claim path)"
            assert len([ln for ln in output.splitlines() if reason in ln]) == 1, output
            assert "resource 'oidc' has a problem: invalid `config`:" in output
            assert "map[" not in output  # the engine's dump of the whole input value
        log = httpx.get(sandbox.urls["admin"] + "/_sandbox/requests").json()
        assert [r for r in log["requests"] if r["path"].startswith("/plugins")] == []


UNKNOWN_FIELD = """
from providers.kong_dynamic import Plugin, Service

svc = Service("svc", name="svc", url="http://127.0.0.1:9/x")
Plugin(
    "oidc",
    name="openid-connect",
    service_id=svc.kong_id,
    config={"issuer": "http://127.0.0.1:9/oauth2/default", "no_such_field": True},
)
"""


def test_kong_400_is_one_message_with_kongs_fields_and_the_fix(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    with start_sandbox(sandbox_args()) as sandbox:
        project = write_project(tmp_path / "p", UNKNOWN_FIELD)
        pulumi_cli.stack_init(project, "dev")
        proc = pulumi_cli.run(
            "up",
            "--yes",
            "--skip-preview",
            cwd=project,
            env={"KONG_ADMIN_URL": sandbox.urls["admin"]},
            check=False,
        )
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0
        assert "Traceback" not in output
        details = [ln for ln in output.splitlines() if "config.no_such_field" in ln]
        assert len(details) == 1, output
        assert "unknown field" in details[0]
        assert "Fix: Kong rejected the values" in details[0]
        assert "pulumi-python:dynamic/kong:Plugin (oidc):" in diagnostics(output)


def test_bad_setting_is_one_message_and_nothing_is_asked_of_kong(
    deploy: Callable[[Case], Deployment],
) -> None:
    bad_url = "http://orders.example.com"
    dep = deploy(Case(edit=lambda cfg: cfg["kong-okta-portal:services"][0].update(url=bad_url)))
    before = Inventory(dep.sandbox.urls).request_total()
    for command in (["preview"], ["up", "--yes", "--skip-preview"]):
        code, output = dep.run(*command)
        assert code != 0
        assert "Traceback" not in output
        lines = [ln for ln in output.splitlines() if "services[0].url = " in ln]
        assert len(lines) == 1, output
        assert "expected an https URL for the upstream" in lines[0]
    # settings fail before preflight: not one request to Kong or the issuer
    assert Inventory(dep.sandbox.urls).request_total() == before
