"""The simulated FindFace installation: sandbox generator and simulated services (no Textual)."""
