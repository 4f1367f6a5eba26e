"""A service is what its cells used (issue 21, item 4), with real service processes.

The service is `claim_service.py`, a small server that notices two clients using it at
once; strangers on its port are real processes too. After each test the `project` fixture
checks that nothing the run started is left running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from matrixgen.probe import probe_until
from matrixgen.run.processes import free_port
from tests.run.conftest import Project

pytestmark = pytest.mark.services

CLAIM = Path(__file__).with_name("claim_service.py")
PY = f"{sys.executable} {CLAIM}"


def claim_service(port: str, scope: str = "shared", extra: str = "") -> str:
    return f"""\
      claim:
        scope: {scope}
        process:
          command: [{sys.executable}, {CLAIM}, serve, "{port}"]
          ready: {{tcp: "127.0.0.1:{port}"}}
          timeout: 30s{extra}
        env: {{CLAIM_ADDR: "127.0.0.1:{port}"}}
"""


def two_cells(service: str, wait: float) -> str:
    """Cells a and b, each claiming the service and waiting up to `wait` s for the other."""
    return f"""\
    version: 1
    axes:
      who: {{values: {{a: {{env: {{PEER: unit-b}}}}, b: {{env: {{PEER: unit-a}}}}}}}}
    services:
{service}
    levels:
      unit:
        axes: [who]
        services: [claim]
        junit: false
        run: {PY} cell "$CLAIM_ADDR" "$PEER" {wait}
"""


def test_a_fixed_port_in_use_is_an_error_before_start_naming_its_holder(
    project: Project,
) -> None:
    port = free_port()
    holder = subprocess.Popen(
        [sys.executable, str(CLAIM), "foreign", str(port), str(project.root / "answers")],
        env=project.env,
    )
    try:
        probe_until(lambda: _connect(port), timeout=30)  # raises until it listens
        project.write(two_cells(claim_service(str(port)), 0))
        code = project.run("unit/a")
    finally:
        holder.kill()
        holder.wait()
    assert code == 1, project.output
    result = project.result("unit/a")
    assert result["matrixgen.status"] == "error"
    reason = result["matrixgen.reason"]
    assert reason.startswith(f"service claim cannot start: port {port} is already in use by ")
    assert f"(pid {holder.pid}: {sys.executable} {CLAIM} foreign {port}" in reason
    assert "start unit/a" not in project.output  # no cell ran against the stranger
    assert f"service claim failed: {reason}" in project.output
    # The port said is the one it would have listened on, not one nothing holds.
    assert f"service claim starting: native, port {port}\n" in project.output, project.output


def _connect(port: int) -> bool:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return True


def test_a_probe_a_stranger_answers_does_not_count_and_its_cells_are_errors(
    project: Project,
) -> None:
    """The race of the issue, made certain: a stranger takes the fixed port after the check
    and answers the probe, and the service's own server exits (port in use)."""
    port = free_port()
    foreign_log = project.root / "answers"
    extra = f"\n          env: {{FOREIGN_LOG: {foreign_log}}}"
    project.write(two_cells(claim_service(str(port), extra=extra), 0))
    code = project.run("unit/a")
    assert code == 1, project.output
    result = project.result("unit/a")
    assert result["matrixgen.status"] == "error"
    assert result["matrixgen.reason"].startswith(
        f"service claim exited with code 1 before it was ready (port {port} answered, but "
        "held by python"
    ), result["matrixgen.reason"]
    assert "start unit/a" not in project.output
    assert foreign_log.read_text().startswith("answered")  # the stranger did answer the probe
    # The stranger, re-parented to the run, is stopped with everything else it started.
    assert "killed processes left behind" in project.output


def test_a_service_that_dies_while_a_cell_waits_to_start_makes_it_an_error(
    project: Project,
) -> None:
    """`waiter` is taken while `kv` is ready, then waits for its own service (`slow`, which
    becomes ready only once kv died and left its port): it never starts, and is an error
    that says kv died, as is the cell that was running when kv died."""
    port = free_port()
    project.write(
        f"""\
        version: 1
        axes:
          role:
            values:
              killer: {{}}
              waiter: {{services: [slow]}}
        services:
          kv:
            process:
              command: [{sys.executable}, {CLAIM}, serve, "{port}"]
              ready: {{tcp: "127.0.0.1:{port}"}}
            env: {{KV_ADDR: "127.0.0.1:{port}"}}
          slow:
            scope: cell
            process:
              command: [{sys.executable}, {CLAIM}, wait-closed, "{port}"]
              ready: {{log: "^up"}}
              timeout: 60s
        levels:
          unit:
            axes: [role]
            services: [kv]
            junit: false
            run: {PY} die "$KV_ADDR"
        """
    )
    code = project.run(jobs=2)
    assert code == 1, project.output
    waiter = project.result("unit/waiter")
    assert waiter["matrixgen.status"] == "error", project.output
    assert waiter["matrixgen.reason"].startswith("service kv exited"), waiter["matrixgen.reason"]
    assert "while cells were using it" in waiter["matrixgen.reason"]
    assert "start unit/waiter" not in project.output  # it never started
    assert project.result("unit/killer")["matrixgen.status"] == "error"
    assert "PASSED" not in project.output


def test_per_cell_instances_let_two_cells_run_at_once(project: Project) -> None:
    """`scope: cell`: each cell its own instance (its own port and log), both at once."""
    project.write(two_cells(claim_service("${port}", scope="cell"), 60))
    assert project.run(jobs=2) == 0, project.output
    addresses = {(project.records / f"claimed-unit-{name}").read_text() for name in ("a", "b")}
    assert len(addresses) == 2  # two instances, on two ports
    # Each waited for the other's claim, so they ran at the same time, without a conflict.
    assert (project.records / "met-unit-a").exists() and (project.records / "met-unit-b").exists()
    for name in ("a", "b"):
        log = project.root / "results" / "services" / "claim" / "unit" / f"{name}.log"
        assert f"claim unit-{name} -> ok" in log.read_text()
        assert project.result(f"unit/{name}")["matrixgen.service.claim"] == "native, cell"


def test_an_exclusive_service_serves_one_cell_at_a_time(project: Project) -> None:
    """`scope: exclusive`: one instance, never two cells at once under -j 2."""
    project.write(two_cells(claim_service("${port}", scope="exclusive"), 1))
    assert project.run(jobs=2) == 0, project.output
    log = (project.root / "results" / "services" / "claim.log").read_text()
    assert "busy" not in log and "conflict -> no" in log
    claims = [line.split()[1] for line in log.splitlines() if line.startswith("claim ")]
    releases = [line.split()[1] for line in log.splitlines() if line.startswith("release ")]
    assert sorted(claims) == ["unit-a", "unit-b"] and releases == claims
    lines = log.splitlines()
    first = claims[0]
    # The second claim came after the first was released.
    assert lines.index(f"release {first} -> ok") < lines.index(f"claim {claims[1]} -> ok")
    assert project.result("unit/a")["matrixgen.service.claim"] == "native, exclusive"


def test_a_shared_service_is_used_by_two_cells_at_once(project: Project) -> None:
    """The default, and what the other scopes are for: under -j 2 both cells use the one
    instance at the same time, which this service refuses (both fail)."""
    project.write(two_cells(claim_service("${port}"), 60))
    assert project.run(jobs=2) == 1, project.output
    log = (project.root / "results" / "services" / "claim.log").read_text()
    assert "-> busy" in log
    statuses = {project.result(f"unit/{n}")["matrixgen.status"] for n in ("a", "b")}
    assert statuses == {"failed"}


def test_a_failed_service_shows_its_log_and_keeps_it_in_results(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    results = project.root / "results"
    results.mkdir()
    os.symlink(outside, results / "services")  # planted: replaced, never written through
    project.write(
        """\
        version: 1
        services:
          bad:
            process:
              command: [sh, -c, 'echo starting; echo "cannot run as root without -u" >&2; exit 64']
              ready: {tcp: "127.0.0.1:${port}"}
        levels:
          unit: {services: [bad], run: PROGRAM pass}
        """
    )
    assert project.run() == 1
    # Without -v: the reason, the last lines of its log, and where the log is.
    assert "service bad failed: service bad exited with code 64 before it was ready" in (
        project.output
    )
    assert "    | cannot run as root without -u" in project.output
    assert "service bad log: results/services/bad.log" in project.output
    kept = results / "services" / "bad.log"
    assert not kept.parent.is_symlink() and list(outside.iterdir()) == []
    assert kept.read_text() == "starting\ncannot run as root without -u\n"


def test_an_interrupted_run_keeps_the_results_of_cells_it_never_reached(
    project: Project,
) -> None:
    """Issue 21, item 5: Ctrl-C leaves the cells not reached as they were (result and log),
    so `report` shows their earlier results, never `missing` beside an old log."""
    project.write(
        """\
        version: 1
        axes:
          name: [a, b, c]
        levels:
          unit: {axes: [name], run: PROGRAM pass}
        overrides:
          - match: {name: a}
            env: {CELL_SECONDS: "${env.A_SECONDS}"}
        """
    )
    assert project.run(env={"A_SECONDS": "0"}) == 0, project.output
    results = project.root / "results"
    before = {
        name: ((results / "unit" / f"{name}.xml").read_bytes(),
               (results / "unit" / f"{name}.log").read_bytes())
        for name in ("b", "c")
    }  # fmt: skip
    (results / "durations.json").write_text('{"unit/a": 100, "unit/b": 1, "unit/c": 1}')
    (project.records / "started-unit-a").unlink()
    run = project.cli("-j", "1", env={"A_SECONDS": "120"})
    try:

        def a_started() -> None:
            assert (project.records / "started-unit-a").exists()

        probe_until(a_started, timeout=60)
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, output
    for name in ("b", "c"):  # never reached: as the earlier run left them
        xml, log = before[name]
        assert (results / "unit" / f"{name}.xml").read_bytes() == xml
        assert (results / "unit" / f"{name}.log").read_bytes() == log
    assert not (results / "unit" / "a.xml").exists()  # interrupted: no result
    report = project.matrixgen("report", "--json", "-")
    cells = {cell["id"]: cell["status"] for cell in json.loads(report.stdout)["cells"]}
    assert cells == {"unit/a": "missing", "unit/b": "passed", "unit/c": "passed"}


def test_ctrl_c_while_a_cell_waits_for_its_own_service_leaves_it_unstarted(
    project: Project,
) -> None:
    """A cell taken, waiting for its per-cell service to be ready, when Ctrl-C comes: the
    run stops at once (not after the service's 120 s timeout), the cell never starts, and
    its earlier result and log stay as they were."""
    go = project.records / "go"
    project.write(
        f"""\
        version: 1
        services:
          slow:
            scope: cell
            process:
              command: [sh, -c, 'until [ -e "{go}" ]; do sleep 0.05; done; echo up; exec sleep 600']
              ready: {{log: "^up"}}
              timeout: 120s
        levels:
          unit: {{services: [slow], run: PROGRAM pass}}
        """
    )
    go.write_text("")
    assert project.run() == 0, project.output
    results = project.root / "results"
    before = [(results / "unit" / f"unit.{kind}").read_bytes() for kind in ("xml", "log")]
    kept = results / "services" / "slow" / "unit" / "unit.log"
    for path in (go, kept, project.records / "started-unit-unit"):
        path.unlink()
    run = project.cli()
    try:

        def waiting() -> None:  # its instance was started: its log is kept in results
            assert kept.is_file()

        probe_until(waiting, timeout=60)
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)  # far less than the 120 s ready timeout
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, output
    assert "start unit/unit" not in output and "INTERRUPTED unit/unit" in output
    after = [(results / "unit" / f"unit.{kind}").read_bytes() for kind in ("xml", "log")]
    assert after == before
