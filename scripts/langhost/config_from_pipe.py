"""Run the SDK's program executor with PULUMI_CONFIG read from an inherited pipe.

The language host uses this when the stack's config is too big for one environment string
(Linux's 128 KiB limit per string at exec). It sets PULUMI_CONFIG in this process only, where
the SDK reads it, and runs the executor in place: argv is `config_from_pipe.py EXECUTOR ARGS...`.
"""

import os
import runpy
import sys

fd = int(os.environ.pop("KOP_PULUMI_CONFIG_FD"))
with os.fdopen(fd, "rb") as pipe:
    os.environ["PULUMI_CONFIG"] = pipe.read().decode()
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
