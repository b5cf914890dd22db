"""slr: a pipeline for systematic literature reviews (search → dedupe → screen → code → synthesize)."""

__version__ = "0.1.0"
