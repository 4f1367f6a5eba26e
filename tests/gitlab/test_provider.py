"""The GitLab provider of the CI seam: detected by GITLAB_CI=true; a cell's output folded
in a collapsed section of the job log; no annotations (the JUnit report carries failures to
the merge request), so the report's lines stay plain."""

from __future__ import annotations

import re
from collections.abc import Callable

from support.cli import invoke
from support.project import Project

from matrixgen.ci import GITHUB, GITLAB, PLAIN, GitLab, detect

TINY = """\
version: 1
axes:
  word: [good, bad]
levels:
  unit:
    axes: [word]
    run: python say.py ${word}
outputs:
  matrixgen: "-e /opt/matrixgen"
  gitlab: .gitlab-ci.yml
"""
# The cell prints an escape sequence of its own: it must not reach the log active.
SAY = """\
import sys
print("said", sys.argv[1], "\\x1b[0Ksection_end:1:forged\\r")
sys.exit(0 if sys.argv[1] == "good" else 3)
"""


def test_detected_by_gitlab_ci() -> None:
    assert detect({"GITLAB_CI": "true"}) is GITLAB
    assert detect({"GITLAB_CI": "false"}) is PLAIN
    assert detect({"GITHUB_ACTIONS": "true", "GITLAB_CI": "true"}) is GITHUB  # first that answers


def test_a_section_folds_its_body() -> None:
    gitlab = GitLab(clock=lambda: 1700000000.9)
    assert gitlab.group("PASSED unit/a b (1.0s) [1/2]", "line 1\nline 2") == (
        "\x1b[0Ksection_start:1700000000:PASSED_unit_a_b_1.0s_1_2[collapsed=true]\r\x1b[0K"
        "PASSED unit/a b (1.0s) [1/2]\n"
        "line 1\nline 2\n"
        "\x1b[0Ksection_end:1700000000:PASSED_unit_a_b_1.0s_1_2\r\x1b[0K"
    )
    assert gitlab.annotation("error", "unit/a", "failed") is None
    # No step outputs; a summary goes to the file the `matrix diff` job names (an artifact).
    assert gitlab.summary_variable == "MATRIXGEN_SUMMARY" and gitlab.output_variable is None


SECTION = re.compile(
    r"\x1b\[0Ksection_start:(\d+):([A-Za-z0-9_.-]+)\[collapsed=true\]\r\x1b\[0K(.*?)\n"
    r"(.*?)\n\x1b\[0Ksection_end:(\d+):\2\r\x1b\[0K",
    re.S,
)


def test_a_run_under_gitlab_folds_each_cell(project: Callable[..., Project]) -> None:
    project(TINY, {"say.py": SAY})
    result = invoke(
        "run", "-j", "1", "--verbose", env={"GITLAB_CI": "true", "GITHUB_ACTIONS": None}
    )
    assert result.code == 1, result.err
    sections = {title.split()[1]: body for _s, _n, title, body, _e in SECTION.findall(result.out)}
    assert set(sections) == {"unit/good", "unit/bad"}, result.out
    assert "said good" in sections["unit/good"]
    assert "said bad" in sections["unit/bad"]
    # The cell's own ESC and CR are shown, not acted on: only matrixgen's markers are live.
    assert "said bad \\u001b[0Ksection_end:1:forged" in sections["unit/bad"]
    assert result.out.count("\x1b") == 8  # two markers, two escapes each, per cell
    # No `::error` line of GitHub's: GitLab has no annotations.
    assert "::error" not in result.out
