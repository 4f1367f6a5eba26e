"""`${name}` placeholders: substitution, `$${` escapes, env, and validate-time checks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from matrixgen.errors import ConfigError
from matrixgen.load import placeholders
from matrixgen.load.matrix import load


def test_substitute_values_env_and_escapes() -> None:
    text = "pytest -m ${backend} --url=${env.URL} --literal=$${backend} ${env.MISSING}."
    out = placeholders.substitute(text, {"backend": "gcs"}, {"URL": "http://x"})
    assert out == "pytest -m gcs --url=http://x --literal=${backend} ."


def test_substitute_without_env_and_missing_name() -> None:
    assert placeholders.substitute("${env.HOME}", {}) == ""
    with pytest.raises(KeyError):
        placeholders.substitute("${nope}", {})


def test_names_skip_escapes() -> None:
    assert list(placeholders.names("a ${x} $${y} ${z}")) == [("x", 2), ("z", 13)]


def test_unknown_names() -> None:
    allowed = frozenset({"port"})
    found = [
        n for n, _ in placeholders.unknown("${port} ${env.OK} ${env.9bad} ${prot} $${x}", allowed)
    ]
    assert found == ["env.9bad", "prot"]


def _load(text: str) -> None:
    load(Path("."), "matrix.yaml", text="version: 1\n" + textwrap.dedent(text))


def test_escaped_placeholder_is_not_checked() -> None:
    _load("levels:\n  unit: {run: 'echo $${not_a_name} ${level} ${cell} ${junit} ${env.HOME}'}\n")


def test_args_may_be_in_run_lines_and_a_whole_argv_item() -> None:
    _load(
        """\
        axes: {b: [x, y]}
        levels:
          u: {axes: [b], run: 'pytest ${args} -m ${b}'}
          v: {axes: [b], suites: {s: {run: [pytest, "${args}", "${b}"]}}}
        overrides:
          - {match: {b: y}, run: 'pytest -k y ${args}'}
        """
    )


def test_pins_are_placeholders_too() -> None:
    _load("axes: {mode: [lww]}\nlevels:\n  it: {with: {mode: lww}, run: 'pytest -m ${mode}'}\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "levels:\n  unit: {run: 'pytest', env: {A: '${celll}'}}\n",
            "levels.unit.env.A: unknown placeholder '${celll}' (did you mean 'cell'?)",
        ),
        (
            "axes: {b: [x]}\nlevels:\n  u: {axes: [b], suites: {s: {run: [pytest, '${port}']}}}\n",
            "levels.u.suites.s.run[1]: unknown placeholder '${port}'",
        ),
        (
            "axes: {b: {values: {x: {env: {E: '${bb}'}}}}}\nlevels:\n  u: {axes: [b], run: t}\n",
            "axes.b.values.x.env.E: unknown placeholder '${bb}' (did you mean 'b'?)",
        ),
        (
            "axes: {b: [x]}\nlevels:\n  u: {axes: [b], run: t}\n"
            "overrides:\n  - {match: {b: x}, run: 'go ${bx}', env: {V: '${y}'}}\n",
            "overrides[0].run: unknown placeholder '${bx}' (did you mean 'b'?)",
        ),
        (
            "services:\n  s: {compose: c.yml, env: {U: '${hots}'}, setup: [[x, '${dirr}']]}\n"
            "levels:\n  u: {run: t}\n",
            "services.s.env.U: unknown placeholder '${hots}' (did you mean 'host'?)",
        ),
        (
            "levels:\n  u: {run: t}\noutputs: {compose: 'p/${levl}.yml'}\n",
            "outputs.compose: unknown placeholder '${levl}' (did you mean 'level'?)",
        ),
        (
            "levels:\n  u: {run: pytest, env: {OPTS: '${args}'}}\n",
            "matrix.yaml:3:32: levels.u.env.OPTS: '${args}' (the arguments after `--`) may only "
            "appear in run:; remove it here and put it in the run line",
        ),
        (  # an env variable named `run` is still env
            "levels:\n  u: {run: pytest, env: {run: '${args}'}}\n",
            "levels.u.env.run: '${args}' (the arguments after `--`) may only appear in run:",
        ),
        (
            "levels:\n  u: {run: [pytest, '--opts=${args}']}\n",
            "matrix.yaml:3:21: levels.u.run[1]: '${args}' in an argv list must be an item of its "
            "own, got '--opts=${args}'; write it as a separate item: "
            '[pytest, tests, "${args}"]',
        ),
        (
            "levels:\n  u: {run: 'pytest ${arg}'}\n",
            "levels.u.run: unknown placeholder '${arg}' (did you mean 'args'?)",
        ),
    ],
)
def test_unknown_placeholders_are_validate_errors(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(text)
    assert expected in str(caught.value)
