"""Each access-policy rule waits for the ServerScope resources it names (Okta refuses a rule
whose scope does not exist yet), under Pulumi mocks: the dependencies the engine is told."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pulumi
from pulumi.runtime.mocks import MockMonitor

from tests.program import configs
from tests.program.mocks import PROJECT, RecordingMocks, run

REPO = Path(__file__).resolve().parents[2]
RULE = "okta:auth/serverPolicyRule:ServerPolicyRule"
SCOPE = "okta:auth/serverScope:ServerScope"


class DependencyMonitor(MockMonitor):
    """The mock monitor, also keeping each registration's type and `dependsOn` URNs."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.registered: dict[str, tuple[str, list[str]]] = {}

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method's name
        response = super().RegisterResource(request)
        self.registered[request.name] = (request.type, list(request.dependencies))
        return response


def run_program(cfg: dict) -> DependencyMonitor:
    mocks = RecordingMocks()
    monitor = DependencyMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="test", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(
        {f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    )
    run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    return monitor


def test_every_rule_depends_on_each_scope_it_names() -> None:
    cfg = configs.okta()
    cfg["identity"]["scopes"] = ["portal_api", "reports"]
    monitor = run_program(cfg)
    scopes = {
        name.rsplit("-scope-", 1)[1]: name
        for name, (typ, _) in monitor.registered.items()
        if typ == SCOPE
    }
    assert set(scopes) == {"portal_api", "reports"}
    rules = {name: deps for name, (typ, deps) in monitor.registered.items() if typ == RULE}
    assert len(rules) == 3
    for name, deps in rules.items():
        named = {urn.rsplit("::", 1)[1] for urn in deps}
        assert set(scopes.values()) <= named, f"{name} does not wait for its scopes: {deps}"


def test_rules_still_follow_each_other_in_priority_order() -> None:
    monitor = run_program(configs.okta())
    rules = [(name, deps) for name, (typ, deps) in monitor.registered.items() if typ == RULE]
    names = [name for name, _ in rules]
    assert names == ["identity-rule-client-credentials", "identity-rule-authorization-code",
                     "identity-rule-implicit"]  # fmt: skip
    for (before, _), (_, deps) in zip(rules, rules[1:], strict=False):
        assert before in {urn.rsplit("::", 1)[1] for urn in deps}
