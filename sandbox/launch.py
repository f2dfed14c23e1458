"""Start `python -m sandbox` as a subprocess and wait for its ready line.

Used by tests, benchmarks and `make demo`::

    with start_sandbox(["--kong-version", "3.4.3.12"]) as sb:
        httpx.get(sb.urls["admin"] + "/")

`start_sandbox` always passes `--admin-port 0`; pass other servers' port flags (`--proxy-port 0`,
...) in `args` when you need them on free ports.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class SandboxStartError(RuntimeError):
    """The sandbox exited or did not print its ready line in time; carries its stderr."""


class SandboxProcess:
    """A running sandbox: `.urls` (the parsed ready line), `.pid`, `.stop()`; a context manager."""

    def __init__(self, proc: subprocess.Popen[bytes], urls: dict[str, Any], stderr: IO[bytes]):
        self.proc = proc
        self.urls = urls
        self._stderr = stderr

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr_text(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()
        return self.proc.returncode

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    args: Sequence[str] = (), *, env: Mapping[str, str] | None = None, timeout: float = 20
) -> SandboxProcess:
    """Run `python -m sandbox --admin-port 0 *args` and wait for its ready JSON line.

    Raises SandboxStartError (with the process's stderr) if it exits or times out first."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
    )
    stderr = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--admin-port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        env=full_env,
        cwd=str(REPO_ROOT),
    )
    lines: queue.Queue[bytes] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True)
    reader.start()
    sandbox = SandboxProcess(proc, {}, stderr)
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        err = sandbox.stderr_text()
        sandbox.stop()
        raise SandboxStartError(f"sandbox not ready after {timeout}s; stderr:\n{err}") from None
    try:
        urls = json.loads(line)
    except ValueError:
        proc.wait(5) if proc.poll() is None and not line else None
        err = sandbox.stderr_text()
        code = proc.poll()
        sandbox.stop()
        raise SandboxStartError(
            f"sandbox exited (code {code}) without a ready line; stderr:\n{err}"
        ) from None
    sandbox.urls = urls
    return sandbox
