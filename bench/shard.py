"""Shard balance: makespan / lower bound of `matrixgen shard` vs pytest-split's least_duration.

    python bench/shard.py [--durations results/durations.json] [--quick]

The lower bound is max(total / K, longest cell): no plan of K shards finishes sooner.
Cases, each at 8 and 32 shards with 5K+3 cells, seeded so that runs are comparable:
- uniform: seconds uniform in [30, 600)
- lognormal: heavy-tailed, median ~55 s, a few cells ten times that
- pareto: heavier tail (alpha 1.5), the longest cell often sets the bound
- recorded: a real results/durations.json when one exists (after `matrixgen run`);
  otherwise durations shaped like a recorded run of a four-level matrix (many short unit
  cells, fewer component and integration cells, a few long e2e cells), said in the table.
The baseline follows pytest-split's documented least_duration idea (longest first, each
into the group with the least total so far), written here from that description.
`--quick` (what the test suite runs, tests/test_bench.py): 8 shards only.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from matrixgen.outcome.durations import lower_bound
from matrixgen.plan.shard import pack

TARGET = 1.05
SHARD_COUNTS = (8, 32)


def least_duration(durations: dict[str, float], k: int) -> float:
    """Makespan of the greedy baseline: longest first, each to the least loaded group."""
    loads = [0.0] * k
    for seconds in sorted(durations.values(), reverse=True):
        smallest = loads.index(min(loads))
        loads[smallest] += seconds
    return max(loads)


def uniform(rng: random.Random, n: int) -> dict[str, float]:
    return {f"unit/c{i}": rng.uniform(30, 600) for i in range(n)}


def lognormal(rng: random.Random, n: int) -> dict[str, float]:
    return {f"unit/c{i}": rng.lognormvariate(4.0, 1.0) for i in range(n)}


def pareto(rng: random.Random, n: int) -> dict[str, float]:
    return {f"unit/c{i}": 20 * rng.paretovariate(1.5) for i in range(n)}


def level_shaped(rng: random.Random, n: int) -> dict[str, float]:
    # (level, share of cells, median seconds): unit cells are many and short, e2e few and long.
    levels = (
        ("unit", 0.4, 15.0),
        ("component", 0.3, 60.0),
        ("integration", 0.2, 180.0),
        ("e2e", 0.1, 600.0),
    )
    durations: dict[str, float] = {}
    for level, share, median in levels:
        for i in range(round(n * share)):
            durations[f"{level}/c{i}"] = median * rng.lognormvariate(0.0, 0.4)
    return durations


def sharper_bound(durations: dict[str, float], k: int) -> float:
    """Also: of the m*K+1 longest cells some shard holds m+1, at least the m+1 shortest of them."""
    seconds = sorted(durations.values(), reverse=True)
    bound = lower_bound(seconds, k)
    m = 1
    while m * k + 1 <= len(seconds):
        bound = max(bound, sum(seconds[m * k + 1 - (m + 1) : m * k + 1]))
        m += 1
    return bound


def row(name: str, durations: dict[str, float], k: int) -> float:
    bound = lower_bound(list(durations.values()), k)
    started = time.perf_counter()
    plan = pack(durations, k)
    elapsed = (time.perf_counter() - started) * 1000
    assert len(plan.shards) == min(k, len(durations)) and all(s.cells for s in plan.shards)
    assert sorted(c for s in plan.shards for c in s.cells) == sorted(durations)
    baseline = least_duration(durations, k) / bound
    sharper = plan.makespan / sharper_bound(durations, k)
    print(
        f"{name:<16} {len(durations):>5} {k:>3} {bound:>11.1f}s {baseline:>15.3f}"
        f" {plan.ratio:>10.3f} {sharper:>14.3f} {elapsed:>8.1f}"
    )
    return plan.ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--durations", type=Path, default=Path("results/durations.json"))
    parser.add_argument("--quick", action="store_true", help="8 shards only")
    args = parser.parse_args()
    shard_counts = SHARD_COUNTS[:1] if args.quick else SHARD_COUNTS

    recorded: dict[str, float] | None = None
    if args.durations.exists():
        recorded = {k: float(v) for k, v in json.loads(args.durations.read_text()).items()}
    generators = {"uniform": uniform, "lognormal": lognormal, "pareto": pareto}
    print(
        f"{'case':<16} {'cells':>5} {'K':>3} {'lower bound':>12} {'least_duration':>15}"
        f" {'matrixgen':>10} {'sharper bound':>14} {'pack ms':>8}"
    )
    results = []
    for k in shard_counts:
        # A matrix a few times the shard count: what a sharded CI run looks like.
        rng = random.Random(20240607 + k)
        cells = 5 * k + 3
        cases = {name: make(rng, cells) for name, make in generators.items()}
        if recorded is not None and len(recorded) > 2 * k:
            cases["recorded"] = recorded
        else:
            cases["recorded"] = level_shaped(rng, cells)
        for name, durations in cases.items():
            results.append((f"shard_ratio_{name}_{k}", row(name, durations, k)))
    print("tight: about two cells per shard; 1.05x of max(total/K, longest) is often impossible,")
    print("the 'sharper bound' column shows how far from a provable optimum the plan is")
    for k in shard_counts:
        rng = random.Random(7 + k)
        row("tight-uniform", uniform(rng, 2 * k + 3), k)
    source = args.durations if recorded is not None else "level-shaped (no recorded file)"
    print(f"recorded: {source}. Ratios: makespan / lower bound, lower is better")
    for name, ratio in results:
        print(f"RESULT {name} {ratio:.3f} <={TARGET}")


if __name__ == "__main__":
    main()
