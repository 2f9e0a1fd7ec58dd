"""The headless core: detection, proposals, YAML edits, the plan, the executor.

Nothing under this package may import Textual (checked by tests/unit/test_import_contract.py).
"""
