"""Axes whose values a command prints (`values: {from: ...}`): what commands run it and
what they say when it fails, what render writes (the same files whatever it prints), and
the generated workflow run as a runner would: its plan job runs the commands and the cells
they name run, green, and a new test module becomes a job without a new render."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.errors import ConfigError
from matrixgen.load.matrix import load

from .checks import assert_valid
from .conftest import GIT_ENV, Project
from .runner import Runner, step
from .test_workflow_runs import CELL

MODULES = """\
import sys
from pathlib import Path
Path("ran.txt").write_text("modules")
for path in sorted(Path("tests").glob("test_*.py")):
    print(path.stem)
"""

MATRIX = """\
version: 1
name: computed
axes:
  module:
    values: {from: python scripts/modules.py, timeout: 30s}
  redis:
    values: {from: [cat, .redis-version]}
  mode: [fast, slow]
levels:
  unit:
    axes: [module, mode]
    run: python cell.py ${junit} ${module}
  server:
    axes: [redis]
    run: python cell.py ${junit} ${redis}
  lint:
    run: python cell.py ${junit} lint
outputs:
  matrixgen: matrixgen-cli
  nox: noxfile.py
  github: {file: .github/workflows/matrix.yml, branch: main}
  docs: {file: docs/testing.md, rows: [mode], columns: level}
"""

FILES = {
    "cell.py": CELL,
    "scripts/modules.py": MODULES,
    "tests/test_alpha.py": "",
    "tests/test_beta.py": "",
    ".redis-version": "7.2\n",
}


def test_commands_that_need_cells_run_it_render_and_validate_do_not(
    project: Callable[..., Project], matrixgen: Callable[..., Result]
) -> None:
    made = project(MATRIX, FILES)
    assert made.render() == 0
    assert not (made.root / "ran.txt").exists()  # render ran no command
    result = matrixgen("validate")
    assert result.code == 0, result.err
    computed = "(and server, unit, whose values are computed)"
    assert result.out == f"matrix.yaml: ok, 1 cell in 1 level {computed}\n"
    assert not (made.root / "ran.txt").exists()
    assert matrixgen("validate", "--compute").out == "matrix.yaml: ok, 6 cells in 3 levels\n"
    assert (made.root / "ran.txt").exists()
    listed = json.loads(matrixgen("list", "--json").out)
    assert [c["id"] for c in listed] == [
        "unit/test_alpha-fast", "unit/test_alpha-slow", "unit/test_beta-fast",
        "unit/test_beta-slow", "server/7.2", "lint/lint",
    ]  # fmt: skip
    assert [c["nox_session"] for c in listed] == [None] * 5 + ["lint(lint)"]
    assert "nox:      - (its values are computed" in matrixgen("explain", "server/7.2").out
    # Files for the declared cells only; a new module changes none of them.
    noxfile, docs = made.read("noxfile.py"), made.read("docs/testing.md")
    assert "def lint(" in noxfile and "def unit(" not in noxfile and "def server(" not in noxfile
    assert "| Mode | lint |" in docs
    made.write("tests/test_gamma.py", "")
    assert made.render(check=True) == 0
    assert len(json.loads(matrixgen("list", "--json").out)) == 8  # no stale cache


def test_the_workflow_plans_computed_levels_at_run_time(project: Callable[..., Project]) -> None:
    made = project(MATRIX, FILES)
    workflow = made.workflow()
    assert_valid(made.path)
    plan = workflow["jobs"]["plan"]
    assert set(plan["outputs"]) == {"scope", "cells", "unit", "unit-size", "server", "server-size"}
    pythons = [s.get("with", {}).get("python-version") for s in plan["steps"][1:4:2]]
    assert pythons == ["3.12", "3.11"]  # matrixgen's, then the job's for the commands
    for job in ("unit", "server"):
        assert workflow["jobs"][job]["strategy"]["matrix"] == (
            f"${{{{ fromJSON(needs.plan.outputs.{job}) }}}}"
        )
        assert workflow["jobs"][job]["name"] == f"{job} (${{{{ matrix.name }}}})"
    assert "include" in workflow["jobs"]["lint"]["strategy"]["matrix"]  # declared: written
    assert "test_alpha" not in made.path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_plan_job_computes_the_values_and_their_cells_run(
    project: Callable[..., Project], tmp_path: Path
) -> None:
    made = project(MATRIX, FILES)
    made.render()
    made.write("tests/test_gamma.py", "")  # discovered on CI: no render needed
    env = {**GIT_ENV, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    runner = Runner(made.workflow(), made.root, tmp_path / "runner", env=env)
    assert made.render(check=True) == 0
    jobs = runner.run()
    plan = jobs["plan"]
    assert plan.result == "success", [(s.name, s.outcome, s.output) for s in plan.lines[0].steps]
    assert plan.outputs["unit-size"] == "6" and plan.outputs["server-size"] == "1"
    unit = jobs["unit"]
    assert unit.result == "success"
    assert [line.matrix["id"] for line in unit.lines] == [
        f"unit/test_{m}-{s}" for m in ("alpha", "beta", "gamma") for s in ("fast", "slow")
    ]
    assert [line.matrix["name"] for line in jobs["server"].lines] == ["7.2"]
    for job in ("server", "lint"):
        assert jobs[job].result == "success"
    gate = jobs["gate"]
    failed = [s.output for s in gate.lines[0].steps if s.outcome == "failure"]
    assert gate.result == "success", "\n".join(failed)
    report = step(gate.lines[0], "Report, and fail on any failed or missing cell")
    assert report.outcome == "success" and "unit/test_gamma-slow" not in report.output


def problem(made: Project) -> str:
    with pytest.raises(ConfigError) as raised:
        load(compute=True)  # from the project folder: the message names matrix.yaml
    return str(raised.value)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import sys; sys.exit('no tests folder')", "failed with exit code 1:\nno tests folder"),
        ("print('a b')", "printed 'a b' (line 1), which is not a value"),
        ("print('x'); print(''); print('x')", "printed 'x' twice (line 3)"),
        ("pass", "printed no value"),
        ("import time; time.sleep(30)", "did not end within 1s"),
    ],
)
def test_a_failing_or_bad_command_is_a_located_error(
    project: Callable[..., Project], script: str, expected: str
) -> None:
    # A short limit only where it is what is tested: a loaded machine can take over a
    # second to start a Python, which would turn the other cases into timeouts.
    limit = "timeout: 1s" if "sleep" in script else "timeout: 30s"
    made = project(MATRIX.replace("timeout: 30s", limit), {**FILES, "scripts/modules.py": script})
    message = problem(made)
    where = "matrix.yaml:5:20: axes.module.values.from: the command of axis "
    assert message.startswith(where), message
    assert expected in message, message


def test_a_command_that_cannot_start_is_a_located_error(project: Callable[..., Project]) -> None:
    made = project(MATRIX.replace("[cat, .redis-version]", "[no-such-program-here]"), FILES)
    message = problem(made)
    where = "matrix.yaml:7:20: axes.redis.values.from: the command of axis "
    assert message.startswith(where), message
    assert "could not start" in message


@pytest.mark.parametrize(
    ("addition", "where"),
    [
        ("exclude: [{match: {module: test_alpha}, reason: slow}]\n", "exclude[0].match.module"),
        ("overrides: [{match: {redis: '7.2'}, timeout: 1m}]\n", "overrides[0].match.redis"),
        ("include: [{level: server, redis: '8.0'}]\n", "include[0].redis"),
    ],
)
def test_nothing_may_name_a_computed_value(
    project: Callable[..., Project], addition: str, where: str
) -> None:
    made = project(MATRIX + addition, FILES)
    with pytest.raises(ConfigError) as raised:
        made.matrix()  # also without running the commands
    message = str(raised.value)
    assert f": {where}: axis '" in message and "takes its values from a command" in message
    assert not (made.root / "ran.txt").exists()


def test_how_from_is_written_is_checked(project: Callable[..., Project]) -> None:
    made = project(
        MATRIX.replace("{from: python scripts/modules.py, timeout: 30s}",
                       "{from: python scripts/modules.py, timeout: soon, label: M}"),
        FILES,
    )  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        made.matrix()
    message = str(raised.value)
    assert "axes.module.values.label: unknown key 'label' beside `from:`" in message, message
    assert "axes.module.values.timeout: 'soon' is not a duration" in message, message


def test_a_computed_suite_cannot_take_its_tests_from_compose_files(
    project: Callable[..., Project],
) -> None:
    made = project(
        MATRIX.replace(
            "    run: python cell.py ${junit} ${redis}\n",
            "    run: python cell.py ${junit} ${redis}\n    compose: {files: [tests.yml]}\n",
        ),
        {**FILES, "tests.yml": "services: {t: {image: x}}\n"},
    )
    with pytest.raises(ConfigError) as raised:
        made.matrix()
    message = str(raised.value)
    assert "levels.server.compose.files: these cells span axis 'redis'" in message, message
