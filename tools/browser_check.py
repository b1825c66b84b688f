"""Render a report in headless Chromium and fail on what a reader would see broken.

Usage::

    python tools/browser_check.py custvalue-report/report.html [--screenshot custvalue-report/report.png]

Starts Chromium (the Debian package ``chromium``; ``--chromium`` or ``$CHROMIUM`` to use
another binary) with a fresh profile and networking kept quiet, opens the page from disk,
and talks to it over the DevTools protocol (a minimal WebSocket client from the standard
library: no dependency). It fails (exit code 1) on:

* console errors and uncaught JavaScript exceptions;
* images that did not load (``naturalWidth == 0``);
* any request that leaves the machine (the report must be self-contained and work offline);

and saves a full-page screenshot. Exit code 2 when Chromium cannot be started.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--remote-debugging-port=0"]


class WebSocket:
    """The client side of RFC 6455, text frames only: enough for the DevTools protocol."""

    def __init__(self, url: str, timeout: float = 30.0):
        assert url.startswith("ws://"), url
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(f"WebSocket handshake refused: {status!r}")
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self) -> str:
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):  # ping/pong: not used by DevTools
                continue
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def close(self) -> None:
        self.sock.close()


class DevTools:
    """Commands and events of one DevTools target."""

    def __init__(self, ws: WebSocket):
        self.ws, self.next_id, self.events = ws, 0, []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float) -> dict | None:
        for ev in self.events:
            if ev["method"] == method:
                return ev
        end = time.monotonic() + timeout
        self.ws.sock.settimeout(timeout)
        while time.monotonic() < end:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg
        return None


def _chromium(explicit: str | None) -> str:
    for cand in (explicit, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if cand and shutil.which(cand):
            return shutil.which(cand)
    raise FileNotFoundError("Chromium not found: install the Debian package (apt-get install -y chromium) "
                            "or pass --chromium PATH.")


def check(page: Path, screenshot: Path | None, *, chromium: str | None = None, width: int = 1100,
          timeout: float = 60.0) -> list[str]:
    """Problems found while rendering ``page`` (empty when it renders cleanly)."""
    exe = _chromium(chromium)
    profile = Path(tempfile.mkdtemp(prefix="custvalue-browser-check-"))
    proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + timeout
        while not port_file.exists() or len(port_file.read_text().split()) < 2:
            if proc.poll() is not None or time.monotonic() > end:
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
                raise RuntimeError(f"Chromium did not start (exit code {proc.poll()}): {err}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as r:
            targets = json.load(r)
        target = next(t for t in targets if t.get("type") == "page")
        dt = DevTools(WebSocket(target["webSocketDebuggerUrl"], timeout=timeout))
        for domain in ("Page", "Runtime", "Log", "Network"):
            dt.call(f"{domain}.enable")
        dt.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False)
        dt.call("Page.navigate", url=page.resolve().as_uri())
        if dt.wait_for("Page.loadEventFired", timeout) is None:
            return [f"the page did not finish loading within {timeout:g} s"]
        images = json.loads(dt.call("Runtime.evaluate", returnByValue=True, expression=(
            "JSON.stringify(Array.from(document.images).map(i => ({src: i.src.slice(0, 60), "
            "ok: i.complete && i.naturalWidth > 0})))"))["result"]["value"])
        problems = []
        if not images:
            problems.append("the page has no images")
        problems += [f"image did not load: {im['src']}..." for im in images if not im["ok"]]
        for ev in dt.events:
            m, p = ev["method"], ev["params"]
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                problems.append("console error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                             for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                problems.append("uncaught exception: " + p["exceptionDetails"].get("text", ""))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                problems.append(f"console error ({p['entry'].get('source')}): {p['entry'].get('text')}")
            elif m == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(("data:", "file:", "about:")):
                    problems.append(f"network request (the report must work offline): {url}")
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                problems.append(f"resource failed to load: {p.get('errorText')}")
        if screenshot is not None:
            metrics = dt.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            height = int(min(size["height"], 30000))
            dt.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                    mobile=False)
            shot = dt.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        try:
            dt.call("Browser.close")
        except (ConnectionError, RuntimeError, OSError):
            pass
        dt.ws.close()
        return problems
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", type=Path, help="the report.html to check")
    ap.add_argument("--screenshot", type=Path, default=None, help="where to save a full-page PNG")
    ap.add_argument("--chromium", default=None, help="Chromium binary (default: chromium on PATH)")
    ap.add_argument("--width", type=int, default=1100, help="viewport width in CSS pixels")
    args = ap.parse_args(argv)
    if not args.page.is_file():
        print(f"browser-check: {args.page} does not exist; run `make demo` first.", file=sys.stderr)
        return 2
    try:
        problems = check(args.page, args.screenshot, chromium=args.chromium, width=args.width)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"browser-check: {exc}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"browser-check: {p}", file=sys.stderr)
    if problems:
        return 1
    shot = f"; screenshot: {args.screenshot}" if args.screenshot else ""
    print(f"browser-check: {args.page} rendered cleanly in Chromium{shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
