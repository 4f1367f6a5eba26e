"""`matrixgen report`: per-cell JUnit into the support table, JSON, HTML and a GitHub summary.

`table.build_table(matrix, statuses)` is the one table layout, written as Markdown
(`table.support_table`), reStructuredText (`rst.rst_table`), HTML and console text:
`matrixgen render` writes its skeleton, and both commands write the docs page through
`docs.docs_page`.
"""

from matrixgen.results.report import ReportOptions, report_results

__all__ = ["ReportOptions", "report_results"]
