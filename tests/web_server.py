"""A small web server on 127.0.0.1 for tests of `isnad add URL`: pages, redirects, errors, slow and big answers."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    without_length: bool = False  # the body ends when the connection closes


class WebServer:
    """Serves the routes it is given; records each request's path and Host header."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_port

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def page(self, path: str, body: bytes, **route: Any) -> str:
        self.routes[path] = Route(body=body, **route)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 301) -> str:
        self.routes[path] = Route(status=status, content_type=None, headers=(("Location", location),))
        return self.url(path)

    def start(self) -> "WebServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                web.requests.append((self.path, self.headers.get("Host", "")))
                route = web.routes.get(self.path, Route(404, b"<html><body><h1>404 Not Found</h1></body></html>"))
                time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    if route.content_type:
                        self.send_header("Content-Type", route.content_type)
                    for name, value in route.headers:
                        self.send_header(name, value)
                    if route.without_length:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        for start in range(0, len(route.body), 8192):
                            self.wfile.write(route.body[start : start + 8192])
                        self.close_connection = True
                    else:
                        self.send_header("Content-Length", str(len(route.body)))
                        self.end_headers()
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (too big, too slow), as it should

        return Handler
