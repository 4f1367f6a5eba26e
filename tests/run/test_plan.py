"""Planning a run without running it: options, order, env, service modes, requirements, progress."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from matrixgen.errors import UsageError
from matrixgen.load.cells import Cell
from matrixgen.load.matrix import load
from matrixgen.outcome.status import Status
from matrixgen.run import RunOptions, plan, run_cells
from matrixgen.run.attempt import Outcome, cell_env, namespace
from matrixgen.run.progress import LiveProgress, Progress, make_progress
from matrixgen.run.requirements import unmet
from matrixgen.run.scheduler import exit_code, order_longest_first

DESIGN = Path(__file__).parents[1] / "data" / "design"


def cli_options(root: Path, **changes: object) -> RunOptions:
    settings: dict[str, object] = {
        "jobs": 2, "timeout": "90s", "retries": 1, "fail_fast": False, "results_dir": None,
        "services_mode": "auto", "quiet": False, "verbose": False, "root": root, "env": {},
    }  # fmt: skip
    settings.update(changes)
    return RunOptions.from_cli(**settings)  # type: ignore[arg-type]


def test_from_cli_parses_durations_and_defaults_results(tmp_path: Path) -> None:
    options = cli_options(tmp_path)
    assert options.timeout == 90.0
    assert options.results_dir == tmp_path / "results"
    assert cli_options(tmp_path, timeout="1h30m", results_dir=Path("out")).timeout == 5400
    assert cli_options(tmp_path, results_dir=Path("out")).results_dir == tmp_path / "out"
    with pytest.raises(UsageError, match="--timeout"):
        cli_options(tmp_path, timeout="soon")
    with pytest.raises(UsageError, match="--services"):
        cli_options(tmp_path, services_mode="podman")


def test_durations_round_trip_and_order_longest_first(tmp_path: Path) -> None:
    cells = load(DESIGN).cells
    ordered = order_longest_first(cells, {cells[0].id: 1.0, cells[1].id: 9.0})
    assert ordered[-1] == cells[0]  # shortest known last; cells never timed count as longest
    assert ordered.index(cells[1]) < ordered.index(cells[0])


def test_cell_env_fills_placeholders_and_names_the_cell(tmp_path: Path) -> None:
    cell = next(c for c in load(DESIGN).cells if c.id == "integration/sqs-gcs")
    space = namespace("0123456789abcdef", cell, 1)
    assert re.fullmatch(r"[a-z][a-z0-9]{2,62}", space)
    assert namespace("0123456789abcdef", cell, 2) != space
    junit = tmp_path / "results" / "integration" / "sqs-gcs.xml"
    env = cell_env(cell, {"PATH": "/bin"}, {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, junit, space,
                   results=junit.parent.parent)  # fmt: skip
    assert env["MATRIXGEN_CELL"] == "integration/sqs-gcs"
    assert env["MATRIXGEN_LEVEL"] == "integration"
    assert (env["MATRIXGEN_TRANSPORT"], env["MATRIXGEN_BACKEND"], env["MATRIXGEN_MODE"]) == (
        "sqs",
        "gcs",
        "lww",
    )
    assert env["MATRIXGEN_JUNIT"] == str(junit)
    assert env["MATRIXGEN_NAMESPACE"] == space
    assert env["MATRIXGEN_RESULTS"] == str(tmp_path / "results")  # what a tester's profile mounts
    assert env["STATE_BUCKET"] == "asya-results"  # from the matching override
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


def test_plan_skips_unmet_requirements_and_picks_native_without_an_engine() -> None:
    matrix = load(DESIGN)
    options = RunOptions(
        root=matrix.root, results_dir=matrix.root / "results", env={"PATH": "/usr/bin:/bin"}
    )
    runnable, skipped, modes = plan(matrix, matrix.cells, options)
    why = {c.id: reason for c, reason in skipped}
    assert all("requires docker, kind" in why[c.id] for c in matrix.cells if c.level == "e2e")
    # rabbitmq has only `compose:` and no engine answers here: its cells are skipped, saying so.
    assert "service rabbitmq runs only under Docker" in why["integration/rabbitmq-s3"]
    assert {c.level for c, _ in skipped} == {"e2e", "integration"}
    assert all("rabbitmq" not in c.services for c in runnable)
    assert set(modes.values()) == {"native"} and "rabbitmq" not in modes
    assert {c.id for c in runnable} | {c.id for c, _ in skipped} == {c.id for c in matrix.cells}
    with pytest.raises(UsageError, match="no Docker engine"):
        plan(
            matrix,
            matrix.cells,
            RunOptions(root=matrix.root, results_dir=matrix.root, services_mode="compose"),
        )


def test_compose_only_service_without_engine_is_a_skip(tmp_path: Path) -> None:
    (tmp_path / "compose").mkdir()
    (tmp_path / "compose" / "kafka.yml").write_text("services: {kafka: {image: kafka}}\n")
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nservices:\n  kafka: {compose: compose/kafka.yml}\n"
        "levels:\n  component: {services: [kafka], run: 'true'}\n"
    )
    matrix = load(tmp_path)
    results = tmp_path / "results"
    options = RunOptions(
        root=tmp_path,
        results_dir=results,
        env={"PATH": "/usr/bin:/bin"},
        stream=io.StringIO(),
        live=False,
    )
    assert run_cells(matrix, matrix.cells, options) == 0
    assert "runs only under Docker" in (results / "component" / "component.xml").read_text()
    assert unmet(("sh",), {"PATH": "/usr/bin:/bin"}) is None
    with pytest.raises(UsageError, match="no cells selected"):
        run_cells(matrix, [], options)


def test_exit_codes() -> None:
    assert exit_code({"a": Status.PASSED, "b": Status.SKIPPED, "c": Status.FLAKY}, False) == 0
    assert exit_code({"a": Status.PASSED, "b": Status.ERROR}, False) == 1
    assert exit_code({"a": Status.PASSED, "b": None}, False) == 0  # None: interrupted
    assert exit_code({"a": Status.FAILED}, True) == 130


def test_progress_kinds_and_live_view(tmp_path: Path) -> None:
    cell = load(DESIGN).cells[0]
    stream = io.StringIO()
    assert (
        type(make_progress(RunOptions(root=tmp_path, results_dir=tmp_path, stream=stream)))
        is Progress
    )
    env = {"CI": "true"}
    assert (
        type(make_progress(RunOptions(root=tmp_path, results_dir=tmp_path, stream=stream, env=env)))
        is Progress
    )
    live = make_progress(RunOptions(root=tmp_path, results_dir=tmp_path, stream=stream, live=True))
    assert isinstance(live, LiveProgress)
    live.begin([cell], {"s3": "native"}, "results")
    live.service("s3", "ready", "in 0.5s")
    live.started(cell, 1, "pytest")
    rendered = io.StringIO()
    from rich.console import Console

    Console(file=rendered, width=120).print(live._view())
    assert "service s3" in rendered.getvalue() and f"running {cell.id}" in rendered.getvalue()
    failed = Outcome(Status.FAILED, "1 of 3 tests failed", 1.0, "E assert")
    live.finished(cell, failed, Status.FAILED)
    live.end({cell.id: Status.FAILED}, 1.0, 1)
    live.close()
    assert (
        f"FAILED {cell.id}" in stream.getvalue()
        and "1 failed in 1.0s (exit 1)" in stream.getvalue()
    )


def test_cli_maps_a_bad_timeout_to_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matrixgen.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["-C", str(DESIGN), "run", "unit", "--timeout", "later", "--results", str(tmp_path)])
    assert stop.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_matrix_cells_are_cells() -> None:
    assert all(isinstance(c, Cell) for c in load(DESIGN).cells)
