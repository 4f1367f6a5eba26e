"""matrixgen: one matrix.yaml as the single source of truth for a test matrix."""

__version__ = "0.1.0"
