"""Media fixtures: a private thumbnail cache per test, real image files, and a local HTTP server in a thread."""
import contextlib
import io
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, Tuple

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOLENA_LAB_CACHE", str(tmp_path / "kolena-lab-cache"))


def png_bytes(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def noise_jpeg(width: int, height: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A 1x1 PNG whose IHDR claims ``width`` x ``height`` (CRC fixed): a decompression bomb's header, cheaply."""
    data = bytearray(png_bytes(Image.new("RGB", (1, 1))))
    assert data[12:16] == b"IHDR"
    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def pixel(data: bytes, xy: Tuple[int, int]) -> Tuple[int, ...]:
    return Image.open(io.BytesIO(data)).convert("RGB").getpixel(xy)


class _Handler(BaseHTTPRequestHandler):
    routes: Dict[str, bytes] = {}
    hits: Dict[str, int] = {}

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: Dict[str, str] = {}, head: bool = False) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        path = self.path
        _Handler.hits[path] = _Handler.hits.get(path, 0) + 1
        image = _Handler.routes["image"]
        if path == "/img.png":
            self._send(200, image, {"ETag": '"v1"', "Content-Type": "image/png"}, head)
        elif path == "/noetag.png":
            self._send(200, image, {"Content-Type": "image/png"}, head)
        elif path == "/nohead.png":
            self._send(405, head=True) if head else self._send(200, image)
        elif path == "/redirect.png":
            self._send(302, headers={"Location": "/img.png"}, head=head)
        elif path == "/flaky.png":  # 503 on every first request of a method, then fine
            key = f"{path} {self.command}"
            _Handler.hits[key] = _Handler.hits.get(key, 0) + 1
            self._send(503, head=head) if _Handler.hits[key] == 1 else self._send(200, image, head=head)
        elif path == "/always500.png":
            self._send(500, head=head)
        elif path == "/slow.png":
            time.sleep(1.5)
            self._send(200, image, head=head)
        elif path == "/drip.png":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            if not head:
                for _ in range(40):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
        elif path == "/huge.png":
            self._send(200, b"x" * 10, {"Content-Length": str(10**10)}, head)
        elif path == "/page.html.png":
            self._send(200, b"<html><body>Sign in</body></html>", {"Content-Type": "text/html"}, head)
        else:
            self._send(404, b"not found", head=head)

    def do_GET(self) -> None:
        with contextlib.suppress(ConnectionError):  # the client gave up on purpose
            self._serve(head=False)

    def do_HEAD(self) -> None:
        with contextlib.suppress(ConnectionError):
            self._serve(head=True)


class HttpServer:
    def __init__(self, image: bytes):
        _Handler.routes = {"image": image}
        _Handler.hits = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.image = image

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    @property
    def hits(self) -> Dict[str, int]:
        return _Handler.hits

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def http_server() -> Iterator[HttpServer]:
    server = HttpServer(png_bytes(Image.new("RGB", (64, 48), (200, 30, 30))))
    yield server
    server.close()
