"""`ffwizard demo`: the wizard on a simulated FindFace Multi installation.

Builds a sandbox (an install tree with configs, shards and galleries) and starts its simulated
services on loopback ports; then opens the wizard on it. `--prepare-only` stops after starting
the services, so that `ffwizard plan/apply --root DIR --runtime sim` can run on it;
`--stop DIR` stops a sandbox's services.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ffwizard.demo import DEFAULT_DEVICE, DEFAULT_OBJECTS, DEFAULT_SHARDS, DEFAULT_TYPES


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the wizard on a simulated installation",
        description="Build a simulated FindFace Multi installation in a sandbox directory, start "
                    "its services (real processes on loopback ports) and open the wizard on it.")
    parser.add_argument("--sandbox", type=Path, metavar="DIR",
                        help="where to build it (new or empty directory; an existing sandbox is "
                             "reused); default: a fresh temporary directory")
    parser.add_argument("--shards", type=int, default=DEFAULT_SHARDS, help=f"shards (default {DEFAULT_SHARDS})")
    parser.add_argument("--objects", type=int, default=DEFAULT_OBJECTS,
                        help=f"objects spread over the galleries (default {DEFAULT_OBJECTS})")
    parser.add_argument("--device", choices=("gpu", "cpu"), default=DEFAULT_DEVICE,
                        help=f"extraction-api build (default {DEFAULT_DEVICE})")
    parser.add_argument("--types", default=",".join(DEFAULT_TYPES), metavar="LIST",
                        help="object types in use, comma separated (default face,body,car)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="only build the sandbox and start its services")
    parser.add_argument("--stop", type=Path, metavar="DIR", help="stop the services of the sandbox DIR")
    parser.set_defaults(func=run)


def _stop_hint(root: Path) -> str:
    return f"Stop its services with: ffwizard demo --stop {root}"


def run(args: argparse.Namespace) -> int:
    from ffwizard.core.errors import UserError
    from ffwizard.demo import prepare_demo, stop_demo

    if args.stop is not None:
        stopped = stop_demo(args.stop)
        print(f"Stopped {len(stopped)} services of the sandbox at {Path(args.stop).resolve()}."
              if stopped else f"No service of the sandbox at {Path(args.stop).resolve()} was running.")
        return 0
    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    if not types:
        raise UserError("--types needs at least one of face, body, car")
    if args.sandbox is None:
        print("Building the demo installation in a fresh temporary directory…", flush=True)
    demo = prepare_demo(args.sandbox, shards=args.shards, objects=args.objects, device=args.device, types=types)
    prepared = (f"{demo.summary}\n"
                f"Plan on it with:  ffwizard plan --root {demo.root}\n"
                f"Apply on it with: ffwizard apply --root {demo.root} --runtime sim --answers FILE\n"
                f"{_stop_hint(demo.root)}")
    if args.prepare_only:
        print(prepared)
        return 0
    try:
        from ffwizard.ui import app as ui_app
    except ImportError:
        ui_app = None
    launcher = getattr(ui_app, "run_demo", None) if ui_app is not None else None
    if launcher is None:
        print(prepared)
        print("(The wizard is not available in this build: the sandbox is ready for the headless commands.)")
        return 0
    status = launcher(demo)
    print(_stop_hint(demo.root))
    return int(status or 0)
