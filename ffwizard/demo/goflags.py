"""Go-style command-line flags (`-config x`, `--config=x`, `-help`), as the vendor's tools take them."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    name: str
    kind: type  # str, int or bool
    default: object
    usage: str


class FlagError(Exception):
    pass


def config_flag(argv: list[str], default: str) -> str:
    """The value of `-config X` / `--config=X` in `argv`, else `default`."""
    for i, arg in enumerate(argv):
        if arg.lstrip("-") == "config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.lstrip("-").startswith("config="):
            return arg.split("=", 1)[1]
    return default


def usage_text(program: str, flags: list[Flag]) -> str:
    lines = [f"Usage of {program}:"]
    for flag in flags:
        kind = {str: " string", int: " int", float: " float", bool: ""}[flag.kind]
        lines.append(f"  -{flag.name}{kind}")
        default = f" (default {flag.default!r})" if flag.default not in (None, "", False, 0) else ""
        lines.append(f"    \t{flag.usage}{default}".replace("'", '"'))
    return "\n".join(lines)


def parse(program: str, flags: list[Flag], argv: list[str]) -> dict[str, object] | None:
    """Values by flag name; None when help was asked (usage already printed)."""
    by_name = {f.name: f for f in flags}
    values = {f.name: f.default for f in flags}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-") or arg in ("-", "--"):
            raise FlagError(f"unexpected argument {arg!r}")
        name, eq, value = arg.lstrip("-").partition("=")
        if name in ("h", "help"):
            print(usage_text(program, flags), file=sys.stderr)
            return None
        flag = by_name.get(name)
        if flag is None:
            raise FlagError(f"flag provided but not defined: -{name}")
        if flag.kind is bool:
            values[name] = value.lower() in ("1", "true", "t") if eq else True
        else:
            if not eq:
                i += 1
                if i >= len(argv):
                    raise FlagError(f"flag needs an argument: -{name}")
                value = argv[i]
            try:
                values[name] = flag.kind(value)
            except ValueError as err:
                raise FlagError(f"invalid value {value!r} for flag -{name}") from err
        i += 1
    return values
