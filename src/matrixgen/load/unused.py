"""Level settings that no cell uses: a suite's own value replaces the level's (`expand._fold`).

`axes`, `run`, `timeout` and `services` of a level with `suites:` are defaults; when every
suite sets its own, the level's is dead text that reads as if it applied.
"""

from __future__ import annotations

from collections.abc import Iterator

from matrixgen.errors import Problem
from matrixgen.load.document import Document
from matrixgen.load.model import MatrixFile

# Settings a suite replaces rather than merges with (`with`, `env`, `requires` merge).
REPLACED = ("axes", "run", "timeout", "services")


def check_unused_settings(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    for name, level in model.levels.items():
        if not level.suites:
            continue
        for setting in REPLACED:
            if setting not in level.model_fields_set:
                continue
            if all(setting in suite.model_fields_set for suite in level.suites.values()):
                yield doc.problem(
                    ("levels", name, setting),
                    f"unused: every suite sets its own {setting}; "
                    "remove it from the level or from the suites",
                    key=True,
                )
