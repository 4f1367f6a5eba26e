"""What `validate` says about `compose:` and `junit:` of levels and suites: every file is
there, the tester is one of their services, env names fit a compose env file, and a
command that can write no JUnit while declaring nothing gets a warning (exit 0)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

V = Callable[[Path], tuple[int, str, str]]
E = Callable[[Path], list[str]]

APP = "services:\n  app:\n    image: app\n  tests:\n    image: app\n"


def project(root: Path, matrix: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(exist_ok=True)
    (root / "matrix.yaml").write_text(textwrap.dedent(matrix).lstrip())
    for name, text in (files if files is not None else {"harness/app.yml": APP}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def validate(matrixgen: Callable[..., Result]) -> Callable[[Path], tuple[int, str, str]]:
    def run(root: Path) -> tuple[int, str, str]:
        done = matrixgen("-C", str(root), "validate")
        return done.code, done.out, done.err

    return run


@pytest.fixture
def errors(validate: Callable[[Path], tuple[int, str, str]]) -> Callable[[Path], list[str]]:
    def problems(root: Path) -> list[str]:
        code, out, err = validate(root)
        assert code == 2, out + err
        return [line.split(str(root) + "/", 1)[-1] for line in err.splitlines()]

    return problems


LEVEL = """
version: 1
levels:
  it:
    compose: {files: [harness/app.yml], tester: tests}
    run: docker compose -f p/it.yml run --rm tests
outputs: {compose: "p/${cell}.yml"}
"""


def test_a_level_with_compose_files_and_a_tester_is_valid(tmp_path: Path, validate: V) -> None:
    code, _, err = validate(project(tmp_path, LEVEL))
    assert (code, err) == (0, "")  # a tester writes JUnit: no warning


def test_a_missing_compose_file_is_an_error_at_its_key(tmp_path: Path, errors: E) -> None:
    root = project(tmp_path, LEVEL, {})
    assert errors(root) == [
        "matrix.yaml:4:23: levels.it.compose.files[0]: no such file 'harness/app.yml' (the "
        "compose file; paths are relative to the folder of matrix.yaml); create it or fix the path"
    ]


def test_a_tester_no_file_defines_is_an_error_with_a_suggestion(tmp_path: Path, errors: E) -> None:
    root = project(tmp_path, LEVEL.replace("tester: tests", "tester: test"))
    assert errors(root) == [
        "matrix.yaml:4:49: levels.it.compose.tester: no service 'test' in harness/app.yml "
        "(did you mean 'tests'?); name a service they define"
    ]


def test_a_suite_adds_files_to_its_levels_and_names_its_own_tester(
    tmp_path: Path, errors: E
) -> None:
    matrix = """
        version: 1
        levels:
          it:
            compose: {files: [harness/app.yml]}
            suites:
              api: {compose: {files: [harness/api.yml], tester: api-tests}, run: "true"}
              web: {compose: {tester: tests}, run: "true", junit: false}
              cli: {compose: {tester: api-tests}, run: "true", junit: false}
        outputs: {compose: "p/${cell}.yml"}
    """
    files = {"harness/app.yml": APP, "harness/api.yml": "services:\n  api-tests: {image: x}\n"}
    root = project(tmp_path, matrix, files)
    assert errors(root) == [
        "matrix.yaml:8:31: levels.it.suites.cli.compose.tester: no service 'api-tests' in "
        "harness/app.yml (did you mean 'tests'?); name a service they define"
    ]


def test_a_tester_without_compose_files_is_an_error(tmp_path: Path, errors: E) -> None:
    root = project(tmp_path, LEVEL.replace("files: [harness/app.yml], ", ""))
    assert errors(root) == [
        "matrix.yaml:4:23: levels.it.compose.tester: tester 'tests' is a service of "
        "`compose.files`, and there are none; add the compose file that defines it"
    ]


def test_a_compose_file_that_is_not_yaml_is_an_error(tmp_path: Path, errors: E) -> None:
    root = project(tmp_path, LEVEL, {"harness/app.yml": "services: [\n"})
    (message,) = errors(root)
    assert message.startswith(
        "matrix.yaml:4:23: levels.it.compose.files[0]: 'harness/app.yml' is not a compose file "
        "matrixgen can read: not valid YAML at line 2"
    )


def test_an_alias_bomb_is_read_without_expanding_it(tmp_path: Path, validate: V) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    bomb += "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True))  # fmt: skip
    root = project(tmp_path, LEVEL, {"harness/app.yml": bomb + APP})
    code, _, err = validate(root)
    assert code == 0, err


def test_env_names_must_fit_a_compose_env_file(tmp_path: Path, errors: E, validate: V) -> None:
    matrix = LEVEL.replace("    run:", '    env: {"A B": "1", A.B-c_1: "2"}\n    run:')
    assert errors(project(tmp_path, matrix)) == [
        "matrix.yaml:5:11: levels.it.env.A B: 'A B' cannot be a name in a compose env file "
        "(outputs.compose writes one per profile); use letters, digits, '_', '.' and '-'"
    ]
    without = matrix.replace('outputs: {compose: "p/${cell}.yml"}\n', "")
    assert validate(project(tmp_path, without))[0] == 0


def test_a_command_that_can_write_no_junit_gets_a_warning_once(tmp_path: Path, validate: V) -> None:
    matrix = """
        version: 1
        axes: {db: [pg, my]}
        levels:
          unit: {axes: [db], run: pytest tests}
          lint: {run: ruff check, junit: false}
          it: {axes: [db], run: "pytest --junitxml=${junit}"}
          e2e:
            run: "pytest --junitxml=$MATRIXGEN_JUNIT"
            suites:
              api: {}
              ui: {run: npx playwright test}
          told: {run: pytest, env: {PYTEST_ADDOPTS: "--junitxml=${junit}"}}  # through its env
        overrides:
          - {match: {level: it, db: my}, run: go test ./...}
    """
    code, out, err = validate(project(tmp_path, matrix, {}))
    assert code == 0
    assert out.endswith("ok, 8 cells in 5 levels\n")
    warning = (
        "warning: this command names neither ${junit} nor MATRIXGEN_JUNIT, so it can write "
        "no JUnit and every run of it is an error; pass ${junit} to the test runner, or "
        "declare `junit: false` (its exit code decides: passed or failed)"
    )
    assert err.splitlines() == [
        f"{tmp_path}/matrix.yaml:4:27: levels.unit.run: {warning}",
        f"{tmp_path}/matrix.yaml:11:17: levels.e2e.suites.ui.run: {warning}",
        f"{tmp_path}/matrix.yaml:14:39: overrides[0].run: {warning}",
    ]
