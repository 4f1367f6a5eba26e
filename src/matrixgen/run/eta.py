"""How long the rest of a run takes, from the durations earlier runs recorded.

The same bound as a shard plan's (`durations.lower_bound`): the work left spread over the
workers, but never less than the longest piece of it. Work left is each queued cell's
recorded duration and each running cell's recorded duration less what it has run; a
cell never timed counts as a typical one (the median of what was recorded). With nothing
recorded there is no estimate: a guess would only mislead.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping

from matrixgen.outcome.durations import lower_bound


def seconds_left(
    recorded: Mapping[str, float],
    queued: Iterable[str],
    running: Mapping[str, float],
    jobs: int,
) -> float | None:
    """Seconds until the run ends; `running` maps a cell id to the seconds it has run."""
    if not recorded:
        return None
    typical = statistics.median(recorded.values())
    left = [recorded.get(cell, typical) for cell in queued]
    left += [max(recorded.get(cell, typical) - ran, 0.0) for cell, ran in running.items()]
    return lower_bound(left, max(jobs, 1))


def clock(seconds: float) -> str:
    """`42s`, `3m05s`, `1h02m`: whole seconds, rounded up (an estimate never says 0s early)."""
    whole = int(-(-seconds // 1))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
