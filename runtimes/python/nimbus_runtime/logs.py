"""Lambda's text log format for the ``logging`` root logger, and the end-of-invocation marker.

``print`` is left alone: it writes to stdout as is. stdout and stderr are one pipe and the
interpreter runs unbuffered (``-u``), so every write reaches the pipe in program order.
"""
import logging
import os
import sys
import time

_request_id = ""


def set_request_id(request_id):
    """The request id log records carry from now on (empty before the first invocation)."""
    global _request_id
    _request_id = request_id


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


class LambdaFormatter(logging.Formatter):
    """``[LEVEL]\\t<ISO time>Z\\t<requestId>\\t<message>``; newlines become ``\\r`` (one record, one line)."""

    converter = time.gmtime

    def __init__(self):
        super().__init__(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )

    def format(self, record):
        return super().format(record).replace("\n", "\r") + "\n"


class LambdaHandler(logging.Handler):
    """Writes records to whatever ``sys.stdout`` is at the time, as the RIC does."""

    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


def _level_from_env(value):
    """``AWS_LAMBDA_LOG_LEVEL`` → a logging level name; TRACE is DEBUG, unknown values are ignored."""
    name = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(value.upper(), value.upper())
    return name if isinstance(logging.getLevelName(name), int) else None


def setup_logging(log_level=None):
    """
    Adds the Lambda handler to the root logger. Like Lambda, the root logger keeps Python's
    default level (WARNING) unless ``AWS_LAMBDA_LOG_LEVEL`` names one.
    """
    handler = LambdaHandler()
    handler.setFormatter(LambdaFormatter())
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = _level_from_env(log_level) if log_level else None
    if level:
        root.setLevel(level)


def write_stdout(text):
    """Writes ``text`` to fd 1 after whatever the streams still hold, bypassing ``sys.stdout``."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass  # closed or replaced by the function: nothing of ours is buffered there
    data = text.encode("utf-8", "replace")
    while data:
        try:
            data = data[os.write(1, data) :]
        except InterruptedError:
            continue
        except OSError:
            return  # the platform went away (EPIPE): the line is dropped


def write_end_marker(request_id):
    """The ``\\0NIMBUS-END <requestId>`` line: every line before it belongs to this invocation."""
    write_stdout("\u0000NIMBUS-END " + request_id + "\n")
