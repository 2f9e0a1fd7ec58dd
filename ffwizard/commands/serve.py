"""`ffwizard serve`: the wizard in a web browser, through textual-serve.

Each browser tab gets its own wizard process, started by textual-serve from a command line. That
line is built here with `shlex.join` from fixed parts, `sys.executable` and validated paths: it
never carries unescaped input. textual-serve has no authentication, so the server listens on
127.0.0.1 unless told otherwise, and is meant to be reached through an SSH tunnel.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import shutil
import socket
import sys
from contextlib import ExitStack
from pathlib import Path

import ffwizard
from ffwizard.core.errors import UserError
from ffwizard.core.settings import DEFAULT_ROOT
from ffwizard.demo import DEFAULT_EVENTS_PER_SECOND
from ffwizard.i18n import _, current_language

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help=_("serve the wizard in a web browser (one wizard per browser tab)"),
        description=_("Serve the wizard in a web browser. There is no password: by default only "
                      "this host can connect (127.0.0.1); reach it from your workstation through "
                      "an SSH tunnel, e.g. ssh -L 8000:127.0.0.1:8000 user@host, then open "
                      "http://127.0.0.1:8000."),
    )
    parser.add_argument("--demo", action="store_true",
                        help=_("serve the demo: each browser tab gets a simulated "
                               "installation of its own, built when the tab opens and removed "
                               "when it closes (or the server stops)"))
    parser.add_argument("--sandbox", type=Path, metavar=_("DIR"),
                        help=_("with --demo: build the simulated installation in {dir} (or reuse "
                               "the one there), shared by every browser tab, and keep it after "
                               "the server stops").format(
                            dir=_("DIR")))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar=_("ROOT"),
                        help=_("install root of FindFace Multi (default: %(default)s; "
                               "not used with --demo)"))
    parser.add_argument("--host", default=DEFAULT_HOST, metavar=_("HOST"),
                        help=_("address to listen on (default: %(default)s). Any other address "
                               "lets everyone who reaches it drive the wizard: there is no "
                               "password"))
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT, metavar=_("PORT"),
                        help=_("TCP port (default: %(default)s)"))
    parser.add_argument("--public-url", default=None, metavar=_("PUBLIC_URL"),
                        help=_("the address browsers use, when it differs from "
                               "http://{host}:{port} (e.g. behind a reverse proxy)").format(
                            host=_("HOST"), port=_("PORT")))
    parser.set_defaults(func=run)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a port number: {text!r}").format(text=text)) from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            _("a port is between 1 and 65535, not {port}").format(port=port))
    return port


def ffwizard_argv() -> list[str]:
    """How to start this same ffwizard in a child process, installed or run from the bundle."""
    archive = getattr(getattr(ffwizard, "__spec__", None) and ffwizard.__spec__.loader,
                      "archive", None)
    if archive:  # imported from a zipapp (the offline bundle): run that file
        return [sys.executable, str(Path(archive).resolve())]
    return [sys.executable, "-m", "ffwizard"]


def served_argv(*, root: Path, demo: bool, language: str | None = None,
                fresh: bool = False) -> list[str]:
    """The argv of the wizard each browser tab runs: on the installation at `root`, or on the
    demo's sandbox at `root` (already built and running: `ffwizard demo` reuses it), or, with
    `fresh`, on a new demo sandbox of its own under `root` (each customer starts afresh), in
    `language` (default: the one this server speaks; the tab's environment may have no locale)."""
    lang = ["--lang", language or current_language()]
    if demo and fresh:
        return [*ffwizard_argv(), "demo", "--fresh-in", str(root.resolve()), *lang]
    if demo:
        return [*ffwizard_argv(), "demo", "--sandbox", str(root.resolve()), *lang]
    return [*ffwizard_argv(), "wizard", "--root", str(root.resolve()), *lang]


def served_command(argv: list[str]) -> str:
    """textual-serve runs a shell command line: quote every part."""
    return shlex.join(argv)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def public_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def how_to_connect(host: str, port: int, *, demo: bool) -> str:
    """The lines printed at start: where to point the browser, and how through SSH."""
    stop = _("Press Ctrl+C to stop.")
    if is_loopback(host):
        return "\n".join([
            _("Serving the wizard on {url} (this host only).").format(url=public_url(host, port)),
            _("From your workstation, open a tunnel and browse http://127.0.0.1:{port}:").format(
                port=port),
            f"    ssh -L {port}:127.0.0.1:{port} user@{socket.gethostname()}",
            _("Keep the same port on both sides of -L: the page connects back to port "
              "{port}.").format(port=port),
            stop,
        ])
    if demo:
        warning = _("WARNING: listening on {address} with NO authentication: anyone who can "
                    "reach this address drives the wizard of the demo.")
    else:
        warning = _("WARNING: listening on {address} with NO authentication: anyone who can "
                    "reach this address drives the wizard on this installation.")
    return "\n".join([
        warning.format(address=f"{host}:{port}"),
        _("Safer: serve on 127.0.0.1 (the default) and use ssh -L {port}:127.0.0.1:{port} "
          "user@host.").format(port=port),
        stop,
    ])


def textual_serve_assets(stack: ExitStack) -> tuple[Path, Path]:
    """textual-serve's static files and templates as real directories.

    aiohttp serves files from a directory: when textual-serve is imported from the offline
    bundle (a zip), its assets are copied to a temporary directory removed at exit.
    """
    # lazy: importlib.resources and tempfile only when serving, not for every command's parser
    import tempfile
    from importlib import resources

    package = resources.files("textual_serve")
    if isinstance(package, Path) and (package / "static").is_dir():
        return package / "static", package / "templates"
    unpacked = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ffwizard-serve-")))
    for name in ("static", "templates"):
        copy_tree(package / name, unpacked / name)
    return unpacked / "static", unpacked / "templates"


def copy_tree(source, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def check_port_free(host: str, port: int) -> None:
    """Refuse a busy port before anything is prepared (the demo's sandbox takes a few seconds)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise UserError(_("cannot listen on {host!r}: {error}.").format(
            host=host, error=err.strerror), hint=_("Give an address of this host with --host.")) from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise listen_error(host, port, err) from None


def listen_error(host: str, port: int, err: OSError) -> Exception:
    if err.errno == errno.EADDRINUSE:
        return UserError(_("port {port} on {host} is already in use.").format(
            port=port, host=host), hint=_("Choose another with --port."))
    if err.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
        return UserError(_("cannot listen on {host}:{port} ({error}).").format(
            host=host, port=port, error=err.strerror), hint=_("Check --host and --port."))
    return err


def tab_sandboxes(stack: ExitStack) -> Path:
    """The directory each browser tab builds its own demo sandbox in; whatever a tab left
    (its process killed with the tab) is stopped and removed with the server."""
    import tempfile  # lazy: only when serving, not for every command's parser

    from ffwizard.runtime.sim import stop_demo  # lazy: the demo's programs only when serving

    parent = Path(tempfile.mkdtemp(prefix="ffwizard-serve-demo-"))
    stack.callback(shutil.rmtree, parent, ignore_errors=True)

    def stop_left_overs() -> None:
        for sandbox in sorted(parent.iterdir()):
            stop_demo(sandbox, release_ports=True)

    stack.callback(stop_left_overs)
    return parent


def demo_sandbox(stack: ExitStack, sandbox: Path | None) -> Path:
    """Build (or reuse) the demo's simulated installation and start its services, once for all
    tabs. Its services stop with the server; a sandbox built in a temporary directory goes too."""
    from ffwizard.runtime.sim import prepare_demo, stop_demo  # lazy: only when serving

    print(_("Preparing the simulated installation…"), file=sys.stderr, flush=True)
    demo = prepare_demo(sandbox, events_per_second=DEFAULT_EVENTS_PER_SECOND)
    print(demo.summary, file=sys.stderr, flush=True)
    if sandbox is None:
        stack.callback(shutil.rmtree, demo.root, ignore_errors=True)
        stack.callback(stop_demo, demo.root, release_ports=True)
    else:
        stack.callback(stop_demo, demo.root)
    return demo.root


def run(args: argparse.Namespace) -> int:
    if args.sandbox is not None and not args.demo:
        raise UserError(_("--sandbox goes with --demo."))
    if not args.demo and not args.root.is_dir():
        raise UserError(_("there is no FindFace Multi installation at {root}.").format(
            root=args.root),
            hint=_("Give its install root with --root, or serve the demo with --demo."))
    check_port_free(args.host, args.port)
    from textual_serve.server import Server  # lazy: textual-serve (aiohttp) only to serve

    title = _("ffwizard demo") if args.demo else "ffwizard"
    with ExitStack() as stack:
        fresh = args.demo and args.sandbox is None  # a sequence of customers, each afresh
        if fresh:
            root = tab_sandboxes(stack)
        else:
            root = demo_sandbox(stack, args.sandbox) if args.demo else args.root
        argv = served_argv(root=root, demo=args.demo, fresh=fresh)
        statics, templates = textual_serve_assets(stack)
        server = Server(
            served_command(argv),
            host=args.host,
            port=args.port,
            title=title,
            public_url=args.public_url or public_url(args.host, args.port),
            statics_path=statics,
            templates_path=templates,
        )
        print(how_to_connect(args.host, args.port, demo=args.demo), file=sys.stderr, flush=True)
        try:
            server.serve()
        except OSError as err:
            raise listen_error(args.host, args.port, err) from None
    return 0
