"""The bad-input suite's fixtures (defined in fault_helpers, importable by name from tests)."""

from fault_helpers import models_only_runtime, small_fs  # noqa: F401
