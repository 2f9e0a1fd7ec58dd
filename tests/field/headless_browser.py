"""Drive the system's headless Chromium over the DevTools protocol (CDP) with aiohttp's websocket.

Only what the browser-demo tests need: open a page, read the text the page's terminal (xterm.js)
shows, press keys, take screenshots. The browser is Debian's `chromium`; nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Flags that work headless as root in a container, with no network beyond loopback.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--mute-audio",
)

# textual-serve keeps its xterm.js Terminal in a closure; it assigns it to `this.terminal`.
# A setter on Object.prototype, installed before the page's scripts run, catches that object so
# that the test reads the terminal's own screen buffer (what xterm.js draws on its canvas).
CATCH_TERMINAL_JS = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.buffer.active) { window.__xterm = value; }
  },
});
"""

SCREEN_TEXT_JS = """
(() => {
  const term = window.__xterm;
  if (!term) { return null; }
  const buffer = term.buffer.active;
  const lines = [];
  for (let row = 0; row < term.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
})()
"""

# key -> (code, windows virtual key code, text typed)
KEYS = {
    "enter": ("Enter", 13, "\r"),
    "tab": ("Tab", 9, "\t"),
    "escape": ("Escape", 27, ""),
    "down": ("ArrowDown", 40, ""),
    "up": ("ArrowUp", 38, ""),
    "right": ("ArrowRight", 39, ""),
    "left": ("ArrowLeft", 37, ""),
    **{f"f{n}": (f"F{n}", 111 + n, "") for n in range(1, 13)},
}


class BrowserError(RuntimeError):
    pass


class Page:
    def __init__(self, websocket: aiohttp.ClientWebSocketResponse):
        self._websocket = websocket
        self._ids = itertools.count(1)

    async def send(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        await self._websocket.send_str(json.dumps({"id": message_id, "method": method,
                                                   "params": params}))
        async for message in self._websocket:
            reply = json.loads(message.data)
            if reply.get("id") != message_id:
                continue  # an event
            if "error" in reply:
                raise BrowserError(f"{method}: {reply['error']}")
            return reply["result"]
        raise BrowserError(f"{method}: the browser closed the connection")

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screen_text(self) -> str:
        return await self.evaluate(SCREEN_TEXT_JS) or ""

    async def wait_for_text(self, wanted: str, *, timeout: float = 30.0) -> str:
        """The terminal's text once it contains `wanted`; fails with what it showed instead."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = await self.screen_text()
            if wanted in text:
                return text
            await asyncio.sleep(0.2)
        raise AssertionError(f"{wanted!r} never appeared in the page's terminal; it showed:\n{text}")

    async def press(self, key: str) -> None:
        """Press and release a named key (see KEYS) or a single character in the terminal."""
        await self.evaluate("window.__xterm && window.__xterm.focus()")
        if key.lower() in KEYS:
            code, key_code, text = KEYS[key.lower()]
            name = code
        else:
            code, key_code, text, name = f"Key{key.upper()}", ord(key.upper()), key, key
        down = {"key": name, "code": code, "windowsVirtualKeyCode": key_code,
                "nativeVirtualKeyCode": key_code}
        if text:
            down["text"] = text
        await self.send("Input.dispatchKeyEvent", type="keyDown", **down)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=name, code=code,
                        windowsVirtualKeyCode=key_code, nativeVirtualKeyCode=key_code)

    async def screenshot(self, path: Path) -> Path:
        result = await self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))
        return path


class HeadlessChromium:
    """`async with HeadlessChromium(profile_dir) as browser: page = await browser.open(url)`."""

    def __init__(self, profile_dir: Path, *, window: tuple[int, int] = (1280, 800)):
        self.profile_dir = profile_dir
        self.window = window
        self._process: subprocess.Popen | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None

    async def __aenter__(self) -> HeadlessChromium:
        if CHROMIUM is None:
            raise BrowserError("chromium is not installed")
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile_dir}",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             f"--window-size={self.window[0]},{self.window[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._port = await self._devtools_port()
        self._session = aiohttp.ClientSession()
        return self

    async def _devtools_port(self, timeout: float = 30.0) -> int:
        port_file = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrowserError(f"chromium exited with status {self._process.returncode}")
            if port_file.exists():
                first_line = port_file.read_text().split("\n", 1)[0].strip()
                if first_line.isdigit():
                    return int(first_line)
            await asyncio.sleep(0.1)
        raise BrowserError("chromium did not open its DevTools port")

    async def open(self, url: str) -> Page:
        async with self._session.put(f"http://127.0.0.1:{self._port}/json/new?about:blank") as r:
            target = await r.json()
        websocket = await self._session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        page = Page(websocket)
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        await page.send("Emulation.setDeviceMetricsOverride", width=self.window[0],
                        height=self.window[1], deviceScaleFactor=1, mobile=False)
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL_JS)
        await page.send("Page.navigate", url=url)
        return page

    async def __aexit__(self, *exc) -> None:
        if self._session is not None:
            await self._session.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
