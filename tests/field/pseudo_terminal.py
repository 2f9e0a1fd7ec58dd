"""Run a full-screen program in a pseudo-terminal, as over SSH, and read what it draws."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

# CSI sequences (colours, cursor moves), OSC sequences, and the few two-byte escapes.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_=>]")


def plain(text: str) -> str:
    return ANSI.sub("", text)


class PseudoTerminal:
    """`with PseudoTerminal(argv, env=..., cwd=..., size=(120, 40)) as term: term.wait_for("…")`."""

    def __init__(self, argv: list[str], *, env: dict, cwd, size: tuple[int, int] = (120, 40)):
        self.argv, self.env, self.cwd, self.size = argv, env, cwd, size
        self.output = b""

    def __enter__(self) -> PseudoTerminal:
        master, slave = pty.openpty()
        columns, rows = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave,
                                        env=self.env, cwd=self.cwd, start_new_session=True)
        os.close(slave)
        self.master = master
        return self

    def read_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program closed the terminal
                    return
                if not chunk:
                    return
                self.output += chunk

    def text(self) -> str:
        return plain(self.output.decode("utf-8", "replace"))

    def wait_for(self, wanted: str, *, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read_for(0.2)
            if wanted in self.text():
                return self.text()
            if self.process.poll() is not None:
                self.read_for(0.2)
                break
        raise AssertionError(f"{wanted!r} never appeared; the terminal showed:\n{self.text()[-3000:]}")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGHUP)  # the SSH session dropped
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)
