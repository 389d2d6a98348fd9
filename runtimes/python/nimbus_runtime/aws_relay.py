"""Relays AWS_ENDPOINT_URL (127.0.0.1:9000 in the sandbox) to Nimbus's own AWS endpoint.

The sandbox's network namespace has only its own loopback; Nimbus's SQS, S3 and Lambda
APIs are a Unix socket mounted from the host. A daemon thread accepts connections and
pipes each one to the socket, so boto3 in the function needs no configuration.
"""
import socket
import threading

PORT = 9000


def _pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def _serve(listener, socket_path):
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(socket_path)
        except OSError:
            client.close()
            upstream.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def serve_aws_endpoint(socket_path):
    """Listens on 127.0.0.1:9000 in a daemon thread; does nothing if the port is taken."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", PORT))
        listener.listen(64)
    except OSError:
        listener.close()
        return
    threading.Thread(target=_serve, args=(listener, socket_path), daemon=True).start()
