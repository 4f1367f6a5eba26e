"""Ctrl-C and SIGTERM in the middle of a run of the real `matrixgen` command."""

from __future__ import annotations

import signal

import pytest

from matrixgen.probe import probe_until
from tests.run.conftest import Project

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

SLOW = """\
    version: 1
    axes:
      speed: [quick, slow1, slow2]
    services:
    SERVICES_REDIS
    SERVICES_MOTO
    levels:
      component:
        axes: [speed]
        services: [redis, s3]
        run: PROGRAM pass
    overrides:
      - match: {speed: [slow1, slow2]}
        env: {CELL_SECONDS: "120"}
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_everything_and_keeps_results_so_far(project: Project, signum: int) -> None:
    project.write(SLOW)
    # Longest first: quick (never timed, so counted as the longest) and slow1 start; slow2
    # takes quick's place, so both slow cells run when the quick one has finished.
    results = project.root / "results"
    results.mkdir()
    (results / "durations.json").write_text('{"component/slow1": 100, "component/slow2": 90}')
    run = project.cli("-j", "2", "component/slow1", "component/quick", "component/slow2")
    try:

        def both_slow_cells_running() -> None:
            for name in ("slow1", "slow2"):
                assert (project.records / f"started-component-{name}").exists()
            assert run.poll() is None

        probe_until(both_slow_cells_running, timeout=60)
        run.send_signal(signum)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, output
    assert project.result("component/quick")["matrixgen.status"] == "passed"
    for name in ("slow1", "slow2"):
        assert not (
            results / "component" / f"{name}.xml"
        ).exists()  # no result rather than a false one
    assert "INTERRUPTED component/slow1" in output
    assert "service redis stopped" in output and "service s3 stopped" in output
    assert "component/quick" in (results / "durations.json").read_text()
