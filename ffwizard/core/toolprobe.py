"""The vendor tools asked before the run: does each offer every flag ffwizard will pass?

The flags of `sf-api-migrate` and `manage.py migrate_clusters` are not public, and a version
that takes other flags would fail mid-run, after the model was switched. So preflight runs each
tool's help inside its container (`-help` for the Go tool, and `-config-template` where its help
offers one; `--help` for the Django command), keeps what they print for the run directory, and
refuses in words, before anything changes, when a flag ffwizard passes is not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ffwizard.core.errors import UserError
from ffwizard.core.ports import Runtime
from ffwizard.i18n import _, ngettext

HELP_TIMEOUT = 60.0
NOT_FOUND = (126, 127)
# A flag as help texts list it: `-config`, `--face`, `-config string`, `--use-best-event`.
FLAG_IN_TEXT = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


@dataclass(frozen=True)
class ToolProbe:
    """A vendor tool whose help must offer the flags ffwizard passes it."""

    name: str                      # the tool's name, for messages and the kept file
    service: str                   # where it runs
    help_argv: tuple[str, ...]     # how it prints its help
    flags: tuple[str, ...]         # the flags ffwizard passes it
    workdir: str | None = None
    template_flag: str | None = None  # asked too when the help offers it (-config-template)


@dataclass(frozen=True)
class ProbeResult:
    """What asking a tool's help found."""

    ok: bool
    message: str
    outputs: tuple[tuple[str, str], ...] = ()  # (file name, what the tool printed)


def offered_flags(text: str) -> set[str]:
    """The flags a help text lists, without leading dashes (Go accepts -x and --x alike)."""
    return {flag.lstrip("-") for flag in FLAG_IN_TEXT.findall(text)}


def probe_tool(runtime: Runtime, probe: ToolProbe) -> ProbeResult:
    command = " ".join(probe.help_argv)
    try:
        result = runtime.exec(probe.service, list(probe.help_argv), workdir=probe.workdir,
                              timeout=HELP_TIMEOUT)
    except UserError as err:
        return ProbeResult(False, _("could not ask {tool} for its flags ({command} in "
                                    "{service}): {error}").format(
                                        tool=probe.name, command=command,
                                        service=probe.service, error=err))
    stem = probe.name.replace(" ", "-")
    outputs = [(f"{stem}.help.txt", result.output)]
    if result.exit_code in NOT_FOUND:
        return ProbeResult(False, _("{tool} is not in the {service} container ({command} ended "
                                    "with status {code}): this installation runs another "
                                    "version; migrate by hand.").format(
                                        tool=probe.name, service=probe.service, command=command,
                                        code=result.exit_code), tuple(outputs))
    offered = offered_flags(result.output)
    missing = [flag for flag in probe.flags if flag.lstrip("-") not in offered]
    if missing:
        return ProbeResult(False, ngettext(
            "{tool} in {service} does not offer the flag {flags} that ffwizard passes (its "
            "help, {command}, lists {offered}): this version takes other flags; migrate by hand.",
            "{tool} in {service} does not offer the flags {flags} that ffwizard passes (its "
            "help, {command}, lists {offered}): this version takes other flags; migrate by hand.",
            len(missing)).format(tool=probe.name, service=probe.service,
                                 flags=", ".join(missing), command=command,
                                 offered=", ".join(f"-{f}" for f in sorted(offered)) or "-"),
            tuple(outputs))
    if probe.template_flag and probe.template_flag.lstrip("-") in offered:
        template_argv = [probe.help_argv[0], probe.template_flag]
        try:
            template = runtime.exec(probe.service, template_argv, workdir=probe.workdir,
                                    timeout=HELP_TIMEOUT)
            outputs.append((f"{stem}.config-template.txt", template.output))
        except UserError:
            pass  # the template is kept when offered; its absence blocks nothing
    return ProbeResult(True, _("{tool} offers every flag ffwizard passes ({flags})").format(
        tool=probe.name, flags=" ".join(probe.flags)), tuple(outputs))
