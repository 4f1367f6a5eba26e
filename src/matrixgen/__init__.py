"""matrixgen: one matrix.yaml as the single source of truth for a test matrix."""

__version__ = "0.1.0"

# The name on the package index. `matrixgen` there is an unrelated project (a sparse-matrix
# generator with a console script of the same name): never install that one.
DISTRIBUTION = "matrixgen-cli"
