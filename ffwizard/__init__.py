"""ffwizard: a guided, safe migration of FindFace Multi feature vectors to a new model."""

__version__ = "0.1.0"
