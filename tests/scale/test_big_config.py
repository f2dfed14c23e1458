"""A stack whose config is over 128 KiB (about 700 developer apps) still runs its program.

Linux refuses to start a process with any one environment string over 128 KiB, and the language
host hands config to the program in PULUMI_CONFIG: at 1,000 apps `up` failed with "Argument
list too long" before the program started. Above a size, the host sends it through a pipe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.harness import bin_dir_with_this_langhost
from tests.support.pulumi import PulumiCLI, write_project

pytestmark = pytest.mark.engine

PROGRAM = """\
import pulumi

config = pulumi.Config()
pulumi.export("bigLength", len(config.require("big")))
pulumi.export("apps", len(config.require_object("apps")))
pulumi.export("small", config.require("small"))
pulumi.export("secretLength", len(config.require("token")))  # a secret, decrypted
"""


@pytest.mark.parametrize("size", [1_000, 300_000])
def test_program_gets_config_of_any_size(pulumi_cli: PulumiCLI, tmp_path: Path, size: int) -> None:
    # this checkout's language host, whatever another checkout installed in the shared cache
    cli = PulumiCLI(
        bin_dir=bin_dir_with_this_langhost(pulumi_cli.bin_dir, tmp_path / "bin"),
        home=pulumi_cli.home,
        backend=pulumi_cli.backend,
    )
    project = write_project(
        tmp_path / "project",
        PROGRAM.replace('config.require_secret_plain("token")', 'config.require("token")'),
        name="bigconfig",
    )
    cli.stack_init(project, "big")
    cli.run("config", "set", "--secret", "token", "s3cret-value", cwd=project)
    path = project / "Pulumi.big.yaml"
    data = yaml.safe_load(path.read_text())
    apps = [{"name": f"app-{i}", "flow": "client_credentials"} for i in range(size // 60)]
    data["config"].update(
        {"bigconfig:big": "x" * size, "bigconfig:apps": apps, "bigconfig:small": "ok"}
    )
    path.write_text(yaml.safe_dump(data))
    cli.run("up", "--yes", "--skip-preview", cwd=project)
    outputs = cli.outputs(project, show_secrets=True)
    assert outputs["bigLength"] == size
    assert outputs["apps"] == len(apps)
    assert outputs["small"] == "ok"
    assert outputs["secretLength"] == len("s3cret-value")
