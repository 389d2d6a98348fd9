"""Nimbus's Python runtime: ``python3 -u /var/runtime/bootstrap.py``, cwd = LAMBDA_TASK_ROOT.

Loads the handler named by ``_HANDLER``, then serves invocations from the Runtime API for
as long as the instance lives. The contract it implements is docs/runtime-contract.md.
Standard library only.
"""
import os
import sys

# Imported while this folder is still sys.path[0]; setup_sys_path() then takes it away.
from nimbus_runtime.client import RuntimeApiError, RuntimeClient
from nimbus_runtime.errors import error_from_exception, format_error_log
from nimbus_runtime.invoke import invoke
from nimbus_runtime.load_handler import load_handler
from nimbus_runtime.logs import set_request_id, setup_logging, write_end_marker, write_stdout

RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
EXIT_INIT_FAILED = 1
EXIT_RUNTIME_API_FAILED = 1


def setup_sys_path(task_root, python_path):
    """
    Lambda's search order: the task root, then layers, then the interpreter's own. The
    layer folders come from PYTHONPATH as the platform set it, else Lambda's
    (``/opt/python/lib/python3.X/site-packages``, ``/opt/python``). The runtime's folder is
    dropped, so the function's modules are never shadowed by the runtime's files.
    """
    if python_path:
        layers = [p for p in python_path.split(os.pathsep) if p]
    else:
        layers = ["/opt/python/lib/python%d.%d/site-packages" % sys.version_info[:2], "/opt/python"]
    first = []
    for p in [task_root] + layers:
        if p not in first:
            first.append(p)
    rest = [p for p in sys.path if p not in first and os.path.abspath(p or ".") != RUNTIME_DIR]
    sys.path[:] = first + rest


def forward_trace_id(trace_id):
    """``Lambda-Runtime-Trace-Id`` → ``_X_AMZN_TRACE_ID``, removed when the invocation has none."""
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def main():
    env = os.environ
    client = RuntimeClient.from_env(env)
    if env.get("NIMBUS_AWS_SOCKET"):
        from nimbus_runtime.aws_relay import serve_aws_endpoint

        serve_aws_endpoint(env["NIMBUS_AWS_SOCKET"])
    setup_sys_path(env.get("LAMBDA_TASK_ROOT") or os.getcwd(), env.get("PYTHONPATH"))
    setup_logging(env.get("AWS_LAMBDA_LOG_LEVEL"))

    try:
        handler = load_handler(env.get("_HANDLER", ""))
    except Exception as err:
        error = error_from_exception(err)
        write_stdout(format_error_log(error))
        client.post_init_error(error)
        return EXIT_INIT_FAILED

    while True:
        inv = client.next()
        set_request_id(inv.request_id)
        forward_trace_id(inv.trace_id)
        outcome = invoke(handler, inv)
        if outcome[0] == "error":
            write_stdout(format_error_log(outcome[1]))
        write_end_marker(inv.request_id)
        if outcome[0] == "error":
            client.post_error(inv.request_id, outcome[1])
        else:
            client.post_response(inv.request_id, outcome[1], outcome[2])


if __name__ == "__main__":
    try:
        if os.environ.get("NIMBUS_POOLED") == "1":
            # A prewarmed sandbox: the function's code and environment come first.
            from nimbus_runtime.pooled import wait_for_assignment

            wait_for_assignment()
        code = main()
    except RuntimeApiError as err:
        write_stdout("[ERROR] Runtime API failure: %s\n" % err)
        code = EXIT_RUNTIME_API_FAILED
    sys.exit(code)
