"""Schema errors and reference errors in one validate run, without the errors that are
only consequences of the schema errors."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.errors import ConfigError
from matrixgen.load.document import parse
from matrixgen.load.loader import validate_schema
from matrixgen.load.pruning import salvage

from .project import errors, validate

BROKEN = """\
    version: 2
    axes:
      backend: {values: {s3: {label: [1]}, gcs: {}}}
      mode: [on, off]
    services:
      db: {command: x}
    levels:
      unit: {axes: [backend, mdoe], run: t, timeout: soon}
      broken: {axes: [backend], suites: {}}
      other: {axes: [backend], services: [db, dbb], run: t}
      multi:
        suites: {one: {run: t, axes: [backend]}, two: {run: t}}
    include:
      - {level: broken, backend: s3}
      - {level: multi, suite: "o n", backend: gcs}
      - {level: nope, backend: s3}
    exclude:
      - match: {level: broken, backend: s4}
        reason: r
      - match: {mode: "on", level: other}
        reason: never matches a cell, but stale rules need the whole matrix
    outputs:
      github: {file: ci.yml, shards: {broken: 2, unti: 3}}
    """


def schema_only(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        validate_schema(parse(textwrap.dedent(text), "matrix.yaml"))
    return [str(problem) for problem in caught.value.problems]


def test_schema_and_reference_errors_at_once(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = errors(validate(matrixgen, tmp_path, monkeypatch, BROKEN))
    assert found == [
        "matrix.yaml:1:10: version: unsupported version 2; set `version: 1` "
        "(the only version there is)",
        "matrix.yaml:3:34: axes.backend.values.s3.label: expected a string, got a list; "
        "quote the text if it holds ': ', '- ' or brackets",
        "matrix.yaml:4:10: axes.mode[0]: YAML reads the unquoted on as the boolean true; "
        'quote it: "on"',
        "matrix.yaml:4:14: axes.mode[1]: YAML reads the unquoted off as the boolean false; "
        'quote it: "off"',
        "matrix.yaml:6:8: services.db.command: unknown key 'command'; "
        "allowed keys: process, compose, github, install, env, setup, scope",
        # A reference error beside the schema errors of its level.
        "matrix.yaml:8:26: levels.unit.axes[1]: unknown axis 'mdoe' (did you mean 'mode'?)",
        "matrix.yaml:8:50: levels.unit.timeout: 'soon' is not a duration; "
        "write seconds (90) or use units: 30s, 20m, 1h30m",
        "matrix.yaml:9:11: levels.broken: `suites:` is empty; declare at least one suite or "
        "drop the key",
        # `db` has a schema error, but it is declared: still a did-you-mean.
        "matrix.yaml:10:43: levels.other.services[1]: unknown service 'dbb' (did you mean 'db'?)",
        # Not also "level 'multi' has several suites; add `suite:`".
        "matrix.yaml:15:27: include[1].suite: 'o n' is not a valid name: use only letters, "
        "digits, '.', '_' and '-' (put free text in `label:`)",
        # Not "unknown level 'broken'" for include[0], exclude[0] or the shards.
        "matrix.yaml:16:13: include[2].level: unknown level 'nope'; "
        "use one of unit, broken, other, multi, or declare it",
        "matrix.yaml:18:37: exclude[0].match.backend: unknown value of axis 'backend': 's4'; "
        "use one of s3, gcs, or declare it",
        "matrix.yaml:23:46: outputs.github.shards.unti: unknown level 'unti' "
        "(did you mean 'unit'?)",
    ]
    # The schema problems are exactly those of the schema check alone.
    schema = schema_only(BROKEN)
    assert [line for line in found if line in schema] == schema and len(schema) == 8


@pytest.mark.parametrize(
    ("text", "references"),
    [
        # Nothing left to check: the top level is not a mapping.
        ("- version: 1\n", []),
        # No `levels:` at all: the references that need none are still checked.
        ("version: 1\naxes: {b: [x]}\nexclude: [{match: {b: y}, reason: r}]\n", [
            "matrix.yaml:3:23: exclude[0].match.b: unknown value of axis 'b': 'y'; "
            "use one of x, or declare it"
        ]),
        # Every level broken: they are still declared.
        ("version: 1\nlevels: {u: {suites: {}}}\ninclude: [{level: u}]\n", []),
        # A valid model with a repeated short-form value.
        ("version: 1\naxes: {b: [x, x]}\nlevels: {u: {axes: [c], run: t}}\n", [
            "matrix.yaml:3:21: levels.u.axes[0]: unknown axis 'c'; use one of b, or declare it"
        ]),
        # An axis whose every value is broken is not also empty.
        ("version: 1\naxes: {b: [on, {y: 1}]}\nlevels: {u: {axes: [b], run: t}}\n", []),
    ],
)  # fmt: skip
def test_what_remains_is_checked(text: str, references: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_schema(doc := parse(text, "matrix.yaml"))
    assert caught.value.problems
    assert [str(problem) for problem in salvage(doc)] == references


def test_list_items_after_a_dropped_one_keep_their_place() -> None:
    text = """\
        version: 1
        axes: {b: [x]}
        levels: {u: {axes: [b], run: t}}
        exclude:
          - {match: {b: x}}
          - {match: {b: z}, reason: r}
        """
    doc = parse(textwrap.dedent(text), "matrix.yaml")
    assert [str(problem) for problem in salvage(doc)] == [
        "matrix.yaml:6:17: exclude[1].match.b: unknown value of axis 'b': 'z'; "
        "use one of x, or declare it"
    ]
