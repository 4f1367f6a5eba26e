"""`cover: t` (issue 24): a level's cells are a covering array of its axes, not their product.

Proven here against brute force: every t-tuple some allowed combination holds is in a cell,
no cell matches an exclude, and the output is the same under any hash seed; the located
errors, the impossible-tuple notes, `explain`'s list of what only a cell covers, and the
stability `cells:` gives (kept cells come first, unchanged, when a value is added)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.examples import examples

from matrixgen.errors import ConfigError, UsageError
from matrixgen.explain import explain, explain_cell
from matrixgen.load.cover import binary_pairs, check, cover, only_covered_by
from matrixgen.load.covering import cover_warnings, docs_note
from matrixgen.load.matrix import Matrix, load
from matrixgen.load.stable import in_order
from matrixgen.load.tuples import Pattern, Space, Tuple

AXES = """\
version: 1
axes:
  backend: [s3, gcs, redis, azure]
  mode: [lww, cas, passthrough]
  transport: [sqs, rabbitmq, kafka]
  python: ["3.11", "3.12", "3.13"]
"""

COVERED = """\
levels:
  integration:
    axes: [backend, mode, transport, python]
    cover: 2
    run: pytest tests/integration --junitxml ${junit}
exclude:
  - match: {backend: redis, mode: [lww, passthrough]}
    reason: the Redis connector implements CAS only
  - match: {mode: passthrough, transport: kafka}
    reason: no passthrough on kafka
"""


def matrix(text: str, axes: str = AXES) -> Matrix:
    return load(Path("."), "matrix.yaml", text=axes + textwrap.dedent(text))


def errors(text: str, axes: str = AXES) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        matrix(text, axes)
    return [str(p) for p in raised.value.problems]


def allowed_rows(sizes: list[int], forbidden: list[Pattern]) -> list[tuple[int, ...]]:
    return [
        row
        for row in itertools.product(*(range(n) for n in sizes))
        if not any(all(row[a] in values for a, values in p) for p in forbidden)
    ]


def brute_force_tuples(sizes: list[int], t: int, forbidden: list[Pattern]) -> set[Tuple]:
    """Every t-tuple some allowed row of the full product holds."""
    found = set()
    for row in allowed_rows(sizes, forbidden):
        for axes in itertools.combinations(range(len(sizes)), t):
            found.add(tuple((a, row[a]) for a in axes))
    return found


def tuples_of(rows: list[tuple[int, ...]], t: int) -> set[Tuple]:
    return {
        tuple((a, row[a]) for a in axes)
        for row in rows
        for axes in itertools.combinations(range(len(row)), t)
    }


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[int], int, list[Pattern]]:
    sizes = draw(st.lists(st.integers(1, 4), min_size=3, max_size=6))
    t = draw(st.integers(2, min(3, len(sizes) - 1)))
    forbidden: list[Pattern] = []
    for _ in range(draw(st.integers(0, 3))):
        axes = sorted(draw(st.sets(st.integers(0, len(sizes) - 1), min_size=1, max_size=3)))
        pattern = []
        for axis in axes:
            values = draw(st.sets(st.integers(0, sizes[axis] - 1), min_size=1))
            pattern.append((axis, tuple(sorted(values))))
        forbidden.append(tuple(pattern))
    return sizes, t, forbidden


@settings(max_examples=examples(60), deadline=None)
@given(instances())
def test_every_allowed_tuple_is_covered_and_no_row_is_forbidden(
    instance: tuple[list[int], int, list[Pattern]],
) -> None:
    sizes, t, forbidden = instance
    rows = cover(sizes, t, forbidden)
    allowed = set(allowed_rows(sizes, forbidden))
    assert all(row in allowed for row in rows)  # no row matches an exclude
    assert tuples_of(rows, t) == brute_force_tuples(sizes, t, forbidden)  # nothing missing
    assert len(rows) == len(set(rows))
    # The proof validate runs agrees with brute force on what is impossible.
    space = Space(sizes, t, forbidden)
    proof = check(space, rows)
    assert proof.missing == []
    every = {
        tuple(zip(axes, values, strict=True))
        for axes in itertools.combinations(range(len(sizes)), t)
        for values in itertools.product(*(range(sizes[a]) for a in axes))
    }
    assert set(proof.impossible) == every - brute_force_tuples(sizes, t, forbidden)
    # Same input, same rows: nothing depends on iteration order or a clock.
    assert cover(sizes, t, list(reversed(forbidden))) == rows
    if t == 2:  # the construction growth extends, whether or not cover took it here
        grown = [tuple(row) for row in in_order(space, [])]
        assert all(row in allowed for row in grown)
        assert tuples_of(grown, 2) == brute_force_tuples(sizes, 2, forbidden)


@settings(max_examples=examples(25), deadline=None)
@given(instances(), st.data())
def test_kept_rows_come_first_unchanged(
    instance: tuple[list[int], int, list[Pattern]], data: st.DataObject
) -> None:
    sizes, t, forbidden = instance
    allowed = allowed_rows(sizes, forbidden)
    keep = data.draw(st.lists(st.sampled_from(allowed), unique=True, max_size=4)) if allowed else []
    rows = cover(sizes, t, forbidden, keep=keep)
    assert rows[: len(keep)] == keep
    assert tuples_of(rows, t) == brute_force_tuples(sizes, t, forbidden)


def test_sizes_of_standard_instances() -> None:
    # The exact binary construction and an orthogonal array's size where greedy finds it.
    assert len(binary_pairs(100)) == 10 and len(cover([2] * 100, 2)) == 10
    assert check(Space([2] * 100, 2), binary_pairs(100)).missing == []
    assert len(cover([3] * 4, 2)) == 9
    assert len(cover([3] * 13, 2)) <= 16  # best known 15 (Colbourn's tables); bench/cover.py
    assert len(cover([4] * 15, 2)) <= 29  # best known 26


@pytest.mark.parametrize(
    ("sizes", "rows"),
    [
        ([5] * 10, 36),  # the best known (Colbourn's tables); the greedy alone gives 45
        ([5] * 9 + [3], 36),  # an axis of fewer values takes its last for the others
        ([5] * 11, 39),  # more than 2v axes: the greedy first (46), then the starter
        ([10] * 20, 167),  # best known 155; bench/cover.py's target is 1.15 times that
    ],
)
def test_cover_starters_give_small_arrays_of_many_values(sizes: list[int], rows: int) -> None:
    found = cover(sizes, 2)
    assert len(found) == rows and check(Space(sizes, 2), found).missing == []


@pytest.mark.parametrize("q", [2, 3, 4, 5, 7, 8, 9, 16])
def test_orthogonal_arrays_where_q_is_a_prime_power(q: int) -> None:
    sizes = [q] * (q + 1)
    rows = cover(sizes, 2)
    assert len(rows) == q * q and check(Space(sizes, 2), rows).missing == []
    mixed = [q, 2, q, *([3] * (q - 2))] if q >= 3 else [2, 2, 1]
    rows = cover(mixed, 2)
    assert len(rows) == q * q and check(Space(mixed, 2), rows).missing == []
    assert len(cover([6] * 4, 2)) > 0  # 6 is no prime power: the greedy


@pytest.mark.parametrize("k", range(6, 12))
def test_plackett_burman_is_a_strength_three_array_of_twelve_rows(k: int) -> None:
    rows = cover([2] * k, 3)
    assert len(rows) == 12 and check(Space([2] * k, 3), rows).missing == []


def test_only_covered_by_lists_the_tuples_no_other_row_holds() -> None:
    rows = cover([3, 3, 3, 3], 2)
    only = only_covered_by(Space([3] * 4, 2), rows)
    for position, tuples in enumerate(only):
        others = tuples_of([r for i, r in enumerate(rows) if i != position], 2)
        assert tuples == sorted(tuples_of([rows[position]], 2) - others)


def test_a_covering_level_holds_every_allowed_pair_and_no_excluded_cell() -> None:
    m = matrix(COVERED)
    axes = ["backend", "mode", "transport", "python"]
    combos = [tuple(c.values[a] for a in axes) for c in m.cells]
    assert len(combos) < 4 * 3 * 3 * 3 and len(set(combos)) == len(combos)
    assert all(c.origin == "cover 2" for c in m.cells)
    for combo in combos:
        assert not (combo[0] == "redis" and combo[1] in ("lww", "passthrough"))
        assert not (combo[1] == "passthrough" and combo[2] == "kafka")
    declared = {a: list(m.model.axes[a].values) for a in axes}
    product = [
        p
        for p in itertools.product(*declared.values())
        if not (p[0] == "redis" and p[1] in ("lww", "passthrough"))
        and not (p[1] == "passthrough" and p[2] == "kafka")
    ]
    wanted = {(i, p[i], j, p[j]) for p in product for i, j in itertools.combinations(range(4), 2)}
    have = {(i, c[i], j, c[j]) for c in combos for i, j in itertools.combinations(range(4), 2)}
    assert have == wanted


def test_the_directly_excluded_pairs_are_a_note_naming_their_exclude() -> None:
    m = matrix(COVERED)
    notes = cover_warnings(m.document, m.model, m.expansion.covers)
    assert len(notes) == 1
    text = str(notes[0])
    assert text.startswith("matrix.yaml:10:12: levels.integration.cover: note: 3 pairs")
    assert "backend=redis × mode=lww (exclude[0])" in text
    assert "mode=passthrough × transport=kafka (exclude[1])" in text


def test_pairs_the_excludes_rule_out_together_are_named_so() -> None:
    # gcs needs lww or cas, and lww and cas both refuse kafka: gcs × kafka is impossible
    # though no exclude names it.
    m = matrix(
        COVERED.split("exclude:")[0]
        + """\
exclude:
  - match: {backend: gcs, mode: passthrough}
    reason: no GCS passthrough
  - match: {mode: [lww, cas], transport: kafka}
    reason: kafka is passthrough only
"""
    )
    (note,) = cover_warnings(m.document, m.model, m.expansion.covers)
    assert "backend=gcs × transport=kafka (the excludes together)" in str(note)
    assert not any(
        c.values["backend"] == "gcs" and c.values["transport"] == "kafka" for c in m.cells
    )


def test_an_exclude_of_combinations_the_cover_left_out_is_not_stale() -> None:
    m = matrix(
        COVERED
        + """\
  - match: {backend: azure, python: "3.13", transport: sqs, mode: cas}
    reason: one combination, which a cover of pairs need not pick anyway
"""
    )
    assert m.expansion.exclude_hits[2] == 1
    # An exclude of a value the level does not span is stale, as on a product.
    stale = errors(
        COVERED
        + """\
  - match: {level: integration, os: windows}
    reason: none
""",
        AXES + "  os: [linux, windows]\n",
    )
    assert any("exclude[2]" in e or "stale rule" in e for e in stale), stale


def test_includes_overrides_and_pins_work_as_on_a_product() -> None:
    m = matrix(
        COVERED.replace("    cover: 2\n", "    cover: 2\n    with: {os: linux}\n")
        + """\
include:
  - {level: integration, backend: s3, mode: lww, transport: sqs, python: "3.11"}
overrides:
  - match: {backend: azure}
    env: {AZURE: "1"}
""",
        AXES + "  os: [linux, windows]\n",
    )
    assert all(c.values["os"] == "linux" for c in m.cells)
    assert all(c.env.get("AZURE") == "1" for c in m.cells if c.values["backend"] == "azure")
    # The include is either a new cell or, when the cover picked it already, refused as stale.
    assert "integration/s3-lww-sqs-3.11" in [c.id for c in m.cells]


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (
            "    axes: [backend, mode]\n    cover: 2\n",
            "matrix.yaml:10:12: levels.unit.cover: cover: 2 covers every combination of 2 "
            "axes, and level unit spans 2 axes (backend, mode), so its cells would be the "
            "full product; a cover needs more axes than its strength: drop `cover:`",
        ),
        (
            "    axes: [backend, mode, python]\n    cover: 4\n",
            "matrix.yaml:10:12: levels.unit.cover: cover: 4 covers every combination of 4 "
            "axes, and level unit spans 3 axes (backend, mode, python), so its cells would "
            "be the full product; a cover needs more axes than its strength: lower it to 2",
        ),
        (
            "    axes: [backend]\n    cover: 2\n",
            "matrix.yaml:10:12: levels.unit.cover: cover: 2 covers every combination of 2 "
            "axes, and level unit spans 1 axis (backend), so its cells would be the full "
            "product; a cover needs more axes than its strength: drop `cover:`",
        ),
        (
            "    axes: [backend, mode, python]\n    cover: 1\n",
            "matrix.yaml:10:12: levels.unit.cover: must be greater than or equal to 2, got 1",
        ),
    ],
)
def test_a_cover_that_cannot_be_one_is_a_located_error(levels: str, expected: str) -> None:
    assert errors(f"levels:\n  unit:\n{levels}    run: pytest\n") == [expected]


def test_a_suite_cover_is_named_on_the_suite() -> None:
    problems = errors(
        """\
levels:
  unit:
    suites:
      api: {axes: [backend, mode, python], cover: 2, run: pytest}
      cli: {axes: [backend, mode], cover: 2, run: pytest}
"""
    )
    assert len(problems) == 1 and "levels.unit.suites.cli.cover:" in problems[0]
    assert "suite cli of level unit spans 2 axes" in problems[0]


def test_explain_lists_what_only_the_cell_covers() -> None:
    m = matrix(COVERED)
    text = explain_cell(m, m.cells[0])
    assert "why:      cover: 2 at matrix.yaml:10:12: a covering array of backend × mode" in text
    (line,) = [x for x in text.splitlines() if x.startswith("  only it:")]
    axes = ["backend", "mode", "transport", "python"]
    others = {
        (a, c.values[a], b, c.values[b])
        for c in m.cells[1:]
        for a, b in itertools.combinations(axes, 2)
    }
    mine = {
        (a, m.cells[0].values[a], b, m.cells[0].values[b])
        for a, b in itertools.combinations(axes, 2)
    }
    listed = line.removeprefix("  only it:").strip()
    expected = [f"{a}={x} × {b}={y}" for a, x, b, y in sorted(mine - others, key=str)]
    assert sorted(listed.split(", ")) == sorted(expected) if expected else "-" in listed


def test_explain_says_why_a_combination_of_a_covering_level_is_no_cell() -> None:
    m = matrix(COVERED)
    # an excluded combination: the exclude, as for a product
    text = explain(m, "integration/redis-lww-sqs-3.11")
    assert text.startswith("integration/redis-lww-sqs-3.11: not in the matrix\n")
    assert "removed by exclude[0] at matrix.yaml:" in text
    assert text.endswith(": the Redis connector implements CAS only")
    # one the cover left out: each of its pairs with a cell that holds it
    ids = {c.id for c in m.cells}
    axes = ["backend", "mode", "transport", "python"]
    combos = itertools.product(*(m.model.axes[a].values for a in axes))
    left = next(
        dict(zip(axes, combo, strict=True))
        for combo in combos
        if f"integration/{'-'.join(combo)}" not in ids
        and not (combo[0] == "redis" and combo[1] != "cas")
        and not (combo[1] == "passthrough" and combo[2] == "kafka")
    )
    lines = explain(m, "integration/" + "-".join(left.values())).splitlines()
    assert lines[2].startswith("  why:      cover: 2 at matrix.yaml:10:12 left it out: every pair")
    held = [line[12:] for line in lines[3:]]
    assert lines[3].startswith("  held by:  ") and len(held) == 6  # the pairs of 4 axes
    cells = {c.id: c for c in m.cells}
    for (a, b), line in zip(itertools.combinations(axes, 2), held, strict=True):
        words, _, cell = line.partition(" in ")
        assert words == f"{a}={left[a]} × {b}={left[b]}"
        assert cells[cell].values[a] == left[a] and cells[cell].values[b] == left[b]
    with pytest.raises(UsageError, match=r"no cell matches 'integration/s3-lww-sqs-3\.9'"):
        explain(m, "integration/s3-lww-sqs-3.9")  # no such value


def test_explain_parses_values_that_hold_dashes_and_a_suite_s_name() -> None:
    axes = AXES.replace("mode: [lww, cas, passthrough]", "mode: [lww, lww-cas, cas]")
    m = matrix(
        """\
levels:
  unit:
    suites:
      api: {axes: [backend, mode, python], cover: 2, run: pytest}
      cli: {axes: [backend], run: pytest}
""",
        axes,
    )
    ids = {c.id for c in m.cells}
    missing = [
        f"unit/api-{b}-{mode}-{p}"
        for b in ("s3", "gcs", "redis", "azure")
        for mode in ("lww", "lww-cas", "cas")
        for p in ("3.11", "3.12", "3.13")
        if f"unit/api-{b}-{mode}-{p}" not in ids
    ]
    assert missing
    for selector in missing:
        text = explain(m, selector)
        assert text.startswith(f"{selector}: not in the matrix\n"), text
        assert "left it out" in text
    assert "mode=lww-cas" in explain(m, next(s for s in missing if "-lww-cas-" in s))


def test_cells_listed_with_a_cover_are_kept_when_a_value_is_added() -> None:
    listed = COVERED.replace(
        "    cover: 2\n",
        "    cover: 2\n    cells:\n"
        "      - {backend: s3, mode: lww, transport: sqs, python: '3.11'}\n"
        "      - {backend: gcs, mode: cas, transport: kafka, python: '3.12'}\n",
    )
    before = [c.id for c in matrix(listed).cells]
    after = [c.id for c in matrix(listed, AXES.replace('"3.13"]', '"3.13", "3.14"]')).cells]
    kept = ["integration/s3-lww-sqs-3.11", "integration/gcs-cas-kafka-3.12"]
    assert before[:2] == kept and after[:2] == kept
    assert any(i.endswith("-3.14") for i in after)


def kept_names(before: Matrix, after: Matrix) -> int:
    """How many of `before`'s cells (job names) are cells of `after` too."""
    return len({c.id for c in before.cells} & {c.id for c in after.cells})


def test_adding_a_value_keeps_most_cells() -> None:
    # Built in declared order: 14 cells (the search alone gives 13, of which 4 survive a
    # value added to backend, 3 one added to python or an axis added).
    before = matrix(COVERED)
    assert len(before.cells) == 14
    first = matrix(COVERED, AXES.replace("azure]", "azure, minio]"))
    assert kept_names(before, first) == 12 and len(first.cells) == 18
    last = matrix(COVERED, AXES.replace('"3.13"]', '"3.13", "3.14"]'))
    assert kept_names(before, last) == 7 and len(last.cells) == 18


@pytest.mark.parametrize(
    ("values", "kept", "cells"), [("linux, macos", 14, 14), ("linux, macos, windows", 12, 15)]
)
def test_adding_an_axis_keeps_most_cells_with_a_value_of_it_added(
    values: str, kept: int, cells: int
) -> None:
    before = matrix(COVERED)
    after = matrix(COVERED.replace("python]", "python, os]"), AXES + f"  os: [{values}]\n")
    old_names = {c.id.rsplit("-", 1)[0] for c in after.cells}  # the os value comes last
    assert sum(c.id in old_names for c in before.cells) == kept and len(after.cells) == cells


def test_a_wide_cover_passes_the_size_bound_a_product_would_not() -> None:
    flags = "".join(f"  f{i}: [without, with]\n" for i in range(30))
    names = ", ".join(f"f{i}" for i in range(30))
    m = matrix(
        f"levels:\n  unit:\n    axes: [{names}]\n    cover: 2\n    run: pytest\n", AXES + flags
    )
    assert len(m.cells) == 8  # Kleitman-Spencer: C(7, 4) = 35 >= 30 columns
    product = errors(f"levels:\n  unit:\n    axes: [{names}]\n    run: pytest\n", AXES + flags)
    assert "over matrixgen's limit" in product[0]


def test_the_docs_note_names_covering_levels() -> None:
    m = matrix(COVERED)
    assert docs_note(m.expansion.covers) == (
        "Covering arrays (`cover:`), not every combination: integration: every pair of "
        "values in some cell. A combination missing there is not run, not unsupported.\n"
    )
    assert docs_note([]) == ""


def test_the_same_cells_under_any_hash_seed(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(
        AXES + "  os: [linux, macos, windows]\n" + COVERED.replace("python]", "python, os]")
    )
    outputs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "matrixgen", "list", "--json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])) > 9
