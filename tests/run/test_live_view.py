"""What `matrixgen run` shows: colour on a terminal (or with FORCE_COLOR) and none under
NO_COLOR or in a pipe, the time left from recorded durations, and a closing recap of the
cells that failed or erred, with where their logs are."""

from __future__ import annotations

import io
import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from matrixgen.load.matrix import load
from matrixgen.outcome.status import Status
from matrixgen.run import RunOptions
from matrixgen.run.attempt import Outcome
from matrixgen.run.eta import clock, seconds_left
from matrixgen.run.palette import paint, wants_colour
from matrixgen.run.progress import LiveProgress, Progress, make_progress
from tests.run.conftest import Project

COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # SGR: colour and weight, not cursor movement
RED = "\x1b[31m"

# One cell passes, one fails its test, one crashes without JUnit, and one needs a service
# that exits before it is ready (an error without a log: it never started).
MIXED = """\
    version: 1
    axes:
      mode: [pass, fail, crash]
    services:
      down:
        process:
          command: [sh, -c, "echo cannot start; exit 3"]
          ready: {tcp: "127.0.0.1:${port}"}
          timeout: 10s
    levels:
      unit:
        axes: [mode]
        services: false
        run: PROGRAM ${mode}
      component:
        services: [down]
        run: PROGRAM pass
"""
NEUTRAL = {"NO_COLOR": "", "FORCE_COLOR": ""}  # whatever the shell running the tests set


def on_a_terminal(project: Project, env: dict[str, str]) -> tuple[int, str]:
    """`matrixgen run -j 2` with a pty as its terminal: exit code and all it wrote."""
    master, slave = os.openpty()
    run = subprocess.Popen(
        [sys.executable, "-m", "matrixgen", "-C", str(project.root), "run", "-j", "2"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed its side
                    break
                if not chunk:
                    break
                seen += chunk
            elif run.poll() is not None:
                break
        code = run.wait(timeout=30)
    finally:
        os.close(master)
        if run.poll() is None:
            run.kill()
            run.wait()
    return code, seen.decode("utf-8", "replace")


def terminal_env(project: Project, **changes: str) -> dict[str, str]:
    env = {k: v for k, v in project.env.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "TERM": "xterm", **changes}


def test_a_real_run_ends_with_a_recap_of_what_did_not_pass(project: Project) -> None:
    project.write(MIXED)
    assert project.run(env=NEUTRAL, jobs=2) == 1
    lines = project.output.splitlines()
    recap = lines.index("3 cells did not pass:")
    # In matrix order, each with its status, id, log (relative to the project) and why.
    assert re.fullmatch(
        r"  failed  unit/fail            results/unit/fail\.log   1 of 1 test failed",
        lines[recap + 1],
    ), lines[recap + 1]
    assert re.match(r"  error   unit/crash           results/unit/crash\.log  exited with code",
                    lines[recap + 2]), lines[recap + 2]  # fmt: skip
    assert re.match(r"  error   component/component  no log                  service down exited",
                    lines[recap + 3]), lines[recap + 3]  # fmt: skip
    assert lines[recap + 4].startswith("1 passed, 1 failed, 2 error in ")
    assert lines[recap + 4].endswith("(exit 1)") and len(lines) == recap + 5
    assert "cell_program.py fail" in (project.root / "results/unit/fail.log").read_text()
    assert not COLOUR.search(project.output)  # not a terminal, no FORCE_COLOR


def test_a_run_where_everything_passed_has_no_recap(project: Project) -> None:
    project.write(
        MIXED.replace("[pass, fail, crash]", "[pass]").replace("services: [down]", "services: []")
    )
    assert project.run(env=NEUTRAL) == 0
    assert "did not pass" not in project.output
    assert project.output.splitlines()[-1].startswith("2 passed in ")


def test_a_terminal_gets_colour_and_no_color_takes_it_away(project: Project) -> None:
    project.write(MIXED)
    code, shown = on_a_terminal(project, terminal_env(project))
    assert code == 1, shown
    assert f"{RED}FAILED unit/fail" in shown  # the failed cell's line, red
    assert "\x1b[32mPASSED unit/pass" in shown
    assert "\x1b[1;31mERROR unit/crash" in shown
    assert f"{RED}3 cells did not pass:" in shown
    assert "results/unit/fail.log" in shown
    code, plain = on_a_terminal(project, terminal_env(project, NO_COLOR="1"))
    assert code == 1, plain
    assert not COLOUR.search(plain), COLOUR.findall(plain)[:5]
    assert "FAILED unit/fail" in plain and "3 cells did not pass:" in plain
    # Still the live view: the terminal's cursor is moved, only the colour is gone.
    assert "\x1b[?25l" in plain


def test_a_pipe_gets_colour_only_with_force_color(project: Project) -> None:
    project.write(MIXED)
    env = terminal_env(project)
    for forced, coloured in (({}, False), ({"FORCE_COLOR": "1"}, True)):
        run = project.cli("unit", env={**env, **forced})
        output, _ = run.communicate(timeout=120)
        assert run.returncode == 1, output
        assert bool(COLOUR.search(output)) is coloured, output
        assert "FAILED unit/fail" in output  # the whole line is painted, never a word in it
        assert "\x1b[?25l" not in output  # a pipe never gets the live view


def test_colour_follows_no_color_force_color_and_the_terminal(tmp_path: Path) -> None:
    master, slave = os.openpty()
    terminal = os.fdopen(slave, "w")
    pipe_read, pipe_write = os.pipe()
    pipe = os.fdopen(pipe_write, "w")
    closed = open(tmp_path / "file", "w")  # noqa: SIM115
    closed.close()
    try:
        assert wants_colour(terminal, {})
        assert not wants_colour(terminal, {"TERM": "dumb"})
        assert not wants_colour(terminal, {"NO_COLOR": "1"})
        assert not wants_colour(terminal, {"NO_COLOR": "1", "FORCE_COLOR": "1"})  # NO_COLOR wins
        assert wants_colour(terminal, {"NO_COLOR": ""})  # empty: as if unset
        assert not wants_colour(pipe, {})
        assert wants_colour(pipe, {"FORCE_COLOR": "1"})
        assert not wants_colour(pipe, {"FORCE_COLOR": "0"})
        assert not wants_colour(io.StringIO(), {})
        assert not wants_colour(closed, {})  # isatty() raises on a closed file
    finally:
        terminal.close()
        pipe.close()
        os.close(master)
        os.close(pipe_read)
    assert paint("FAILED a", "red", True) == "\x1b[31mFAILED a\x1b[0m"
    assert paint("FAILED a", "red", False) == "FAILED a"
    assert paint("note", None, True) == "note" and paint("", "red", True) == ""


def test_time_left_is_the_work_left_over_the_workers_but_never_less_than_its_longest_piece(
) -> None:  # fmt: skip
    recorded = {"u/a": 100.0, "u/b": 60.0, "u/c": 30.0}
    assert seconds_left(recorded, ["u/a", "u/b", "u/c"], {}, 2) == 100.0  # u/a alone
    assert seconds_left(recorded, ["u/b", "u/c"], {"u/a": 40.0}, 2) == 75.0  # (60+60+30)/2
    assert seconds_left(recorded, [], {"u/a": 150.0}, 2) == 0.0  # over its time: not negative
    # A cell never timed counts as a typical one: the median of what was recorded.
    assert seconds_left(recorded, ["u/new"], {}, 1) == 60.0
    assert seconds_left({}, ["u/a"], {}, 2) is None  # nothing recorded: no guess
    assert [clock(s) for s in (0, 0.2, 59.5, 60, 185, 3600, 3725)] == [
        "0s", "1s", "1m00s", "1m00s", "3m05s", "1h00m", "1h02m",
    ]  # fmt: skip


def test_the_live_view_shows_the_time_left_from_the_durations_file(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\naxes:\n  mode: [a, b, c, d]\n"
        "levels:\n  unit: {axes: [mode], run: 'true', junit: false}\n",
        encoding="utf-8",
    )
    matrix = load(tmp_path)
    results = tmp_path / "results"
    results.mkdir()
    (results / "durations.json").write_text(
        json.dumps({"unit/a": 100, "unit/b": 60, "unit/c": 30}), encoding="utf-8"
    )
    options = RunOptions(root=tmp_path, results_dir=results, stream=io.StringIO(), live=True,
                         jobs=2, env={"NO_COLOR": "1"})  # fmt: skip
    live = make_progress(options)
    assert isinstance(live, LiveProgress)

    def view() -> str:
        shown = io.StringIO()
        Console(file=shown, width=120, color_system=None).print(live._view())
        return shown.getvalue()

    live.begin(matrix.cells, {}, str(results))
    try:
        # Queued: 100, 60, 30 and unit/d never timed (the median, 60): max(250 / 2, 100).
        assert "0s elapsed, about 2m05s left  4 queued, 0 running" in view()
        live.started(matrix.cells[0], 1, "true")
        assert re.search(r"about 2m0[45]s left  3 queued, 1 running", view()), view()
        for cell in matrix.cells:
            live.finished(cell, Outcome(Status.PASSED, duration=1.0), Status.PASSED)
        assert "left" not in view() and "0 queued, 0 running, 4 passed" in view()
    finally:
        live.close()


def test_no_durations_no_estimate(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nlevels:\n  unit: {run: 'true', junit: false}\n", encoding="utf-8"
    )
    options = RunOptions(root=tmp_path, results_dir=tmp_path / "results",
                         stream=io.StringIO(), live=True)  # fmt: skip
    live = make_progress(options)
    assert isinstance(live, LiveProgress)
    live.begin(load(tmp_path).cells, {}, "results")
    try:
        shown = io.StringIO()
        Console(file=shown, width=120).print(live._view())
        assert "0s elapsed  1 queued, 0 running" in shown.getvalue()
    finally:
        live.close()


def test_a_log_outside_the_project_is_shown_by_its_full_path(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "matrix.yaml").write_text(
        "version: 1\nlevels:\n  unit: {run: 'true', junit: false}\n", encoding="utf-8"
    )
    cell = load(tmp_path / "project").cells[0]
    log = tmp_path / "elsewhere" / "unit" / "unit.log"
    log.parent.mkdir(parents=True)
    log.write_text("E boom\n", encoding="utf-8")
    stream = io.StringIO()
    progress = Progress(stream, results=tmp_path / "elsewhere", root=tmp_path / "project")
    progress.begin([cell], {}, "elsewhere")
    progress.finished(cell, Outcome(Status.FAILED, "1 of 1 test failed\nmore"), Status.FAILED)
    progress.end({cell.id: Status.FAILED}, 1.0, 1)
    assert stream.getvalue().splitlines()[-3:] == [
        "1 cell did not pass:",
        f"  failed  unit/unit  {log}  1 of 1 test failed",
        "1 failed in 1.0s (exit 1)",
    ]


@pytest.mark.parametrize("reason", ["", "exit code 1"])
def test_a_recap_line_without_a_reason_has_no_trailing_blanks(tmp_path: Path, reason: str) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nlevels:\n  unit: {run: 'true', junit: false}\n", encoding="utf-8"
    )
    cell = load(tmp_path).cells[0]
    progress = Progress(io.StringIO(), results=tmp_path / "results", root=tmp_path)
    progress.begin([cell], {}, "results")
    progress.finished(cell, Outcome(Status.ERROR, reason), Status.ERROR)
    line = progress.recap()[1][0]
    assert line == "  error  unit/unit  no log" + (f"  {reason}" if reason else "")
