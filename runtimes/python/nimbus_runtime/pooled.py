"""A prewarmed sandbox's wait for its function (``NIMBUS_POOLED=1``).

The platform started this runtime with no function code and a generic environment. Once the
bootstrap's modules are loaded it says so on stdout; the platform then places the code at
``/var/task`` (and layers at ``/opt``), sets the memory cap and writes the assignment to
stdin: JSON ``{"env": {...}}``, the function's whole environment. From there the start goes
on exactly as a normal one.
"""
import json
import os
import sys
import time


def wait_for_assignment():
    """Reports readiness, reads the assignment (blocking) and puts the environment in place."""
    os.write(1, b"\0NIMBUS-POOLED\n")
    chunks = []
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    env = json.loads(b"".join(chunks).decode("utf-8")).get("env")
    if not isinstance(env, dict):
        raise RuntimeError("the assignment holds no environment")
    # PWD is the sandbox's (bubblewrap sets it as it enters /var/task), as on a fresh start.
    pwd = os.environ.get("PWD")
    os.environ.clear()
    os.environ.update(env)
    if pwd is not None and "PWD" not in env:
        os.environ["PWD"] = pwd
    # Modules loaded before read the generic environment: they read the function's now.
    from nimbus_runtime.context import read_function_data

    read_function_data()
    # Read at start from the environment the interpreter had then.
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    if "TZ" in env and hasattr(time, "tzset"):
        time.tzset()
    # The code was mounted over /var/task after this process entered it: enter it again.
    os.chdir(env.get("LAMBDA_TASK_ROOT") or "/var/task")
