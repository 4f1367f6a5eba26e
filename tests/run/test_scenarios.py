"""`matrixgen run` against real redis-server and moto_server: every outcome and fault.

After each test the `project` fixture checks that no process started under the test's
tag is left and that every service port is free again.
"""

from __future__ import annotations

import json

import pytest

from tests.run.conftest import RETRIED, Project

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

OUTCOMES = """\
    version: 1
    axes:
      outcome: [pass, fail, crash, hang, nojunit]
    services:
    SERVICES_REDIS
    SERVICES_MOTO
    levels:
      component:
        axes: [outcome]
        services: [redis, s3]
        timeout: 120s  # the cells that end on their own: far from a busy machine's noise
        run: PROGRAM ${outcome}
    overrides:
      - match: {outcome: hang}
        timeout: 4s
"""


def test_each_outcome_gets_a_junit_file_that_says_why(project: Project) -> None:
    project.write(OUTCOMES)
    code = project.run(jobs=2)
    assert code == 1
    passed = project.result("component/pass")
    assert passed["matrixgen.status"] == "passed"
    assert passed["matrixgen.cell"] == "component/pass"
    assert passed["matrixgen.level"] == "component"
    assert passed["matrixgen.value.outcome"] == "pass"
    assert passed["matrixgen.attempt"] == "1"
    assert float(passed["matrixgen.duration"]) > 0
    failed = project.result("component/fail")
    assert failed["matrixgen.status"] == "failed"
    assert "assert 1 == 2" in failed["junit.failure"]  # the cell's own JUnit is kept
    crashed = project.result("component/crash")
    assert crashed["matrixgen.status"] == "error"
    assert (
        "SIGABRT" in crashed["matrixgen.reason"] and "wrote no JUnit" in crashed["matrixgen.reason"]
    )
    assert "about to crash" in crashed["junit.error"]  # the tail of its output
    hung = project.result("component/hang")
    assert hung["matrixgen.status"] == "error"
    assert "timed out after 4s" in hung["matrixgen.reason"]
    assert "hanging" in hung["junit.error"]
    nojunit = project.result("component/nojunit")
    assert nojunit["matrixgen.status"] == "error"
    assert "wrote no JUnit" in nojunit["matrixgen.reason"]
    durations = json.loads((project.root / "results" / "durations.json").read_text())
    assert set(durations) == {
        f"component/{o}" for o in ("pass", "fail", "crash", "hang", "nojunit")
    }
    assert durations["component/hang"] >= 4
    # Every cell really used both services, under its own namespace.
    spaces = {project.seen(f"component/{o}")["MATRIXGEN_NAMESPACE"] for o in ("pass", "fail")}
    assert len(spaces) == 2


def test_shared_services_start_once_for_parallel_cells(project: Project) -> None:
    counter = project.root / "starts.log"
    project.write(
        f"""\
        version: 1
        axes:
          backend: {{values: {{redis: {{services: [redis]}}, s3: {{services: [s3]}}}}}}
          mode: [lww, cas, passthrough]
        services:
          redis:
            process:
              command:
                - sh
                - -c
                - 'echo redis >> {counter}; exec redis-server --port "$0" --save "" --dir "$1"'
                - "${{port}}"
                - "${{dir}}"
              ready: {{tcp: "127.0.0.1:${{port}}"}}
            env: {{REDIS_URL: "redis://127.0.0.1:${{port}}/0"}}
          s3:
            process:
              command:
                [sh, -c, 'echo s3 >> {counter}; exec moto_server -H 127.0.0.1 -p "$0"', "${{port}}"]
              ready: {{http: "http://127.0.0.1:${{port}}/moto-api/"}}
            env: {{AWS_ENDPOINT_URL: "http://127.0.0.1:${{port}}"}}
        levels:
          component:
            axes: [backend, mode]
            env: {{CELL_SECONDS: "0.3"}}
            run: PROGRAM pass
        """
    )
    assert project.run(jobs=2) == 0, project.output
    assert sorted(counter.read_text().split()) == ["redis", "s3"]
    redis_urls = {
        project.seen(f"component/redis-{m}")["REDIS_URL"] for m in ("lww", "cas", "passthrough")
    }
    s3_urls = {
        project.seen(f"component/s3-{m}")["AWS_ENDPOINT_URL"] for m in ("lww", "cas", "passthrough")
    }
    assert len(redis_urls) == 1 and len(s3_urls) == 1
    assert "service redis stopped" in project.output and "service s3 stopped" in project.output


def test_service_never_ready_fails_only_its_cells(project: Project) -> None:
    project.write(
        """\
        version: 1
        axes:
          backend:
            values:
              slow: {services: [slow]}
              broken: {services: [broken]}
              redis: {services: [redis]}
        services:
          slow:
            process:
              command: [sleep, "30"]
              ready: {tcp: "127.0.0.1:${port}"}
              timeout: 1s
          broken:
            process:
              command: [sh, -c, 'echo "fatal: bad config for ${name}" >&2; exit 3']
              ready: {log: "Ready"}
          redis:
            process:
              command: [redis-server, --port, "${port}", --save, "", --dir, "${dir}"]
              ready: {log: "Ready to accept connections"}
            env: {REDIS_URL: "redis://127.0.0.1:${port}/0"}
        levels:
          component: {axes: [backend], run: PROGRAM pass}
        """
    )
    assert project.run(jobs=2) == 1
    slow = project.result("component/slow")
    assert slow["matrixgen.status"] == "error"
    assert "service slow was not ready after 1s" in slow["matrixgen.reason"]
    broken = project.result("component/broken")
    assert "service broken exited with code 3 before it was ready" in broken["matrixgen.reason"]
    assert "fatal: bad config for broken" in broken["junit.error"]  # the service log's tail
    assert project.result("component/redis")["matrixgen.status"] == "passed"
    assert "matrixgen.duration" in broken


def test_unmet_requirement_is_skipped_with_the_reason(project: Project) -> None:
    project.write(
        """\
        version: 1
        levels:
          unit: {run: PROGRAM pass}
          e2e: {requires: [docker, no-such-tool-for-matrixgen], run: PROGRAM pass}
        """
    )
    assert project.run() == 0
    skipped = project.result("e2e/e2e")
    assert skipped["matrixgen.status"] == "skipped"
    assert "no-such-tool-for-matrixgen is not on PATH" in skipped["matrixgen.reason"]
    assert "no-such-tool-for-matrixgen" in skipped["junit.skipped"]
    assert project.result("unit/unit")["matrixgen.status"] == "passed"
    assert not (project.records / "e2e-e2e.json").exists()  # never ran


def test_retries_mark_a_cell_flaky_and_fail_fast_stops_the_rest(project: Project) -> None:
    project.write(RETRIED)
    assert project.run("unit/flaky", retries=1) == 0
    flaky = project.result("unit/flaky")
    assert (flaky["matrixgen.status"], flaky["matrixgen.attempt"]) == ("flaky", "2")
    assert project.run("unit/fail", "unit/pass", fail_fast=True) == 1
    assert project.result("unit/fail")["matrixgen.status"] == "failed"
    stopped = project.result("unit/pass")
    assert stopped["matrixgen.status"] == "not-run"
    assert stopped["matrixgen.reason"] == "stopped by --fail-fast: unit/fail failed"


def test_a_service_dying_mid_run_fails_only_its_cells(project: Project) -> None:
    project.write(
        """\
        version: 1
        axes:
          role:
            values:
              victim: {services: [redis]}
              killer: {services: [redis]}
              bystander: {services: [s3]}
        services:
        SERVICES_REDIS
        SERVICES_MOTO
        levels:
          component:
            axes: [role]
            run: PROGRAM pass
        overrides:
          - match: {role: victim}
            env: {CELL_SECONDS: "30"}
          - match: {role: killer}
            run: >-
              PROGRAM wait-for=started-component-victim &&
              redis-cli -u "$REDIS_URL" shutdown nosave; sleep 5
        """
    )
    assert project.run(jobs=3) == 1
    victim = project.result("component/victim")
    assert victim["matrixgen.status"] == "error"
    assert "service redis exited with code" in victim["matrixgen.reason"]
    assert project.result("component/bystander")["matrixgen.status"] == "passed"
    assert "service redis died" in project.output


def test_github_actions_groups_and_quiet(project: Project) -> None:
    project.write(
        """\
        version: 1
        axes:
          outcome: [pass, fail]
        levels:
          unit:
            axes: [outcome]
            run: PROGRAM ${outcome}
        """
    )
    assert project.run(env={"GITHUB_ACTIONS": "true"}) == 1
    assert "::group::PASSED unit/pass" in project.output and "::endgroup::" in project.output
    assert "::error title=unit/fail failed::" in project.output
    assert project.run(quiet=True) == 1
    assert "unit/pass" not in project.output and "FAILED unit/fail" in project.output
