"""The toolchain itself: the real Pulumi CLI runs a Python program with a dynamic provider and a
policy pack, on the file backend, with no network."""

from __future__ import annotations

import base64
import json
import subprocess
import textwrap
import time
from pathlib import Path

from tests.support.pulumi import VENV, PulumiCLI, write_project

PROVIDER = textwrap.dedent(
    """
    from pulumi.dynamic import ConfigureRequest, CreateResult, ReadResult, ResourceProvider
    from pulumi.dynamic import Resource


    class GreetingProvider(ResourceProvider):
        def configure(self, req: ConfigureRequest) -> None:
            self.greeting = req.config.require("greeting")

        def create(self, props):
            message = f"{self.greeting}, {props['who']}"
            return CreateResult("greeting-1", {**props, "message": message})

        def read(self, id_, props):
            return ReadResult(id_, props)


    class Greeting(Resource, module="smoke", name="Greeting"):
        def __init__(self, name, who, opts=None):
            super().__init__(GreetingProvider(), name, {"who": who, "message": None}, opts)
    """
)

PROGRAM = textwrap.dedent(
    """
    import pulumi
    from smoke_provider import Greeting

    greeting = Greeting("hello", who="world")
    pulumi.export("message", greeting.message)
    """
)

POLICY_PACK = textwrap.dedent(
    """
    from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


    def no_world(args, report_violation):
        if args.resource_type == "pulumi-python:dynamic/smoke:Greeting" and (
            args.props.get("who") == "world"
        ):
            report_violation("greetings to the whole world are not allowed")


    PolicyPack(
        name="smoke-pack",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=[
            ResourceValidationPolicy(
                name="no-greeting-the-world",
                description="A policy that the smoke resource violates.",
                validate=no_world,
            )
        ],
    )
    """
)


def test_dynamic_provider_lifecycle_and_policy_pack(pulumi_cli: PulumiCLI, tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        PROGRAM,
        name="smoke",
        modules={"smoke_provider.py": PROVIDER},
    )
    pulumi_cli.stack_init(project, "dev")
    pulumi_cli.run("config", "set", "greeting", "hello", cwd=project)

    up = pulumi_cli.run("up", "--yes", "--skip-preview", cwd=project)
    assert "2 created" in up.stdout, up.stdout  # the stack and the greeting
    assert "Traceback" not in up.stdout + up.stderr
    assert pulumi_cli.outputs(project) == {"message": "hello, world"}

    # the setting reached the provider through configure(), not through state
    state = pulumi_cli.run("stack", "export", "--show-secrets", cwd=project).stdout
    resources = json.loads(state)["deployment"]["resources"]
    greeting = next(r for r in resources if r["type"] == "pulumi-python:dynamic/smoke:Greeting")
    assert greeting["outputs"]["message"] == "hello, world"
    blob = greeting["outputs"]["__provider"]  # a secret: {sig, "plaintext": json}
    pickled = base64.b64decode(json.loads(blob["plaintext"]) if isinstance(blob, dict) else blob)
    assert b"GreetingProvider" in pickled and b"hello" not in pickled

    preview = pulumi_cli.run("preview", "--expect-no-changes", cwd=project)
    assert "2 unchanged" in preview.stdout, preview.stdout

    refresh = pulumi_cli.run("refresh", "--yes", cwd=project)  # check=True: a failure raises
    assert "2 unchanged" in refresh.stdout, refresh.stdout  # no drift found

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(
        f"runtime:\n  name: python\n  options:\n    virtualenv: {VENV}\n"
    )
    (pack / "__main__.py").write_text(POLICY_PACK)
    (project / "__main__.py").write_text(PROGRAM.replace('who="world"', 'who="everyone"'))
    ok = pulumi_cli.run("preview", "--policy-pack", str(pack), cwd=project)
    assert "smoke-pack" in ok.stdout, ok.stdout
    (project / "__main__.py").write_text(PROGRAM)
    blocked = pulumi_cli.run("preview", "--policy-pack", str(pack), cwd=project, check=False)
    assert blocked.returncode != 0
    assert "no-greeting-the-world" in blocked.stdout + blocked.stderr
    assert "mandatory" in (blocked.stdout + blocked.stderr).lower()

    destroy = pulumi_cli.run("destroy", "--yes", cwd=project)
    assert "2 deleted" in destroy.stdout, destroy.stdout
    assert pulumi_cli.outputs(project) == {}


def test_cli_script_reuses_its_cache(pulumi_bin_dir: Path) -> None:
    """`make setup` already ran the script: running it again builds nothing."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "pulumi-cli"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=True)
    assert Path(proc.stdout.strip().splitlines()[-1]) == pulumi_bin_dir
    assert "building" not in proc.stderr, proc.stderr
    version = subprocess.run(
        [str(pulumi_bin_dir / "pulumi"), "version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip().startswith("v3.27"), version.stdout


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def _wait_until(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _pid_when_killed(pulumi_cli: PulumiCLI, tmp_path: Path, program: str, marker: Path) -> int:
    """Run `pulumi up` on `program` until it writes its PID to `marker`, then SIGKILL the CLI;
    return that PID (alive at the kill)."""
    project = write_project(tmp_path / "project", program, name="killed")
    pulumi_cli.stack_init(project, "dev")
    cli = subprocess.Popen(
        [str(pulumi_cli.bin_dir / "pulumi"), "up", "--yes", "--skip-preview"],
        cwd=project,
        env=pulumi_cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_until(lambda: marker.exists() and marker.read_text() != ""), "no PID"
        pid = int(marker.read_text())
        assert _alive(pid)
        return pid
    finally:
        cli.kill()
        cli.wait()


def test_language_host_and_program_end_with_a_killed_cli(
    pulumi_cli: PulumiCLI, tmp_path: Path
) -> None:
    """A SIGKILLed `pulumi up` leaves neither the language host nor the program running."""
    marker = tmp_path / "program.pid"
    program = textwrap.dedent(
        f"""
        import os, time
        from pathlib import Path
        Path({str(marker)!r}).write_text(str(os.getpid()))
        time.sleep(120)
        """
    )
    program_pid = _pid_when_killed(pulumi_cli, tmp_path, program, marker)
    host_pid = int(Path(f"/proc/{program_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert _wait_until(lambda: not _alive(host_pid)), "the language host outlived the CLI"
    assert _wait_until(lambda: not _alive(program_pid)), "the program outlived the CLI"


def test_dynamic_provider_ends_with_a_killed_cli(pulumi_cli: PulumiCLI, tmp_path: Path) -> None:
    """A SIGKILLed `pulumi up` does not leave its dynamic provider running mid-create."""
    marker = tmp_path / "provider.pid"
    program = textwrap.dedent(
        f"""
        import os
        import time
        from pathlib import Path

        from pulumi.dynamic import CreateResult, Resource, ResourceProvider

        MARKER = {str(marker)!r}


        class StuckProvider(ResourceProvider):
            def create(self, props):
                Path(MARKER).write_text(str(os.getpid()))
                time.sleep(120)
                return CreateResult("stuck-1", {{}})


        class Stuck(Resource, module="smoke", name="Stuck"):
            def __init__(self, name):
                super().__init__(StuckProvider(), name, {{}}, None)


        Stuck("stuck")
        """
    )
    provider_pid = _pid_when_killed(pulumi_cli, tmp_path, program, marker)
    assert _wait_until(lambda: not _alive(provider_pid)), "the dynamic provider outlived the CLI"
