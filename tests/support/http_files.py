"""A plain HTTP file server on 127.0.0.1 that records each request it answers.

Tests judge "downloaded once" or "nothing downloaded" by what crossed this boundary, not by
counters inside the code under test.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FileServer:
    """``directory`` served at ``url``; ``requests`` holds (method, path) of every request."""

    def __init__(self, directory: Path) -> None:
        self.requests: list[tuple[str, str]] = []
        handler = functools.partial(_RecordingHandler, self, directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def gets(self) -> list[str]:
        """Paths of the GET requests so far."""
        return [path for method, path in self.requests if method == "GET"]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _RecordingHandler(SimpleHTTPRequestHandler):
    def __init__(self, server_record: FileServer, *args, **kwargs) -> None:
        self.record = server_record
        super().__init__(*args, **kwargs)

    def send_head(self):
        self.record.requests.append((self.command, self.path))
        return super().send_head()

    def log_message(self, *args) -> None:
        pass
