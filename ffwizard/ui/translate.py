"""Textual keeps key bindings (and their footer words) on the class; these give each screen and
the app their descriptions in the current language, and again after the language changes."""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from ffwizard.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Re-make `node`'s bindings from its class's English ones, described in the current
    language. Safe to call again after a switch: it always starts from the originals."""
    originals = type(node)._merged_bindings
    if originals is None:
        return
    node._bindings.key_to_bindings = {
        key: [replace(binding, description=_(binding.description) if binding.description else "",
                      tooltip=_(binding.tooltip) if binding.tooltip else "")
              for binding in bindings]
        for key, bindings in originals.key_to_bindings.items()
    }
