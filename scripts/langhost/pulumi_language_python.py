"""A Python language host for the Pulumi CLI, for machines where the Go one cannot be built.

The Pulumi CLI starts `pulumi-language-python ENGINE_ADDRESS` and talks to it over gRPC
(`pulumirpc.LanguageRuntime`). Its upstream Go module has no tags and is not served by the Go
module proxy here, so this host serves the same protocol using the stubs shipped in the `pulumi`
Python package. It does what the upstream host does for the two calls that matter:

* `Run`: start `pulumi-language-python-exec` (shipped beside it) with the project's virtualenv,
  passing config through PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, exactly as upstream does
  (a config too big for one environment string goes through a pipe, see `config_from_pipe.py`);
* `RunPlugin`: run a policy pack as `python -u -m pulumi.policy ENGINE PACK_DIR`, streaming its
  stdout/stderr back to the engine (the engine reads the pack's gRPC port from that stream).

Plugin discovery is left to the engine: `GetRequiredPackages` reports none, so installed
packages such as pulumi-okta don't make the engine look for provider plugins it cannot fetch
offline; resources that need a plugin still load it on demand.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

HERE = Path(__file__).resolve().parent
EXECUTOR = HERE / "pulumi-language-python-exec"
VERSION = "3.272.0"
BAIL_EXIT_CODE = 32  # the exec script's "error already shown to the user"
# Linux refuses to exec with any one environment string over 128 KiB (E2BIG): a stack with
# ~700 developer apps has more config than that. Above this size it goes through a pipe.
CONFIG_ENV_LIMIT = 96 * 1024
CONFIG_PIPE = HERE / "config_from_pipe.py"
CONFIG_FD_VAR = "KOP_PULUMI_CONFIG_FD"


def _write_and_close(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(data)
    except BrokenPipeError:
        pass  # the program died before reading it; its exit code says why


def _option(info: language_pb2.ProgramInfo | None, name: str) -> str:
    if info is None or not info.HasField("options"):
        return ""
    value = info.options.fields.get(name)
    return value.string_value if value is not None else ""


def python_for(info: language_pb2.ProgramInfo | None, fallback_root: str = "") -> str:
    """The interpreter of the program's virtualenv, else PULUMI_PYTHON_CMD, else python3."""
    virtualenv = _option(info, "virtualenv")
    if virtualenv:
        root = (info.root_directory if info is not None else "") or fallback_root or os.getcwd()
        venv = Path(virtualenv) if os.path.isabs(virtualenv) else Path(root) / virtualenv
        candidate = venv / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return os.environ.get("PULUMI_PYTHON_CMD") or "python3"


class Children:
    """The processes this host started, so none outlives it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()

    def start(self, args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, **kwargs)  # type: ignore[call-overload]
        with self._lock:
            self._procs.add(proc)
        return proc

    def finished(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def terminate_all(self) -> None:
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


CHILDREN = Children()


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self.root_directory = ""

    def Handshake(self, request, context):  # noqa: N802
        if request.engine_address:
            self.engine_address = request.engine_address
        self.root_directory = request.root_directory or ""
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):  # noqa: N802
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPlugins(self, request, context):  # noqa: N802
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request, context):  # noqa: N802
        return language_pb2.GetRequiredPackagesResponse()

    def GetProgramDependencies(self, request, context):  # noqa: N802
        return language_pb2.GetProgramDependenciesResponse()

    def RuntimeOptionsPrompts(self, request, context):  # noqa: N802
        return language_pb2.RuntimeOptionsResponse()

    def About(self, request, context):  # noqa: N802
        python = python_for(request.info if request.HasField("info") else None)
        return language_pb2.AboutResponse(executable=python, version=sys.version.split()[0])

    def InstallDependencies(self, request, context):  # noqa: N802
        return iter(())

    def Cancel(self, request, context):  # noqa: N802
        return empty_pb2.Empty()

    def Run(self, request, context):  # noqa: N802
        info = request.info if request.HasField("info") else None
        program_dir = (info.program_directory if info else "") or request.pwd or os.getcwd()
        entry = (info.entry_point if info else "") or request.program or "."
        program = entry if os.path.isabs(entry) else os.path.join(program_dir, entry)
        args = [python_for(info, self.root_directory), str(EXECUTOR)]
        for flag, value in (
            ("monitor", request.monitor_address),
            ("engine", self.engine_address),
            ("project", request.project),
            ("stack", request.stack),
            ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"),
            ("parallel", str(request.parallel)),
            ("organization", request.organization),
            ("root_directory", info.root_directory if info else ""),
        ):
            if value:
                args += [f"--{flag}", value]
        args += [program, *request.args]
        env = dict(os.environ)
        config = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        read_fd = write_fd = None
        if len(config) <= CONFIG_ENV_LIMIT:
            env["PULUMI_CONFIG"] = config
        else:
            read_fd, write_fd = os.pipe()  # a pipe, not a file: the config holds secrets
            env[CONFIG_FD_VAR] = str(read_fd)
            args = [args[0], str(CONFIG_PIPE), *args[1:]]
        try:
            proc = CHILDREN.start(
                args,
                env=env,
                cwd=request.pwd or None,
                pass_fds=() if read_fd is None else (read_fd,),
            )
        except OSError as exc:
            return language_pb2.RunResponse(error=f"could not run the Python program: {exc}")
        finally:
            if read_fd is not None:
                os.close(read_fd)
        if write_fd is not None:
            threading.Thread(
                target=_write_and_close, args=(write_fd, config.encode()), daemon=True
            ).start()
        try:
            code = proc.wait()
        finally:
            CHILDREN.finished(proc)
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {code}")

    def RunPlugin(self, request, context) -> Iterator[language_pb2.RunPluginResponse]:  # noqa: N802
        info = request.info if request.HasField("info") else None
        plugin_dir = (info.program_directory if info else "") or request.pwd
        python = python_for(info, plugin_dir)
        if request.kind == "analyzer":
            args = [python, "-u", "-m", "pulumi.policy", *request.args, plugin_dir]
        else:
            args = [python, "-u", os.path.join(plugin_dir, "__main__.py"), *request.args]
        env = dict(os.environ)
        for entry in request.env:
            key, _, value = entry.partition("=")
            env[key] = value
        proc = CHILDREN.start(
            args,
            cwd=plugin_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        chunks: queue.Queue[tuple[str, bytes]] = queue.Queue()

        def pump(name: str, stream) -> None:  # type: ignore[no-untyped-def]
            fd = stream.fileno()
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                chunks.put((name, data))
            chunks.put((name, b""))

        for name, stream in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            threading.Thread(target=pump, args=(name, stream), daemon=True).start()

        context.add_callback(proc.kill)
        open_streams = 2
        while open_streams:
            name, data = chunks.get()
            if not data:
                open_streams -= 1
            elif name == "stdout":
                yield language_pb2.RunPluginResponse(stdout=data)
            else:
                yield language_pb2.RunPluginResponse(stderr=data)
        code = proc.wait()
        CHILDREN.finished(proc)
        yield language_pb2.RunPluginResponse(exitcode=code)


def main(argv: list[str]) -> None:
    # Flags the engine may pass (--logtostderr, -v=N, --tracing X) are accepted and ignored.
    positional: list[str] = []
    skip = False
    for index, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--tracing" and index + 1 < len(argv):
            skip = True
        elif not arg.startswith("-"):
            positional.append(arg)
    engine_address = positional[0] if positional else ""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        options=[
            ("grpc.max_receive_message_length", 400 * 1024 * 1024),
            ("grpc.max_send_message_length", 400 * 1024 * 1024),
        ],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageHost(engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine stops its plugins with SIGINT/SIGTERM: a quiet, clean exit, not a traceback.
    # If the engine itself dies (SIGKILL), this host is re-parented: then it stops too, with the
    # program or policy pack it was running, instead of lingering.
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    parent = os.getppid()

    def watch_parent() -> None:
        while not stopped.wait(0.5):
            if os.getppid() != parent:
                stopped.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stopped.wait()
    CHILDREN.terminate_all()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main(sys.argv[1:])
