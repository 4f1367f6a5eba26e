"""When services start: just before the first cell that needs them (`--start when-needed`,
the default), or all before any cell (`--start all`); each stops after its last cell."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matrixgen.errors import UsageError
from matrixgen.run import RunOptions
from tests.run.conftest import Project

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

MATRIX = """\
    version: 1
    axes:
      n: [a, b, c, d]
    services:
    SERVICES_REDIS
    levels:
      unit:
        axes: [n]
        services: false
        run: PROGRAM pass
      component:
        axes: {n: [a]}
        services: [redis]
        run: PROGRAM pass
"""


def _recorded(project: Project) -> None:
    """Durations of earlier runs: the unit cells took 30 s each (far more work ahead of
    component/a than a service's lead), component/a 1 s."""
    (project.root / "results").mkdir()
    took = {f"unit/{n}": 30.0 for n in "abcd"} | {"component/a": 1.0}
    (project.root / "results" / "durations.json").write_text(json.dumps(took))


def _events(output: str) -> list[str]:
    """The run's events in order, without their times: 'start unit/a', 'service redis ...'."""
    events = []
    for line in output.splitlines():
        found = re.match(r"\[\s*[\d.]+s\] (start \S+|service redis \w+)", line)
        if found:
            events.append(found[1])
    return events


def test_a_service_starts_when_one_of_the_next_cells_needs_it(project: Project) -> None:
    project.write(MATRIX)
    _recorded(project)
    assert project.run(jobs=1) == 0, project.output
    events = _events(project.output)
    # 30 s of work ahead of component/a until unit/c starts: redis starts once it is one of
    # the next two cells (-j 1).
    assert events.index("service redis starting") > events.index("start unit/c")
    assert events.index("service redis starting") < events.index("start component/a")
    assert events[-1] == "service redis stopped"  # after its last cell


def test_start_all_starts_every_service_before_any_cell(project: Project) -> None:
    project.write(MATRIX)
    _recorded(project)
    assert project.run(jobs=1, start="all") == 0, project.output
    events = _events(project.output)
    assert events[:2] == ["service redis starting", "start unit/a"]  # cells without it go on


def test_short_work_ahead_starts_the_service_at_once(project: Project) -> None:
    """Nothing recorded: cells count 5 s each, 20 s ahead at most — under the lead."""
    project.write(MATRIX)
    assert project.run(jobs=1) == 0, project.output
    assert _events(project.output)[:2] == ["service redis starting", "start unit/a"]


def test_a_service_no_cell_reaches_never_starts(project: Project) -> None:
    """--fail-fast stops before the cell that needs redis: redis is never started."""
    project.write(MATRIX.replace("PROGRAM pass\n      component", "PROGRAM fail\n      component"))
    _recorded(project)
    assert project.run(jobs=1, fail_fast=True) == 1
    assert "service redis" not in project.output, project.output


def test_start_takes_only_its_two_words(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--start: expected one of when-needed, all"):
        RunOptions.from_cli(jobs=1, timeout=None, retries=0, fail_fast=False, results_dir=None,
                            services_mode="auto", quiet=False, verbose=False, root=tmp_path,
                            env={}, start="lazy")  # fmt: skip
