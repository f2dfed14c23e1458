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
