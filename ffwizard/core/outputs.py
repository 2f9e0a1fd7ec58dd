"""The end of a command whose reader went away: `ffwizard demo … | head` closes the pipe early.

Not an error of the command: no traceback, no message (the reader asked for no more), the exit
status a shell gives a process ended by SIGPIPE. Python would still complain when it flushes
stdout at exit, so stdout is pointed at /dev/null first.
"""

from __future__ import annotations

import os
import sys

EXIT_PIPE_CLOSED = 128 + 13  # SIGPIPE, as a shell reports it


def output_closed() -> int:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file (a test's capture)
        pass
    return EXIT_PIPE_CLOSED
