"""Any error while a service starts or is probed fails that service, in bounded time.

Each probe or setup below gets through `validate` (its placeholders are only filled at run
time) and then raises something other than a readiness failure, or never answers. Before, the
service stayed "starting" forever and `matrixgen run` with it.
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.run.conftest import Project

pytestmark = pytest.mark.services

SILENT_SERVER = (
    "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); "
    "s.listen(); print('listening', flush=True); held = [s.accept() for _ in range(100)]"
)

BROKEN = f"""\
    version: 1
    axes:
      backend:
        values:
          badsetup: {{services: [badsetup]}}
          badport: {{services: [badport]}}
          badhost: {{services: [badhost]}}
          silent: {{services: [silent]}}
          stuck: {{services: [stuck]}}
    services:
      badsetup:
        process:
          command: [sh, -c, 'echo booting badsetup; echo ready now; exec sleep 60']
          ready: {{log: "ready now"}}
        setup: [["${{env.NO_SUCH_TOOL}}", --version]]
      badport:
        process:
          command: [sleep, "60"]
          ready: {{tcp: "127.0.0.1:${{env.BADPORT}}"}}
      badhost:
        process:
          command: [sleep, "60"]
          ready: {{tcp: "${{env.BADHOST}}:${{port}}"}}
      silent:
        process:
          command: [{sys.executable}, -c, "{SILENT_SERVER}", "${{port}}"]
          ready: {{http: "http://127.0.0.1:${{port}}/health"}}
          timeout: 2s
      stuck:
        process:
          command: [sleep, "60"]
          ready: {{command: [sleep, "60"]}}
          timeout: 2s
    levels:
      component: {{axes: [backend], run: PROGRAM pass}}
"""


def test_every_error_fails_its_service_and_the_run_ends(project: Project) -> None:
    project.write(BROKEN)
    began = time.monotonic()
    code = project.run(
        jobs=5,
        env={"NO_SUCH_TOOL": "matrixgen-no-such-program", "BADPORT": "http", "BADHOST": "a..b"},
    )
    elapsed = time.monotonic() - began
    assert code == 1, project.output
    # Bounded: 2 s probe timeouts and 5 s stop graces, nowhere near a hang; generous on a
    # loaded machine, where a timed assertion would be noise.
    assert elapsed < 60, project.output
    expected = {
        "badsetup": "service badsetup setup `matrixgen-no-such-program --version` could not "
        "start: No such file or directory",
        "badport": "service badport could not be started: ValueError: invalid literal for "
        "int() with base 10: 'http'",
        "badhost": "service badhost could not be started: UnicodeError: encoding with 'idna' "
        "codec failed (UnicodeError: label empty or too long)",
        "silent": "service silent was not ready after 2s (a probe got no answer in time)",
        "stuck": "service stuck was not ready after 2s (a probe got no answer in time)",
    }
    for name, reason in expected.items():
        result = project.result(f"component/{name}")
        assert result["matrixgen.status"] == "error", name
        assert result["matrixgen.reason"] == reason
        assert f"service {name} failed: {reason}" in project.output
    # The reason comes with the tail of the service's log.
    assert "booting badsetup\nready now" in project.result("component/badsetup")["junit.error"]
    assert "listening" in project.result("component/silent")["junit.error"]
    assert "start component/" not in project.output  # no cell ran against a broken service
    assert "5 error" in project.output


def test_a_value_in_a_log_probe_is_matched_as_text(project: Project) -> None:
    """`ready: {log: "ready ${env.MARK}"}` with MARK=`(1)`: matched as those three characters,
    not read as a regular expression (an invalid one failed the service; `.` matched any)."""
    project.write(
        """\
        version: 1
        services:
          literal:
            process:
              command: [sh, -c, 'echo "ready x1y"; echo "ready (1)"; exec sleep 60']
              ready: {log: "ready ${env.MARK}"}
              timeout: 10s
        levels:
          unit: {services: [literal], run: PROGRAM pass}
        """
    )
    assert project.run(env={"MARK": "(1)"}) == 0, project.output
