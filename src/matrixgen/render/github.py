"""The GitHub Actions workflow: one job per level over an explicit list of cells, and a gate.

The workflow is a list of `Job`s, each rendered by the template named after its kind
(`github-job-cells.yml.j2`, `github-job-gate.yml.j2`), so a new kind of job (shards,
affected cells) is one more builder here and one more template.

No free text reaches a `run:` line or a `${{ }}` expression: values travel in the
matrix `include:` list (YAML-quoted, `${{` neutralized) and reach shells through `env:`.

Actions are used at matrixgen's tags (`DEFAULT_ACTIONS`) unless `outputs.github.actions`
pins them, by commit SHA; templates write `uses: {{ uses("actions/checkout") }}`.

What differs between the cells of one level job (runner, env, Python flavour, allowed
failure, retries) travels in the matrix lines; what all of them share is written once on
the job (`JobSettings`), so a level whose cells all run alike reads like a hand-written job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from matrixgen.errors import ConfigError, TemplateError, did_you_mean
from matrixgen.load.cells import Cell
from matrixgen.load.document import PathKey
from matrixgen.load.git_branch import git_default_branch
from matrixgen.load.github.checks import (
    container_port_env,
    needs_closure,
    suite_steps,
    windows_label,
)
from matrixgen.load.github.jobs import (
    CellEntry,
    JobEntry,
    cell_entry,
    job_names,
    shard_count,
)
from matrixgen.load.github.model import (
    ACTION_REF,
    Coverage,
    GithubConcurrency,
    GithubOutput,
    GithubStep,
    GithubTriggers,
)
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import GATE_JOB, PLAN_JOB, job_id
from matrixgen.marks import HASH
from matrixgen.render.github_options import (
    ExtraJob,
    JobContainer,
    extra_jobs,
    if_line,
    job_container,
    level_condition,
    max_parallel,
    skippable_levels,
)
from matrixgen.render.pip_cache import dependency_files
from matrixgen.render.target import Output, RenderContext, Rendered
from matrixgen.render.templating import github_quote

# The Python matrixgen itself runs on in a job, apart from the job's (the cell's) Python.
MATRIXGEN_PYTHON = "3.12"
# The actions the shipped templates use, at the major-version tags matrixgen is tested
# with. A tag can be moved by whoever controls the action; `outputs.github.actions` pins
# commits instead (see the README).
DEFAULT_ACTIONS = {
    "actions/checkout": "v5",
    "actions/setup-python": "v6",
    "actions/upload-artifact": "v6",
    "actions/download-artifact": "v7",
    "actions/cache/restore": "v5",
    "actions/cache/save": "v5",
    "astral-sh/setup-uv": "v7",  # `installer: uv`
}


def expression(text: str) -> str:
    """`${{ text }}`: for templates, where `{{` would open a Jinja expression."""
    return "${{ " + text + " }}"


def flow(value: object) -> str:
    """A matrix value as YAML flow text: strings through `github_quote`, lists `[a, b]`,
    mappings `{A: "1"}`, booleans `true`, numbers as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {flow(item)}" for key, item in value.items()) + "}"
    return github_quote(value)


@dataclass(frozen=True)
class JobSettings:
    """What a level job's cells share, written once on the job, and which matrix keys carry
    what they do not share (`keys`). Texts are YAML, ready for the template."""

    runs_on: str
    continue_on_error: str = ""  # "" (never), "true", or an expression over the matrix line
    freethreaded: str = ""  # setup-python's input, as continue_on_error
    prerelease: str = ""  # setup-python's allow-prereleases
    env: tuple[tuple[str, str], ...] = ()  # the job's env: name, YAML text
    retries: str = ""  # `--retries` of `matrixgen run`: "" (none), "2", or '"$RETRIES"' (the
    # matrix line's `retries`, through env)
    services: str = "native"  # `--services` of `matrixgen run`, or '"$SERVICES"' (as retries)
    keys: tuple[str, ...] = ()  # matrix keys beyond cell, id, python, timeout, artifact
    bash: bool = False  # a line runs on Windows, whose steps run in pwsh unless told bash


def job_settings(entries: Sequence[JobEntry], extra: Sequence[str] = ()) -> JobSettings:
    lines = [entry.matrix() for entry in entries]
    keys: list[str] = list(extra)

    def shared(key: str) -> object | None:
        """The one value every line has, or None (and the key goes in the matrix)."""
        values = {repr(line[key]) for line in lines}
        if len(values) == 1:
            value: object = lines[0][key]
            return value
        keys.append(key)
        return None

    def flag(key: str) -> str:
        if not any(line[key] for line in lines):
            return ""
        value = shared(key)
        return "true" if value is True else expression(f"matrix.{key}")

    runs_on = shared("runs-on")
    settings: dict[str, Any] = {
        "runs_on": expression("matrix.runs-on") if runs_on is None else flow(runs_on),
        "continue_on_error": flag("allowed-failure"),
        "freethreaded": flag("freethreaded"),
        "prerelease": flag("prerelease"),
    }
    retries = shared("retries") if any(line["retries"] for line in lines) else 0
    settings["retries"] = '"$RETRIES"' if retries is None else (str(retries) if retries else "")
    services = shared("services-mode")
    settings["services"] = '"$SERVICES"' if services is None else services
    names = dict.fromkeys(name for line in lines for name in line["env"])
    env = []
    for name in names:
        values = {line["env"].get(name) for line in lines}
        if len(values) == 1:
            env.append((name, flow(values.pop())))
        else:
            env.append((name, expression(f"matrix.env.{name}")))
            if "env" not in keys:
                keys.append("env")
    settings["env"] = tuple(env)
    settings["bash"] = any(windows_label(line["runs-on"]) for line in lines)
    return JobSettings(**settings, keys=tuple(keys))


@dataclass(frozen=True)
class Container:
    """A GitHub service container of a level job (`jobs.<id>.services`). Texts are YAML.

    A container some lines of the job do not need takes its image from the matrix line,
    empty where it is not needed: GitHub then does not start it."""

    id: str  # the service's name
    image: str
    ports: str  # the one mapping: "6379/tcp" (a free port of the runner) or "6379:6379"
    env: str  # flow mapping, or ""
    options: str
    variable: str  # env of the Run step holding the runner's port, empty when not started
    port: str  # the expression of that port
    address: str  # where a job container reaches it: its name, on the container's port


def job_containers(matrix: Matrix, entries: Sequence[JobEntry]) -> tuple[Container, ...]:
    """The service containers of a level job: every one a cell of it needs, in the order of
    `services:`."""
    lines = [entry.matrix()["images"] for entry in entries]
    containers = []
    for name, service in matrix.model.services.items():
        container = service.github
        if container is None or not any(name in images for images in lines):
            continue
        first = lines[0].get(name)
        if first is not None and all(images.get(name) == first for images in lines):
            image = flow(first)  # one image on every line (`${axis}` filled alike)
        else:
            image = expression(f"matrix.images['{name}'] || ''")
        published = f"{container.host_port}:{container.port}" if container.host_port else None
        containers.append(
            Container(
                id=name,
                image=image,
                ports=flow(published or f"{container.port}/tcp"),
                env=flow(container.env) if container.env else "",
                options=flow(container.options) if container.options else "",
                variable=container_port_env(name),
                port=expression(f"job.services['{name}'].ports['{container.port}']"),
                address=f"{name}:{container.port}",
            )
        )
    return tuple(containers)


@dataclass(frozen=True)
class Job:
    kind: str  # picks the template: github-job-{kind}.yml.j2
    id: str
    name: str
    entries: list[CellEntry] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    python: str = "3.11"
    plan: str = ""  # id of the plan job whose outputs give this job its matrix (`matrixgen.plan`)
    settings: JobSettings = field(default_factory=lambda: JobSettings(runs_on=""))
    setup: tuple[str, ...] = ()  # services' install steps (YAML text), after the packages
    before: tuple[str, ...] = ()  # the project's steps (YAML text) before the cell runs
    after: tuple[str, ...] = ()  # ... and after it ran
    levels: tuple[str, ...] = ()  # ids of the level jobs it waits for (`needs:`, `order:`)
    containers: tuple[Container, ...] = ()
    # Job container, `if:`, `max-parallel` (`render.github_options`); the gate's levels an
    # `if:` may skip: (env name of its result, job id, level).
    container: JobContainer | None = None
    user_if: str = ""
    max_parallel: int | None = None
    skippable: tuple[tuple[str, str, str], ...] = ()

    def any(self, key: str) -> bool:
        return any(getattr(entry, key) for entry in self.entries)

    @property
    def condition(self) -> str:
        """The job's `if:`: skipped when the plan gives it no cell; with levels before it,
        only when none of them failed (a level with no affected cell is skipped, and a
        skipped need would stop a job that waits on it: GitHub's default `success()`)."""
        parts = []
        if self.levels and self.plan:
            parts += [
                "!cancelled()",
                "!contains(needs.*.result, 'failure')",
                "!contains(needs.*.result, 'cancelled')",
            ]
        if self.plan:
            parts.append(f"needs.{self.plan}.outputs.{self.id}-size != '0'")
        if self.user_if:  # the project's own (validate refuses it with a plan job)
            return if_line(self.user_if)
        return expression(" && ".join(parts)) if len(parts) > 1 else "".join(parts)


def step_text(step: GithubStep, guard: str = "", note: str | None = None) -> str:
    """A project's step as YAML lines for a job's `steps:` list (indented by the template).

    Copied as written, `${{ }}` included: the project's own workflow text. A `guard` (this
    step is one suite's) joins the step's own `if:`; a `note` (the comment after its `uses:`
    in matrix.yaml, `# v4.2.0`) ends its `uses:` line again."""
    # Its fields by alias, None left out: model_dump would have pydantic build the model's
    # serializer first (~17 ms of a render); the values are plain (strings, numbers, dicts).
    fields = GithubStep.model_fields.items()
    data = {f.alias or n: v for n, f in fields if (v := getattr(step, n)) is not None}
    if guard:
        own = data.get("if")
        if isinstance(own, bool):
            own = "true" if own else "false"
        if isinstance(own, str):
            own = own.strip()
            if own.startswith("${{") and own.endswith("}}"):
                own = own[3:-2].strip()
        data["if"] = f"{guard} && ({own})" if own else guard
        order = [f.alias or n for n, f in fields]
        data = {key: data[key] for key in order if key in data}
    text = yaml.dump([data], Dumper=_StepDumper, sort_keys=False, allow_unicode=True, width=1000)
    lines = text.rstrip("\n").split("\n")
    if note:
        at = next(i for i, line in enumerate(lines) if line[2:].startswith("uses: "))
        lines[at] += f"  # {note}"
    return "\n".join(f"      {line}" if line else "" for line in lines)


def steps_text(
    matrix: Matrix, where: PathKey, steps: Sequence[GithubStep], guard: str = ""
) -> list[str]:
    """`step_text` of each of the steps at `where` in matrix.yaml, comments after `uses:` kept."""
    document = matrix.document
    return [
        step_text(step, guard, step.uses and document.comment((*where, index, "uses"), step.uses))
        for index, step in enumerate(steps)
    ]


class _StepDumper(yaml.SafeDumper):
    """Multi-line strings (a `run:` script) as literal blocks, as people write them."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_StepDumper.add_representer(str, _represent_str)


def level_steps(matrix: Matrix, level: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A level's steps before and after its cells run: the level's around its suites'.
    Where the level's job holds several suites, a suite's steps run only in its cells."""
    declared = matrix.model.levels[level]
    suites = declared.suites or {}
    guarded = suite_steps(matrix.model, level)
    before: list[str] = []
    after: list[str] = []
    own: PathKey = ("levels", level, "github", "steps")
    if declared.github is not None:
        before += steps_text(matrix, (*own, "before"), declared.github.steps.before)
    for name, suite in suites.items():
        if suite.github is None:
            continue
        guard = f"matrix.suite == '{name}'" if guarded else ""
        where: PathKey = ("levels", level, "suites", name, "github", "steps")
        before += steps_text(matrix, (*where, "before"), suite.github.steps.before, guard)
        after += steps_text(matrix, (*where, "after"), suite.github.steps.after, guard)
    if declared.github is not None:
        after += steps_text(matrix, (*own, "after"), declared.github.steps.after)
    return tuple(before), tuple(after)


def setup_steps(matrix: Matrix, entries: Sequence[CellEntry]) -> tuple[str, ...]:
    """The install steps of the services the job's cells need (`install.steps`), in the
    order of `services:`. Where only some of the job's cells need a service, its steps run
    only in their jobs (`matrix.setup` names them)."""
    needed = [set(entry.setup.split()) for entry in entries]
    steps: list[str] = []
    for name, service in matrix.model.services.items():
        if not service.install.steps or not any(name in each for each in needed):
            continue
        everywhere = all(name in each for each in needed)
        guard = "" if everywhere else f"contains(format(' {{0}} ', matrix.setup), ' {name} ')"
        where: PathKey = ("services", name, "install", "steps")
        steps += steps_text(matrix, where, service.install.steps, guard)
    return tuple(steps)


def cell_jobs(matrix: Matrix, github: GithubOutput) -> list[Job]:
    """One job per level; its matrix lists the level's cells explicitly, in matrix order.
    A level with computed values is described by its stand-in cells (`matrix.pending`): the
    plan job lists its cells at run time (`planned_jobs`)."""
    by_level: dict[str, list[Cell]] = {level: [] for level in matrix.model.levels}
    for cell in [*matrix.cells, *matrix.pending]:
        by_level[cell.level].append(cell)
    by_level = {level: cells for level, cells in by_level.items() if cells}
    computed = {cell.level for cell in matrix.pending}
    closure = needs_closure(matrix.model)
    jobs: list[Job] = []
    for level, cells in by_level.items():
        names, whole = job_names(matrix, cells)
        entries = [cell_entry(matrix, cell, github, names[cell.id]) for cell in cells]
        extra = ["suite"] if suite_steps(matrix.model, level) else []
        setup = setup_steps(matrix, entries)
        if any("matrix.setup" in step for step in setup):
            extra.append("setup")
        # A computed level's names are the plan's, which may show values with their axes.
        if whole or level in computed or any(entry.name != entry.cell for entry in entries):
            extra.insert(0, "name")
        containers = job_containers(matrix, entries)
        if any("matrix.images" in container.image for container in containers):
            extra.append("images")
        container = job_container(matrix.model, github, cells)
        if container is not None and container.image == expression("matrix.container"):
            extra.append("container")
        shown = "matrix.name" if "name" in extra else "matrix.cell"
        before, after = level_steps(matrix, level)
        settings = job_settings(entries, extra)
        waits = tuple(job_id(need) for need in closure[level] if need in by_level)
        jobs.append(
            Job(
                "cells",
                job_id(level),
                expression(shown) if whole else f"{level} ({expression(shown)})",
                entries,
                needs=list(waits),
                python=github.python,
                # A container runs steps in sh unless told bash, as Windows does in pwsh.
                settings=replace(settings, bash=True) if container else settings,
                setup=setup,
                before=before,
                after=after,
                levels=waits,
                containers=containers,
                container=container,
                user_if=level_condition(matrix.model, level),
                max_parallel=max_parallel(matrix.model, level),
            )
        )
    return jobs


@dataclass(frozen=True)
class PlanJob(Job):
    affected: bool = False  # diff pull requests against their base: needs full history
    sharded: bool = False  # restore recorded durations from the cache
    outputs: tuple[str, ...] = ()  # one matrix per planned level job, by job id
    computed: bool = False  # runs the commands of computed axes: sets up the job's Python
    selectable: bool = False  # `workflow_call`: its `cells` input selects the cells to run
    diff: bool = False  # on pull requests, `matrixgen diff` in the step summary


def planned_jobs(matrix: Matrix, github: GithubOutput, jobs: list[Job]) -> list[Job]:
    """`jobs` (one per level) with the plan job first, and planned levels reading from it:
    with `affected` or `shards`, and every level with computed values. With `diff` the
    plan job is there for pull requests' matrix diff even when it plans nothing."""
    computed = {job_id(cell.level) for cell in matrix.pending}
    # A workflow another may call plans every level: the caller's `cells` select cells.
    called = github.on.workflow_call
    if not github.affected and not github.shards and not computed and not called:
        if github.diff:  # the plan job alone, for its diff; no level waits for it
            alone = PlanJob("plan", PLAN_JOB, "plan the matrix", python=github.python, diff=True)
            return [alone, *jobs]
        return jobs
    levels = {job_id(cell.level): cell.level for cell in [*matrix.cells, *matrix.pending]}
    planned: list[Job] = []
    for job in jobs:
        count = shard_count(github, levels[job.id])
        needs = [PLAN_JOB, *job.levels]
        if count:
            name = f"{levels[job.id]} (shard {expression('matrix.shard')})"
            # A shard's cells share every setting the job does not (`plan.job_key`); its name
            # is the shard's, so the matrix lines need no `name`.
            settings = replace(
                job.settings, keys=tuple(k for k in job.settings.keys if k != "name")
            )
            planned.append(
                replace(
                    job, kind="shards", name=name, plan=PLAN_JOB, needs=needs, settings=settings
                )
            )
        elif github.affected or called or job.id in computed:
            planned.append(replace(job, plan=PLAN_JOB, needs=needs))
        else:
            planned.append(job)
    outputs = tuple(job.id for job in planned if job.plan)
    plan = PlanJob(
        "plan",
        PLAN_JOB,
        "plan the matrix",
        python=github.python,
        affected=github.affected,
        sharded=bool(github.shards),
        outputs=outputs,
        computed=bool(computed),
        selectable=called,
        diff=github.diff,
    )
    return [plan, *planned]


def gate_job(jobs: list[Job], github: GithubOutput, skippable: Sequence[str] = ()) -> Job:
    python = github.coverage.python if github.coverage else github.python
    plan = next((job.id for job in jobs if job.kind == "plan"), "")
    needs = [job.id for job in jobs]
    results = tuple(
        (f"RESULT_{index}", job_id(level), level) for index, level in enumerate(skippable)
    )
    return Job(
        "gate", GATE_JOB, "matrix gate", needs=needs, python=python, plan=plan, skippable=results
    )


def workflow_jobs(matrix: Matrix) -> list[Job | ExtraJob]:
    github = matrix.model.outputs.github or GithubOutput()
    # validate (`load.clashes`) refuses levels whose job ids clash or take `gate` or `plan`.
    jobs = cell_jobs(matrix, github)
    skippable = skippable_levels(matrix.model, list(dict.fromkeys(c.level for c in matrix.cells)))
    jobs = planned_jobs(matrix, github, jobs)
    extra = extra_jobs(
        matrix.model,
        github,
        flow(github.runs_on),
        lambda where, steps: steps_text(matrix, where, steps),
    )
    return [*jobs, gate_job(jobs, github, skippable), *extra]


def repository(action: str) -> str:
    """`owner/repo` of an action (`actions/cache` of `actions/cache/save`)."""
    return "/".join(action.split("/")[:2])


class Actions:
    """`uses:` values: the user's pins (by action, or by its `owner/repo`), else the default
    tags; remembers which pins the workflow used, so a pin for no action is reported."""

    def __init__(self, pins: dict[str, str]) -> None:
        self.pins = pins
        self.used: set[str] = set()

    def __call__(self, action: str) -> str:
        key = action if action in self.pins else repository(action)
        if key in self.pins:
            self.used.add(key)
            match = ACTION_REF.match(self.pins[key])
            assert match is not None  # validated by the model
            note = f"  # {match['note']}" if match["note"] else ""
            return f"{action}@{match['ref']}{note}"
        if action in DEFAULT_ACTIONS:
            return f"{action}@{DEFAULT_ACTIONS[action]}"
        raise TemplateError(
            f"a template uses the action '{action}', which matrixgen has no ref for; "
            "pin it in `outputs.github.actions`"
        )

    def unused(self, matrix: Matrix) -> None:
        """Raise ConfigError for each pin of an action that neither this workflow nor any
        other matrixgen renders uses (a typo, most likely). A pin for an action that only
        other settings use (actions/cache, with shards) stays valid."""
        known = {*DEFAULT_ACTIONS, *map(repository, DEFAULT_ACTIONS)}
        problems = [
            matrix.document.problem(
                ("outputs", "github", "actions", name),
                f"the workflow uses no action '{name}'"
                f"{did_you_mean(name, sorted(known | self.used))}; fix the name or remove the pin",
                key=True,
            )
            for name in self.pins
            if name not in self.used and name not in known
        ]
        if problems:
            raise ConfigError(problems)


@dataclass(frozen=True)
class Event:
    """One event of the workflow's `on:` with its filters."""

    name: str
    branches: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    paths_ignore: tuple[str, ...] = ()


def events(on: GithubTriggers, branch: str) -> list[Event]:
    """`push` (to the default branch unless `branches:` says), `pull_request`; filters kept."""
    found = []
    for name, default in (("push", (branch,)), ("pull_request", ())):
        setting = getattr(on, name)
        if setting is False:
            continue
        if setting is True or setting is None:
            found.append(Event(name, default))
            continue
        found.append(
            Event(
                name,
                tuple(setting.branches) if setting.branches is not None else default,
                tuple(setting.paths or ()),
                tuple(setting.paths_ignore or ()),
            )
        )
    return found


def concurrency(github: GithubOutput) -> bool | str | dict[str, object]:
    """The workflow's `concurrency:` for the template: False (none), True (pull requests
    cancel their superseded runs), "all" (every branch's too), or GitHub's own mapping."""
    setting = github.concurrency
    if isinstance(setting, GithubConcurrency):
        return {"group": setting.group, "cancel": setting.cancel_in_progress}
    return True if setting == "pull-requests" else setting


class GithubTarget:
    name = "github"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.github is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        github = matrix.model.outputs.github or GithubOutput()
        coverage: Coverage | None = github.coverage
        actions = Actions(github.actions)
        branch = github.branch or git_default_branch(context.root)
        body = context.templates.render(
            "github-workflow.yml.j2",
            name=f"{matrix.model.name} matrix" if matrix.model.name else "matrix",
            jobs=workflow_jobs(matrix),
            runs_on=flow(github.runs_on),
            install="\n".join(matrix.model.outputs.install),
            matrixgen_line=matrix.model.outputs.matrixgen_line,
            matrixgen_python=MATRIXGEN_PYTHON,
            matrix_file=context.source,
            coverage=coverage,
            events=events(github.on, branch),
            schedule=list(github.on.schedule),
            dispatch=github.on.workflow_dispatch,
            call=github.on.workflow_call,
            concurrency=concurrency(github),
            branch_from_git=github.branch is None,
            cache=(
                dependency_files(context.root, context.source, matrix.model) if github.cache else []
            ),
            uv=github.installer == "uv",
            expression=expression,
            flow=flow,
            uses=actions,
        )
        actions.unused(matrix)
        return Rendered([Output(github.file, body, HASH)])
