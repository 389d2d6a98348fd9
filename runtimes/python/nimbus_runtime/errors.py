"""Runtime error types and the error JSON, as Lambda's Python runtime (the RIC) has them."""
import importlib
import os
import traceback

# The folder of bootstrap.py: frames from here are the runtime's, not the function's.
RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_IMPORTLIB_INIT = importlib.__file__

IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"


class FaultError(Exception):
    """A failure reported with a ``Runtime.*`` type rather than the exception's class name."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def make_error(message, error_type, stack_trace, request_id=""):
    """The body POSTed to ``/error`` and ``/init/error`` (the RIC's ``make_error``)."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": stack_trace or [],
    }


def error_from_exception(exc, request_id=""):
    """``{"errorType": "ValueError", ...}`` for an exception the function raised."""
    if isinstance(exc, FaultError):
        return make_error(exc.message, exc.error_type, exc.stack_trace, request_id)
    return make_error(_safe_str(exc), type(exc).__name__, user_stack_trace(exc.__traceback__), request_id)


def _safe_str(value):
    try:
        return str(value)
    except Exception:
        return object.__repr__(value)


def _is_machinery(filename):
    return (
        filename.startswith(RUNTIME_DIR + os.sep)
        or filename.startswith("<frozen importlib")
        or filename == _IMPORTLIB_INIT
    )


def user_stack_trace(tb):
    """
    The traceback from the first frame of the function's code on, one string per frame as
    ``traceback.format_list`` gives them (``'  File "/var/task/app.py", line 3, in handler\\n    ...'``).
    """
    frames = traceback.extract_tb(tb)
    start = 0
    while start < len(frames) and _is_machinery(frames[start].filename):
        start += 1
    # 4-tuples, as the RIC formats them: no column carets.
    return traceback.format_list([(f.filename, f.lineno, f.name, f.line) for f in frames[start:]])


def _indent_with_nbsp(line):
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped


def format_error_log(error):
    """
    The record the RIC prints for an error, one line with ``\\r`` between its lines:
    ``[ERROR] ValueError: boom\\rTraceback (most recent call last):\\r\\u00a0\\u00a0File ...``.
    """
    description = "[ERROR]"
    if error["errorType"]:
        description += " " + error["errorType"]
    if error["errorMessage"]:
        description += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        lines.extend(_indent_with_nbsp(line) for line in element.splitlines())
    return "\r".join(lines).replace("\n", "\r") + "\n"
