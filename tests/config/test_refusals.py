"""What validate refuses beyond the schema: missing or escaping files, unused level settings,
a version that is not the integer 1, tagged collections, the index's unrelated `matrixgen`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen import DISTRIBUTION, __version__

from .project import errors, validate

Validate = Callable[..., Result]
RELATIVE = "paths are relative to the folder of matrix.yaml"
INSIDE = (
    "must stay inside the project folder (the folder of matrix.yaml); "
    "write it relative to that folder, without '..' leading out of it"
)


@pytest.fixture
def check(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Validate:
    def run(text: str, files: tuple[str, ...] = ()) -> Result:
        return validate(matrixgen, tmp_path, monkeypatch, text, files)

    return run


def test_files_read_must_exist_and_paths_stay_inside(check: Validate, tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    text = """\
        version: 1
        axes: {b: [x, y]}
        services:
          s: {compose: compose/s.yml}
          t: {compose: /srv/t.yml}
          u: {compose: ../u.yml}
          v: {compose: folder}
        levels:
          a: {axes: [b], run: t, services: [s, t, u, v]}
        overrides:
          - match: {b: x}
            compose: {overlays: [here.yml, over.yml, a/../../o.yml]}
        outputs:
          nox: /tmp/noxfile.py
          github: ../ci.yml
          docs: {file: "C:/docs/m.md", rows: [b]}
          compose: "${cell}/../../p.yml"
        """
    assert errors(check(text, ("here.yml",))) == [
        f"matrix.yaml:4:16: services.s.compose: no such file 'compose/s.yml' "
        f"(the compose file; {RELATIVE}); create it or fix the path",
        f"matrix.yaml:5:16: services.t.compose: '/srv/t.yml' {INSIDE}",
        f"matrix.yaml:6:16: services.u.compose: '../u.yml' {INSIDE}",
        f"matrix.yaml:7:16: services.v.compose: 'folder' is a folder "
        f"(the compose file; {RELATIVE}); fix the path",
        f"matrix.yaml:12:36: overrides[0].compose.overlays[1]: no such file 'over.yml' "
        f"(the compose overlay; {RELATIVE}); create it or fix the path",
        f"matrix.yaml:12:46: overrides[0].compose.overlays[2]: 'a/../../o.yml' {INSIDE}",
        f"matrix.yaml:14:8: outputs.nox: '/tmp/noxfile.py' {INSIDE}",
        f"matrix.yaml:15:11: outputs.github.file: '../ci.yml' {INSIDE}",
        f"matrix.yaml:16:16: outputs.docs.file: 'C:/docs/m.md' {INSIDE}",
        f"matrix.yaml:17:12: outputs.compose: '${{cell}}/../../p.yml' {INSIDE}",
    ]


def test_an_output_may_not_be_the_project_folder(check: Validate) -> None:
    assert errors(check("version: 1\nlevels: {a: {run: t}}\noutputs: {nox: ./}\n")) == [
        "matrix.yaml:3:16: outputs.nox: './' is the project folder itself; name a file in it"
    ]


def test_dot_and_dot_dot_are_not_names(check: Validate) -> None:
    text = "version: 1\naxes: {b: [x, .], ..: [y]}\nlevels: {a: {axes: [b, ...], run: t}}\n"
    assert errors(check(text)) == [
        "matrix.yaml:2:15: axes.b[1]: '.' is not a valid name: names become parts of file "
        "paths, where '.' means the current folder; use letters, digits, '.', '_' and '-', "
        "not only dots",
        "matrix.yaml:2:19: axes...: '..' is not a valid name: names become parts of file paths, "
        "where '..' means the parent folder; use letters, digits, '.', '_' and '-', "
        "not only dots",
        "matrix.yaml:3:24: levels.a.axes[1]: unknown axis '...'; use one of b, or declare it",
    ]


def test_level_settings_every_suite_replaces(check: Validate) -> None:
    text = """\
        version: 1
        axes: {b: [x], c: [y]}
        services: {s: {compose: s.yml}}
        levels:
          u:
            axes: [b]
            run: t
            timeout: 5m
            services: [s]
            env: {A: a}
            suites:
              one: {axes: [c], run: a, timeout: 1m, services: false, env: {B: b}}
              two: {axes: [], run: b, services: true, env: {C: c}}
          v:
            run: t
            timeout: 5m
            suites:
              one: {run: a}
              two: {timeout: 1m}
        """
    unused = "remove it from the level or from the suites"
    assert errors(check(text, ("s.yml",))) == [
        f"matrix.yaml:6:5: levels.u.axes: unused: every suite sets its own axes; {unused}",
        f"matrix.yaml:7:5: levels.u.run: unused: every suite sets its own run; {unused}",
        f"matrix.yaml:9:5: levels.u.services: unused: every suite sets its own services; {unused}",
    ]


@pytest.mark.parametrize(("written", "shown"), [("true", "true"), ("1.0", "1.0"), ("'1'", "'1'")])
def test_only_the_integer_1_is_a_version(check: Validate, written: str, shown: str) -> None:
    assert errors(check(f"version: {written}\nlevels: {{u: {{run: t}}}}\n")) == [
        f"matrix.yaml:1:10: version: unsupported version {shown}; set `version: 1` "
        "(the only version there is)"
    ]


def test_tags_on_mappings_and_lists_are_refused(check: Validate) -> None:
    text = """\
        version: !!int 1
        axes: !!omap [b: [x]]
        levels: !custom
          u: {run: t, requires: !!set {docker}, env: &e !!map {A: a}}
          v: {run: t, env: *e, paths: !!seq [src]}
        """
    assert errors(check(text)) == [
        "matrix.yaml:2:7: axes: unsupported YAML tag !!omap on a list; matrixgen reads only "
        "plain mappings and lists: remove the tag",
        "matrix.yaml:3:9: levels: unsupported YAML tag !custom on a mapping; matrixgen reads "
        "only plain mappings and lists: remove the tag",
        "matrix.yaml:4:25: levels.u.requires: unsupported YAML tag !!set on a mapping; "
        "matrixgen reads only plain mappings and lists: remove the tag",
    ]


def test_the_unrelated_matrixgen_is_never_installed(check: Validate) -> None:
    text = """\
        version: 1
        levels: {u: {run: t}}
        outputs:
          matrixgen: "MatrixGen >= 0.1"
          install:
            - -e .[test]
            - matrixgen
            - matrixgen[extra]
            - "matrixgen; python_version > '3.9'"
            - matrixgen-cli==1
            - matrixgen @ file:///src/matrixgen
            - matrixgenx
        """
    unrelated = (
        "'matrixgen' on the package index is an unrelated project; matrixgen's own "
        f"distribution is '{DISTRIBUTION}', and `outputs.matrixgen` installs it"
    )
    line = f"{unrelated} (default {DISTRIBUTION}=={__version__}): remove this line"
    assert errors(check(text)) == [
        f"matrix.yaml:4:14: outputs.matrixgen: {unrelated}: write "
        f"`{DISTRIBUTION}=={__version__}` here, or remove the key for that default",
        f"matrix.yaml:7:7: outputs.install[1]: {line}",
        f"matrix.yaml:8:7: outputs.install[2]: {line}",
        f"matrix.yaml:9:7: outputs.install[3]: {line}",
        f"matrix.yaml:11:7: outputs.install[5]: {line}",
    ]


def test_an_install_line_names_one_requirements_file(check: Validate) -> None:
    """`pip install -r requirements.txt -r requirements-test.txt` (closeio/tasktiger's CI)
    copied as one install line: a requirements file's line, where pip reads one `-r`/`-c`
    and silently drops the others."""
    text = """\
        version: 1
        axes:
          v: {values: {a: {install: {pip: ["--requirement=a.txt -rb.txt"]}}}}
        services:
          s: {process: {command: [s]}, install: {pip: [-c c.txt x -c d.txt]}}
        levels:
          u:
            axes: [v]
            run: t
            services: [s]
            install: {pip: ["-c requirements.txt -r requirements-lint.txt", "-r one.txt"]}
            github: {install: {pip: ["-r ci.txt -r more.txt"]}}
        outputs:
          matrixgen: matrixgen-cli
          install: ["-r requirements.txt -r requirements-test.txt", "-e .[test]"]
          github: .github/workflows/m.yml
        """
    why = (
        "names 2 files, and an install line is a line of a requirements file, where pip reads "
        "one `-r`/`-c` and silently drops the others (uv takes the rest for the file's name); "
        "write each on a line of its own: "
    )
    assert errors(check(text)) == [
        f"matrix.yaml:3:36: axes.v.values.a.install.pip[0]: '--requirement=a.txt -rb.txt' "
        f'{why}["--requirement=a.txt", "-rb.txt"]',
        f"matrix.yaml:5:48: services.s.install.pip[0]: '-c c.txt x -c d.txt' "
        f'{why}["-c c.txt x", "-c d.txt"]',
        f"matrix.yaml:11:21: levels.u.install.pip[0]: '-c requirements.txt -r "
        f'requirements-lint.txt\' {why}["-c requirements.txt", "-r requirements-lint.txt"]',
        f"matrix.yaml:12:30: levels.u.github.install.pip[0]: '-r ci.txt -r more.txt' "
        f'{why}["-r ci.txt", "-r more.txt"]',
        f"matrix.yaml:15:13: outputs.install[0]: '-r requirements.txt -r "
        f'requirements-test.txt\' {why}["-r requirements.txt", "-r requirements-test.txt"]',
    ]


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (".inf", "at most 7 days"),
        (".nan", "at most 7 days"),
        ("1.0e+400", "at most 7 days"),
        ("700000", "at most 7 days"),
        ('"200h"', "at most 7 days"),
        ('"99999999999999999999999h"', "at most 7 days"),
        ("-.inf", "at most 7 days"),
        ("-5", "more than 0"),
        ("1e400", "is not a duration"),  # YAML 1.1 reads a number without a dot as a string
    ],
)
def test_durations_are_finite_and_at_most_a_week(
    check: Validate, matrixgen: Callable[..., Result], given: str, why: str
) -> None:
    """`timeout: .inf` validated once, and render then crashed with OverflowError."""
    text = f"""\
        version: 1
        axes: {{b: [x]}}
        levels:
          unit:
            {{axes: [b], run: "true", timeout: {given}, github: {{}}}}
        outputs: {{github: .github/workflows/matrix.yml}}
        """
    problems = errors(check(text))
    assert len(problems) == 1, problems
    assert problems[0].startswith("matrix.yaml:5:39: levels.unit.timeout: "), problems
    assert why in problems[0], problems
    result = matrixgen("render")
    assert result.code == 2 and "Traceback" not in result.err, result
    assert not Path(".github").exists()


def test_a_placeholder_in_a_nested_script_this_shell_expands_is_refused(check: Validate) -> None:
    """`run: bash -c "pytest $ARGS --junitxml=${junit}"`: the outer shell expands the script
    before bash reads it, so no quoting keeps the value data for both: refused where it is
    written, as a command that no values can make safe."""
    text = """\
        version: 1
        axes: {b: [x]}
        levels:
          unit: {axes: [b], run: 'bash -c "pytest $ARGS --junitxml=${junit}"'}
          list: {axes: [b], run: [env, sh, -c, 'eval "pytest $X ${b}"']}
          fine: {axes: [b], run: "bash -c 'pytest $ARGS --junitxml=${junit}'"}
        """
    problems = errors(check(text))
    assert [p.split(": ", 2)[:2] for p in problems] == [
        ["matrix.yaml:4:26", "levels.unit.run"],
        ["matrix.yaml:5:40", "levels.list.run[3]"],
    ], problems
    assert all("another shell reads" in p and "single quotes" in p for p in problems)


def test_an_install_line_takes_no_placeholder_but_pips_own_variables(check: Validate) -> None:
    """`redis==${redis-py}` in a level's install line (closeio/tasktiger's CI, adopted) reached
    pip as written and every cell's run failed; pip's own `${NAME}` is an environment
    variable pip fills, and stays."""
    text = """\
        version: 1
        axes:
          redis-py: [4.6.0, 5.0.1]
        levels:
          u:
            axes: [redis-py]
            run: t
            install: {pip: ["redis==${redis-py}", "-i https://${TOKEN}@example.com/simple x"]}
        outputs:
          matrixgen: matrixgen-cli
          install: ["-e .[${extras}]"]
        """
    assert errors(check(text)) == [
        "matrix.yaml:8:21: levels.u.install.pip[0]: 'redis==${redis-py}' names ${redis-py}, "
        "and an install line takes no placeholder: it is installed as written, the same for "
        "each cell that has it; give each value of 'redis-py' its own line "
        "(axes.redis-py.values.<value>.install.pip: [...])",
        "matrix.yaml:11:13: outputs.install[0]: '-e .[${extras}]' names ${extras}, and an "
        "install line takes no placeholder: it is installed as written, the same for each "
        "cell that has it; remove it, or write an environment variable pip fills, in upper "
        "case (${NAME})",
    ]


def test_a_level_install_written_as_a_list_says_the_mapping_to_write(check: Validate) -> None:
    text = """\
        version: 1
        levels:
          u: {run: t, install: [pytest]}
        """
    assert errors(check(text)) == [
        "matrix.yaml:3:24: levels.u.install: expected a mapping, got a list; write "
        "`install: {pip: [...]}` (apt: and npm: beside it), not a list"
    ]
