"""Run a command inside a simulated container in the foreground (what `docker exec` does):
`python -m ffwizard.demo.container_exec --sandbox DIR --service NAME [--workdir W] -- ARGV…`.

The sim runtime's detached_host_argv points here, so a long tool started detached by the
executor runs exactly as `SimRuntime.exec` would run it. Exit 127 when the program does not
exist in that container, 126 when the service is not running.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ffwizard.demo import containers, procs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="container_exec")
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--workdir", default="/")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    root = Path(args.sandbox)
    record = procs.read_record(root, args.service)
    if not procs.is_running(record):
        print(f"Error response from daemon: container for service {args.service} is not running", file=sys.stderr)
        return 126
    spec = procs.spec_of(record)
    plan = containers.exec_plan(root, spec, command, args.workdir)
    if plan.argv is None:
        print(plan.message, file=sys.stderr, flush=True)
        return plan.exit_code
    fs = containers.container_fs(root, spec)
    env = containers.service_env(root, spec, fs)
    os.chdir(plan.cwd)
    sys.stdout.flush()
    os.execve(plan.argv[0], plan.argv, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
