"""Run the real Pulumi CLI in an isolated home with a file backend."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".venv"


def find_pulumi_bin_dir() -> Path | None:
    """The directory holding `pulumi` and the Python language host, or None when absent."""
    explicit = os.environ.get("PULUMI_BIN_DIR")
    candidates = [Path(explicit)] if explicit else []
    found = shutil.which("pulumi")
    if found:
        candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if (directory / "pulumi").is_file() and (directory / "pulumi-language-python").is_file():
            return directory
    return None


@dataclass
class PulumiCLI:
    """One isolated Pulumi installation: its own PULUMI_HOME and file state backend."""

    bin_dir: Path
    home: Path
    backend: Path
    passphrase: str = "test-passphrase"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("PULUMI_") and key not in ("PULUMI_BIN_DIR",):
                env.pop(key)
        env.update(
            {
                "PATH": os.pathsep.join(
                    [str(self.bin_dir), str(VENV / "bin"), env.get("PATH", "")]
                ),
                "PULUMI_HOME": str(self.home),
                "PULUMI_BACKEND_URL": self.backend.as_uri(),
                "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                "PULUMI_PYTHON_CMD": str(VENV / "bin" / "python"),
                "PYTHONPATH": str(REPO_ROOT),
                "NO_COLOR": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def run(
        self,
        *args: str,
        cwd: Path | str,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        full_env = self.env
        if env:
            full_env.update(env)
        proc = subprocess.run(
            [str(self.bin_dir / "pulumi"), "--non-interactive", *args],
            cwd=str(cwd),
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
            )
        return proc

    def stack_init(self, cwd: Path | str, name: str) -> None:
        self.run("stack", "init", name, cwd=cwd)

    def outputs(self, cwd: Path | str, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json"]
        if show_secrets:
            args.append("--show-secrets")
        return json.loads(self.run(*args, cwd=cwd).stdout)


def write_project(
    directory: Path,
    program: str,
    *,
    name: str = "smoke",
    modules: Mapping[str, str] | None = None,
    extra_yaml: Sequence[str] = (),
) -> Path:
    """Write a throwaway Pulumi Python project that uses the repo's virtualenv."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        f"name: {name}",
        "runtime:",
        "  name: python",
        "  options:",
        "    toolchain: pip",
        f"    virtualenv: {VENV}",
        *extra_yaml,
    ]
    (directory / "Pulumi.yaml").write_text("\n".join(lines) + "\n")
    (directory / "__main__.py").write_text(program)
    for filename, text in (modules or {}).items():
        (directory / filename).write_text(text)
    return directory


def python_executable() -> str:
    venv_python = VENV / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable
