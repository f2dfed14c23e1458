"""Runs the SDK's dynamic-provider plugin (`python -m pulumi.dynamic`) and ends it with the CLI.

The engine stops its plugins itself, except when it is killed (SIGKILL): then nothing tells
the provider, and with the SDK's own launcher it keeps running, holding whatever connection it
had open. Here a thread watches the parent (the CLI: the launcher script execs this file), and
when the process is re-parented the provider exits.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time

POLL_SECONDS = 0.5


def watch_parent(parent: int) -> None:
    """Exit the process once it is no longer the child of `parent`."""
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)  # the engine is gone: nothing is waiting for a clean shutdown


def main() -> None:
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    # As with `python -m`: the working directory (the project) first on the import path, so
    # provider classes pickled by reference import from it.
    sys.path[0] = os.getcwd()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
