"""Any error while a service starts or is probed fails that service, in bounded time.

Each probe below gets through `validate` (its placeholders are only filled at run time)
and then raises something other than a readiness failure, or never answers. Before, the
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
          nul: {{services: [nul]}}
          badregex: {{services: [badregex]}}
          badport: {{services: [badport]}}
          badhost: {{services: [badhost]}}
          silent: {{services: [silent]}}
          stuck: {{services: [stuck]}}
    services:
      nul:
        process:
          command: [sh, -c, 'echo booting nul; echo ready now; exec sleep 60']
          ready: {{log: "ready now"}}
        setup: [[echo, "a\\0b"]]
      badregex:
        process:
          command: [sleep, "60"]
          ready: {{log: "${{env.PATTERN}}"}}
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
    code = project.run(jobs=6, env={"PATTERN": "(", "BADPORT": "http", "BADHOST": "a..b"})
    elapsed = time.monotonic() - began
    assert code == 1, project.output
    assert elapsed < 15, project.output  # 2 s timeouts, 5 s stop grace at most
    expected = {
        "nul": "service nul could not be started: ValueError: embedded null byte",
        "badregex": "service badregex could not be started: re.error: missing ), "
        "unterminated subpattern at position 0",
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
    assert "booting nul\nready now" in project.result("component/nul")["junit.error"]
    assert "listening" in project.result("component/silent")["junit.error"]
    assert "start component/" not in project.output  # no cell ran against a broken service
    assert "6 error" in project.output
