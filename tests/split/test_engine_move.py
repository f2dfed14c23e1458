"""Moving developers out of a big stack into a portal stack without recreating anything, through
the real Pulumi CLI against one sandbox: `pulumi state move` (without --include-parents, which
would take the whole Portal and identity components along), then the big stack becomes the
gateway stack. Neither stack's next `up` writes to Kong or the issuer, and both verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.split.support import NS, Sandbox, example_config, make_project, write_config
from tests.split.test_engine_split import GRACE, NO_TOKEN, Stacks, verified
from tests.support.pulumi import PulumiCLI

pytestmark = pytest.mark.engine

ADA = {
    ("ada-batch", "orders"): ("200 (approved)", "PASS"),
    ("ada-batch", "billing"): ("403 (none)", "PASS"),
    ("ada-portal", "orders"): ("200 (approved)", "PASS"),
    ("ada-portal", "billing"): ("200 (approved)", "PASS"),
}


def kong_ids(sb: Sandbox) -> dict[str, str]:
    return {
        **{d["email"]: d["id"] for d in sb.data("/developers")},
        **{a["name"]: a["id"] for a in sb.data("/applications")},
    }


def test_state_move_from_a_big_stack_keeps_every_object(
    pulumi_cli: PulumiCLI, sandbox: Any, tmp_path: Path
) -> None:
    urls = sandbox.urls
    sb = Sandbox(urls)
    project = make_project(tmp_path, urls)
    stacks = Stacks(pulumi_cli, project, {"IDENTITY_API_TOKEN": urls["idp_api_token"]})

    # one big stack: the example's services and both developers
    big = example_config("gateway", urls)
    del big[f"{NS}:split"]
    big[f"{NS}:developers"] = [
        *example_config("portal-ada", urls)[f"{NS}:developers"],
        *example_config("portal-grace", urls)[f"{NS}:developers"],
    ]
    write_config(project, "big", big)
    pulumi_cli.stack_init(project, "big")
    stacks.up("big")
    before = kong_ids(sb)
    clients_before = sb.clients()
    assert len(before) == 7

    # a portal stack for ada, against the big stack as its gateway
    portal = example_config("portal-ada", urls)
    portal[f"{NS}:split"]["gatewayStack"] = "organization/kong-okta-portal/big"
    write_config(project, "portal-ada", portal)
    pulumi_cli.stack_init(project, "portal-ada")

    # 1. move ada's client registrations, developer, applications and contracts
    state = json.loads(stacks.run("big", "stack", "export").stdout)
    ada = [
        r["urn"]
        for r in state["deployment"]["resources"]
        if r["urn"].rsplit("::", 1)[1].startswith(("identity-client-ada-", "portal-ada-"))
    ]
    assert len(ada) == 8  # 2 clients, 1 developer, 2 applications, 3 contracts
    pulumi_cli.run(
        "state", "move", "--source", "big", "--dest", "portal-ada", "--yes", *ada, cwd=project
    )

    # 2. the big stack becomes the gateway stack; it keeps grace for now
    big[f"{NS}:split"] = {"role": "gateway"}
    big[f"{NS}:developers"] = example_config("portal-grace", urls)[f"{NS}:developers"]
    write_config(project, "big", big)
    mark = sb.totals()
    moved_out = stacks.up("big", "--expect-no-changes")
    assert sb.totals() == mark, sb.requests("admin")[mark[0] :]
    assert " created" not in moved_out.stdout and " deleted" not in moved_out.stdout
    assert "+ portalGateway" in moved_out.stdout  # the one thing it adds

    # 3. the portal stack takes the moved objects over: its two components are new (they make
    #    nothing); no Kong object or client is created, replaced or deleted
    mark = sb.totals()
    taken = stacks.up("portal-ada")
    assert sb.writes_since(mark, accepted_only=True) == [], taken.stdout
    assert "+ 2 created" in taken.stdout and "9 unchanged" in taken.stdout, taken.stdout
    assert kong_ids(sb) == before
    assert sb.clients() == clients_before

    # 4. each stack's apps still work, and a further `up` of either makes no request
    assert verified(stacks, "portal-ada", urls) == {**NO_TOKEN, **ADA}
    assert verified(stacks, "big", urls) == {**NO_TOKEN, **GRACE}
    for stack in ("big", "portal-ada"):
        mark = sb.totals()
        stacks.up(stack, "--expect-no-changes")
        assert sb.totals() == mark
