"""What each command's exit status means, shown at the end of its `--help` (the README has the
same table). The numbers are `ffwizard.core.errors.ExitCode`."""

from __future__ import annotations

from ffwizard.i18n import N_, _

EXIT_STATUS = {
    "wizard": N_("Exit status: 0 the wizard was closed; 2 it was refused (no installation at "
                 "the root, a bad option)."),
    "demo": N_("Exit status: 0 the demo was closed (or its services stopped); 2 it was refused "
               "(a bad option)."),
    "plan": N_("Exit status: 0 the plan can run; 2 a problem blocks it, or the input is bad. "
               "Nothing is changed either way."),
    "apply": N_("Exit status: 0 done; 1 failed (resume or roll back); 2 refused before anything "
                "changed; 3 stopped (resume continues)."),
    "status": N_("Exit status: 0 the run (or its absence) was shown; 2 the root is not a "
                 "directory."),
    "attach": N_("Exit status: 0 followed to the end, detached by Ctrl+C, or the tool stopped; "
                 "2 no run is under way at the root."),
    "resume": N_("Exit status: 0 done; 1 failed (resume again or roll back); 2 refused, nothing "
                 "changed; 3 stopped (resume continues)."),
    "rollback": N_("Exit status: 0 rolled back; 1 the rollback stopped (run it again); 2 refused "
                   "(no run, or past the point of no return)."),
    "serve": N_("Exit status: 0 the server was stopped (Ctrl+C); 2 it was refused (the port is "
                "in use, a bad option)."),
}


def exit_status_epilog(command: str) -> str | None:
    """The `--help` epilog of `command`, in the current language (None: none known)."""
    text = EXIT_STATUS.get(command)
    return _(text) if text else None
