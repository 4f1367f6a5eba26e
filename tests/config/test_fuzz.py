"""Whatever text it is given, the loader either loads or raises ConfigError: never anything else."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import yamls
from support.examples import examples

from matrixgen.errors import ConfigError
from matrixgen.load.matrix import load

from .golden import DESIGN

DESIGN_TEXT = (DESIGN / "matrix.yaml").read_text(encoding="utf-8")
DESIGN_DATA = yamls.load(DESIGN_TEXT)
# MATRIXGEN_FUZZ_EXAMPLES=5000 for a deeper search than the quick default (a fifth of it in
# the fast loop, `support.examples`).
EXAMPLES = int(os.environ.get("MATRIXGEN_FUZZ_EXAMPLES", examples(120)))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.sampled_from(
    ["version", "levels", "axes", "services", "exclude", "include", "overrides", "outputs",
     "run", "match", "reason", "with", "suites", "values", "process", "ready", "timeout", "level",
     "backend", "mode", "unit", "s3", "3.10", "on", "a b", "x/y", ""]
)  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    names,
    st.sampled_from(["${port}", "${backend}", "$${x}", "${env.HOME}", "30s", "1h30m", "0"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(names, st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=25,
)


def _load_or_config_error(text: str) -> None:
    try:
        matrix = load(Path("."), "matrix.yaml", text=text)
    except ConfigError as error:
        assert error.problems, "a ConfigError must say what is wrong"
        for problem in error.problems:
            assert problem.line >= 1 and problem.column >= 1
            assert problem.message
    else:
        assert matrix.cells


@FUZZ
@given(values)
def test_any_yaml_document(data: Any) -> None:
    _load_or_config_error(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(st.dictionaries(names, values, max_size=6))
def test_any_top_level_mapping_with_version_1(data: dict[str, Any]) -> None:
    _load_or_config_error(yaml.safe_dump({"version": 1, **data}, allow_unicode=True))


@FUZZ
@given(st.text(max_size=200))
def test_any_text(text: str) -> None:
    _load_or_config_error(text)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


DESIGN_PATHS = _paths(DESIGN_DATA)[1:]


def _mutate(data: Any, path: tuple[Any, ...], how: str, new: Any) -> Any:
    """A copy of `data` with the node at `path` replaced, deleted or renamed."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        out = dict(data)
        if rest:
            out[head] = _mutate(data[head], rest, how, new)
        elif how == "delete":
            del out[head]
        elif how == "rename":
            out[str(new)] = out.pop(head)
        else:
            out[head] = new
        return out
    out_list = list(data)
    if rest:
        out_list[head] = _mutate(data[head], rest, how, new)
    elif how == "delete":
        del out_list[head]
    else:
        out_list[head] = new
    return out_list


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(DESIGN_PATHS), st.sampled_from(["replace", "delete", "rename"]), values
        ),
        min_size=1,
        max_size=3,
    )
)
def test_mutations_of_the_design_example(mutations: list[tuple[tuple[Any, ...], str, Any]]) -> None:
    data = DESIGN_DATA
    for path, how, new in mutations:
        if path in _paths(data):
            data = _mutate(data, path, how, new)
    _load_or_config_error(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@FUZZ
@given(st.integers(0, len(DESIGN_TEXT)), st.integers(0, 40), st.text(max_size=8))
def test_text_edits_of_the_design_example(start: int, length: int, inserted: str) -> None:
    _load_or_config_error(DESIGN_TEXT[:start] + inserted + DESIGN_TEXT[start + length :])


def test_the_design_example_itself_loads() -> None:
    assert len(load(Path("."), "matrix.yaml", text=DESIGN_TEXT).cells) == 22
