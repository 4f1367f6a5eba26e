"""A level or suite given as an explicit list of cells (`cells:`), as GitHub's matrix made
of `include:` entries only: its cells are those listed, in order, and the same job set as
GitHub's own expansion of that matrix; excludes, includes and overrides act on them as on
a product; every mistake in the list is a located error."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from adoption.github_matrix import expand as github_expand

from matrixgen.errors import ConfigError
from matrixgen.explain import explain_cell
from matrixgen.load.matrix import Matrix, load

AXES = """\
version: 1
axes:
  python: ["3.10", "3.11", "3.12", "3.13"]
  broker: [kafka-2.8, kafka-3.9, redpanda]
"""


def matrix(text: str) -> Matrix:
    return load(Path("."), "matrix.yaml", text=AXES + textwrap.dedent(text))


LISTED = """\
levels:
  integration:
    axes: [python, broker]
    cells:
      - {python: "3.13", broker: kafka-3.9}
      - {python: "3.10", broker: kafka-2.8}
      - {python: "3.13", broker: redpanda}
    run: pytest tests/integration
"""


def test_the_cells_are_those_listed_in_order_and_github_expands_the_same_jobs() -> None:
    m = matrix(LISTED)
    assert [c.id for c in m.cells] == [
        "integration/3.13-kafka-3.9", "integration/3.10-kafka-2.8", "integration/3.13-redpanda",
    ]  # fmt: skip
    assert [dict(c.values) for c in m.cells] == [
        {"python": "3.13", "broker": "kafka-3.9"},
        {"python": "3.10", "broker": "kafka-2.8"},
        {"python": "3.13", "broker": "redpanda"},
    ]
    # GitHub: a matrix of include entries only makes one job per entry.
    github = github_expand(
        {"include": [dict(c.values) for c in m.cells]}  # what a maintainer's workflow lists
    )
    assert [dict(job) for job in github] == [dict(c.values) for c in m.cells]
    assert "listed as cells[1] at matrix.yaml:" in explain_cell(m, m.cells[1])


def test_excludes_includes_and_overrides_act_on_listed_cells() -> None:
    m = matrix(
        LISTED
        + """\
exclude:
  - match: {broker: redpanda}
    reason: no redpanda binary on this runner
include:
  - {level: integration, python: "3.12", broker: kafka-3.9}
overrides:
  - match: {broker: kafka-2.8}
    env: {SCALA: "2.12"}
"""
    )
    assert [c.id for c in m.cells] == [
        "integration/3.13-kafka-3.9", "integration/3.10-kafka-2.8", "integration/3.12-kafka-3.9",
    ]  # fmt: skip
    assert m.cells[1].env["SCALA"] == "2.12"
    assert [r.cell.id for r in m.removed] == ["integration/3.13-redpanda"]


def test_a_suite_takes_the_levels_list_unless_it_spans_axes_of_its_own() -> None:
    m = matrix("""\
levels:
  integration:
    axes: [python, broker]
    cells: [{python: "3.11", broker: redpanda}]
    suites:
      api: {run: pytest tests/api}
      cli: {axes: [python], run: pytest tests/cli}
      smoke: {cells: [{python: "3.10", broker: kafka-2.8}], run: pytest tests/smoke}
""")
    assert [c.id for c in m.cells] == [
        "integration/api-3.11-redpanda",
        "integration/cli-3.10", "integration/cli-3.11", "integration/cli-3.12",
        "integration/cli-3.13",
        "integration/smoke-3.10-kafka-2.8",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            '[{python: "3.10"}]',
            "matrix.yaml:8:13: levels.integration.cells[0]: this entry gives no value of "
            "'broker'; each gives one value of every axis spanned (python, broker)",
        ),
        (
            '[{python: "3.10", broker: kafka-2.8}, {python: "3.10", broker: kafka-2.8}]',
            "matrix.yaml:8:50: levels.integration.cells[1]: this entry repeats cells[0]; "
            "remove one",
        ),
        (
            '[{python: "3.10", broker: rabbit}]',
            "matrix.yaml:8:38: levels.integration.cells[0].broker: unknown value of axis "
            "'broker': 'rabbit'",
        ),
        (
            '[{python: "3.10", broker: kafka-2.8, os: linux}]',
            "matrix.yaml:8:49: levels.integration.cells[0].os: unknown axis 'os'",
        ),
        (
            "[]",
            "matrix.yaml:8:12: levels.integration.cells: `cells:` is empty; list at least one "
            "combination or drop it",
        ),
    ],
    ids=["missing-axis", "repeated", "unknown-value", "unknown-axis", "empty"],
)
def test_mistakes_in_the_list_are_located_errors(cells: str, message: str) -> None:
    text = f"""\
levels:
  integration:
    axes: [python, broker]
    cells: {cells}
    run: pytest
"""
    with pytest.raises(ConfigError) as raised:
        matrix(text)
    assert message in str(raised.value)


def test_values_outside_the_levels_restriction_and_a_level_without_axes_are_refused() -> None:
    with pytest.raises(ConfigError) as raised:
        matrix("""\
levels:
  integration:
    axes: {python: ["3.12", "3.13"], broker: null}
    cells: [{python: "3.10", broker: redpanda}]
    run: pytest
  lint:
    with: {python: "3.13"}
    cells: [{python: "3.13"}]
    run: ruff check
""")
    text = str(raised.value)
    assert (
        "levels.integration.cells[0].python: '3.10' is not among the values `axes:` allows "
        "for 'python' (3.12, 3.13); add it there or drop this entry"
    ) in text
    assert (
        "levels.lint.cells: `cells:` lists combinations of the axes spanned, and none is; "
        "add `axes:`"
    ) in text
