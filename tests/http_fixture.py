"""A local HTTP server with byte ranges (RFC 9110 section 14) for URL-input tests.

Serves one directory on 127.0.0.1 from a thread; no network beyond this machine.
``Range: bytes=a-b`` is answered with 206 and those bytes, as object stores do.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import threading
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class _Handler(http.server.BaseHTTPRequestHandler):
    root: Path
    ranges = True  # False: a plain server that answers every GET with the whole file

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _target(self) -> Path | None:
        path = self.root / self.path.lstrip("/").split("?")[0]
        return path if path.is_file() else None

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        target = self._target()
        if target is None:
            self.send_error(404, "not found")
            return
        data = target.read_bytes()
        size = len(data)
        match = _RANGE.match(self.headers.get("Range", "")) if self.ranges else None
        if match and (match.group(1) or match.group(2)):
            first, last = match.groups()
            if first:
                start, end = int(first), min(size - 1, int(last)) if last else size - 1
            else:
                start, end = max(0, size - int(last)), size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return
            chunk = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            chunk = data
            self.send_response(200)
        if self.ranges:
            self.send_header("Accept-Ranges", "bytes")
        # as object stores do: split dates a 277CA's receipt by it (x12core.remote.modified)
        self.send_header("Last-Modified", formatdate(target.stat().st_mtime, usegmt=True))
        self.send_header("Content-Length", str(len(chunk)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if body:
            self.wfile.write(chunk)


@contextlib.contextmanager
def serve(root: str | os.PathLike[str], ranges: bool = True) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` serving the files of ``root`` until the block ends
    (``ranges`` False: without byte ranges, as a plain web server may)."""
    handler = type("Handler", (_Handler,), {"root": Path(root), "ranges": ranges})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
