"""The one JUnit writer: keep what a cell wrote and stamp who it is, or write a file saying why not.

The properties (names in `outcome.properties`) are what `matrixgen report` reads. A file
is only ever stamped after `outcome.junit.read_junit` accepted it.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import defusedxml.ElementTree as SafeET

from matrixgen.files import write_atomic
from matrixgen.load.cells import Cell
from matrixgen.outcome import properties as names
from matrixgen.outcome.attempts import EarlierAttempt, to_properties
from matrixgen.outcome.status import Status

# Characters XML 1.0 cannot carry: terminal escapes in output would make the file unreadable.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# A cell --fail-fast kept from starting is a skipped test case to every JUnit consumer;
# its `matrixgen.status` stamp tells `report` it was not run.
SKIPS = (Status.SKIPPED, Status.NOT_RUN)


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def properties(
    cell: Cell,
    *,
    attempt: int,
    duration: float,
    status: Status | str,
    reason: str,
    python: str = "",
    pythons: str = "",
    args: Sequence[str] = (),
    services: Mapping[str, str] | None = None,
    earlier: Sequence[EarlierAttempt] = (),
) -> dict[str, str]:
    """The properties of one cell's result; `python` is the Python it ran on, when it has one;
    `args` what it ran with after `--` (then it did not run as matrix.yaml declares it);
    `services` how each of its services ran (native, compose, provided HOST:PORT);
    `earlier` what went wrong in the attempts before this one (`outcome.attempts`)."""
    props = {names.CELL: cell.id, names.LEVEL: cell.level}
    props.update({f"{names.VALUE}{axis}": value for axis, value in cell.values.items()})
    props.update(
        {
            names.ATTEMPT: str(attempt),
            names.DURATION: f"{duration:.3f}",
            names.STATUS: Status(status).value,
            names.REASON: reason,
        }
    )
    if python:
        props[names.PYTHON] = python
    if pythons:
        props[names.PYTHONS] = pythons
    if args:
        props[names.ARGS] = shlex.join(args)
    props.update({f"{names.SERVICE}{name}": how for name, how in (services or {}).items()})
    props.update(to_properties(earlier))
    return props


def _suites(root: ET.Element) -> list[ET.Element]:
    if root.tag == "testsuite":
        return [root]
    return list(root.iter("testsuite"))


def _write(root: ET.Element, path: Path) -> None:
    ET.indent(root)
    write_atomic(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))


def stamp(path: Path, props: dict[str, str]) -> None:
    """Set matrixgen's properties on every testsuite of the file, keeping everything else."""
    root = SafeET.parse(path).getroot()
    assert root is not None
    suites = _suites(root)
    if not suites:  # an empty <testsuites/>: give the properties a suite to live in
        suites = [ET.SubElement(root, "testsuite", name=props[names.CELL], tests="0")]
    for suite in suites:
        holder = suite.find("properties")
        if holder is None:
            holder = ET.Element("properties")
            suite.insert(0, holder)
        for prop in list(holder):
            if prop.get("name", "").startswith(names.PREFIX):
                holder.remove(prop)
        for name, value in props.items():
            ET.SubElement(holder, "property", name=name, value=xml_text(value))
    _write(root, path)


def synthesize(
    path: Path, cell: Cell, *, outcome: Status, message: str, details: str, duration: float
) -> None:
    """A JUnit file with one test case named after the cell: an <error>, a <skipped>, a
    <failure>, or nothing for a pass (a cell that writes no JUnit: `junit: false`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=cell.id,
        tests="1",
        failures="1" if outcome is Status.FAILED else "0",
        errors="1" if outcome is Status.ERROR else "0",
        skipped="1" if outcome in SKIPS else "0",
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
    if outcome is not Status.PASSED:
        _add_error(case, outcome, message, details)
    _write(root, path)


def add_error(path: Path, cell: Cell, *, message: str, details: str) -> None:
    """Keep the cell's own JUnit but record why it cannot be trusted (a non-zero exit, say)."""
    root = SafeET.parse(path).getroot()
    assert root is not None
    suites = _suites(root) or [ET.SubElement(root, "testsuite", name=cell.id)]
    suite = suites[0]
    case = ET.SubElement(
        suite, "testcase", classname=f"matrixgen.{cell.level}", name=f"{cell.name} (matrixgen)"
    )
    _add_error(case, Status.ERROR, message, details)
    suite.set("errors", str(int(suite.get("errors", "0") or 0) + 1))
    suite.set("tests", str(int(suite.get("tests", "0") or 0) + 1))
    _write(root, path)


def _add_error(case: ET.Element, outcome: Status, message: str, details: str) -> None:
    skipped = outcome in SKIPS
    tag = "skipped" if skipped else "failure" if outcome is Status.FAILED else "error"
    element = ET.SubElement(case, tag, message=xml_text(message))
    if not skipped:
        element.set("type", "matrixgen")
    if details:
        element.text = xml_text(details)
