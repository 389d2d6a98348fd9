"""Nimbus's framed channel to the platform (docs/runtime-contract.md, "Framed channel"): the
client interface of ``client.RuntimeClient`` over length-prefixed frames instead of HTTP.

A frame is a u32 big-endian body length, a u8 type, then the body; strings are u16
big-endian length + UTF-8. A warm invocation is one read (INVOKE) and one write (RESPONSE +
NEXT). Logs stay on stdout, closed by the end marker, so answers carry the MARKER_FOLLOWS flag.
"""
import json
import socket
import struct

from nimbus_runtime.client import Invocation, RuntimeApiError

MAGIC = b"\0NIMBUS-FRAMES/1\n"
T_NEXT = 0x01
T_RESPONSE = 0x02
T_ERROR = 0x03
T_INIT_ERROR = 0x04
T_INVOKE = 0x10
MARKER_FOLLOWS = 0x01
_HEAD = struct.Struct(">IB")
_NEXT_FRAME = _HEAD.pack(0, T_NEXT)


def _str(s):
    data = s.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def frame(frame_type, body):
    """One frame of ``frame_type`` around ``body`` (bytes)."""
    return _HEAD.pack(len(body), frame_type) + body


def parse_invoke(body):
    """The Invocation an INVOKE frame body carries."""
    (deadline_ms,) = struct.unpack_from(">d", body, 0)
    off = 8
    fields = []
    for _ in range(6):
        (n,) = struct.unpack_from(">H", body, off)
        fields.append(body[off + 2 : off + 2 + n].decode("utf-8"))
        off += 2 + n
    request_id, arn, trace_id, client_context, cognito, content_type = fields
    headers = {
        "Lambda-Runtime-Aws-Request-Id": request_id,
        "Lambda-Runtime-Deadline-Ms": str(int(deadline_ms)),
        "Lambda-Runtime-Invoked-Function-Arn": arn or None,
        "Lambda-Runtime-Trace-Id": trace_id or None,
        "Lambda-Runtime-Client-Context": client_context or None,
        "Lambda-Runtime-Cognito-Identity": cognito or None,
        "Content-Type": content_type or None,
    }
    return Invocation(headers, bytes(body[off:]))


class FramedClient:
    """
    Example::

        client = FramedClient("/run/nimbus/runtime.sock")
        inv = client.next()
        client.post_response(inv.request_id, b'"ok"', "application/json")
    """

    def __init__(self, socket_path):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(socket_path)
            self._sock.sendall(MAGIC)
        except OSError as err:
            self._sock.close()
            raise RuntimeApiError("Runtime API connection failed: %s" % err) from err
        self._buf = bytearray()
        self._next_sent = False

    def _send(self, data):
        try:
            self._sock.sendall(data)
        except OSError as err:
            raise RuntimeApiError("Runtime API write failed: %s" % err) from err

    def _read_frame(self):
        while True:
            if len(self._buf) >= 5:
                size, frame_type = _HEAD.unpack_from(self._buf, 0)
                if len(self._buf) >= 5 + size:
                    body = bytes(self._buf[5 : 5 + size])
                    del self._buf[: 5 + size]
                    return frame_type, body
            try:
                chunk = self._sock.recv(65536)
            except OSError as err:
                raise RuntimeApiError("Runtime API read failed: %s" % err) from err
            if not chunk:
                raise RuntimeApiError("the Runtime API closed the connection")
            self._buf += chunk

    def next(self):
        """Waits for the next event (asking for it unless an answer already did)."""
        if not self._next_sent:
            self._send(_NEXT_FRAME)
        self._next_sent = False
        while True:
            frame_type, body = self._read_frame()
            if frame_type == T_INVOKE:
                return parse_invoke(body)

    def _answer(self, frame_type, request_id, second, body):
        # The answer and the next NEXT in one write.
        head = bytes([MARKER_FOLLOWS]) + _str(request_id) + _str(second)
        self._send(frame(frame_type, head + body) + _NEXT_FRAME)
        self._next_sent = True

    def post_response(self, request_id, body, content_type):
        self._answer(T_RESPONSE, request_id, content_type, body)

    def post_error(self, request_id, error):
        self._answer(T_ERROR, request_id, error["errorType"], json.dumps(error).encode("utf-8"))

    def post_init_error(self, error):
        body = bytes([MARKER_FOLLOWS]) + _str(error["errorType"]) + json.dumps(error).encode("utf-8")
        self._send(frame(T_INIT_ERROR, body))
