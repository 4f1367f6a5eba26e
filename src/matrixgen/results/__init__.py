"""`matrixgen report`: per-cell JUnit into the support table, JSON, HTML and a GitHub summary.

`table.support_table(matrix, statuses=None)` is the one table builder: `matrixgen render`
writes its skeleton, and both commands write the docs page through `render.docs.docs_page`.
"""

from matrixgen.results.report import ReportOptions, report_results

__all__ = ["ReportOptions", "report_results"]
