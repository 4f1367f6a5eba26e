"""Golden output of `list` and `explain` on the DESIGN example and the repo's matrix.yaml."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from support.cli import Result
from support.golden import assert_golden

from .golden import HERE, REPO

DESIGN = ("-C", "tests/data/design")
CASES: dict[str, tuple[str, ...]] = {
    "design-list": (*DESIGN, "list"),
    "design-list-json": (*DESIGN, "list", "--json"),
    "design-list-level": (*DESIGN, "list", "--level", "integration"),
    "design-list-where": (*DESIGN, "list", "--where", "backend=gcs,mode=lww"),
    "design-list-where-level": (*DESIGN, "list", "--where", "level=e2e,transport=rabbitmq"),
    "design-list-select-level": (*DESIGN, "list", "component"),
    "design-list-select-id": (*DESIGN, "list", "component/gcs-lww", "unit/redis-cas"),
    "design-list-select-glob": (*DESIGN, "list", "*/gcs-*"),
    "design-list-nothing-selected": (
        *DESIGN,
        "list",
        "--level",
        "unit",
        "--where",
        "transport=sqs",
    ),
    "design-list-unknown-level": (*DESIGN, "list", "--level", "integraton"),
    "design-list-bad-where": (*DESIGN, "list", "--where", "backend"),
    "design-list-unknown-where-axis": (*DESIGN, "list", "--where", "backnd=s3"),
    "design-list-unknown-selector": (*DESIGN, "list", "component/gcs-lwx"),
    "design-explain-present": (*DESIGN, "explain", "component/s3-lww"),
    "design-explain-excluded": (*DESIGN, "explain", "unit/redis-lww"),
    "design-explain-include": (*DESIGN, "explain", "e2e/rabbitmq-redis"),
    "design-explain-override": (*DESIGN, "explain", "integration/sqs-gcs"),
    "design-explain-glob": (*DESIGN, "explain", "component/gcs-*"),
    "design-explain-nothing": (*DESIGN, "explain", "component/gsc-lww"),
    "design-explain-nothing-far": (*DESIGN, "explain", "zzz"),
    "design-validate": (*DESIGN, "validate"),
    "repo-validate": ("validate",),
    "repo-list": ("list",),
    "repo-list-json": ("list", "--json"),
    "repo-list-level": ("list", "--level", "integration"),
    "repo-explain-unit": ("explain", "unit/3.11"),
    "repo-explain-integration": ("explain", "integration/run"),
}


def _transcript(args: tuple[str, ...], result: Result) -> str:
    return (
        f"$ matrixgen {' '.join(args)}\n[exit {result.code}]\n"
        f"--- stdout\n{result.out}--- stderr\n{result.err}"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_output(
    name: str, matrixgen: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    args = CASES[name]
    result = matrixgen(*args)
    assert "Traceback" not in result.err
    assert result.code in (0, 2)
    # A success prints nothing on stderr but warnings (a run line that can write no JUnit).
    warnings = all(": warning: " in line for line in result.err.splitlines())
    assert (result.code == 0) == warnings
    assert_golden(HERE / "golden" / f"{name}.txt", _transcript(args, result))


def test_list_json_has_the_fields_design_names(
    matrixgen: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    cells = json.loads(matrixgen(*DESIGN, "list", "--json").out)
    assert len(cells) == 22
    by_id = {cell["id"]: cell for cell in cells}
    gcs = by_id["component/gcs-lww"]
    assert gcs["level"] == "component" and gcs["cell"] == "gcs-lww" and gcs["suite"] == "component"
    assert gcs["values"] == {"backend": "gcs", "mode": "lww"}
    assert gcs["nox_session"] == "component(gcs-lww)"
    assert gcs["services"] == ["gcs"]
    assert by_id["integration/sqs-gcs"]["timeout"] == 1200.0
    assert by_id["integration/sqs-gcs"]["values"] == {
        "transport": "sqs",
        "backend": "gcs",
        "mode": "lww",
    }
    assert (
        by_id["e2e/rabbitmq-redis"]["values"]["mode"] == "cas"
    )  # the include's value wins over the pin
    assert not any(re.search(r"redis-(lww|passthrough)$", cell_id) for cell_id in by_id)
