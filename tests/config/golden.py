"""Where the config tests' inputs and golden files are (the comparison: support.golden)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
DESIGN = HERE.parent / "data" / "design"
REPO = HERE.parent.parent
