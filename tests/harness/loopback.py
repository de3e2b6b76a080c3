"""Far ends of extranet links on 127.0.0.1, for the blackbox exporter to probe: a web server
that answers, and a small TCP proxy in front of it that delays or drops connections (a degraded
link: the kernel's netem is not available here)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class WebTarget:
    """An HTTP server answering 200 to every GET."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> WebTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Proxy:
    """A TCP proxy to an upstream port that waits `delay_s` before passing a connection on,
    and closes every `drop_every`-th connection at once (a link losing that share)."""

    def __init__(self, upstream: int, delay_s: float = 0.0, drop_every: int = 0):
        self.upstream, self.delay_s, self.drop_every = upstream, delay_s, drop_every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running = False
        self.listener.close()

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.drop_every and self.connections % self.drop_every == 0:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # reset: the probe fails
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        time.sleep(self.delay_s)
        try:
            up = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            conn.close()
            return
        for a, b in ((conn, up), (up, conn)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
