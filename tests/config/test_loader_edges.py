"""Corners of the loader pipeline that the corpus does not reach."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.errors import ConfigError, UsageError
from matrixgen.load.document import Document, parse
from matrixgen.load.loader import locate, schema_problems
from matrixgen.load.matrix import Matrix, load

from .golden import DESIGN, REPO


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(Path("."), "matrix.yaml", text=textwrap.dedent(text))
    return [f"{p.line}:{p.column}: {p.path}: {p.message}" for p in caught.value.problems]


def loaded(text: str) -> Matrix:
    return load(Path("."), "matrix.yaml", text="version: 1\n" + textwrap.dedent(text))


def test_missing_file_and_directory(matrixgen: Callable[..., Result], tmp_path: Path) -> None:
    missing = matrixgen("-C", str(tmp_path), "validate")
    assert missing.code == 2
    assert (
        missing.err
        == f"{tmp_path}/matrix.yaml:1:1: file not found; create it or pass -f FILE / -C DIR\n"
    )
    (tmp_path / "sub").mkdir()
    folder = matrixgen("-C", str(tmp_path), "validate", "-f", "sub")
    assert folder.code == 2 and "is a directory, expected a YAML file" in folder.err


def test_display_path_for_dot_and_absolute_files(tmp_path: Path) -> None:
    assert locate(Path("."), None).display == "matrix.yaml"
    absolute = str(tmp_path / "m.yaml")
    assert locate(tmp_path, absolute).display == absolute
    assert locate(None, "x.yaml").root == Path.cwd()


def test_lone_surrogates_from_a_caller() -> None:
    assert problems("version: 1\nname: a\ud800\n") == [
        "2:8: : not valid Unicode text; save the file as UTF-8"
    ]


def test_deep_nesting_through_aliases_without_a_cycle() -> None:
    deep = "[" * 40 + "x" + "]" * 40
    text = f"version: 1\na: &a {deep}\nb: &b {'[' * 30}*a{']' * 30}\nlevels: {{u: {{run: t}}}}\n"
    assert problems(text) == [
        "3:1: b: nested deeper than 64 levels through YAML aliases; write the values out instead"
    ]


def test_keys_must_be_scalars() -> None:
    assert problems("version: 1\n? [a, b]\n: c\nlevels: {u: {run: t}}\n") == [
        "2:3: : a key must be a plain name, not a list or mapping; rename it"
    ]


def test_explicit_tags_that_do_not_parse_stay_text() -> None:
    doc = parse("a: !!int abc\nb: !!float x\nc: 2001-12-14\nd: !!binary aGk=\ne: ~\n", "m.yaml")
    assert doc.data == {"a": "abc", "b": "x", "c": "2001-12-14", "d": "aGk=", "e": None}
    assert doc.scalars[("c",)] == "2001-12-14" and doc.scalars[("e",)] == "~"


def test_where_walks_up_to_the_closest_known_position() -> None:
    doc = parse("a:\n  b: [1, 2]\n", "m.yaml")
    assert doc.where(("a", "b", 1)) == (2, 10)
    assert doc.where(("a", "b", 7)) == (2, 6)
    assert doc.where(("a", "b"), key=True) == (2, 3)
    assert doc.where(("nope",)) == (1, 1)
    bare = Document(file="m.yaml", data={}, key_marks={("k",): (3, 4)})
    assert bare.where(("k", "x")) == (3, 4)
    assert bare.where(("z",)) == (1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nlevels: {u: {run: t}}\noutputs: {github: {affected: maybe}}\n",
            "3:30: outputs.github.affected: expected true/false, got a string ('maybe'); "
            "write true or false",
        ),
        (
            "version: 1\nlevels: {u: {run: t}}\nexclude: [{match: {}, reason: r}]\n",
            "3:19: exclude[0].match: must not be empty; fill it in or remove the key",
        ),
        (
            "version: 1\nlevels: {u: {run: t}}\nexclude: [{match: {level: u}, reason: ' '}]\n",
            "3:39: exclude[0].reason: must not be empty; fill it in or remove the key",
        ),
        (
            "version: 1\nlevels: {u: {run: t}}\noutputs: {github: {coverage: {fail_under: 120}}}\n",
            "3:43: outputs.github.coverage.fail_under: must be less than or equal to 100, got 120",
        ),
        (
            "version: 1\nlevels: {u: {suites: {}}}\n",
            "2:13: levels.u: `suites:` is empty; declare at least one suite or drop the key",
        ),
        (
            "version: 1\naxes: {b: [x, y, x]}\nlevels: {u: {run: t}}\n",
            "2:18: axes.b[2]: duplicate value 'x'; remove one",
        ),
        (
            "version: 1\naxes: {b: {values: [x, {y: 1}]}}\nlevels: {u: {run: t}}\n",
            "2:24: axes.b.values[1]: expected a value name, got a mapping; for labels or services "
            "write the long form `values: {name: {label: ...}}`",
        ),
        (
            "version: 1\nlevels:\n  u:\n",
            "3:5: levels.u: expected a mapping, got nothing; fill it in or remove the key",
        ),
        (
            "version: 1\nlevels: {u: {run: {a: b}}}\n",
            "2:19: levels.u.run: expected a string or a list, got a mapping; "
            "quote the text if it holds ': ', '- ' or brackets",
        ),
        (
            "version: 1\nlevels: {u: {run: t, timeout: [1]}}\n",
            "2:31: levels.u.timeout: expected a number, got a list; "
            "see `matrixgen schema` for the expected shape",
        ),
        (
            "version: 1\nlevels: {u: {run: t}}\naxes: {b: {values: {}}}\n",
            "3:20: axes.b.values: an axis needs at least one value; add one or remove the axis",
        ),
    ],
)
def test_schema_messages(text: str, expected: str) -> None:
    assert expected in problems(text)


def test_an_error_kind_without_its_own_wording_still_names_the_fix() -> None:
    doc = parse("version: 1\nlevels: {}\n", "m.yaml")
    error = {
        "type": "url_parsing",
        "loc": ("levels",),
        "msg": "Input should be a valid URL",
        "input": {},
    }
    (problem,) = schema_problems(doc, [error])
    assert (
        problem.message
        == "Input should be a valid URL; see `matrixgen schema` for the expected shape"
    )
    assert (problem.line, problem.column, problem.path) == (2, 9, "levels")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "levels: {u: {run: t, services: [db]}}\n",
            "unknown service 'db'; none is declared: declare it first",
        ),
        (
            "axes: {mode: [lww]}\nlevels: {u: {with: {mdoe: lww}, run: t}}\n",
            "levels.u.with.mdoe: unknown axis 'mdoe' (did you mean 'mode'?)",
        ),
        (
            "levels: {u: {run: t}}\ninclude: [{level: x}]\n",
            "include[0].level: unknown level 'x'; use one of u, or declare it",
        ),
        (
            "axes: {b: [x]}\nlevels: {u: {axes: [b], run: t}}\n"
            "outputs: {docs: {file: d.md, rows: [b], columns: levl}}\n",
            "outputs.docs.columns: unknown axis 'levl' (did you mean 'level'?)",
        ),
        (
            "levels: {u: {run: t}}\noutputs: {github: {shards: {uu: 2}}}\n",
            "outputs.github.shards.uu: unknown level 'uu' (did you mean 'u'?)",
        ),
        (
            "axes: {b: [x, y]}\nlevels: {u: {axes: [b], run: t}}\n"
            "overrides: [{match: {level: u, c: x}}]\n",
            "overrides[0].match.c: unknown axis 'c'; use one of b, level, suite, or declare it",
        ),
        (
            "axes: {b: [x, y], c: [z]}\nlevels: {u: {axes: [b], run: t}}\n"
            "overrides: [{match: {b: x, c: z}, env: {A: '1'}}]\n",
            "overrides[0]: stale rule: this override matches no cell "
            "(no level or suite spans or pins all of b, c); fix its match or remove it",
        ),
        (
            "axes: {x: [a-b, a], y: [c, b-c]}\nlevels: {u: {axes: [x, y], run: t}}\n",
            "levels.u.axes: values x=a-b,y=c and x=a,y=b-c both make the cell id 'u/a-b-c'; "
            "rename a suite or a value so the ids differ",
        ),
    ],
)
def test_reference_messages(text: str, expected: str) -> None:
    assert any(expected in line for line in problems("version: 1\n" + text)), problems(
        "version: 1\n" + text
    )


def test_a_placeholder_shared_by_suites_is_reported_once() -> None:
    found = problems(
        """\
        version: 1
        axes: {b: [x], c: [y]}
        levels:
          u:
            run: go ${bad}
            suites: {one: {axes: [b]}, two: {axes: [c]}}
        """
    )
    assert len([line for line in found if "${bad}" in line]) == 1


def test_a_sharded_level_may_exceed_256_cells() -> None:
    m = loaded(
        """
        axes: {a: [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9], b: [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24, b25, b26]}
        levels: {u: {axes: [a, b], run: t}}
        outputs: {github: {shards: {u: 4}}}
        """  # noqa: E501
    )
    assert len(m.cells) == 270


def test_cell_lookup_selection_and_properties() -> None:
    m = load(DESIGN)
    assert m.root == DESIGN
    assert m.cell("unit/s3-lww").python is None
    with pytest.raises(
        UsageError, match="no cell 'unit/s3-lwx' \\(did you mean 'unit/s3-lww'\\?\\)"
    ):
        m.cell("unit/s3-lwx")
    assert [c.id for c in m.select(where="suite=component,backend=redis")] == [
        "component/redis-cas"
    ]
    assert m.select(["unit", "unit/s3-lww"])[0].id == "unit/s3-lww"
    assert m.model.axes["backend"].label("gcs") == "GCS"
    assert m.model.axes["python"].label("3.11") == "3.11"
    own = load(REPO)
    assert own.cell("unit/3.12").python == "3.12"


def test_explain_a_suite_without_axes_and_an_empty_json_list(
    matrixgen: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\nlevels:\n  unit: {suites: {gateway: {run: pytest}, sidecar: {run: pytest}}}\n",
        encoding="utf-8",
    )
    explained = matrixgen("-C", str(tmp_path), "explain", "unit/gateway")
    assert "why:      the only cell of its suite (it spans no axis)" in explained.out
    assert "level:    unit, suite gateway" in explained.out
    listed = matrixgen("-C", str(tmp_path), "list", "--json", "--where", "suite=nope")
    assert listed.code == 0 and listed.out == "[]\n"
