"""CPU seconds per process kind while a `pulumi` command runs (Linux /proc).

Wall time alone can't say whether the engine, the program, the dynamic provider or the sandbox
is the bottleneck; the CPU each one burned can. A sampler thread walks the command's process
tree every 100 ms and keeps each process's last utime+stime (a process's final slice after its
last sample is missed, which is small at this rate).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (
    ("provider", "pulumi.dynamic"),
    ("provider", "pulumi_dynamic_host"),
    ("provider", "pulumi-resource-pulumi-python"),
    ("program", "pulumi-language-python-exec"),
    ("language host", "pulumi_language_python"),
)


def cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    return tree


def _kind(pid: int) -> str | None:
    """What a plugin process is, from its command line."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    for kind, marker in KINDS:
        if marker in cmd:
            return kind
    return None


def run_measured(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float = 3600
) -> tuple[float, dict[str, float], subprocess.CompletedProcess[str]]:
    """Run `argv`; return (wall seconds, CPU seconds per kind, the completed process)."""
    last: dict[int, tuple[str, float]] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=str(cwd),
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree = _children()
            todo = [proc.pid]
            while todo:
                pid = todo.pop()
                todo.extend(tree.get(pid, []))
                if pid in last:
                    kind: str | None = last[pid][0]
                else:
                    kind = "engine" if pid == proc.pid else (_kind(pid) or "other")
                seconds = cpu_seconds(pid)
                if kind and seconds is not None:
                    last[pid] = (kind, seconds)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    wall = time.perf_counter() - start
    per_kind: dict[str, float] = {}
    for kind, seconds in last.values():
        per_kind[kind] = round(per_kind.get(kind, 0.0) + seconds, 2)
    completed = subprocess.CompletedProcess(list(argv), proc.returncode, stdout, stderr)
    return wall, per_kind, completed
