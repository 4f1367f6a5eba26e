"""This repository's own matrix selects, for a change to any source file, an integration cell
that tests it with its real consumers (services, the engine): not only the unit cells,
which every file under src/ selects."""

from __future__ import annotations

from pathlib import Path

from matrixgen.load.matrix import load
from matrixgen.plan.affected import affected_cells

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_file_selects_a_cell_beyond_the_unit_level() -> None:
    matrix = load(ROOT)
    sources = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "src" / "matrixgen").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    assert "src/matrixgen/outcome/verdict.py" in sources  # the walk sees the tree
    unselected = []
    for source in sources:
        selection = affected_cells(matrix.model, matrix.cells, [source], "matrix.yaml")
        if not any(cell.level != "unit" for cell in selection.cells):
            unselected.append(source)
    assert unselected == [], (
        "no `area` of matrix.yaml (paths:) covers these files, so `matrixgen affected` runs "
        f"only the unit cells for a change to them: {unselected}"
    )


def test_a_change_to_the_verdict_selects_the_run_cell_with_its_real_services() -> None:
    matrix = load(ROOT)
    selection = affected_cells(
        matrix.model, matrix.cells, ["src/matrixgen/outcome/verdict.py"], "matrix.yaml"
    )
    assert {cell.id for cell in selection.cells if cell.level == "integration"} >= {
        "integration/run"
    }, [cell.id for cell in selection.cells]
