"""The outputs registry (`load.targets`): a new target is one entry with its model, a
renderer, and nothing else, and keeps every guarantee of the built-in ones — its key is
allowed with a did-you-mean, its settings are typed and located, its file may be neither
matrix.yaml nor a file matrix.yaml reads nor another output's (validate says so, render
never writes there, not even with --force), render writes it, and the schema knows it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.load.document import PathKey
from matrixgen.load.fields import Strict
from matrixgen.load.targets import TARGETS, Target, register, unregister
from matrixgen.marks import HASH
from matrixgen.render import RENDERERS
from matrixgen.render.target import Output, RenderContext, Rendered

from .project import errors


class ToyOutput(Strict):
    file: str
    greeting: str = "hello"


def _files(setting: ToyOutput) -> Iterable[tuple[PathKey, str]]:
    return [(("file",), setting.file)]


class ToyRenderer:
    name = "toy"

    def enabled(self, matrix: object) -> bool:  # the registry decides; kept for the Protocol
        return True

    def render(self, context: RenderContext) -> Rendered:
        setting = context.matrix.model.outputs.toy  # type: ignore[attr-defined]
        cells = ", ".join(cell.id for cell in context.matrix.cells)
        return Rendered([Output(setting.file, f"# {setting.greeting}: {cells}\n", HASH)])


@pytest.fixture
def toy() -> Iterator[None]:
    register(Target("toy", ToyOutput, files=_files, description="A toy output."))
    RENDERERS["toy"] = ToyRenderer
    try:
        yield
    finally:
        unregister("toy")
        del RENDERERS["toy"]


MATRIX = """\
version: 1
axes: {b: [x, y]}
levels:
  unit: {axes: [b], run: "true", junit: false}
outputs:
  nox: noxfile.py
  OUTPUT
"""


EXPECTED_FIL = [
    "matrix.yaml:7:8: outputs.toy.file: required key 'file' is missing; add `file:` with the "
    "path to write",
    "matrix.yaml:7:9: outputs.toy.fil: unknown key 'fil' (did you mean 'file'?); allowed keys: "
    "file, greeting",
]


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, matrixgen: Callable[..., Result]
) -> Callable[[str], Result]:
    monkeypatch.chdir(tmp_path)

    def run(output: str, *args: str) -> Result:
        (tmp_path / "matrix.yaml").write_text(MATRIX.replace("OUTPUT", output))
        return matrixgen(*(args or ("validate",)))

    return run


def test_the_builtin_outputs_each_have_a_renderer() -> None:
    assert list(TARGETS) == ["nox", "compose", "github", "gitlab", "docs", "schema"]
    assert set(RENDERERS) == set(TARGETS)


def test_a_toy_target_renders_its_file(toy: None, project: Callable[..., Result]) -> None:
    assert project("toy: {file: toy.txt, greeting: hi}").code == 0
    result = project("toy: {file: toy.txt, greeting: hi}", "render")
    assert result.code == 0, result
    assert "toy.txt" in result.out
    assert "# hi: unit/x, unit/y" in Path("toy.txt").read_text()
    assert project("toy: {file: toy.txt, greeting: hi}", "render", "--check").code == 0


def test_its_keys_are_allowed_with_did_you_mean(toy: None, project: Callable[..., Result]) -> None:
    assert errors(project("toi: {file: toy.txt}")) == [
        "matrix.yaml:7:3: outputs.toi: unknown key 'toi' (did you mean 'toy'?); allowed keys: "
        "nox, compose, github, docs, schema, matrixgen, install, gitlab, toy"
    ]
    assert errors(project("toy: {fil: toy.txt}")) == EXPECTED_FIL
    (problem,) = errors(project("toy: {file: toy.txt, greeting: [1]}"))
    assert problem == (
        "matrix.yaml:7:34: outputs.toy.greeting: expected a string, got a list; quote the text "
        "if it holds ': ', '- ' or brackets"
    )


@pytest.mark.parametrize(
    ("file", "what"),
    [
        ("noxfile.py", "also written by outputs.nox"),
        ("matrix.yaml", "the matrix file itself"),
        ("./matrix.yaml", "the matrix file itself"),
        ("compose/s.yml", "the compose file of services.s"),
    ],
)
def test_its_file_is_its_own(
    toy: None, project: Callable[..., Result], tmp_path: Path, file: str, what: str
) -> None:
    """A clash with noxfile.py passed validate and failed at render with exit 1; `file:
    matrix.yaml` passed too, and `render --force` overwrote matrix.yaml itself."""
    (tmp_path / "compose").mkdir()
    (tmp_path / "compose" / "s.yml").write_text("services: {}\n")
    text = f"toy: {{file: {file}}}\nservices:\n  s: {{compose: compose/s.yml}}"
    (problem,) = errors(project(text))
    assert problem.startswith("matrix.yaml:7:15: outputs.toy.file: "), problem
    assert f"{file} is {what}; give each output a file of its own" in problem
    before = (tmp_path / "matrix.yaml").read_bytes()
    result = project(text, "render", "--force")
    assert result.code == 2 and "outputs.toy.file" in result.err
    assert (tmp_path / "matrix.yaml").read_bytes() == before
    assert not (tmp_path / "noxfile.py").exists()


def test_its_file_stays_inside_the_project(toy: None, project: Callable[..., Result]) -> None:
    (problem,) = errors(project("toy: {file: ../toy.txt}"))
    assert problem.startswith("matrix.yaml:7:15: outputs.toy.file: '../toy.txt' must stay inside")


def test_the_schema_knows_it(toy: None, matrixgen: Callable[..., Result]) -> None:
    result = matrixgen("schema")
    outputs = json.loads(result.out)["$defs"]
    toy_schema = next(v for k, v in outputs.items() if k.startswith("Outputs"))["properties"]
    assert "toy" in toy_schema
