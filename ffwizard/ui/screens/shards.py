"""Step 4: the new shards (names and ports), editable, checked as you type."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from ffwizard.core.answers import ShardSpec
from ffwizard.core.shards import (
    PORT_MESSAGES,
    host_port_in_use,
    new_shard_from_spec,
    validate_new_shards,
)
from ffwizard.i18n import N_, _
from ffwizard.ui.screens.base import WizardScreen
from ffwizard.ui.screens.settings import SettingsScreen


class ShardsScreen(WizardScreen):
    STEP = 3
    TITLE_TEXT = N_("Shards")
    HELP = N_("The migration fills as many new, empty shards as there are old ones; the old ones "
              "stay untouched. The proposal takes the first free block of names and ports above "
              "every one in use. Edit any cell: collisions are flagged as you type.")

    def compose_body(self) -> ComposeResult:
        state = self.app.state
        inst = state.installation
        specs = state.answers.get("new_shards") or []
        yield Static(_("New shards ({count}, as many as the old ones)").format(count=len(specs)),
                     classes="screen-title")
        with Horizontal(classes="shard-row shard-head"):
            # TRANSLATORS: column heads of the new shards: 16, 11, 11 columns and the rest.
            yield Static(_("name"), classes="shard-name")
            yield Static(_("HTTP port"), classes="shard-port")
            yield Static(_("Tarantool"), classes="shard-port")
            yield Static(_("data dir"), classes="shard-dir")
        for index, spec in enumerate(specs):
            with Horizontal(classes="shard-row"):
                yield Input(str(spec["name"]), id=f"name-{index}", compact=True,
                            classes="shard-name")
                yield Input(str(spec["http_port"]), id=f"http-{index}", compact=True,
                            classes="shard-port", type="integer", max_length=5)
                yield Input(str(spec["tarantool_port"]), id=f"tnt-{index}", compact=True,
                            classes="shard-port", type="integer", max_length=5)
                yield Static(self.data_dir(spec["name"]), id=f"dir-{index}", classes="shard-dir muted")
        old = ", ".join(f"{s.name}:{s.http_port}" for s in inst.shards[:4])
        more = f" … ({len(inst.shards)})" if len(inst.shards) > 4 else ""
        yield Static(_("New data directories go in {path}/. Old shards: {shards}").format(
            path=self.data_parent(), shards=old + more), classes="muted")
        yield Static("", id="shard-problems", classes="problem")

    def data_dir(self, name: str) -> str:
        inst = self.app.state.installation
        try:
            path = new_shard_from_spec(inst, ShardSpec(name or "?", 1, 1)).data_dir or ""
        except Exception:  # a half-typed name: show nothing rather than fail
            return ""
        return Path(path).name + "/" if path else ""

    def data_parent(self) -> str:
        inst = self.app.state.installation
        parent = Path(new_shard_from_spec(inst, ShardSpec("x", 1, 1)).data_dir or "x").parent
        try:
            return str(parent.relative_to(inst.root))
        except ValueError:
            return str(parent)

    def rows(self) -> int:
        return len(self.app.state.answers.get("new_shards") or [])

    def read_specs(self) -> tuple[list, list[str], set[str]]:
        """(specs, problems, ids of the inputs at fault)."""
        specs, problems, bad = [], [], set()
        port_problems = {
            "http": N_("row {row}: HTTP port must be a number from 1 to 65535."),
            "tnt": N_("row {row}: Tarantool port must be a number from 1 to 65535."),
        }
        for index in range(self.rows()):
            name = self.query_one(f"#name-{index}", Input).value.strip()
            ports = []
            for field in ("http", "tnt"):
                text = self.query_one(f"#{field}-{index}", Input).value.strip()
                if not text.isdigit() or not 1 <= int(text) <= 65535:
                    problems.append(_(port_problems[field]).format(row=index + 1))
                    bad.add(f"{field}-{index}")
                    ports.append(None)
                else:
                    ports.append(int(text))
            if not name:
                problems.append(_("row {row}: the name is empty.").format(row=index + 1))
                bad.add(f"name-{index}")
            if name and None not in ports:
                specs.append((index, ShardSpec(name, ports[0], ports[1])))
        # Each problem is located by its row (`where`); the cell at fault is the port whose
        # number the message quotes, else the name (the message itself is not parsed: it may
        # be in any language).
        # The count is the table's rows: a row left out of `specs` for an unreadable port has
        # said so above, and is still a shard the user lists.
        found = validate_new_shards(self.app.state.installation, [s for _, s in specs],
                                    item_where=[str(index) for index, _spec in specs],
                                    listed=self.rows())
        rows = dict(specs)
        for problem in found:
            problems.append(problem.message)
            if problem.where is None or not problem.where.isdigit():
                continue
            index = int(problem.where)
            spec = rows[index]
            quoted = [field for field, port in (("http", spec.http_port),
                                                ("tnt", spec.tarantool_port))
                      if re.search(rf"(?<!\d){port}(?!\d)", problem.message.replace(spec.name, ""))]
            bad.update(f"{field}-{index}" for field in quoted)
            if not quoted:
                bad.add(f"name-{index}")
        self.flag_host_ports(specs, problems, bad)
        return [s for _, s in specs], problems, bad

    @staticmethod
    def flag_host_ports(specs: list, problems: list[str], bad: set[str]) -> None:
        """Ports no other check found at fault, but another program listens on (the run's
        preflight would refuse them): flagged as typed, like a port the compose file uses."""
        for index, spec in specs:
            for field, key, port in (("http", "http_port", spec.http_port),
                                     ("tnt", "tarantool_port", spec.tarantool_port)):
                if f"{field}-{index}" in bad or not host_port_in_use(port):
                    continue
                problems.append(PORT_MESSAGES[key]["host"]().format(name=spec.name, port=port))
                bad.add(f"{field}-{index}")

    def check(self) -> bool:
        specs, problems, bad = self.read_specs()
        for widget in self.query(Input):
            widget.set_class(widget.id in bad, "-invalid-value")
        for index in range(self.rows()):
            self.query_one(f"#dir-{index}", Static).update(
                self.data_dir(self.query_one(f"#name-{index}", Input).value.strip()))
        self.query_one("#shard-problems", Static).update("\n".join(problems[:6]))
        if problems:
            self.say(_("{count} problem(s): see below the table.").format(count=len(problems)),
                     error=True)
            return False
        self.say("")
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        self.check()

    def show_refusal(self, text: str) -> None:
        # Its own check says it best, in the cells at fault (a port may have been taken since).
        if self.check():
            super().show_refusal(text)

    def go_next(self) -> None:
        if not self.check():
            return
        specs, _problems, _bad = self.read_specs()
        self.app.state.answers["new_shards"] = [s.to_dict() for s in specs]
        self.app.push_screen(SettingsScreen())
