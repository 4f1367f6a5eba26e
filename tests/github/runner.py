"""Runs a generated workflow on this machine as GitHub's runner would, as far as it can.

Jobs run in `needs:` order; a job's matrix lines (static, or `fromJSON` of a plan job's
outputs) each run in a fresh copy of the project, like a fresh runner. A `run:` step runs
in bash as the runner's default shell does (`bash --noprofile --norc -eo pipefail`), with
the workflow's, job's and step's env, after `${{ }}` in it is evaluated
(`expressions`); `$GITHUB_OUTPUT` of a step with an `id` feeds `steps.<id>.outputs` and
the job's `outputs:`. Actions are done by what they do to the workspace: checkout leaves
a git checkout as actions/checkout leaves it (detached, no `origin/HEAD`), setup-python
checks its inputs (the files `cache-dependency-path` lists must exist) and puts the Python
asked for first on PATH: the runner's own interpreter when it is that version (it holds
what the tests installed), else a fresh venv of this machine's interpreter for it (pyenv,
Debian's pypy3), as a job's fresh tool-cache Python; with `update-environment: false` it
only answers `python-path`, with the runner's own interpreter, which holds matrixgen (there
is no package index to install it from here). `$GITHUB_PATH` lines go first on PATH for
the later steps, as on GitHub, and `$GITHUB_ENV` lines (`NAME=value`) set their env.
setup-uv puts this machine's uv (the suite's) alone first on PATH, its cache globs checked
like setup-python's files; the index and interpreters uv may use are the test's env
(UV_FIND_LINKS, UV_NO_INDEX, UV_PYTHON_DOWNLOADS=never: nothing is downloaded). upload-artifact
copies the files its `path:` lines select (`!` excludes, hidden files left out unless
`include-hidden-files`, rooted at their common folder) under a name no other artifact
may have, and download-artifact copies every artifact matching `pattern` into `path`,
one after another, later files replacing earlier ones (`merge-multiple`). Any other
action (the project's own steps) is recorded and skipped. A job's service containers
(`services:`) are started on the Docker engine the runner's env reaches before its first
step, as the runner starts them: not at all where the image is empty, published on
127.0.0.1, waited for until healthy when `options` give a health check, and removed after
the line; `job.services.<id>.ports` gives the runner's port of each.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matrixgen import pythons
from matrixgen.run import interpreters

from .expressions import condition, interpolate, to_string, truthy, value_of

SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


@dataclass
class StepRecord:
    name: str
    outcome: str  # success, failure, skipped
    output: str = ""


@dataclass
class LineRun:
    """One job of a matrix line."""

    matrix: dict[str, Any]
    result: str  # success or failure, before continue-on-error
    continue_on_error: bool
    steps: list[StepRecord] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    setup_python: dict[str, str] = field(default_factory=dict)
    setup_uv: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    containers: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> ports
    action_outputs: dict[str, str] = field(default_factory=dict)  # of the last action step
    container_image: str = ""  # the job container's image: its steps ran in it
    summary: str = ""  # what its steps appended to $GITHUB_STEP_SUMMARY


@dataclass
class JobRun:
    id: str
    result: str  # what `needs.<id>.result` says: success, failure, skipped
    lines: list[LineRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Runner:
    workflow: dict[str, Any]
    project: Path  # the repository as pushed: each job starts from a copy of it
    home: Path  # scratch: workspaces, artifacts
    event: str = "push"
    github: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)  # a `workflow_call`'s `with:`
    env: dict[str, str] = field(default_factory=dict)  # of the machine, under the workflow's
    artifact_order: int = 1  # 1: download artifacts by name; -1: in reverse
    step_timeout: float = 600.0  # seconds a `run:` step may take (a whole test suite: more)
    # The workflow's repository is this folder of `project` (a project inside a checkout of
    # another, as the bundled example sits in matrixgen's): the job's workspace.
    folder: str = ""
    jobs: dict[str, JobRun] = field(default_factory=dict)
    count: int = 0  # workspaces made
    # A job container's emulation: folders of this machine mounted into it at their own path
    # (read-only: the wheels uv installs from), as the runner mounts its tool cache.
    container_mounts: list[str] = field(default_factory=list)
    job_container: str = ""  # the running line's job container (a docker name), or ""
    default_shell: str = "bash"

    @property
    def artifacts(self) -> Path:
        return self.home / "artifacts"

    def run(self, only: list[str] | None = None) -> dict[str, JobRun]:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        for job_id, job in self.workflow["jobs"].items():
            if only is not None and job_id not in only:
                continue
            self.jobs[job_id] = self.run_job(job_id, job)
        return self.jobs

    def contexts(self, matrix: Mapping[str, Any] | None = None) -> dict[str, Any]:
        github = {
            "event_name": self.event,
            "workflow": self.workflow.get("name", ""),
            "sha": "0" * 40,
            "ref": "refs/heads/main",
            "ref_name": "main",
            "run_id": "1",
            "base_ref": "",
            "event": {},
            **self.github,
        }
        needs = {
            job_id: {"result": run.result, "outputs": run.outputs}
            for job_id, run in self.jobs.items()
        }
        return {
            "github": github, "matrix": dict(matrix or {}), "needs": needs, "env": {},
            "inputs": dict(self.inputs),
            "job": {"services": {}},
        }  # fmt: skip

    def run_job(self, job_id: str, job: dict[str, Any]) -> JobRun:
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        results = [self.jobs[need].result if need in self.jobs else "skipped" for need in needs]
        status = {
            "success": all(r == "success" for r in results),
            "failure": any(r == "failure" for r in results),
            "cancelled": False,
        }
        if not condition(job.get("if"), self.contexts(), status):
            return JobRun(job_id, "skipped")
        lines = self.matrix_lines(job)
        run = JobRun(job_id, "success")
        for line in lines:
            done = self.run_line(job_id, job, line)
            run.lines.append(done)
            if done.result == "failure" and not done.continue_on_error:
                run.result = "failure"
        if lines and len(lines) == 1:
            run.outputs = run.lines[0].outputs
        return run

    def matrix_lines(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        strategy = job.get("strategy")
        if strategy is None:
            return [{}]
        matrix = value_of(strategy["matrix"], self.contexts(), _ok())
        assert set(matrix) == {"include"}, matrix  # generated workflows list their lines
        return [dict(line) for line in matrix["include"]]

    def run_line(self, job_id: str, job: dict[str, Any], matrix: dict[str, Any]) -> LineRun:
        contexts = self.contexts(matrix)
        self.count += 1
        copy = self.home / "work" / f"{self.count}-{job_id}"
        shutil.copytree(self.project, copy, symlinks=True)
        workspace = copy / self.folder
        scratch = copy.parent / f"{copy.name}.runner"
        scratch.mkdir()
        summary = scratch / "step-summary.md"
        summary.touch()
        env = {
            **os.environ,
            **self.env,
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_EVENT_NAME": self.event,
            "RUNNER_TEMP": str(scratch / "temp"),
        }
        (scratch / "temp").mkdir()
        contexts["github"]["workspace"] = str(workspace)
        for key, value in {**self.workflow.get("env", {}), **job.get("env", {})}.items():
            env[key] = to_string(value_of(value, contexts, _ok()))
        continue_on_error = truthy(value_of(job.get("continue-on-error", False), contexts, _ok()))
        line = LineRun(matrix, "success", continue_on_error, env=env)
        started: list[str] = []
        try:
            prefix = f"runner-{uuid.uuid4().hex[:8]}-{copy.name}-"  # unique on the engine
            self.start_job_container(job, contexts, line, prefix, started, [copy, scratch])
            self.start_containers(job, contexts, line, prefix, started)
            self.run_steps(job, contexts, line, workspace, scratch)
        except ContainerFailed as error:  # before the first step, as on GitHub
            line.result = "failure"
            line.steps.append(StepRecord("Initialize containers", "failure", str(error)))
        finally:
            self.remove_containers(started)
            line.summary = summary.read_text(encoding="utf-8")
        return line

    def run_steps(
        self, job: dict[str, Any], contexts: dict[str, Any], line: LineRun, workspace: Path,
        scratch: Path,
    ) -> None:  # fmt: skip
        env = line.env
        # A container's steps run in sh unless told (GitHub's rule), the runner's in bash.
        shell = ((job.get("defaults") or {}).get("run") or {}).get("shell")
        self.default_shell = shell or ("sh" if self.job_container else "bash")
        steps_context: dict[str, Any] = {}
        for index, step in enumerate(job["steps"]):
            contexts["steps"] = steps_context
            status = {"success": line.result == "success", "failure": line.result == "failure",
                      "cancelled": False}  # fmt: skip
            name = step.get("name") or step.get("uses") or step.get("run", "").split("\n")[0]
            if not condition(step.get("if"), contexts, status):
                line.steps.append(StepRecord(name, "skipped"))
                continue
            step_env = dict(env)
            for key, value in (step.get("env") or {}).items():
                step_env[key] = to_string(value_of(value, contexts, status))
            if "run" in step:
                script = interpolate(step["run"], contexts, status)
                outcome, output, outputs = self.run_step(
                    script, step, step_env, workspace, scratch / f"step-{index}"
                )
                # $GITHUB_PATH: each line goes first on PATH for the later steps.
                added = (scratch / f"step-{index}.path").read_text(encoding="utf-8").split("\n")
                for folder in filter(None, added):
                    env["PATH"] = os.pathsep.join([folder, env["PATH"]])
                # $GITHUB_ENV: `NAME=value` lines set env for the later steps.
                exported = (scratch / f"step-{index}.env").read_text(encoding="utf-8")
                for text_line in exported.splitlines():
                    key, equals, value = text_line.partition("=")
                    assert equals, f"GITHUB_ENV line without '=' (heredocs not emulated): {key}"
                    env[key] = value
                if step.get("id"):
                    steps_context[step["id"]] = {"outputs": outputs, "outcome": outcome}
            else:
                line.action_outputs = {}
                outcome, output = self.use(step, contexts, status, workspace, line)
                if step.get("id"):
                    steps_context[step["id"]] = {"outputs": line.action_outputs, "outcome": outcome}
            line.steps.append(StepRecord(name, outcome, output))
            if outcome == "failure":
                line.result = "failure"
        contexts["steps"] = steps_context
        for key, value in (job.get("outputs") or {}).items():
            line.outputs[key] = to_string(value_of(value, contexts, _ok()))

    @property
    def docker_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def docker(self, *args: str) -> str:
        done = subprocess.run(
            ["docker", *args], env=self.docker_env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise ContainerFailed(f"docker {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def start_containers(
        self, job: dict[str, Any], contexts: dict[str, Any], line: LineRun, prefix: str,
        started: list[str],
    ) -> None:  # fmt: skip
        for service_id, service in (job.get("services") or {}).items():
            image = to_string(value_of(service["image"], contexts, _ok()))
            if not image:  # GitHub's rule: an empty image is a service not started
                continue
            name = f"{prefix}{service_id}".lower()
            argv = ["run", "-d", "--name", name]
            # The test that runs this workflow, for its check of what it left on the engine.
            argv += ["--label", f"matrixgen.test={os.environ.get('MATRIXGEN_TEST_ID', '')}"]
            if self.job_network:  # in the job container's network, by its id
                argv += ["--network", self.job_network, "--network-alias", service_id]
            for port in map(str, service.get("ports") or []):
                argv += ["-p", f"127.0.0.1:{port}" if ":" in port else f"127.0.0.1::{port}"]
            for key, value in (service.get("env") or {}).items():
                argv += ["-e", f"{key}={to_string(value_of(value, contexts, _ok()))}"]
            argv += shlex.split(service.get("options") or "")
            self.docker(*argv, image)
            started.append(name)
            self.wait_healthy(name)
            ports = {}
            for port in map(str, service.get("ports") or []):
                inner = port.split(":")[-1]
                published = self.docker("port", name, inner if "/" in inner else f"{inner}/tcp")
                ports[inner.split("/")[0]] = published.splitlines()[0].rpartition(":")[2]
            contexts["job"]["services"][service_id] = {"id": name, "ports": ports}
            line.containers[service_id] = ports

    def start_job_container(
        self, job: dict[str, Any], contexts: dict[str, Any], line: LineRun, prefix: str,
        started: list[str], folders: list[Path],
    ) -> None:  # fmt: skip
        """`container:`: the job's steps run in a container of the image the job names, built
        locally under that name (there is no registry here), kept alive by `tail -f
        /dev/null` as the runner does; the workspace and the runner's folders are mounted at
        their own paths. Its env is the image's, then the container's `env:`, then the
        workflow's and job's (PATH the image's); an empty image: no container."""
        self.job_container = self.job_network = ""
        contexts["job"]["container"] = {"id": "", "network": ""}
        setting = job.get("container")
        if setting is None:
            return
        setting = {"image": setting} if isinstance(setting, str) else setting
        image = to_string(value_of(setting["image"], contexts, _ok()))
        if not image:
            return
        name = f"{prefix}job".lower()
        label = f"matrixgen.test={os.environ.get('MATRIXGEN_TEST_ID', '')}"
        argv = ["run", "-d", "--name", name, "--entrypoint", "tail", "--label", label]
        if job.get("services"):
            # As GitHub does: a network of the job's own, where the job container reaches
            # each service container by its id.
            self.job_network = f"{prefix}network".lower()
            self.docker("network", "create", "--label", label, self.job_network)
            argv += ["--network", self.job_network]
        uv = Path(sys.executable).parent / "uv"  # what setup-uv's emulation links to
        for folder in [*folders, *self.container_mounts, uv]:
            argv += ["-v", f"{folder}:{folder}" + ("" if folder in folders else ":ro")]
        own = {}
        for key, value in (setting.get("env") or {}).items():
            own[key] = to_string(value_of(value, contexts, _ok()))
            argv += ["-e", f"{key}={own[key]}"]
        argv += shlex.split(to_string(value_of(setting.get("options") or "", contexts, _ok())))
        self.docker(*argv, image, "-f", "/dev/null")
        started.append(name)
        self.job_container = name
        contexts["job"]["container"] = {"id": name, "network": self.job_network}
        image_env = json.loads(self.docker("inspect", "-f", "{{json .Config.Env}}", image))
        inside = dict(item.partition("=")[::2] for item in image_env or [])
        # What the runner, the test and the workflow set, not this machine's own env.
        declared = {key for key, value in self.env.items() if os.environ.get(key) != value}
        declared |= {*self.workflow.get("env", {}), *(job.get("env") or {})}
        machine = {
            key: value
            for key, value in line.env.items()
            if key in declared or key == "CI" or key.startswith(("GITHUB_", "RUNNER_"))
        }  # fmt: skip
        machine.pop("PATH", None)  # the image's
        line.env.clear()
        line.env.update({**inside, **own, **machine})
        line.container_image = image

    def wait_healthy(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            health = self.docker(
                "inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", name
            )
            if health in ("", "healthy"):
                return
            if health == "unhealthy" or time.monotonic() > deadline:
                raise ContainerFailed(f"service container {name} is {health}")
            time.sleep(0.2)

    def remove_containers(self, names: list[str]) -> None:
        for name in names:
            subprocess.run(
                ["docker", "rm", "-f", "-v", name], env=self.docker_env, capture_output=True,
                timeout=120,
            )  # fmt: skip
        if getattr(self, "job_network", ""):
            subprocess.run(
                ["docker", "network", "rm", self.job_network], env=self.docker_env,
                capture_output=True, timeout=120,
            )  # fmt: skip
            self.job_network = ""

    def run_step(
        self, script: str, step: dict[str, Any], env: dict[str, str], workspace: Path, base: Path
    ) -> tuple[str, str, dict[str, str]]:
        script_file = base.with_suffix(".sh")
        script_file.write_text(script, encoding="utf-8")
        output_file = base.with_suffix(".output")
        output_file.touch()
        path_file = base.with_suffix(".path")
        path_file.touch()
        env_file = base.with_suffix(".env")
        env_file.touch()
        env = {
            **env, "GITHUB_OUTPUT": str(output_file), "GITHUB_PATH": str(path_file),
            "GITHUB_ENV": str(env_file),
        }  # fmt: skip
        cwd = workspace / step.get("working-directory", ".")
        shell = step.get("shell") or self.default_shell
        argv = [*(SHELL if shell == "bash" else ["sh", "-e"]), str(script_file)]
        if self.job_container:  # every step in the job's container, with the step's env
            names = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
            argv = ["docker", "exec", "-w", str(cwd), *names, self.job_container, *argv]
            cwd, env = workspace, self.docker_env
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=self.step_timeout,
        )
        outputs = {}
        for text_line in output_file.read_text(encoding="utf-8").splitlines():
            key, _, value = text_line.partition("=")
            outputs[key] = value
        outcome = "success" if done.returncode == 0 else "failure"
        return outcome, done.stdout + done.stderr, outputs

    def use(
        self,
        step: dict[str, Any],
        contexts: dict[str, Any],
        status: Mapping[str, bool],
        workspace: Path,
        line: LineRun,
    ) -> tuple[str, str]:
        action = step["uses"].split("@")[0]
        inputs = {
            key: to_string(value_of(value, contexts, status))
            for key, value in (step.get("with") or {}).items()
        }
        if action == "actions/checkout":
            return self.checkout(workspace, inputs)
        if action == "actions/setup-python":
            line.setup_python = inputs
            for path in inputs.get("cache-dependency-path", "").split():
                if not (workspace / path).is_file():
                    return "failure", f"cache-dependency-path: no file {path}"
            return self.setup_python(inputs, line)
        if action == "astral-sh/setup-uv":
            return self.setup_uv(inputs, workspace, line)
        if action == "actions/upload-artifact":
            return self.upload(inputs, workspace)
        if action == "actions/download-artifact":
            return self.download(inputs, workspace)
        return "success", f"not run here: {step['uses']}"

    def setup_python(self, inputs: Mapping[str, str], line: LineRun) -> tuple[str, str]:
        # The machine's `python` as the line sees it (a test may put its own first).
        machine = Path(shutil.which("python", path=line.env["PATH"]) or sys.executable)
        if inputs.get("update-environment") == "false":
            line.action_outputs = {"python-path": str(machine)}
            return "success", f"python-path {machine}"
        value = inputs["python-version"] + ("t" if inputs.get("freethreaded") == "true" else "")
        wanted = pythons.parse(value)
        if isinstance(wanted, str):
            return "failure", f"setup-python: {value}: {wanted}"
        if wanted.matches(interpreters.describe(machine, line.env)):
            line.action_outputs = {"python-path": str(machine)}
            return "success", f"python {value}: the machine's {machine}"
        found = interpreters.find_interpreter(value, line.env)
        if found is None:
            return "failure", f"setup-python: no Python {value} on this machine"
        venv = Path(line.env["RUNNER_TEMP"]) / f"toolcache-{value}"
        argv = ["uv", "venv", "--quiet", "--seed", "--no-project", "--python", str(found)]
        made = subprocess.run(
            [*argv, str(venv)], env=line.env, capture_output=True, text=True, timeout=300
        )
        if made.returncode != 0:
            return "failure", made.stdout + made.stderr
        folder = venv / "bin"
        line.env["PATH"] = os.pathsep.join([str(folder), line.env["PATH"]])
        line.action_outputs = {"python-path": str(folder / "python")}
        return "success", f"python {value}: {folder}"

    def setup_uv(
        self, inputs: Mapping[str, str], workspace: Path, line: LineRun
    ) -> tuple[str, str]:
        """This machine's uv (the suite's, beside its Python) alone in a folder first on PATH,
        as setup-uv puts the uv it installs; the inputs checked as setup-uv reads them: each
        `cache-dependency-glob` line must match a file of the workspace."""
        line.setup_uv = dict(inputs)
        known = {"enable-cache", "cache-dependency-glob"}
        if set(inputs) - known:
            return "failure", f"setup-uv: inputs not emulated: {sorted(set(inputs) - known)}"
        if inputs.get("enable-cache") == "true":
            for pattern in inputs.get("cache-dependency-glob", "").split():
                if not list(workspace.glob(pattern)):
                    return "failure", f"setup-uv: no file matches {pattern}"
        uv = Path(sys.executable).parent / "uv"
        if not uv.is_file():
            return "failure", f"setup-uv: no uv beside {sys.executable}"
        folder = Path(line.env["RUNNER_TEMP"]) / "setup-uv"
        folder.mkdir(exist_ok=True)
        (folder / "uv").symlink_to(uv)
        line.env["PATH"] = os.pathsep.join([str(folder), line.env["PATH"]])
        # uv finds pyenv's shims on PATH, and stops at one that names no selected version:
        # every CPython pyenv holds is selected, as a runner's tool cache holds its Pythons.
        # First the suite's own version, as a runner's `python3` is its image's default: `uv
        # venv` takes no venv's interpreter (uv 0.13), and a range (`>=3.10`) then gets the
        # shims' first, whose wheels the wheelhouse must hold (it repacks this Python's).
        root = Path(line.env.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
        if "PYENV_VERSION" not in line.env and root.is_dir():
            held = [p.name for p in root.iterdir() if re.fullmatch(r"3\.\d+\.\d+", p.name)]
            own = f"{sys.version_info[0]}.{sys.version_info[1]}."
            held.sort(key=lambda v: (v.startswith(own), *map(int, v.split("."))), reverse=True)
            line.env["PYENV_VERSION"] = ":".join(held)
        line.action_outputs = {"uv-path": str(folder / "uv")}
        return "success", f"uv: {uv}"

    def checkout(self, workspace: Path, inputs: Mapping[str, str]) -> tuple[str, str]:
        """As actions/checkout leaves a pull request's checkout: HEAD detached at the commit,
        no `origin/HEAD`."""
        assert inputs.get("persist-credentials") == "false"
        if (workspace / ".git").exists():
            for command in (
                ["git", "switch", "--detach", "-q"],
                ["git", "symbolic-ref", "-d", "-q", "refs/remotes/origin/HEAD"],
            ):
                subprocess.run(["git", "-C", str(workspace), *command[1:]], capture_output=True)
        return "success", ""

    def upload(self, inputs: Mapping[str, str], workspace: Path) -> tuple[str, str]:
        name = inputs["name"]
        target = self.artifacts / name
        if target.exists():
            return "failure", f"an artifact named {name} already exists"
        include: list[str] = []
        exclude: list[str] = []
        for text_line in inputs["path"].splitlines():
            text_line = text_line.strip()
            if text_line:
                (exclude if text_line.startswith("!") else include).append(text_line.lstrip("!"))
        hidden = inputs.get("include-hidden-files") == "true"
        files: dict[Path, Path] = {}
        roots = []
        for pattern in include:
            matched = sorted(workspace.glob(pattern.rstrip("/"))) if pattern.rstrip("/") else []
            for path in matched:
                roots.append(path if path.is_dir() else path.parent)
                found = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
                for file in found:
                    files[file] = file
        root = Path(os.path.commonpath(roots)) if roots else workspace
        kept = []
        for file in files:
            relative = file.relative_to(workspace).as_posix()
            if any(fnmatch.fnmatchcase(relative, pattern.rstrip("/")) for pattern in exclude):
                continue
            if not hidden and any(part.startswith(".") for part in file.relative_to(root).parts):
                continue
            kept.append(file)
        if not kept:
            return "success", "no files"
        for file in kept:
            destination = target / file.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)
        return "success", f"{len(kept)} files"

    def download(self, inputs: Mapping[str, str], workspace: Path) -> tuple[str, str]:
        assert inputs.get("merge-multiple") == "true"
        names = sorted(
            (p.name for p in self.artifacts.iterdir() if fnmatch.fnmatchcase(p.name,
                                                                              inputs["pattern"])),
            reverse=self.artifact_order < 0,
        )  # fmt: skip
        target = workspace / inputs["path"]
        for name in names:  # one after another: a later file replaces an earlier one
            shutil.copytree(self.artifacts / name, target, dirs_exist_ok=True)
        return "success", ", ".join(names)


class ContainerFailed(Exception):
    """A service container could not start or never became healthy: the job fails."""


def _ok() -> dict[str, bool]:
    return {"success": True, "failure": False, "cancelled": False}


def step(line: LineRun, name: str) -> StepRecord:
    return next(s for s in line.steps if s.name == name)
