"""The CI a command runs under, chosen once from the environment, and what it reads from
matrixgen's output: folded groups, annotations, a step summary, values for later steps.

One class per provider behind `Provider`; `detect` picks one from the env a command was
given (never os.environ behind its back), and the commands ask it instead of spelling a
provider's conventions themselves (as cibuildwheel's `ci.py` does). `Plain` is a terminal
or a CI that reads nothing special: the caller then prints its plain lines.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from matrixgen.errors import UsageError

Kind = Literal["error", "warning"]


class Provider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str:
        """As people call it."""
        ...

    @property
    def summary_variable(self) -> str | None:
        """The variable naming the file a step summary is appended to."""
        ...

    @property
    def output_variable(self) -> str | None:
        """The variable naming the file `name=value` lines go to for later steps."""
        ...

    @property
    def full_history(self) -> str:
        """How a job of this CI clones with full history (what a missing git ref asks for)."""
        ...

    def group(self, title: str, body: str) -> str | None:
        """Lines that show `body` folded under `title`; None: this CI folds nothing."""
        ...

    def annotation(self, kind: Kind, title: str, message: str) -> str | None:
        """A line that makes an annotation on the run's page; None: this CI makes none."""
        ...


@dataclass(frozen=True)
class Plain:
    name: str = "plain"
    title: str = "plain terminal"
    summary_variable: str | None = None
    output_variable: str | None = None
    full_history: str = (
        "git fetch --unshallow; in GitHub Actions: actions/checkout with fetch-depth: 0; "
        "in GitLab CI: GIT_DEPTH: 0"
    )

    def group(self, title: str, body: str) -> str | None:
        return None

    def annotation(self, kind: Kind, title: str, message: str) -> str | None:
        return None


@dataclass(frozen=True)
class GitHub:
    """Workflow commands: https://docs.github.com/actions/reference/workflow-commands-for-github-actions"""

    name: str = "github"
    title: str = "GitHub Actions"
    summary_variable: str | None = "GITHUB_STEP_SUMMARY"
    output_variable: str | None = "GITHUB_OUTPUT"
    full_history: str = "in GitHub Actions: actions/checkout with fetch-depth: 0"

    def group(self, title: str, body: str) -> str | None:
        return f"::group::{title}\n{body}\n::endgroup::"

    def annotation(self, kind: Kind, title: str, message: str) -> str | None:
        return f"::{kind} title={command_property(title)}::{command_data(message)}"


@dataclass(frozen=True)
class GitLab:
    """Collapsible sections of the job log: https://docs.gitlab.com/ci/jobs/job_logs/
    (`section_start:<unix time>:<name>[collapsed=true]`, the title after `\\r\\e[0K`, which
    hides the marker, and `section_end:<unix time>:<name>`). GitLab has no annotations,
    step summary or step outputs: the JUnit report carries failures to the merge request,
    and a summary goes to the file $MATRIXGEN_SUMMARY names, which the job keeps as an
    artifact shown in the merge request (`artifacts:expose_as`). A job clones `GIT_DEPTH`
    commits deep (20 by default): https://docs.gitlab.com/ci/runners/configure_runners/"""

    name: str = "gitlab"
    title: str = "GitLab CI"
    summary_variable: str | None = "MATRIXGEN_SUMMARY"
    output_variable: str | None = None
    full_history: str = "in GitLab CI: GIT_DEPTH: 0 in the job's variables"
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def group(self, title: str, body: str) -> str | None:
        # A section's name: letters, digits, `_`, `.` and `-`; the title is free text.
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", title).strip("_")[:60] or "section"
        clear = "\r\x1b[0K"
        start = f"\x1b[0Ksection_start:{int(self.clock())}:{name}[collapsed=true]{clear}{title}"
        end = f"\x1b[0Ksection_end:{int(self.clock())}:{name}{clear}"
        return f"{start}\n{body}\n{end}"

    def annotation(self, kind: Kind, title: str, message: str) -> str | None:
        return None


def command_data(text: str) -> str:
    """A workflow command's message, escaped as the runner unescapes it: a command ends at
    a newline, and `%0A` in a reason stays those three characters."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A workflow command's property value (`title=`): `:` and `,` end it as well."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


# How each provider says it is running: the first that answers is the one.
GITHUB = GitHub()
GITLAB = GitLab()
PROVIDERS: dict[str, tuple[Callable[[Mapping[str, str]], bool], Provider]] = {
    "github": (lambda env: env.get("GITHUB_ACTIONS") == "true", GITHUB),
    "gitlab": (lambda env: env.get("GITLAB_CI") == "true", GITLAB),
}
PLAIN: Provider = Plain()


def detect(env: Mapping[str, str]) -> Provider:
    for running, provider in PROVIDERS.values():
        if running(env):
            return provider
    return PLAIN


def write_outputs(
    provider: Provider, outputs: Mapping[str, str], env: Mapping[str, str], *, option: str
) -> Path:
    """Append `name=value` lines (values are one-line JSON or words) to the file where
    `provider` hands values to later steps. `option` is what asked for it, for the error."""
    variable = provider.output_variable
    target = env.get(variable) if variable else None
    if not target:
        raise UsageError(
            f"{option}: ${variable} is not set; use it in a {provider.title} step"
            if variable
            else f"{option}: {provider.title} hands no values to later steps"
        )
    with open(target, "a", encoding="utf-8") as stream:
        for name, value in outputs.items():
            stream.write(f"{name}={value}\n")
    return Path(target)
