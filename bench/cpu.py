"""CPU seconds and peak memory per process kind while a `pulumi` command runs (Linux /proc).

Wall time alone can't say whether the engine, the program, the dynamic provider or the sandbox
is the bottleneck; the CPU each one burned can. A sampler thread walks the command's process
tree every 100 ms and keeps each process's last utime+stime and its peak RSS (`VmHWM`); a
process's final slice after its last sample is missed, which is small at this rate. The bytes
the command wrote to disk (the backend's state files: checkpoints, backups, history) come from
the kernel's accounting of the whole tree when it is reaped (`wait4`), so the final save counts.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM), in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


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


@dataclass
class Measured:
    """What one command cost: wall time, and per process kind CPU seconds and peak RSS."""

    wall: float
    cpu: dict[str, float]
    rss_mb: dict[str, float]
    disk_bytes: int  # written to disk by the command's whole process tree
    proc: subprocess.CompletedProcess[str]


def run_measured(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float = 3600
) -> Measured:
    """Run `argv` and measure it (see the module docstring)."""
    last: dict[int, tuple[str, float]] = {}
    peaks: dict[int, float] = {}
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
                    peak = peak_rss_mb(pid)
                    if peak is not None:
                        peaks[pid] = max(peak, peaks.get(pid, 0.0))
            done.wait(0.1)

    out: dict[str, str] = {}

    def drain(name: str, stream: IO[str]) -> None:
        out[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(name, stream), daemon=True)
        for name, stream in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    sampler = threading.Thread(target=sample, daemon=True)
    for thread in (sampler, *readers):
        thread.start()
    watchdog = threading.Timer(timeout, proc.kill)  # a hung command ends, by its own PID
    watchdog.start()
    try:
        # wait4 rather than Popen.wait: its rusage holds the tree's disk writes at exit
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        watchdog.cancel()
        done.set()
        sampler.join()
    for thread in readers:
        thread.join(60)
    wall = time.perf_counter() - start
    per_kind: dict[str, float] = {}
    rss: dict[str, float] = {}
    for pid, (kind, seconds) in last.items():
        per_kind[kind] = round(per_kind.get(kind, 0.0) + seconds, 2)
        if pid in peaks:
            rss[kind] = round(max(rss.get(kind, 0.0), peaks[pid]), 1)
    completed = subprocess.CompletedProcess(
        list(argv), proc.returncode, out.get("stdout", ""), out.get("stderr", "")
    )
    # ru_oublock is the kernel's write_bytes in 512-byte blocks
    return Measured(wall, per_kind, rss, usage.ru_oublock * 512, completed)
