"""Expansion semantics: cell ids, axes restriction, pins, excludes, includes, overrides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from matrixgen.errors import ConfigError
from matrixgen.load.fields import parse_duration
from matrixgen.load.matrix import Matrix, load


def matrix(text: str) -> Matrix:
    return load(Path("."), "matrix.yaml", text="version: 1\n" + textwrap.dedent(text))


def ids(m: Matrix) -> list[str]:
    return [cell.id for cell in m.cells]


AXES = """
axes:
  backend: [s3, gcs, redis]
  mode: [lww, cas]
  transport: [sqs, rabbitmq]
"""


def test_single_suite_ids_have_no_prefix() -> None:
    m = matrix(AXES + "levels:\n  component: {axes: [backend, mode], run: pytest}\n")
    assert ids(m)[:3] == ["component/s3-lww", "component/s3-cas", "component/gcs-lww"]
    assert m.cells[0].nox_session == "component(s3-lww)"
    assert m.cells[0].suite == "component"


def test_several_suites_prefix_ids_and_a_suite_without_axes_is_its_name() -> None:
    m = matrix(
        AXES
        + """
levels:
  component:
    suites:
      state-proxy: {axes: [backend], run: pytest tests/proxy}
      gateway: {axes: [transport], run: pytest tests/gateway}
      sidecar: {run: pytest tests/sidecar}
"""
    )
    assert ids(m) == [
        "component/state-proxy-s3",
        "component/state-proxy-gcs",
        "component/state-proxy-redis",
        "component/gateway-sqs",
        "component/gateway-rabbitmq",
        "component/sidecar",
    ]
    assert m.cells[-1].values == {} and m.cells[-1].run == "pytest tests/sidecar"


def test_one_suite_without_axes_and_a_level_without_axes() -> None:
    m = matrix("levels:\n  unit: {suites: {gateway: {run: pytest}}}\n  lint: {run: ruff check}\n")
    assert ids(m) == ["unit/gateway", "lint/lint"]


def test_the_level_axes_order_the_id() -> None:
    m = matrix(AXES + "levels:\n  integration: {axes: [transport, backend], run: pytest}\n")
    assert ids(m)[0] == "integration/sqs-s3"
    assert list(m.cells[0].values) == ["transport", "backend"]


def test_axes_mapping_restricts_values() -> None:
    m = matrix(
        AXES + "levels:\n  unit:\n    axes: {backend: [gcs, s3], mode: null}\n    run: pytest\n"
    )
    assert ids(m) == ["unit/gcs-lww", "unit/gcs-cas", "unit/s3-lww", "unit/s3-cas"]


def test_with_pins_an_axis_the_level_does_not_span() -> None:
    m = matrix(
        AXES + "levels:\n  it: {axes: [backend], with: {mode: cas}, run: 'pytest -m ${mode}'}\n"
    )
    assert ids(m) == ["it/s3", "it/gcs", "it/redis"]
    assert all(cell.values["mode"] == "cas" for cell in m.cells)
    assert m.cells[0].spanned == ("backend",)


def test_suite_inherits_and_overrides_level_settings() -> None:
    m = matrix(
        AXES
        + """
levels:
  it:
    axes: [backend]
    with: {mode: lww}
    requires: [docker]
    timeout: 2m
    env: {A: level}
    run: pytest level
    suites:
      one: {with: {mode: cas}, env: {A: suite}, requires: [kind]}
      two: {axes: [transport], run: pytest two, timeout: 90}
"""
    )
    one = m.cell("it/one-s3")
    assert one.values == {"backend": "s3", "mode": "cas"}
    assert one.env == {"A": "suite"} and one.requires == ("docker", "kind")
    assert one.run == "pytest level" and one.timeout == 120
    two = m.cell("it/two-sqs")
    assert two.values == {"transport": "sqs", "mode": "lww"}
    assert two.run == "pytest two" and two.timeout == 90


def test_exclude_partial_match_and_any_of_lists() -> None:
    m = matrix(
        AXES
        + """
levels:
  unit: {axes: [backend, mode], run: pytest}
  component: {axes: [backend, mode], run: pytest}
exclude:
  - match: {backend: redis, mode: [lww]}
    reason: CAS only
  - match: {level: component, backend: [gcs, s3], mode: cas}
    reason: not yet
"""
    )
    assert "unit/redis-lww" not in ids(m) and "unit/redis-cas" in ids(m)
    assert "component/redis-lww" not in ids(m)
    assert "component/gcs-cas" not in ids(m) and "unit/gcs-cas" in ids(m)
    removed = {r.cell.id: r.exclude for r in m.removed}
    assert removed == {
        "unit/redis-lww": 0,
        "component/s3-cas": 1,
        "component/gcs-cas": 1,
        "component/redis-lww": 0,
    }


def test_a_cell_matching_two_excludes_keeps_both_from_being_stale() -> None:
    m = matrix(
        AXES
        + """
levels:
  unit: {axes: [backend], run: pytest}
exclude:
  - {match: {backend: redis}, reason: first}
  - {match: {level: unit, backend: redis}, reason: second}
"""
    )
    assert ids(m) == ["unit/s3", "unit/gcs"]
    assert m.expansion.exclude_hits == [1, 1]


def test_an_exclude_on_an_axis_a_cell_lacks_does_not_match() -> None:
    m = matrix(
        AXES
        + """
levels:
  unit: {axes: [backend], run: pytest}
  it: {axes: [backend, mode], run: pytest}
exclude:
  - {match: {mode: cas}, reason: later}
"""
    )
    assert len([c for c in m.cells if c.level == "unit"]) == 3
    assert "it/s3-cas" not in ids(m)


def test_include_adds_a_cell_and_its_values_win_over_pins() -> None:
    m = matrix(
        AXES
        + """
levels:
  it: {axes: [transport, backend], with: {mode: lww}, run: pytest}
exclude:
  - {match: {backend: redis}, reason: CAS only}
include:
  - {level: it, transport: rabbitmq, backend: redis, mode: cas}
"""
    )
    cell = m.cell("it/rabbitmq-redis")
    assert cell.values == {"transport": "rabbitmq", "backend": "redis", "mode": "cas"}
    assert cell.origin == "include[0]"
    assert ids(m)[-1] == "it/rabbitmq-redis"


def test_include_into_one_suite_of_several() -> None:
    m = matrix(
        AXES
        + """
levels:
  c:
    suites:
      proxy: {axes: [backend], run: pytest}
      gateway: {run: pytest}
exclude:
  - {match: {suite: proxy, backend: redis}, reason: later}
include:
  - {level: c, suite: proxy, backend: redis}
"""
    )
    assert "c/proxy-redis" in ids(m)


def test_include_without_suite_in_a_level_of_several_is_an_error() -> None:
    with pytest.raises(ConfigError, match="has several suites; add `suite:`"):
        matrix(
            AXES
            + """
levels:
  c:
    suites:
      proxy: {axes: [backend], run: pytest}
      gateway: {run: pytest}
include:
  - {level: c, backend: redis}
"""
        )


def test_overrides_apply_in_order() -> None:
    m = matrix(
        AXES
        + """
levels:
  it: {axes: [backend], run: pytest, timeout: 1m, env: {A: level, B: level}}
overrides:
  - match: {backend: [gcs, s3]}
    env: {A: first, C: first}
    timeout: 5m
    requires: [docker]
    compose: {overlays: [one.yml]}
  - match: {backend: gcs}
    env: {A: second}
    run: [pytest, -k, gcs]
    services: []
    compose: {overlays: [two.yml]}
"""
    )
    gcs = m.cell("it/gcs")
    assert gcs.env == {"A": "second", "B": "level", "C": "first"}
    assert gcs.timeout == 300 and gcs.requires == ("docker",)
    assert gcs.run == ("pytest", "-k", "gcs")
    assert gcs.overlays == ("one.yml", "two.yml")
    assert gcs.overrides == (0, 1)
    redis = m.cell("it/redis")
    assert (
        redis.timeout == 60 and redis.overrides == () and redis.env == {"A": "level", "B": "level"}
    )


def test_services_from_values_suites_and_overrides_sorted_and_false_drops_them() -> None:
    m = matrix(
        """
axes:
  backend:
    values:
      s3: {services: [s3], env: {BACKEND: s3}}
services:
  s3: {compose: s3.yml}
  queue: {compose: queue.yml}
levels:
  unit: {axes: [backend], services: false, run: pytest}
  it: {axes: [backend], services: [queue], run: pytest}
"""
    )
    assert m.cell("unit/s3").services == ()
    assert m.cell("it/s3").services == ("queue", "s3")
    assert m.cell("it/s3").env == {"BACKEND": "s3"}
    assert m.cell("it/s3").labels == {"backend": "s3"}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("30s", 30),
        ("20m", 1200),
        ("1h30m", 5400),
        ("1h", 3600),
        ("1.5m", 90),
        (45, 45),
        (2.5, 2.5),
    ],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 minutes", "m", "1d", "-3s", "30 s s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_duration_leaves_other_types_to_the_model() -> None:
    with pytest.raises(ValueError, match="True is not a duration"):
        parse_duration(True)  # pydantic would read it as one second
    assert parse_duration(None) is None
    assert parse_duration("") == ""
