"""YAML as the tests read what matrixgen writes: PyYAML's safe loader on libyaml
(CSafeLoader), the rules of `yaml.safe_load` at a fraction of its CPU (the pure-Python
loader was ~5 s of the fast loop's)."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_Loader)
