"""Client of the Lambda Runtime API (``/2018-06-01/runtime/...``): one keep-alive connection,
over Nimbus's Unix socket when ``NIMBUS_RUNTIME_SOCKET`` is set, else TCP to
``AWS_LAMBDA_RUNTIME_API``.
"""
import http.client
import json
import socket
import sys
from urllib.parse import quote

PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
USER_AGENT = "nimbus-python/%d.%d.%d" % sys.version_info[:3]


class UnixHTTPConnection(http.client.HTTPConnection):
    """``HTTPConnection`` to a Unix socket; the Host header says ``localhost``."""

    def __init__(self, socket_path):
        super().__init__("localhost")
        self.socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class RuntimeApiError(Exception):
    """The Runtime API is gone or answered what a runtime cannot go on from: the process exits."""


class Invocation:
    """One event from ``/next`` and its ``Lambda-Runtime-*`` headers."""

    __slots__ = (
        "request_id",
        "deadline_ms",
        "invoked_function_arn",
        "trace_id",
        "client_context",
        "cognito_identity",
        "tenant_id",
        "content_type",
        "body",
    )

    def __init__(self, headers, body):
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        self.content_type = headers.get("Content-Type") or "application/json"
        self.body = body


class RuntimeClient:
    """
    Example::

        client = RuntimeClient.from_env(os.environ)
        inv = client.next()
        client.post_response(inv.request_id, b'"ok"', "application/json")
    """

    def __init__(self, connection):
        self._conn = connection
        self._reused = False

    @classmethod
    def from_env(cls, env):
        socket_path = env.get("NIMBUS_RUNTIME_SOCKET")
        if socket_path and env.get("NIMBUS_RUNTIME_FRAMES") == "1":
            # Nimbus's framed channel: the same calls, no HTTP (frames.py).
            from nimbus_runtime.frames import FramedClient

            return FramedClient(socket_path)
        if socket_path:
            return cls(UnixHTTPConnection(socket_path))
        api = env.get("AWS_LAMBDA_RUNTIME_API")
        if not api:
            raise RuntimeApiError("neither NIMBUS_RUNTIME_SOCKET nor AWS_LAMBDA_RUNTIME_API is set")
        # "host:port" or "[v6]:port", which HTTPConnection parses itself.
        return cls(http.client.HTTPConnection(api))

    def _send(self, method, path, body=None, headers=None):
        headers = dict(headers or {}, **{"User-Agent": USER_AGENT})
        for attempt in (1, 2):
            reused = self._reused
            try:
                self._conn.request(method, path, body=body, headers=headers)
                res = self._conn.getresponse()
                data = res.read()
                self._reused = not res.will_close
                return res.status, res.headers, data
            except (ConnectionResetError, BrokenPipeError) as err:
                # The server may close an idle keep-alive connection just as we reuse it
                # (RemoteDisconnected is a ConnectionResetError): try once on a new one.
                self._conn.close()
                self._reused = False
                if not reused or attempt == 2:
                    raise RuntimeApiError("Runtime API %s %s failed: %s" % (method, path, err)) from err
            except OSError as err:
                self._conn.close()
                self._reused = False
                raise RuntimeApiError("Runtime API %s %s failed: %s" % (method, path, err)) from err
        raise AssertionError("unreachable")

    def _post(self, path, body, headers):
        status, _headers, data = self._send("POST", path, body, headers)
        # 4xx (too large, already timed out) fails this invocation only; 5xx means the
        # platform is broken and the runtime must exit.
        if status >= 500:
            raise RuntimeApiError("Runtime API %s answered %d: %s" % (path, status, data[:200]))

    def next(self):
        """Long-polls for the next event; no timeout."""
        status, headers, body = self._send("GET", PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeApiError("Runtime API /next answered %d: %s" % (status, body[:200]))
        try:
            inv = Invocation(headers, body)
        except ValueError as err:
            raise RuntimeApiError("Runtime API /next sent a bad Lambda-Runtime-Deadline-Ms: %s" % err) from err
        if not inv.request_id:
            raise RuntimeApiError("Runtime API /next sent no Lambda-Runtime-Aws-Request-Id")
        return inv

    def post_response(self, request_id, body, content_type):
        path = "%s/invocation/%s/response" % (PREFIX, quote(request_id, safe=""))
        self._post(path, body, {"Content-Type": content_type})

    def post_error(self, request_id, error):
        path = "%s/invocation/%s/error" % (PREFIX, quote(request_id, safe=""))
        self._post(path, _error_body(error), _error_headers(error))

    def post_init_error(self, error):
        self._post(PREFIX + "/init/error", _error_body(error), _error_headers(error))


def _error_body(error):
    return json.dumps(error).encode("utf-8")


def _error_headers(error):
    headers = {"Content-Type": "application/json"}
    error_type = error["errorType"]
    # A header value must be printable ASCII; the body carries the type anyway.
    if error_type and error_type.isascii() and error_type.isprintable():
        headers[ERROR_TYPE_HEADER] = error_type
    return headers
