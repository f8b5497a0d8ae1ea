"""Real HTTP servers on 127.0.0.1 for tests: the project's weather API, and one that answers from a script.

The scripted server answers each request with the next `Reply` (the last one repeats), and records what it
was asked, so a test can inject 500s, 429s, stalls and cut-short pages and then count the client's requests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0  # stall before answering (a client timeout)
    truncate_to: int | None = None  # announce the full length, send only this many bytes, hang up


@dataclass
class Seen:
    path: str
    authorization: str | None


def scripted_server(replies: list[Reply]) -> tuple[ThreadingHTTPServer, list[Seen]]:
    seen: list[Seen] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            with lock:
                seen.append(Seen(self.path, self.headers.get("Authorization")))
                reply = replies[min(len(seen), len(replies)) - 1]
            time.sleep(reply.delay_seconds)
            body = json.dumps(reply.body).encode() if isinstance(reply.body, dict) else reply.body
            try:
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: reply.truncate_to] if reply.truncate_to is not None else body)
                if reply.truncate_to is not None:
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that is the point of a stall

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler), seen


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve in a thread; yield the base URL; shut down and close the socket afterwards."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
