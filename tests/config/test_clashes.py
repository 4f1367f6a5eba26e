"""Two generated things with one name are validate errors, not render-time surprises."""

from __future__ import annotations

import ast
import builtins
import keyword
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.load.names import TEMPLATE_NAMES, function_name

from .project import errors, validate

Validate = Callable[..., Result]


@pytest.fixture
def check(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Validate:
    def run(text: str, files: tuple[str, ...] = ()) -> Result:
        return validate(matrixgen, tmp_path, monkeypatch, text, files)

    return run


@pytest.mark.parametrize(
    ("level", "function"),
    [
        ("unit", "unit"),
        ("a-b.c", "a_b_c"),
        ("2e.x", "level_2e_x"),
        ("class", "level_class"),
        ("nox", "level_nox"),
        ("list", "level_list"),
        ("str", "level_str"),
        ("match", "level_match"),
        ("case", "level_case"),
        ("type", "level_type"),
        ("_", "level__"),
        ("session", "level_session"),
        ("_matrixgen_cell", "level__matrixgen_cell"),
        ("_MATRIXGEN_INSTALL", "level__MATRIXGEN_INSTALL"),
        ("os", "level_os"),  # the template imports os, json and hashlib
        ("json", "level_json"),
        ("__name__", "level___name__"),
        ("aiter", "level_aiter"),
    ],
)
def test_a_function_name_never_shadows(level: str, function: str) -> None:
    assert function_name(level) == function


def test_no_function_name_is_a_keyword_builtin_or_template_name() -> None:
    taken = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins)) | TEMPLATE_NAMES
    for name in taken:
        made = function_name(name)
        assert made not in taken and made.isidentifier(), name


def test_the_generated_noxfile_keeps_its_builtins(
    check: Validate, matrixgen: Callable[..., Result], tmp_path: Path
) -> None:
    assert check("version: 1\nlevels: {list: {run: t}, nox: {run: t}}\noutputs: {nox: n.py}\n")
    assert matrixgen("render").code == 0
    tree = ast.parse((tmp_path / "n.py").read_text(encoding="utf-8"))
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    helpers = ["_matrixgen_cell"]
    assert functions == [*helpers, "level_list", "level_nox"]


def test_levels_whose_functions_collide(check: Validate) -> None:
    text = """\
        version: 1
        levels:
          list: {run: t}
          level_list: {run: t}
          a.b: {run: t}
          a-b: {run: t}
        outputs: {nox: noxfile.py}
        """
    assert errors(check(text)) == [
        "matrix.yaml:4:3: levels.level_list: levels 'list' and 'level_list' both make the "
        "function `level_list` of their nox sessions in noxfile.py; rename one of them",
        "matrix.yaml:6:3: levels.a-b: levels 'a.b' and 'a-b' both make the function `a_b` of "
        "their nox sessions in noxfile.py; rename one of them",
    ]
    assert check(text.replace("outputs: {nox: noxfile.py}", "")).code == 0


def test_job_ids_collide_ignoring_case_and_gate_and_plan_are_taken(check: Validate) -> None:
    text = """\
        version: 1
        levels:
          Unit: {run: t}
          unit: {run: t}
          a.b: {run: t}
          a_b: {run: t}
          Gate: {run: t}
          plan: {run: t}
        outputs: {github: ci.yml}
        """
    assert errors(check(text)) == [
        "matrix.yaml:4:3: levels.unit: levels 'Unit' and 'unit' both make the GitHub job id "
        "'unit' (job ids ignore case); rename one of them",
        "matrix.yaml:6:3: levels.a_b: levels 'a.b' and 'a_b' both make the GitHub job id "
        "'a_b' (job ids ignore case); rename one of them",
        "matrix.yaml:7:3: levels.Gate: level 'Gate' would take the GitHub job id 'Gate', which "
        "the workflow's gate job has (job ids ignore case); rename the level",
        "matrix.yaml:8:3: levels.plan: level 'plan' would take the GitHub job id 'plan', which "
        "the workflow's plan job has (job ids ignore case); rename the level",
    ]
    # Without a workflow the job ids do not matter, but the results folders still do.
    assert errors(check(text.replace("outputs: {github: ci.yml}", ""))) == [
        "matrix.yaml:4:3: levels.unit: cells Unit/Unit and unit/unit differ only in case: on a "
        "case-insensitive file system (macOS, Windows) both write results/unit/unit.xml; "
        "rename a level, suite or value so that they differ in more than case"
    ]


def test_a_level_job_id_may_not_be_a_plan_output_name(check: Validate) -> None:
    text = """\
        version: 1
        levels:
          unit: {run: t}
          unit-size: {run: t}
          cells: {run: t}
        outputs: {github: {file: ci.yml, affected: true}}
        """
    assert errors(check(text)) == [
        "matrix.yaml:4:3: levels.unit-size: level 'unit-size' needs the plan job output "
        "'unit-size', which is already the matrix of level 'unit' (output names ignore case); "
        "rename the level",
        "matrix.yaml:5:3: levels.cells: level 'cells' needs the plan job output 'cells', which "
        "is already the list of planned cells (output names ignore case); rename the level",
    ]
    assert check(text.replace(", affected: true", "")).code == 0


def test_artifact_names_collide_ignoring_case_and_with_shards(check: Validate) -> None:
    text = """\
        version: 1
        axes: {b: [x-y, z], c: [y, "1", "3"]}
        levels:
          a: {axes: [b], run: t}
          A-x: {axes: [c], run: t}
          p: {suites: {one: {run: u}, two: {run: v}}}
          p-shard: {axes: [c], run: t}
        outputs:
          github: {file: ci.yml, shards: {p: 2}}
        """
    assert errors(check(text)) == [
        "matrix.yaml:5:3: levels.A-x: cell A-x/y makes the CI artifact name 'A-x-y', which "
        "cell a/x-y also makes (artifact names ignore case); rename a level, suite or value "
        "so they differ",
        "matrix.yaml:7:3: levels.p-shard: cell p-shard/1 makes the CI artifact name "
        "'p-shard-1', which shard 1 of level 'p' (outputs.github.shards) also makes (artifact "
        "names ignore case); rename a level, suite or value so they differ",
    ]
    # Without shards, `p` has cell artifacts, p-one and p-two: no clash with p-shard-1.
    unsharded = text.replace(", shards: {p: 2}", "").replace("A-x:", "B-x:")
    assert check(unsharded).code == 0


def test_two_cells_in_one_compose_profile(check: Validate) -> None:
    text = """\
        version: 1
        axes: {b: [x, y]}
        services: {s: {compose: s.yml}}
        levels:
          a: {axes: [b], run: t, services: [s]}
          bare: {axes: [b], run: t, services: false}
        outputs: {compose: "p/${level}.yml"}
        """
    # `bare` gets no profile (no service with a compose file, no overlay): no clash there.
    assert errors(check(text, ("s.yml",))) == [
        "matrix.yaml:7:20: outputs.compose: outputs.compose puts cells a/x and a/y in one file "
        "(p/a.yml); give each cell its own file, e.g. with ${level}/${cell} in it",
    ]
    assert check(text.replace("${level}.yml", "${level}/${cell}.yml"), ("s.yml",)).code == 0


def test_two_outputs_in_one_file(check: Validate) -> None:
    text = """\
        version: 1
        axes: {b: [x]}
        levels: {a: {run: t}}
        outputs:
          nox: ci/../noxfile.py
          github: ./noxfile.py
          docs: {file: matrix.yaml, rows: [b]}
        """
    assert errors(check(text)) == [
        "matrix.yaml:6:11: outputs.github.file: ./noxfile.py is also written by outputs.nox; "
        "give each output a file of its own",
        "matrix.yaml:7:16: outputs.docs.file: matrix.yaml is the matrix file itself; give each "
        "output a file of its own",
    ]


def test_a_compose_profile_on_another_file(check: Validate) -> None:
    text = """\
        version: 1
        axes: {b: [x, y]}
        services: {s: {compose: shared/y.yml}}
        levels:
          a: {axes: [b], run: t, services: [s]}
        outputs:
          nox: shared/x.yml
          compose: "shared/${cell}.yml"
        """
    assert errors(check(text, ("shared/y.yml",))) == [
        "matrix.yaml:8:12: outputs.compose: outputs.compose puts the profile of cell a/x in "
        "shared/x.yml, which is also written by outputs.nox; give each output a file of its own",
        "matrix.yaml:8:12: outputs.compose: outputs.compose puts the profile of cell a/y in "
        "shared/y.yml, which is the compose file of services.s; give each output a file of "
        "its own",
    ]


def test_values_that_differ_only_in_case_are_refused_at_the_value(check: Validate) -> None:
    """S3 and s3 validated, then shared one compose project, and one results file and
    profile on a case-insensitive file system (macOS's default)."""
    text = """\
        version: 1
        axes:
          backend:
            values:
              s3: {label: S3}
              S3: {label: S3 again}
          mode: [lww, LWW, cas]
        levels:
          unit: {axes: [backend, mode], run: "true"}
        """
    assert errors(check(text)) == [
        "matrix.yaml:6:7: axes.backend.values.S3: values 's3' and 'S3' of axis 'backend' differ "
        "only in case: their cells would share results files and profiles on a "
        "case-insensitive file system (macOS, Windows) and one compose project; rename one of "
        "them",
        "matrix.yaml:7:15: axes.mode[1]: values 'lww' and 'LWW' of axis 'mode' differ "
        "only in case: their cells would share results files and profiles on a "
        "case-insensitive file system (macOS, Windows) and one compose project; rename one of "
        "them",
    ]


def test_levels_that_differ_only_in_case_are_refused(check: Validate) -> None:
    text = """\
        version: 1
        axes: {b: [x]}
        levels:
          unit: {axes: [b], run: "true"}
          Unit: {axes: [b], run: "true"}
        """
    assert errors(check(text)) == [
        "matrix.yaml:5:3: levels.Unit: cells unit/x and Unit/x differ only in case: on a "
        "case-insensitive file system (macOS, Windows) both write results/unit/x.xml; rename "
        "a level, suite or value so that they differ in more than case"
    ]


def test_one_compose_project_for_two_cells_is_refused(check: Validate) -> None:
    """`component/redis-lww` and `component-redis/lww` made one compose project, so one
    cell's teardown removed the other's stack."""
    text = """\
        version: 1
        name: app
        axes:
          store: [redis]
          mode: [lww]
        services:
          redis: {compose: compose/redis.yml}
        levels:
          component: {axes: [store, mode], services: [redis], run: "true"}
          component-redis: {axes: [mode], services: [redis], run: "true"}
        outputs: {compose: "testing/${level}/${cell}.yml"}
        """
    assert errors(check(text, ("compose/redis.yml",))) == [
        "matrix.yaml:10:3: levels.component-redis: cells component/redis-lww and "
        "component-redis/lww both make the compose project 'app-component-redis-lww' (compose "
        "names are lowercase, other characters become '-'), so one cell's teardown would "
        "remove the other's stack; rename a level, suite or value"
    ]


def test_a_cell_named_like_another_cells_earlier_attempt_is_refused(check: Validate) -> None:
    text = """\
        version: 1
        axes:
          name: [a, a.attempt-1, a.Attempt-22]
        levels:
          unit: {axes: [name], run: "true"}
        """
    assert sorted(errors(check(text))) == [
        f"matrix.yaml:5:3: levels.unit: cell unit/{name} would write results/unit/{name}.xml, "
        "where a retried cell unit/a keeps an earlier attempt; rename a value so that the cell "
        "name does not end in .attempt-N"
        for name in ("a.Attempt-22", "a.attempt-1")
    ]


@pytest.mark.parametrize("level", [".matrixgen", "durations.json", ".MatrixGen"])
def test_a_level_named_after_what_the_results_folder_keeps_is_refused(
    check: Validate, level: str
) -> None:
    text = f"""\
        version: 1
        levels:
          {level}: {{run: "true"}}
        """
    (problem,) = errors(check(text))
    assert problem.startswith(f"matrix.yaml:3:3: levels.{level}: level '{level}' would put its ")
    assert "rename the level" in problem
