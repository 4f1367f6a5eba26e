"""`matrixgen report`: per-cell JUnit into the support table, JSON, HTML and a GitHub summary.

`table.support_table(matrix, statuses=None)` and `docs.docs_block(...)` are shared with
`matrixgen render`, which writes the skeleton of the same table.
"""

from matrixgen.results.report import ReportOptions, report_results

__all__ = ["ReportOptions", "report_results"]
