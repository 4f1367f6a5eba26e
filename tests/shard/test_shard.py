"""`matrixgen shard`: the packing algorithm on plain data, and the command on real matrices."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.cli import invoke
from support.examples import examples

from matrixgen.load.matrix import load
from matrixgen.outcome.durations import lower_bound
from matrixgen.plan.shard import estimate, pack

DESIGN = Path(__file__).parents[1] / "data" / "design"


def least_duration_makespan(durations: dict[str, float], k: int) -> float:
    loads = [0.0] * k
    for seconds in sorted(durations.values(), reverse=True):
        loads[loads.index(min(loads))] += seconds
    return max(loads)


# Cell ids `[a-z]{1,6}/[a-z0-9]{1,6}`, made of two texts: the same ids as
# `st.from_regex` of that pattern, which spent 6 of the test's 8 s of CPU making them.
cell_ids = st.builds(
    "{}/{}".format,
    st.text(string.ascii_lowercase, min_size=1, max_size=6),
    st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=6),
)
durations_strategy = st.dictionaries(
    cell_ids,
    st.floats(min_value=0.0, max_value=10_000, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=60,
)
services_strategy = st.lists(st.sampled_from(["s3", "gcs", "redis", "sqs"]), max_size=3)


@settings(max_examples=examples(300), deadline=None)
@given(durations_strategy, st.integers(min_value=1, max_value=40), st.data())
def test_shards_partition_the_cells_exactly(
    durations: dict[str, float], k: int, data: st.DataObject
) -> None:
    services = {cell: data.draw(services_strategy) for cell in durations}
    plan = pack(durations, k, services)

    placed = [cell for shard in plan.shards for cell in shard.cells]
    assert sorted(placed) == sorted(durations)  # every cell exactly once
    assert len(plan.shards) == min(k, len(durations))
    assert all(shard.cells for shard in plan.shards)  # never an empty shard
    for shard in plan.shards:
        assert shard.seconds == pytest.approx(sum(durations[c] for c in shard.cells), abs=1e-6)
    assert plan.makespan >= plan.lower_bound - 1e-6
    # Never worse than plain greedy (LPT), which the local search starts from.
    assert plan.makespan <= least_duration_makespan(durations, min(k, len(durations))) + 1e-6
    assert pack(durations, k, services) == plan  # deterministic


def test_lpt_worst_case_is_repaired() -> None:
    # The classic instance where longest-first greedy ends at 11 but 9 is possible:
    # {5,4}, {5,4}, {3,3,3}.
    durations = {f"unit/c{i}": float(s) for i, s in enumerate([5, 5, 4, 4, 3, 3, 3])}
    assert least_duration_makespan(durations, 3) == 11
    plan = pack(durations, 3)
    assert plan.makespan == 9
    assert plan.lower_bound == 9
    assert plan.ratio == 1.0


def test_fewer_cells_than_shards_gives_one_cell_per_shard() -> None:
    plan = pack({"unit/a": 3.0, "unit/b": 1.0}, 5)
    assert [s.cells for s in plan.shards] == [("unit/a",), ("unit/b",)]
    assert plan.requested == 5
    assert plan.lower_bound == 3.0


def test_cells_sharing_services_stay_together_when_it_costs_nothing() -> None:
    durations = {f"component/{name}-{i}": 10.0 for name in ("s3", "gcs") for i in range(3)}
    services = {cell: [cell.split("/")[1].split("-")[0]] for cell in durations}
    plan = pack(durations, 2, services)
    assert plan.makespan == 30.0
    grouped = {frozenset(services[c][0] for c in shard.cells) for shard in plan.shards}
    assert grouped == {frozenset({"s3"}), frozenset({"gcs"})}


def test_grouping_never_raises_the_makespan() -> None:
    # Keeping every s3 cell together would make one 40 s shard; balance wins.
    durations = {"a/s3-1": 20.0, "a/s3-2": 20.0, "a/gcs-1": 10.0, "a/gcs-2": 10.0}
    services = {cell: [cell.split("/")[1].split("-")[0]] for cell in durations}
    plan = pack(durations, 2, services)
    assert plan.makespan == 30.0


def test_cells_keep_their_given_order_inside_a_shard() -> None:
    durations = {"unit/z": 1.0, "unit/a": 1.0, "unit/m": 1.0}
    plan = pack(durations, 1)
    assert plan.shards[0].cells == ("unit/z", "unit/a", "unit/m")


def test_pack_rejects_zero_shards() -> None:
    with pytest.raises(ValueError, match="at least one shard"):
        pack({"unit/a": 1.0}, 0)


def test_lower_bound_is_the_larger_of_average_and_longest() -> None:
    assert lower_bound([10.0, 1.0, 1.0], 2) == 10.0
    assert lower_bound([4.0, 4.0, 4.0, 4.0], 2) == 8.0
    assert lower_bound([], 3) == 0.0


def test_cells_without_a_record_count_as_the_median() -> None:
    guess = estimate(["u/a", "u/b", "u/c", "u/d"], {"u/a": 10.0, "u/b": 20.0, "u/c": 60.0})
    assert guess.durations == {"u/a": 10.0, "u/b": 20.0, "u/c": 60.0, "u/d": 20.0}
    assert guess.guessed == ("u/d",)
    # No selected cell recorded: the median of the whole file; an empty file: 1 second.
    assert estimate(["u/x"], {"old/a": 4.0, "old/b": 8.0}).durations == {"u/x": 6.0}
    assert estimate(["u/x"], {}).durations == {"u/x": 1.0}


def test_shard_command_json_on_the_design_example(tmp_path: Path) -> None:
    matrix = load(DESIGN)
    recorded = {cell.id: float(10 + 7 * (i % 5)) for i, cell in enumerate(matrix.cells)}
    file = tmp_path / "durations.json"
    file.write_text(json.dumps(recorded))

    result = invoke("-C", str(DESIGN), "shard", "--shards", "4", "--durations", str(file), "--json")

    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert set(plan) >= {"shards", "lower_bound", "makespan"}
    assert len(plan["shards"]) == 4
    cells = [c for shard in plan["shards"] for c in shard["cells"]]
    assert sorted(cells) == sorted(recorded)
    for shard in plan["shards"]:
        assert shard["seconds"] == pytest.approx(sum(recorded[c] for c in shard["cells"]))
    assert plan["makespan"] == max(s["seconds"] for s in plan["shards"])
    total = sum(recorded.values())
    assert plan["lower_bound"] == pytest.approx(max(total / 4, max(recorded.values())), abs=1e-3)
    assert plan["makespan"] <= 1.05 * plan["lower_bound"]


def test_shard_command_text_says_what_it_guessed_and_the_ratio() -> None:
    result = invoke("-C", str(DESIGN), "shard", "component", "--shards", "10")
    assert result.code == 0, result.err
    output = result.out + result.err
    component = [c.id for c in load(DESIGN).cells if c.level == "component"]
    assert f"{len(component)} of {len(component)} cells have no duration" in output
    assert f"10 shards requested but only {len(component)} cells selected" in output
    assert f"shard {len(component)}/{len(component)}" in output
    assert "ratio 1.000" in output


def test_shard_command_reads_the_default_results_file(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(
        "version: 1\naxes: {n: ['1', '2', '3']}\nlevels: {unit: {axes: [n], run: 'true'}}\n"
    )
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "durations.json").write_text(
        json.dumps({"unit/1": 30.0, "unit/2": 20.0, "unit/3": 10.0})
    )
    result = invoke("-C", str(tmp_path), "shard", "--shards", "2", "--json")
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert sorted(s["cells"] for s in plan["shards"]) == [["unit/1"], ["unit/2", "unit/3"]]
    assert plan["makespan"] == plan["lower_bound"] == 30.0
