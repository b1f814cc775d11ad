"""Headless Chromium driven through the Chrome DevTools protocol, for the tests.

Selenium 4.52 (the package index's only version) needs a certifi newer than
the index has, so the browser is driven directly over the DevTools protocol
with ``websocket-client`` (the ``test`` extra): start Chromium with a
debugging port, open a ``file://`` page, evaluate JavaScript, collect console
errors and take a screenshot. Used by tests/test_browser.py (the ``compare``
report) and tests/test_docs.py (the documentation pages).
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

#: Flags that keep Chromium off the (closed) network and quiet on a server.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
         "--allow-file-access-from-files")


def find_chromium():
    """Path of a Chromium / Chrome binary, or ``None``."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def why_no_browser():
    """The reason the browser tests cannot run here, or ``None``."""
    if find_chromium() is None:
        return "no Chromium installed (apt-get install chromium; .ci/run installs it)"
    try:
        import websocket  # noqa: F401
    except ImportError:
        return 'websocket-client is not installed (pip install ".[test]")'
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One headless Chromium with a fresh profile; a context manager."""

    def __init__(self, width=1280, height=900, timeout=60.0):
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = tempfile.mkdtemp(prefix="classicsr-chromium-")
        self._port = _free_port()
        self._process = subprocess.Popen(
            [find_chromium(), *FLAGS, f"--remote-debugging-port={self._port}",
             f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._socket = None
        self._next_id = 0
        self.console_errors = []

    def __enter__(self):
        import websocket

        deadline = time.monotonic() + self.timeout
        targets = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self._port}/json", timeout=2) as r:
                    targets = [t for t in json.load(r) if t.get("type") == "page"]
                if targets:
                    break
            except OSError:
                pass
            if self._process.poll() is not None:
                raise RuntimeError(f"Chromium exited with status {self._process.returncode}")
            time.sleep(0.2)
        if not targets:
            self.close()
            raise RuntimeError("Chromium did not open its DevTools port")
        self._socket = websocket.create_connection(targets[0]["webSocketDebuggerUrl"],
                                                   timeout=self.timeout, suppress_origin=True)
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(domain)
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _record(self, message):
        """Keep the console errors and uncaught exceptions among the events."""
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            texts = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
            self.console_errors.append(" ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.console_errors.append(
                details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            self.console_errors.append(f"{entry.get('text', '')} {entry.get('url', '')}".strip())
        return method

    def send(self, method, **params):
        """Send a command and return its result (events seen meanwhile are recorded)."""
        self._next_id += 1
        self._socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._record(message)

    def wait_event(self, name):
        while True:
            if self._record(json.loads(self._socket.recv())) == name:
                return

    def open(self, path):
        """Load a local file and wait for its ``load`` event."""
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The value of a JavaScript expression (promises awaited)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path, full_page=False):
        """Save a PNG of the page (the viewport, or the whole page)."""
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate("[document.documentElement.scrollWidth, "
                                 "document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 6000),
                              "scale": 1}
        data = base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
        return Path(path)


#: JavaScript: every <img> of the page with its decoded size (after each has loaded).
IMAGES_JS = """
Promise.all(Array.from(document.images).map(img => img.complete ? null :
    new Promise(done => { img.onload = img.onerror = done; })))
  .then(() => Array.from(document.images).map(img => ({
      src: img.getAttribute('src'), width: img.naturalWidth, height: img.naturalHeight})))
"""
