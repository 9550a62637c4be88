"""The sandbox on a loopback port, with the standard library's threading HTTP server.

    server = serve(sandbox, port=0)            # port 0: any free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ... http://127.0.0.1:{server.server_address[1]} ...
    server.shutdown(); server.server_close()

Every request is handed, as an httpx.Request, to the same handler the in-process transport
uses. An injected timeout holds the connection open without answering until the client gives
up and closes it (or `Faults.timeout_stall_s` passes, or the server shuts down), then closes
it. An injected dropped connection closes the socket at once without writing a byte: with a
reset (RST) where the in-process transport would raise httpx.ReadError, with an orderly close
(EOF) where it would raise httpx.RemoteProtocolError, so a real client sees the same error on
a port as in-process. Only loopback addresses are accepted: the sandbox has fixed, well-known
credentials.
"""

from __future__ import annotations

import ipaddress
import logging
import select
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from importer.sandbox.core import Sandbox

__all__ = ["SandboxServer", "serve"]

log = logging.getLogger(__name__)
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
)


class SandboxServer(ThreadingHTTPServer):
    # Daemon threads: a stalled (timed-out) request must not keep shutdown waiting.
    daemon_threads = True
    # socketserver's default backlog is 5: the importer opens 8 connections at once, and a
    # connection beyond the backlog waits for the client's SYN retry, a whole second later.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{host_text}]:{port}" if ":" in host_text else f"http://{host_text}:{port}"

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        # A short poll interval: shutdown() returns within 50 ms instead of the default 0.5 s.
        super().serve_forever(poll_interval)

    def shutdown(self) -> None:
        self.stopping.set()  # releases stalled requests first
        super().shutdown()


class _SandboxServer6(SandboxServer):
    address_family = socket.AF_INET6


def serve(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8700) -> SandboxServer:
    """A server bound to host:port (not yet serving: call .serve_forever(), e.g. in a thread)."""
    if not _is_loopback(host):
        raise ValueError(
            f"the sandbox only listens on a loopback address (127.0.0.1, ::1, localhost), "
            f"not {host!r}: it accepts fixed, well-known credentials"
        )
    cls = _SandboxServer6 if ":" in host else SandboxServer
    return cls((host, port), sandbox)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real clients use it
    # Headers and body leave in two writes; without this, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        body = self._read_body()
        if body is None:
            return
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        target = self.path if self.path.startswith("http") else f"http://{host}{self.path}"
        request = httpx.Request(
            self.command, target, headers=list(self.headers.items()), content=body
        )
        try:
            response = self.server.sandbox(request)
        except httpx.TimeoutException:
            self._stall()
            self.close_connection = True
            return
        except httpx.TransportError as dropped:  # an injected dropped connection
            self._drop(reset=isinstance(dropped, httpx.ReadError))
            return
        except Exception:
            log.exception("sandbox handler failed on %s %s", self.command, self.path)
            self._send(500, {"Content-Type": "text/plain"}, b"sandbox internal error")
            return
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP}
        self._send(response.status_code, headers, response.content)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(400, {"Content-Type": "text/plain"}, b"bad Content-Length")
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _drop(self, *, reset: bool) -> None:
        """Close the connection without an answer: RST when `reset`, else EOF (FIN)."""
        self.close_connection = True
        if reset:
            # Linger on, timeout 0: close() discards the connection with a RST, not a FIN.
            # The server's own shutdown/close that follows then fails quietly (OSError).
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _stall(self) -> None:
        """Hold the connection, unanswered, until the client closes it (its timeout fired),
        the stall limit passes, or the server stops."""
        faults = self.server.sandbox.faults
        deadline = time.monotonic() + (faults.timeout_stall_s if faults is not None else 0)
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            try:
                readable, _, _ = select.select([self.connection], [], [], 0.05)
                if readable and not self.connection.recv(1, socket.MSG_PEEK):
                    return  # the client hung up
            except OSError:
                return

    def log_message(self, format: str, *args: object) -> None:
        log.debug("sandbox %s - %s", self.address_string(), format % args)
