"""Build JUnit files the way `matrixgen run` stamps them, for report tests."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

DESIGN = Path(__file__).parents[1] / "data" / "design"


def junit(
    cell: str | None = None,
    *,
    passed: int = 1,
    failed: int = 0,
    skipped: int = 0,
    status: str | None = None,
    reason: str = "",
    attempt: int = 1,
    duration: float = 1.0,
    message: str = "AssertionError: boom",
    skip_message: str = "not here",
) -> str:
    props = ""
    if cell is not None:
        level, _, _ = cell.partition("/")
        stamped = {
            "matrixgen.cell": cell,
            "matrixgen.level": level,
            "matrixgen.attempt": str(attempt),
            "matrixgen.duration": f"{duration:.3f}",
            "matrixgen.status": status or ("failed" if failed else "passed"),
            "matrixgen.reason": reason,
        }
        props = (
            "<properties>"
            + "".join(
                f"<property name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in stamped.items()
            )
            + "</properties>"
        )
    cases = [
        f'<testcase classname="tests.test_x" name="test_ok_{i}" time="0.1"/>' for i in range(passed)
    ]
    cases += [
        f'<testcase classname="tests.test_x" name="test_bad_{i}" time="0.1">'
        f"<failure message={quoteattr(message)}>{escape(message)}</failure></testcase>"
        for i in range(failed)
    ]
    cases += [
        f'<testcase classname="tests.test_x" name="test_skip_{i}">'
        f"<skipped message={quoteattr(skip_message)}/></testcase>"
        for i in range(skipped)
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="pytest" '
        f'time="{duration}">{props}{"".join(cases)}</testsuite></testsuites>\n'
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
