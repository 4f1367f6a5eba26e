"""The one decision of a cell's status from its JUnit file.

`matrixgen run` calls `of_content` with the command's exit code and stamps the verdict on
the file; `matrixgen report` calls `of_file`, which reads that stamp and checks it against
the file's own test cases, so both commands judge every file alike (tests/results run every
JUnit fixture through both and compare).
"""

from __future__ import annotations

import contextlib
import signal
from dataclasses import dataclass

from matrixgen import pythons
from matrixgen.outcome import properties
from matrixgen.outcome.junit import FLAKY_KINDS, JUnitFile
from matrixgen.outcome.status import STAMPED, Status

RAN = (Status.PASSED, Status.FLAKY, Status.FAILED)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str | None = None


def exit_text(code: int) -> str:
    """'exited with code 2', 'was killed by SIGKILL', ... for a reason."""
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    if code > 128:  # a shell reports a signal that killed its command as 128 + N
        with contextlib.suppress(ValueError):
            return f"exited with code {code} ({signal.Signals(code - 128).name})"
    return f"exited with code {code}"


def tests_failed(failed: int, total: int) -> str:
    return f"{failed} of {total} test{'s' if total != 1 else ''} failed"


NO_TEST_DETAILS = "no test details (junit: false)"


def of_exit_code(code: int) -> Verdict:
    """A cell that declares it writes no JUnit (`junit: false`) and wrote none: its exit code
    decides, as declared; the reason says that no test is known."""
    if code == 0:
        return Verdict(Status.PASSED, NO_TEST_DETAILS)
    return Verdict(Status.FAILED, f"{exit_text(code)}; {NO_TEST_DETAILS}")


def of_content(junit: JUnitFile, exit_code: int | None = None) -> Verdict:
    """What the test cases say, with the exit code of the command when it is known.

    A non-zero exit with no failing test is an error: the file does not tell the whole
    story (a crash after the report, a failing coverage gate, a runner that lost tests).
    """
    if junit.problem is not None:
        return Verdict(Status.ERROR, f"unreadable JUnit: {junit.problem}")
    if junit.failed:
        return Verdict(Status.FAILED, tests_failed(junit.failed, junit.tests))
    if exit_code is not None and exit_code != 0:
        reason = f"{exit_text(exit_code)} although its JUnit reports no failure"
        return Verdict(Status.ERROR, reason)
    if not junit.tests:
        return Verdict(Status.ERROR, "the JUnit file holds no test cases")
    if junit.skipped == junit.tests:
        return Verdict(Status.SKIPPED, "; ".join(junit.skip_reasons) or "every test was skipped")
    if junit.flaky:
        names = list(dict.fromkeys(f.test for f in junit.failures if f.kind in FLAKY_KINDS))
        shown = f": {', '.join(names[:5])}" + (" …" if len(names) > 5 else "") if names else ""
        return Verdict(Status.FLAKY, f"{junit.flaky} passed on a rerun by the test runner{shown}")
    return Verdict(Status.PASSED)


def of_file(junit: JUnitFile, python: str | None = None) -> Verdict:
    """A file's verdict in the report: what `matrixgen run` stamped, held against the content.

    `python` is the cell's declared Python (its `python` axis value): a cell that ran must
    have recorded that it ran on that Python.
    """
    content = of_content(junit)
    if junit.problem is not None:
        return content
    stamped = STAMPED.get(junit.properties.get(properties.STATUS, "").strip().lower())
    reason = junit.properties.get(properties.REASON) or None
    if stamped is Status.ERROR:
        first = next((f.message.splitlines()[0] for f in junit.failures if f.message), None)
        verdict = Verdict(Status.ERROR, reason or first or "matrixgen run recorded an error")
    elif stamped is Status.FAILED and content.status is not Status.FAILED:
        verdict = Verdict(Status.FAILED, reason)  # run saw what the file may not (an exit code)
    elif stamped is Status.SKIPPED and content.status is Status.ERROR and not junit.tests:
        verdict = Verdict(Status.SKIPPED, reason)
    elif stamped is Status.NOT_RUN and content.status is Status.SKIPPED:
        verdict = Verdict(Status.NOT_RUN, reason or "not run")
    elif stamped is Status.FLAKY and content.status is Status.PASSED:
        verdict = Verdict(Status.FLAKY, reason or "passed on a retry")
    else:
        same = stamped is content.status and reason
        verdict = Verdict(content.status, reason if same else content.reason)
    return checked_python(verdict, junit.properties.get(properties.PYTHON), python)


def checked_python(verdict: Verdict, recorded: str | None, declared: str | None) -> Verdict:
    """An error when a cell of a `python` axis ran, and not on the Python it declares."""
    if declared is None or verdict.status not in RAN:
        return verdict
    if not recorded:
        return Verdict(
            Status.ERROR,
            f"no record of the Python it ran on (the cell declares Python {declared}); "
            "run it with `matrixgen run`, which records it",
        )
    if not pythons.matches(recorded, declared):
        return Verdict(Status.ERROR, f"ran on Python {recorded}, not on Python {declared}")
    return verdict
