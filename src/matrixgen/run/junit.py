"""JUnit per cell: keep what the cell wrote and stamp who it is, or write one saying why not.

`matrixgen report` reads these testsuite properties (names are a contract):
    matrixgen.cell            the cell id, "component/gcs-lww"
    matrixgen.level           its level
    matrixgen.value.<axis>    one per axis value of the cell
    matrixgen.attempt         1-based attempt that produced the file
    matrixgen.duration        seconds of that attempt
    matrixgen.status          passed | flaky | failed | error | skipped
    matrixgen.reason          why, for error, failed-without-JUnit and skipped cells ("" otherwise)
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import defusedxml.ElementTree as SafeET

from matrixgen.load.cells import Cell

PREFIX = "matrixgen."
# Characters XML 1.0 cannot carry: terminal escapes in output would make the file unreadable.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class Counts:
    tests: int
    failed: int  # failures and errors
    skipped: int
    skip_message: str = ""


def properties(
    cell: Cell, *, attempt: int, duration: float, status: str, reason: str
) -> dict[str, str]:
    props = {f"{PREFIX}cell": cell.id, f"{PREFIX}level": cell.level}
    props.update({f"{PREFIX}value.{axis}": value for axis, value in cell.values.items()})
    props.update(
        {
            f"{PREFIX}attempt": str(attempt),
            f"{PREFIX}duration": f"{duration:.3f}",
            f"{PREFIX}status": status,
            f"{PREFIX}reason": reason,
        }
    )
    return props


def _suites(root: ET.Element) -> list[ET.Element]:
    if root.tag == "testsuite":
        return [root]
    return list(root.iter("testsuite"))


def read(path: Path) -> Counts | None:
    """Test counts of a JUnit file; None when there is none. Raises ValueError when unreadable."""
    if not path.is_file():
        return None
    try:
        root = SafeET.parse(path).getroot()
    except ET.ParseError as error:
        raise ValueError(f"unreadable JUnit at {path}: {error}") from None
    assert root is not None
    if root.tag not in ("testsuite", "testsuites"):
        raise ValueError(f"unreadable JUnit at {path}: the root element is <{root.tag}>")
    tests = failed = skipped = 0
    message = ""
    for case in root.iter("testcase"):
        tests += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (skip := case.find("skipped")) is not None:
            skipped += 1
            message = message or skip.get("message", "")
    return Counts(tests, failed, skipped, message)


def _write(tree: ET.ElementTree, path: Path) -> None:
    ET.indent(tree)
    temporary = path.with_name(f".{path.name}.tmp")
    tree.write(temporary, encoding="utf-8", xml_declaration=True)
    os.replace(temporary, path)


def stamp(path: Path, props: dict[str, str]) -> None:
    """Set matrixgen's properties on every testsuite of the file, keeping everything else."""
    tree = ET.ElementTree(SafeET.parse(path).getroot())
    root = tree.getroot()
    assert root is not None
    suites = _suites(root)
    if not suites:  # an empty <testsuites/>: give the properties a suite to live in
        suites = [ET.SubElement(root, "testsuite", name=props[f"{PREFIX}cell"], tests="0")]
    for suite in suites:
        holder = suite.find("properties")
        if holder is None:
            holder = ET.Element("properties")
            suite.insert(0, holder)
        for prop in list(holder):
            if prop.get("name", "").startswith(PREFIX):
                holder.remove(prop)
        for name, value in props.items():
            ET.SubElement(holder, "property", name=name, value=xml_text(value))
    _write(tree, path)


def synthesize(
    path: Path, cell: Cell, *, outcome: str, message: str, details: str, duration: float
) -> None:
    """A JUnit file with one test case named after the cell: an <error> or a <skipped>."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=cell.id,
        tests="1",
        failures="0",
        errors="1" if outcome == "error" else "0",
        skipped="1" if outcome == "skipped" else "0",
        time=f"{duration:.3f}",
        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"matrixgen.{cell.level}",
        name=cell.name,
        time=f"{duration:.3f}",
    )
    _add_error(case, outcome, message, details)
    _write(ET.ElementTree(root), path)


def add_error(path: Path, cell: Cell, *, message: str, details: str) -> None:
    """Keep the cell's own JUnit but record why it cannot be trusted (a non-zero exit, say)."""
    tree = ET.ElementTree(SafeET.parse(path).getroot())
    root = tree.getroot()
    assert root is not None
    suites = _suites(root) or [ET.SubElement(root, "testsuite", name=cell.id)]
    suite = suites[0]
    case = ET.SubElement(
        suite, "testcase", classname=f"matrixgen.{cell.level}", name=f"{cell.name} (matrixgen)"
    )
    _add_error(case, "error", message, details)
    suite.set("errors", str(int(suite.get("errors", "0") or 0) + 1))
    suite.set("tests", str(int(suite.get("tests", "0") or 0) + 1))
    _write(tree, path)


def _add_error(case: ET.Element, outcome: str, message: str, details: str) -> None:
    element = ET.SubElement(
        case, "skipped" if outcome == "skipped" else "error", message=xml_text(message)
    )
    if outcome != "skipped":
        element.set("type", "matrixgen")
    if details:
        element.text = xml_text(details)
