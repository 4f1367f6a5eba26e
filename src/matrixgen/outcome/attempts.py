"""A cell's earlier attempts under `run --retries`: their files, and what the final file says.

Each attempt but the last keeps its JUnit and log as `<cell>.attempt-N.xml` / `.log` beside
the final `<cell>.xml` (report and the readers of results folders pass them over:
`is_attempt_file`). The final file records, per earlier attempt, its status, the tests that
failed in it and the first failure's message (`matrixgen.attempt.N.*`), so a report read
from a CI artifact alone can say which test flaked and how.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matrixgen.outcome import properties as names
from matrixgen.outcome.junit import FAILED_KINDS, JUnitFile

_ATTEMPT_FILE = re.compile(r"\.attempt-\d+\.(xml|log)$", re.IGNORECASE)
_KEY = re.compile(re.escape(names.EARLIER) + r"(\d+)\.(status|failed|message)$")
MESSAGE_CHARS = 500  # of the first failure's message; the attempt's file holds all of it
SHOWN_TESTS = 5  # test names in a reason; the JSON report lists them all


@dataclass(frozen=True)
class EarlierAttempt:
    number: int
    status: str  # failed | error
    failed: tuple[str, ...]  # the tests that failed in it, as the runner named them
    message: str  # its first failure's message, else why it went wrong (a crash, a timeout)

    def to_json(self) -> dict[str, object]:
        return {
            "attempt": self.number,
            "status": self.status,
            "failed": list(self.failed),
            "message": self.message,
        }


def attempt_path(path: Path, number: int) -> Path:
    """`results/unit/a.xml` -> `results/unit/a.attempt-1.xml` (and the same for a log)."""
    return path.with_name(f"{path.stem}.attempt-{number}{path.suffix}")


def is_attempt_file(name: str) -> bool:
    return _ATTEMPT_FILE.search(name) is not None


def of_junit(
    number: int, status: str, reason: str, junit: JUnitFile | None, *, level: str
) -> EarlierAttempt:
    """What an attempt's JUnit says failed in it; the test cases matrixgen wrote into it
    (`matrixgen.<level>.<cell>`: a crash, a timeout) are no tests, their reason says it."""
    own = f"matrixgen.{level}."
    failures = [
        f
        for f in (junit.failures if junit else [])
        if f.kind in FAILED_KINDS and not f.test.startswith(own)
    ]
    failed = tuple(dict.fromkeys(f.test for f in failures))
    first = next((f.message.strip() for f in failures if f.message.strip()), "")
    return EarlierAttempt(number, status, failed, (first or reason)[:MESSAGE_CHARS])


def to_properties(attempts: Sequence[EarlierAttempt]) -> dict[str, str]:
    """Test names one per line: a name can hold a comma (`test_x[a,b]`), never a newline."""
    props: dict[str, str] = {}
    for attempt in attempts:
        key = f"{names.EARLIER}{attempt.number}."
        props[key + "status"] = attempt.status
        props[key + "failed"] = "\n".join(attempt.failed)
        props[key + "message"] = attempt.message
    return props


def of_properties(props: Mapping[str, str]) -> list[EarlierAttempt]:
    found: dict[int, dict[str, str]] = {}
    for name, value in props.items():
        if match := _KEY.match(name):
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [
        EarlierAttempt(
            number,
            fields.get("status", ""),
            tuple(line for line in fields.get("failed", "").splitlines() if line),
            fields.get("message", ""),
        )
        for number, fields in sorted(found.items())
    ]


def flaky_reason(final: int, earlier: Sequence[EarlierAttempt]) -> str:
    """`passed on attempt 2; attempt 1 failed: tests.test_it (assert 1 == 2)`."""
    parts = [f"passed on attempt {final}"]
    for attempt in earlier:
        tests = ", ".join(attempt.failed[:SHOWN_TESTS])
        if len(attempt.failed) > SHOWN_TESTS:
            tests += f" and {len(attempt.failed) - SHOWN_TESTS} more"
        message = attempt.message.splitlines()[0] if attempt.message else ""
        said = f"{tests} ({message})" if tests and message else tests or message
        parts.append(f"attempt {attempt.number} {attempt.status}" + (f": {said}" if said else ""))
    return "; ".join(parts)
