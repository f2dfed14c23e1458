"""A project directory holding the split-stacks example's stack files, on a sandbox's ports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.pulumi import VENV, PulumiCLI

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "split-stacks"
NS = "kong-okta-portal"
STACKS = ("gateway", "portal-ada", "portal-grace")
DEFAULTS = {
    "http://127.0.0.1:8080/oauth2/default": "issuer",
    "http://127.0.0.1:8080/oauth2/v1/clients": "registration",
    "http://127.0.0.1:8001": "admin",
    "http://127.0.0.1:8000": "proxy",
    "http://127.0.0.1:8090": "upstream",
}


def example_config(stack: str, urls: dict[str, str]) -> dict[str, Any]:
    """The example's `Pulumi.<stack>.yaml` config with the sandbox's ports for its defaults."""
    text = (EXAMPLE / f"Pulumi.{stack}.yaml").read_text()
    for default, key in DEFAULTS.items():
        text = text.replace(default, urls[key].rstrip("/"))
    return yaml.safe_load(text)["config"]


def write_config(project: Path, stack: str, cfg: dict[str, Any]) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    current = (yaml.safe_load(path.read_text()) if path.exists() else None) or {}
    current["config"] = cfg
    path.write_text(yaml.safe_dump(current, sort_keys=False))


def make_project(root: Path, urls: dict[str, str]) -> Path:
    project = root / "project"
    project.mkdir()
    text = (REPO / "Pulumi.yaml").read_text()
    (project / "Pulumi.yaml").write_text(text.replace("virtualenv: .venv", f"virtualenv: {VENV}"))
    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    for stack in STACKS:
        write_config(project, stack, example_config(stack, urls))
    return project


class Sandbox:
    """What the sandbox holds and how many requests it answered, over its own HTTP APIs."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.admin = httpx.Client(base_url=urls["admin"], timeout=30)

    def data(self, path: str) -> list[dict[str, Any]]:
        resp = self.admin.get(path)
        resp.raise_for_status()
        return resp.json()["data"]

    def developers(self) -> list[str]:
        return sorted(d["email"] for d in self.data("/developers"))

    def applications(self) -> list[str]:
        return sorted(a["name"] for a in self.data("/applications"))

    def clients(self) -> list[str]:
        resp = httpx.get(
            self.urls["registration"],
            headers={"Authorization": f"SSWS {self.urls['idp_api_token']}"},
        )
        resp.raise_for_status()
        return sorted(c["client_name"] for c in resp.json())

    def requests(self, target: str) -> list[dict[str, Any]]:
        resp = self.admin.get("/_sandbox/requests", params={"target": target})
        resp.raise_for_status()
        return resp.json()["requests"]

    def totals(self) -> tuple[int, int]:
        return len(self.requests("admin")), len(self.requests("issuer"))

    def writes_since(self, mark: tuple[int, int], *, accepted_only: bool = False) -> list[str]:
        """Admin API and issuer requests other than GET since `mark` (from `totals()`);
        `accepted_only`: those the server took (2xx/3xx), leaving out preflight's refused
        probes, which store nothing."""
        admin = self.requests("admin")[mark[0] :]
        issuer = self.requests("issuer")[mark[1] :]
        return [
            f"{r['target']} {r['method']} {r['path']} {r['status']}"
            for r in admin + issuer
            if r["method"] not in ("GET", "HEAD") and not (accepted_only and r["status"] >= 400)
        ]


def verify(
    cli: PulumiCLI, project: Path, stack: str, urls: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`python -m verify` on one stack, with the sandbox's test user for the browser flows."""
    env = {
        **cli.env,
        "PULUMI_BIN_DIR": str(cli.bin_dir),
        "SANDBOX_USER_PASSWORD": urls["test_user_password"],
    }
    return subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-m",
            "verify",
            "--stack",
            stack,
            "--cwd",
            str(project),
            "--user",
            urls["test_user"],
            "--password-env",
            "SANDBOX_USER_PASSWORD",
            "--require-all-flows",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def verdicts(stdout: str) -> dict[tuple[str, str], tuple[str, str]]:
    """verify's table as {(app, service): (expected, verdict)}, e.g. ("200 (approved)", "PASS")."""
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    for line in stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 6 and cells[-1] in ("PASS", "FAIL", "SKIP"):
            rows[(cells[0], cells[2])] = (cells[3], cells[5])
    return rows
