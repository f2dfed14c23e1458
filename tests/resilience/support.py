"""A copy of the `local` stack with N generated apps, deployed by the real CLI to a sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    Inventory,
    SandboxControl,
    stack_config,
    write_stack_config,
    write_stack_project,
)
from tests.support.pulumi import REPO_ROOT, PulumiCLI, python_executable

STACK = "resilience"


def expected_counts(config: Mapping[str, Any], n_apps: int) -> dict[str, int]:
    """What the sandbox must hold after `up` of `stack_config(urls, n_apps)`: one of each."""
    services = len(config["kong-okta-portal:services"])
    return {
        "services": services,
        "routes": services,
        "plugins": 2 * services,  # openid-connect + application-registration per service
        "developers": n_apps,
        "applications": n_apps,
        "instances": n_apps,  # one contract per generated app
        "clients": n_apps,
    }


@dataclass
class StackRun:
    """One project copy + stack, against one sandbox."""

    cli: PulumiCLI
    project: Path
    urls: dict[str, Any]
    config: dict[str, Any]
    n_apps: int
    admin_token: str | None = None

    @classmethod
    def create(
        cls,
        cli: PulumiCLI,
        directory: Path,
        urls: Mapping[str, Any],
        n_apps: int,
        *,
        admin_token: str | None = None,
    ) -> StackRun:
        project = write_stack_project(directory)
        cli.stack_init(project, STACK)
        run = cls(cli, project, dict(urls), stack_config(urls, n_apps), n_apps, admin_token)
        control = run.control()
        try:
            control.enable_portal()
        finally:
            control.close()
        run.write_config()
        if urls.get("idp_api_token"):
            run.set_secret("identityApiToken", urls["idp_api_token"])
        if admin_token:
            run.set_secret("kongAdminToken", admin_token)
        return run

    def write_config(self) -> None:
        write_stack_config(self.project, STACK, self.config)

    def set_secret(self, key: str, value: str) -> None:
        self.cli.run("config", "set", "--secret", key, value, cwd=self.project)

    def control(self) -> SandboxControl:
        return SandboxControl(self.urls, admin_token=self.admin_token)

    def inventory(self) -> Inventory:
        control = self.control()
        try:
            return control.inventory()
        finally:
            control.close()

    def expected(self) -> dict[str, int]:
        return expected_counts(self.config, self.n_apps)

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.cli.run("up", "--yes", "--skip-preview", *extra, cwd=self.project, check=check)

    def verify(self) -> subprocess.CompletedProcess[str]:
        env = self.cli.env
        env["PULUMI_BIN_DIR"] = str(self.cli.bin_dir)
        return subprocess.run(
            [python_executable(), "-m", "verify", "--stack", STACK, "--cwd", str(self.project)],
            cwd=str(REPO_ROOT),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def state(self) -> dict[str, Any]:
        import json

        return json.loads(self.cli.run("stack", "export", cwd=self.project).stdout)

    def start_up(self) -> subprocess.Popen[str]:
        """`pulumi up` in the background (its own session, so Ctrl-C in pytest doesn't reach it)."""
        return subprocess.Popen(
            [
                str(self.cli.bin_dir / "pulumi"),
                "--non-interactive",
                "up",
                "--yes",
                "--skip-preview",
            ],
            cwd=str(self.project),
            env=self.cli.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def descendants(pid: int) -> list[int]:
    """PIDs of every live descendant of `pid` (from /proc), children first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    stack = list(children.get(pid, []))
    while stack:
        child = stack.pop()
        out.append(child)
        stack.extend(children.get(child, []))
    return out


def _kill_tree(proc: subprocess.Popen[str]) -> None:
    """SIGKILL a process we started and every descendant of it (by PID)."""
    family = descendants(proc.pid)
    proc.kill()
    proc.wait(10)
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_when(
    proc: subprocess.Popen[str],
    ready: Callable[[], bool],
    *,
    activity: Callable[[], int],
    timeout: float = 120,
) -> bool:
    """SIGKILL `proc` (by its PID) once `ready()` holds, as a CI runner dying would.

    The plugins it had started (language host, program, dynamic provider) notice within a
    second and exit, but requests they had already sent still land: the objects are committed
    but no state records them. Once `activity()` (the sandbox's request count) has stopped
    moving, any process left of that tree is SIGKILLed, by the PIDs noted at the kill (a CLI
    on PATH may come with the SDK's own launcher, whose provider lingers). Returns False if
    `proc` exited before `ready()` held."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            _kill_tree(proc)
            raise AssertionError("the condition to interrupt `pulumi up` never held")
        time.sleep(0.05)  # polling the sandbox's request log
    family = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    # quiescence: the request count unchanged over 20 polls (1 s, several request latencies)
    last, stable = activity(), 0
    while stable < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = activity()
        stable = stable + 1 if now == last else 0
        last = now
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return True
