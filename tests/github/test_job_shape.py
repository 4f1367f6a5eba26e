"""The job shapes projects write by hand (issue 22): job limits as declared, job names from
templates, GitHub's own `concurrency:`, version comments of pinned `uses:`, the pip cache
over the files install lines name, the matrix keys user steps read, and levels whose cells
all get their `run` from overrides."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from matrixgen.errors import ConfigError
from matrixgen.plan.workflow import plan_outputs

from .checks import assert_valid
from .conftest import Project
from .expressions import interpolate
from .test_jobs import setup_of, steps_of

RUN = '"pytest --junitxml=${junit}"'
SHA = "0123456789abcdef0123456789abcdef01234567"


def lines_of(workflow: dict[str, Any], job: str) -> dict[str, dict[str, Any]]:
    include = workflow["jobs"][job]["strategy"]["matrix"]["include"]
    return {line["cell"]: line for line in include}


def errors(made: Project) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        made.render()
    return [str(problem) for problem in caught.value.problems]


# Timeouts: the timeout written is the timeout used.

TIMEOUTS = f"""\
version: 1
axes:
  python:
    values:
      "3.13": {{}}
      pypy3.10: {{github: {{timeout-minutes: 90}}}}
levels:
  unit:
    axes: [python]
    timeout: 30m
    run: {RUN}
  slow:
    run: {RUN}
    timeout: 50m
    github: {{timeout-minutes: 75}}
  plain:
    run: {RUN}
outputs:
  github: {{file: .github/workflows/matrix.yml}}
"""


def test_a_job_limit_is_the_one_declared_and_a_cell_timeout_gets_no_hidden_allowance(
    project: Callable[..., Project],
) -> None:
    made = project(TIMEOUTS)
    workflow = made.workflow()
    assert_valid(made.path)
    assert workflow["jobs"]["unit"]["timeout-minutes"] == "${{ matrix.timeout }}"
    assert {cell: line["timeout"] for cell, line in lines_of(workflow, "unit").items()} == {
        "3.13": 30,  # `timeout: 30m`, nothing added
        "pypy3.10": 90,  # the value's own job limit
    }
    assert lines_of(workflow, "slow")["slow"]["timeout"] == 75
    assert lines_of(workflow, "plain")["plain"]["timeout"] == 360  # GitHub's default


def test_setup_minutes_is_a_declared_allowance_on_cell_timeouts_only(
    project: Callable[..., Project],
) -> None:
    made = project(TIMEOUTS.replace("matrix.yml}", "matrix.yml, setup-minutes: 10}"))
    workflow = made.workflow()
    assert {cell: line["timeout"] for cell, line in lines_of(workflow, "unit").items()} == {
        "3.13": 40,
        "pypy3.10": 90,  # a declared job limit is written as declared
    }
    assert lines_of(workflow, "slow")["slow"]["timeout"] == 75


def test_a_job_limit_shorter_than_the_cells_timeout_is_a_located_error(
    project: Callable[..., Project],
) -> None:
    made = project(TIMEOUTS.replace("timeout-minutes: 75", "timeout-minutes: 20"))
    assert errors(made) == [
        "matrix.yaml:15:31: levels.slow.github.timeout-minutes: the job of cell slow/slow may "
        "run 20 minutes (this `timeout-minutes`, GitHub's limit of the whole job), less than "
        "the cell's own `timeout` of 50 minutes (levels.slow.timeout, matrixgen's limit of its "
        "command): GitHub would cancel the job first, and the cell would get no result; raise "
        "`timeout-minutes` to at least 50 plus the job's setup time, or lower the cell's "
        "`timeout`"
    ]


def test_two_job_limits_for_one_cell_are_an_error_naming_both(
    project: Callable[..., Project],
) -> None:
    made = project(
        TIMEOUTS.replace(
            "    timeout: 30m\n", "    timeout: 30m\n    github: {timeout-minutes: 45}\n"
        )
    )
    assert errors(made) == [
        "matrix.yaml:11:31: levels.unit.github.timeout-minutes: cell unit/pypy3.10's job would "
        "have a limit of 45 minutes here and 90 by axes.python.values.pypy3.10.github; a job "
        "has one limit: set it in one place"
    ]


# Job names: exactly as the template says.

NAMED = f"""\
version: 1
axes:
  redis: ["7.4", "8.0"]
  python: ["3.10", "3.14t"]
  parser:
    values:
      plain: {{}}
      hiredis: {{label: "hiredis (C)"}}
levels:
  tests:
    axes: [redis, python, parser]
    run: {RUN}
    github:
      name: "Redis ${{redis}}; Python ${{python}}; RESP Parser:${{label.parser}}"
  lint:
    run: {RUN}
outputs:
  github: {{file: .github/workflows/matrix.yml}}
"""


def test_a_name_template_names_each_job_exactly(project: Callable[..., Project]) -> None:
    made = project(NAMED)
    workflow = made.workflow()
    assert_valid(made.path)
    assert workflow["jobs"]["tests"]["name"] == "${{ matrix.name }}"
    names = {cell: line["name"] for cell, line in lines_of(workflow, "tests").items()}
    assert names["7.4-3.10-plain"] == "Redis 7.4; Python 3.10; RESP Parser:plain"
    assert names["8.0-3.14t-hiredis"] == "Redis 8.0; Python 3.14t; RESP Parser:hiredis (C)"
    assert len(set(names.values())) == 8
    assert workflow["jobs"]["lint"]["name"] == "lint (${{ matrix.cell }})"  # no template


def test_the_plan_names_jobs_as_the_rendered_workflow_does(
    project: Callable[..., Project],
) -> None:
    made = project(NAMED.replace("matrix.yml}", "matrix.yml, affected: true}"))
    made.workflow()
    matrix = made.matrix()
    outputs = plan_outputs(matrix, matrix.cells, "all")
    planned = {line["cell"]: line["name"] for line in json.loads(outputs["tests"])["include"]}
    assert planned["8.0-3.14t-hiredis"] == "Redis 8.0; Python 3.14t; RESP Parser:hiredis (C)"


def test_a_template_that_names_two_cells_alike_is_an_error_naming_both(
    project: Callable[..., Project],
) -> None:
    made = project(NAMED.replace("; RESP Parser:${label.parser}", ""))
    found = errors(made)
    assert found[0] == (
        "matrix.yaml:14:13: levels.tests.github.name: cells tests/7.4-3.10-plain and "
        "tests/7.4-3.10-hiredis would both be the job 'Redis 7.4; Python 3.10', and branch "
        "protection tells jobs apart by name only; put the axis they differ in into the name "
        "(`${axis}`)"
    )
    assert len(found) == 4


def test_an_unknown_name_in_a_template_is_a_located_error(
    project: Callable[..., Project],
) -> None:
    made = project(NAMED.replace("${python}", "${pyton}").replace("${redis}", "${env.REDIS}"))
    assert errors(made) == [
        "matrix.yaml:14:13: levels.tests.github.name: unknown placeholder '${env.REDIS}' in "
        "cell tests/7.4-3.10-plain's job name; a job name may say the cell's axis values "
        "(`${python}`), their labels (`${label.python}`), `${level}`, `${suite}` and `${cell}`",
        "matrix.yaml:14:13: levels.tests.github.name: unknown placeholder '${pyton}' in cell "
        "tests/7.4-3.10-plain's job name (did you mean 'python'?); a job name may say the "
        "cell's axis values (`${python}`), their labels (`${label.python}`), `${level}`, "
        "`${suite}` and `${cell}`",
    ]


def test_a_sharded_level_cannot_name_its_jobs_per_cell(project: Callable[..., Project]) -> None:
    made = project(NAMED.replace("matrix.yml}", "matrix.yml, shards: {tests: 2}}"))
    assert errors(made) == [
        "matrix.yaml:14:7: levels.tests.github.name: level 'tests' runs as shards "
        "(`outputs.github.shards`), jobs of several cells named by their shard; drop `name:` "
        "or the level's shards"
    ]


def test_a_suite_template_names_its_cells_and_the_others_keep_their_full_default(
    project: Callable[..., Project],
) -> None:
    made = project(
        f"""\
version: 1
axes:
  python: ["3.12", "3.13"]
levels:
  unit:
    axes: [python]
    suites:
      api: {{run: {RUN}, github: {{name: "API on ${{python}}"}}}}
      cli: {{run: {RUN}}}
outputs:
  github: {{file: .github/workflows/matrix.yml}}
"""
    )
    workflow = made.workflow()
    assert_valid(made.path)
    names = {cell: line["name"] for cell, line in lines_of(workflow, "unit").items()}
    assert names == {
        "api-3.12": "API on 3.12",
        "api-3.13": "API on 3.13",
        "cli-3.12": "unit (cli-3.12)",
        "cli-3.13": "unit (cli-3.13)",
    }


# Concurrency.

CONCURRENCY = f"""\
version: 1
levels:
  unit:
    run: {RUN}
outputs:
  github: {{file: .github/workflows/matrix.yml, concurrency: SETTING}}
"""


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            "true",
            {
                "group": "${{ github.workflow }}-${{ github.event_name == 'pull_request' && "
                "github.ref || github.run_id }}",
                "cancel-in-progress": True,
            },
        ),
        (
            "pull-requests",
            {
                "group": "${{ github.workflow }}-${{ github.event_name == 'pull_request' && "
                "github.ref || github.run_id }}",
                "cancel-in-progress": True,
            },
        ),
        (
            "all",
            {
                "group": "${{ github.workflow }}-${{ github.event_name }}-${{ github.ref }}",
                "cancel-in-progress": True,
            },
        ),
        (
            '{group: "tests-${{ github.head_ref || github.run_id }}", cancel-in-progress: true}',
            {"group": "tests-${{ github.head_ref || github.run_id }}", "cancel-in-progress": True},
        ),
        (
            '{group: "ci-${{ github.ref }}", cancel-in-progress: '
            "\"${{ github.ref != 'refs/heads/main' }}\"}",
            {
                "group": "ci-${{ github.ref }}",
                "cancel-in-progress": "${{ github.ref != 'refs/heads/main' }}",
            },
        ),
        ("{group: nightly}", {"group": "nightly", "cancel-in-progress": False}),
    ],
    ids=["true", "pull-requests", "all", "group", "expression", "queue"],
)
def test_concurrency_is_written_as_github_reads_it(
    project: Callable[..., Project], setting: str, expected: dict[str, Any]
) -> None:
    made = project(CONCURRENCY.replace("SETTING", setting))
    workflow = made.workflow()
    assert workflow["concurrency"] == expected
    assert_valid(made.path)


def test_concurrency_false_writes_none(project: Callable[..., Project]) -> None:
    made = project(CONCURRENCY.replace("SETTING", "false"))
    assert "concurrency" not in made.workflow()
    assert_valid(made.path, "concurrency-limits")


def test_cancel_in_progress_is_true_false_or_an_expression(
    project: Callable[..., Project],
) -> None:
    made = project(CONCURRENCY.replace("SETTING", "{group: g, cancel-in-progress: sometimes}"))
    assert errors(made) == [
        "matrix.yaml:6:92: outputs.github.concurrency.cancel-in-progress: cancel-in-progress "
        "'sometimes' is neither true/false nor a `${{ }}` expression; write true, false or "
        "e.g. \"${{ github.ref != 'refs/heads/main' }}\""
    ]


# Papercuts.


def test_the_version_comment_of_a_pinned_uses_is_kept(project: Callable[..., Project]) -> None:
    made = project(
        f"""\
version: 1
services:
  emulator:
    process: {{command: [emulator, "${{port}}"]}}
    install:
      steps:
        - uses: owner/install-emulator@{SHA}   # v2.1.0
levels:
  unit:
    services: [emulator]
    run: {RUN}
    github:
      steps:
        before:
          - name: uv
            uses: astral-sh/setup-uv@{SHA} # v6.4.3
            with: {{version: "0.8"}}
          - uses: "actions/cache@{SHA}"  # v4.2.0
        after:
          - uses: owner/untagged@{SHA}
outputs:
  github:
    file: .github/workflows/matrix.yml
    actions:
      actions/checkout: "{SHA}  # v5.0.0"
    jobs:
      coverage:
        needs: [gate]
        steps:
          - uses: owner/combine@{SHA}  # v1.4.0
"""
    )
    made.render()
    text = made.read(".github/workflows/matrix.yml")
    assert f"uses: owner/combine@{SHA}  # v1.4.0\n" in text  # a job of your own's step too
    assert f"        uses: astral-sh/setup-uv@{SHA}  # v6.4.3\n" in text
    assert f"      - uses: actions/cache@{SHA}  # v4.2.0\n" in text
    assert f"      - uses: owner/install-emulator@{SHA}  # v2.1.0\n" in text
    assert f"      - uses: owner/untagged@{SHA}\n" in text
    assert f"uses: actions/checkout@{SHA}  # v5.0.0\n" in text  # a pin's note, as before
    assert_valid(made.path)


def test_the_pip_cache_covers_the_files_install_lines_name(
    project: Callable[..., Project],
) -> None:
    made = project(
        f"""\
version: 1
axes:
  db:
    values:
      pg: {{install: {{pip: ["-c constraints/pg.txt"]}}}}
levels:
  unit:
    axes: [db]
    run: {RUN}
    github: {{install: {{pip: ["--requirement=ci/tools.txt"]}}}}
outputs:
  install: ["-r dev_requirements.txt", "-e .", "-r missing.txt", "-r ../outside.txt"]
  github: .github/workflows/matrix.yml
""",
        {
            "dev_requirements.txt": "-r docs/base.txt\n-c constraints/pg.txt  # again\npytest\n",
            "docs/base.txt": "-r ../dev_requirements.txt\n",  # a cycle: read once
            "constraints/pg.txt": "psycopg<4\n",
            "ci/tools.txt": "tox\n",
        },
    )
    workflow = made.workflow()
    assert setup_of(workflow, "unit")["with"]["cache-dependency-path"] == (
        "matrix.yaml\ndev_requirements.txt\ndocs/base.txt\nconstraints/pg.txt\nci/tools.txt\n"
    )


def test_user_steps_read_the_cells_values_as_declared(project: Callable[..., Project]) -> None:
    made = project(
        f"""\
version: 1
axes:
  python: ["3.14", "3.14t"]
levels:
  unit:
    axes: [python]
    run: {RUN}
    github:
      steps:
        before:
          - name: Show
            env: {{PY: "${{{{ matrix.values.python }}}} ${{{{ matrix.id }}}}"}}
            run: echo "$PY"
outputs:
  github: .github/workflows/matrix.yml
"""
    )
    workflow = made.workflow()
    assert_valid(made.path)
    step = next(s for s in steps_of(workflow, "unit") if s.get("name") == "Show")
    shown = {
        cell: interpolate(step["env"]["PY"], {"matrix": line}, {})
        for cell, line in lines_of(workflow, "unit").items()
    }
    assert shown == {"3.14": "3.14 unit/3.14", "3.14t": "3.14t unit/3.14t"}
    assert {line["python"] for line in lines_of(workflow, "unit").values()} == {"3.14"}


def test_a_level_needs_no_run_when_overrides_give_every_cell_one(
    project: Callable[..., Project],
) -> None:
    text = f"""\
version: 1
axes:
  db: [pg, mysql]
levels:
  unit:
    axes: [db]
overrides:
  - match: {{db: pg}}
    run: {RUN}
  - match: {{db: mysql}}
    run: "pytest -m mysql --junitxml=${{junit}}"
outputs:
  github: .github/workflows/matrix.yml
"""
    made = project(text)
    assert {cell.id: cell.run for cell in made.matrix().cells} == {
        "unit/pg": "pytest --junitxml=${junit}",
        "unit/mysql": "pytest -m mysql --junitxml=${junit}",
    }
    made.write("matrix.yaml", text.replace("  - match: {db: mysql}\n", "  - match: {db: pg}\n"))
    assert errors(made) == [
        "matrix.yaml:6:5: levels.unit: cell unit/mysql has no `run:` (its command): its level "
        "sets none, and no override that matches it gives one; add `run:` here, or an override "
        "with `run:` for it"
    ]
