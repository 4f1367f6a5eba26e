"""A project's own templates run in Jinja's immutable sandbox: known escapes run nothing.

`render --check` is a pre-commit hook that "writes nothing"; before the sandbox, a template
in the project's templates/ folder ran shell commands from it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from support.cli import Result

from .conftest import Project
from .helpers import run, tool

# Each one creates the file {marker} when it escapes; each is refused on the template's line 3.
RUNS_A_COMMAND = [
    "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__"
    ".os.popen('touch {marker}').read() }}",
    "{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ joiner.__init__.__globals__.__builtins__.__import__('os').system('touch {marker}') }}",
    "{{ namespace.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ lipsum.__globals__.__builtins__.exec(\"open('{marker}', 'w')\") }}",
]
OTHER_ESCAPES = [
    # Walking to every class in the interpreter (then to subprocess.Popen).
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    # str.format reaches attributes on its own.
    '{{ "{0.__init__.__globals__[os]}".format(cycler) }}',
    # The attr filter.
    "{{ cycler | attr('__init__') | attr('__globals__') }}",
    # Changing the values matrixgen passes (the immutable sandbox).
    "{{ includes.append('x') }}",
    "{{ self.__init__ }}",
]


def hostile(project: Project, line: str, marker: Path) -> None:
    project.write(
        "templates/compose-profile.yml.j2",
        "name: {{ project | compose }}\n# line 2\n" + line.replace("{marker}", str(marker)) + "\n",
    )


@pytest.mark.parametrize("line", RUNS_A_COMMAND + OTHER_ESCAPES)
@pytest.mark.parametrize("check", [True, False], ids=["check", "write"])
def test_a_template_escape_runs_nothing_and_is_a_located_error(
    storage_proxy: Project, matrixgen: Callable[..., Result], line: str, check: bool
) -> None:
    marker = storage_proxy.root.parent / "escaped"
    hostile(storage_proxy, line, marker)
    before = storage_proxy.files()

    result = matrixgen("-C", str(storage_proxy.root), "render", *(["--check"] if check else []))

    assert not marker.exists()
    assert result.code == 2
    assert result.out == ""  # rendering failed before any file was judged
    assert result.err.startswith("templates/compose-profile.yml.j2:3: template error: ")
    assert "Traceback" not in result.err
    assert storage_proxy.files() == before


@pytest.mark.parametrize("line", RUNS_A_COMMAND[:3])
def test_the_sandbox_names_what_it_refused(
    storage_proxy: Project, matrixgen: Callable[..., Result], line: str
) -> None:
    hostile(storage_proxy, line, storage_proxy.root.parent / "escaped")
    result = matrixgen("-C", str(storage_proxy.root), "render", "--check")
    assert result.err.startswith(
        "templates/compose-profile.yml.j2:3: template error: refused by the sandbox: "
        "access to attribute '"
    )
    assert result.err.rstrip().endswith(
        "is unsafe; a template may only use the values matrixgen gives it, remove that expression"
    )


@pytest.mark.parametrize("line", RUNS_A_COMMAND)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # popen, open
def test_each_command_payload_does_escape_a_plain_jinja_environment(
    tmp_path: Path, line: str
) -> None:
    """The payloads are live: what the sandbox stops, an ordinary Environment runs."""
    marker = tmp_path / "escaped"
    jinja2.Environment().from_string(line.replace("{marker}", str(marker))).render()
    assert marker.exists()


def test_workflow_template_cannot_reach_python_through_the_functions_it_is_given(
    storage_proxy: Project, matrixgen: Callable[..., Result]
) -> None:
    marker = storage_proxy.root.parent / "escaped"
    for line in [
        "{{ expression.__globals__['__builtins__']['__import__']('os').system('touch {marker}') }}",
        "{{ uses.__call__.__globals__.os.system('touch {marker}') }}",
        "{{ uses.used.add('actions/checkout') }}",
    ]:
        storage_proxy.write(
            "templates/github-workflow.yml.j2",
            "name: x\njobs: {}\n" + line.replace("{marker}", str(marker)) + "\n",
        )
        result = matrixgen("-C", str(storage_proxy.root), "render", "--check")
        assert result.code == 2, result
        assert result.err.startswith("templates/github-workflow.yml.j2:3: template error: ")
        assert not marker.exists()


def test_the_console_script_exits_2_without_a_traceback(storage_proxy: Project) -> None:
    marker = storage_proxy.root.parent / "escaped"
    hostile(storage_proxy, RUNS_A_COMMAND[1], marker)
    result = run([tool("matrixgen"), "render", "--check"], storage_proxy.root)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "templates/compose-profile.yml.j2:3: template error: refused by the sandbox: "
        "access to attribute '_TemplateReference__context' of 'TemplateReference' object is unsafe"
    )
    assert not marker.exists()


def test_the_shipped_templates_render_in_the_sandbox(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    assert storage_proxy.render(check=True) == 0
