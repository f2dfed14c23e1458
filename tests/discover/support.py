"""Helpers for the discovery tests: a seeded sandbox estate, discover runs, request logs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.pulumi import VENV

REPO = Path(__file__).resolve().parents[2]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def run_discover(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "discover", *args],
        cwd=REPO, env=full_env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def make_project(root: Path) -> Path:
    """The repo's program in a directory of its own (stack files are written there)."""
    project = root / "project"
    project.mkdir()
    text = (REPO / "Pulumi.yaml").read_text()
    (project / "Pulumi.yaml").write_text(text.replace("virtualenv: .venv", f"virtualenv: {VENV}"))
    shutil.copy(REPO / "__main__.py", project / "__main__.py")
    return project


class RequestLog:
    """The sandbox's request log (admin and issuer), read from a mark onwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.marks = {"admin": 0, "issuer": 0}

    def _rows(self, target: str) -> list[dict[str, Any]]:
        resp = httpx.get(f"{self.admin_url}/_sandbox/requests", params={"target": target})
        resp.raise_for_status()
        return resp.json()["requests"]

    def mark(self) -> None:
        self.marks = {t: len(self._rows(t)) for t in self.marks}

    def since(self, target: str) -> list[dict[str, Any]]:
        return self._rows(target)[self.marks[target] :]

    def writes(self, target: str) -> list[tuple[str, str]]:
        # preflight's refused empty-body creates (400: RBAC allows it, nothing stored) don't count
        return [
            (r["method"], r["path"])
            for r in self.since(target)
            if r["method"] in WRITES and r["status"] < 400
        ]
