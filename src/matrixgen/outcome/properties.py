"""Testsuite properties `matrixgen run` stamps on every cell's JUnit file; `report` reads them.

The names are a contract: results travel between machines as CI artifacts.
"""

PREFIX = "matrixgen."
CELL = "matrixgen.cell"  # the cell id, "component/gcs-lww"
LEVEL = "matrixgen.level"
VALUE = "matrixgen.value."  # + axis name: one property per axis value of the cell
ATTEMPT = "matrixgen.attempt"  # 1-based attempt that produced the file
EARLIER = "matrixgen.attempt."  # + N. + status | failed | message: an earlier attempt
DURATION = "matrixgen.duration"  # seconds of that attempt
STATUS = "matrixgen.status"  # passed | flaky | failed | error | skipped | not-run
REASON = "matrixgen.reason"  # why, for every status but passed ("" then)
PYTHON = "matrixgen.python"  # the Python that ran a cell of a `python` axis, "3.10.13"
PYTHONS = "matrixgen.pythons"  # every Python version seen running in the cell, comma-separated
ARGS = "matrixgen.args"  # the arguments after `--` it ran with, shell-quoted; absent: none
SERVICE = "matrixgen.service."  # + service name: how it ran, native | compose | provided HOST:PORT
