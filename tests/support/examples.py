"""How many examples a property test draws: its full count, or a fifth of it in the fast loop.

The fast loop (README, Development) sets MATRIXGEN_TEST_FAST=1 to stay under a minute on a
2-core machine; scripts/test.sh and CI never set it, so the whole suite draws the full count.
A hypothesis profile cannot do this: a test's own `@settings(max_examples=...)` overrides it.
"""

from __future__ import annotations

import os

FAST = "MATRIXGEN_TEST_FAST"


def examples(full: int) -> int:
    """`full`, or in the fast loop a fifth of it (at least 10)."""
    return max(10, full // 5) if os.environ.get(FAST) == "1" else full
