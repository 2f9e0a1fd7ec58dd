"""`ffwizard demo`: the wizard on a simulated FindFace Multi installation.

Builds a sandbox (an install tree with configs, shards and galleries) and starts its simulated
services on loopback ports; then opens the wizard on it. `--prepare-only` stops after starting
the services, so that `ffwizard plan/apply --root DIR --runtime sim` can run on it;
`--stop DIR` stops a sandbox's services.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ffwizard.core.errors import UserError
from ffwizard.demo import (
    DEFAULT_DEVICE,
    DEFAULT_EVENTS_PER_SECOND,
    DEFAULT_OBJECTS,
    DEFAULT_SHARDS,
    DEFAULT_TYPES,
    SHAPE_NAMES,
    demo_pace,
)
from ffwizard.demo.faults import set_faults
from ffwizard.i18n import _, ngettext


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help=_("run the wizard on a simulated installation"),
        description=_("Build a simulated FindFace Multi installation in a sandbox directory, "
                      "start its services (real processes on loopback ports) and open the wizard "
                      "on it."))
    parser.add_argument("--sandbox", type=Path, metavar=_("DIR"),
                        help=_("where to build it (new or empty directory; an existing sandbox "
                               "is reused); default: a fresh temporary directory"))
    # %(default)s: argparse fills it in; "%%" would be a literal percent sign.
    parser.add_argument("--shards", type=int, default=DEFAULT_SHARDS, metavar=_("SHARDS"),
                        help=_("shards (default %(default)s)"))
    parser.add_argument("--objects", type=int, default=DEFAULT_OBJECTS, metavar=_("OBJECTS"),
                        help=_("objects spread over the galleries (default %(default)s)"))
    parser.add_argument("--device", choices=("gpu", "cpu"), default=DEFAULT_DEVICE,
                        help=_("extraction-api build (default %(default)s)"))
    parser.add_argument("--types", default=",".join(DEFAULT_TYPES), metavar=_("LIST"),
                        help=_("object types in use, comma separated (default %(default)s)"))
    parser.add_argument("--shape", choices=SHAPE_NAMES, default=None, metavar=_("NAME"),
                        help=_("the shape of installation to simulate, as sites have them "
                               "(default vendor): {names}; the README's table of shapes says "
                               "which ffwizard migrates and which it refuses").format(
                                   names=", ".join(SHAPE_NAMES)))
    parser.add_argument("--events-per-second", type=float, default=DEFAULT_EVENTS_PER_SECOND,
                        metavar=_("N"),
                        help=_("new events the simulated video worker adds per second, a live "
                               "site during the migration (default %(default)s; 0: none)"))
    parser.add_argument("--pace", type=int, default=None, metavar=_("N"),
                        help=_("objects per second the simulated migration tool copies "
                               "(default: the objects in about a minute, so that the rate and "
                               "the time left can be watched; 0: as fast as it can)"))
    # `serve --demo`: each browser tab a fresh sandbox under DIR, gone when its wizard closes.
    parser.add_argument("--fresh-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare-only", action="store_true",
                        help=_("only build the sandbox and start its services"))
    parser.add_argument("--stop", type=Path, metavar=_("DIR"),
                        help=_("stop the services of the sandbox {dir}").format(dir=_("DIR")))
    parser.set_defaults(func=run)


def _stop_hint(root: Path) -> str:
    return _("Stop its services with: ffwizard demo --stop {root}").format(root=root)


def run(args: argparse.Namespace) -> int:
    # lazy: the demo's programs (30 ms to import) only when the command runs, not for every
    # command's argument parser
    from ffwizard.runtime.sim import prepare_demo, stop_demo

    if args.stop is not None:
        stopped = stop_demo(args.stop)
        where = Path(args.stop).resolve()
        print(ngettext("Stopped {count} service of the sandbox at {path}.",
                       "Stopped {count} services of the sandbox at {path}.",
                       len(stopped)).format(count=len(stopped), path=where)
              if stopped else
              _("No service of the sandbox at {path} was running.").format(path=where))
        return 0
    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    if not types:
        raise UserError(_("--types needs at least one of face, body, car"))
    if args.fresh_in is not None:
        import tempfile  # lazy: tempfile (random, ~1.5 ms) only here, not for every parser

        args.sandbox = Path(tempfile.mkdtemp(prefix="tab-", dir=args.fresh_in))
    elif args.sandbox is None:
        print(_("Building the demo installation in a fresh temporary directory…"), flush=True)
    if not 0 <= args.events_per_second <= 1000:
        raise UserError(_("--events-per-second must be between 0 and 1000, not {value}").format(
            value=f"{args.events_per_second:g}"))
    demo = prepare_demo(args.sandbox, shards=args.shards, objects=args.objects, device=args.device,
                        types=types, shape=args.shape,
                        events_per_second=args.events_per_second)
    if args.pace is not None or demo.created:  # a reused sandbox keeps its pace
        pace = args.pace if args.pace is not None else demo_pace(args.objects)
        set_faults(demo.root, FFSIM_PACE=pace if pace > 0 else None)
    prepared = "\n".join([
        demo.summary,
        _("Plan on it with:  ffwizard plan --root {root}").format(root=demo.root),
        _("Apply on it with: ffwizard apply --root {root} --runtime sim --answers FILE").format(
            root=demo.root),
        _stop_hint(demo.root)])
    if args.prepare_only:
        print(prepared)
        return 0
    try:
        from ffwizard.ui import app as ui_app  # lazy: Textual only to open the wizard
    except ImportError:
        ui_app = None
    launcher = getattr(ui_app, "run_demo", None) if ui_app is not None else None
    if launcher is None:
        print(prepared)
        print(_("(The wizard is not available in this build: the sandbox is ready for the "
                "headless commands.)"))
        return 0
    try:
        status = launcher(demo, settings=args.settings)
    finally:
        if args.fresh_in is not None:  # a browser tab's own sandbox: nothing to keep
            stop_demo(demo.root, release_ports=True)
            shutil.rmtree(demo.root, ignore_errors=True)
    if args.fresh_in is None:
        print(_stop_hint(demo.root))
    return int(status or 0)
