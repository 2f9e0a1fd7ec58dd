"""Sub-commands of the `ffwizard` CLI, one module each (see ffwizard/cli.py)."""
