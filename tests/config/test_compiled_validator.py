"""matrix.yaml's validator kept beside matrixgen's bytecode (load/compiled.py): it judges
exactly as the one pydantic builds, is written only where Python writes bytecode, and a
file that does not load is built again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pydantic import ValidationError

from matrixgen.load import compiled, targets
from matrixgen.load.document import parse
from matrixgen.load.model import MatrixFile, Outputs

CORPUS = Path(__file__).parent / "corpus"


def test_the_kept_validator_judges_every_corpus_file_as_pydantic_does() -> None:
    kept = compiled.validator(MatrixFile)
    documents = sorted(CORPUS.glob("*.yaml"))
    assert len(documents) > 20
    judged = 0
    for path in documents:
        try:
            data = parse(path.read_text(encoding="utf-8"), path.name).data
        except Exception:  # a file YAML refuses never reaches the schema
            continue
        outcomes = []
        for validate in (kept.validate_python, MatrixFile.model_validate):
            try:
                outcomes.append(("valid", validate(data)))
            except ValidationError as error:
                outcomes.append(("invalid", _comparable(error)))
        assert outcomes[0] == outcomes[1], path.name
        judged += 1
    assert judged > 20


def test_the_built_in_outputs_load_with_the_model_whose_validator_is_kept() -> None:
    """Every built-in output is a field of `Outputs`: a registered key that is not makes
    matrix.yaml's model at run time, which has no kept validator, and every uncached load
    then built it again (~0.1 s of CPU; outputs.gitlab did, bench/list.py)."""
    assert targets.models() == (Outputs, MatrixFile)
    assert compiled._cache_file(MatrixFile) is not None


def _comparable(error: ValidationError) -> list[dict[str, object]]:
    """The errors, with each `ctx` exception as its text (exceptions compare by identity)."""
    errors: list[dict[str, object]] = []
    for each in error.errors(include_url=False):
        ctx = {key: str(value) for key, value in each.get("ctx", {}).items()}
        errors.append({**each, "ctx": ctx})
    return errors


SCRIPT = """
import sys
from matrixgen.load import compiled
from matrixgen.load.model import MatrixFile
path = compiled._cache_file(MatrixFile)
built = compiled.validator(MatrixFile)
print(path)
print(path.exists())
print(built.validate_python({"version": 1, "levels": {"unit": {"run": "pytest"}}}).version)
"""


def run(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_it_is_kept_under_the_bytecode_prefix_and_read_back(
    bytecode_env: dict[str, str],
) -> None:
    path, exists, version = run(bytecode_env)
    assert Path(path).is_relative_to(Path(bytecode_env["PYTHONPYCACHEPREFIX"]))
    assert Path(path).name.startswith("matrixgen-validator.matrixgen.load.model.MatrixFile.")
    assert (exists, version) == ("True", "1")
    written = Path(path).stat().st_mtime_ns
    assert run(bytecode_env) == [path, "True", "1"]
    assert Path(path).stat().st_mtime_ns == written  # read, not built and written again


def test_a_broken_file_is_built_again_and_an_old_key_removed(
    bytecode_env: dict[str, str],
) -> None:
    path = Path(run(bytecode_env)[0])
    path.write_bytes(b"not a pickle")
    old = path.with_name(path.name.replace(path.name.split(".")[-2], "0" * 16))
    old.write_bytes(b"a validator of other sources")
    assert run(bytecode_env) == [str(path), "True", "1"]
    assert path.read_bytes() != b"not a pickle"
    assert not old.exists()


def test_nothing_is_written_where_python_writes_no_bytecode(
    bytecode_env: dict[str, str],
) -> None:
    _path, exists, version = run({**bytecode_env, "PYTHONDONTWRITEBYTECODE": "1"})
    assert (exists, version) == ("False", "1")
    assert not list(Path(bytecode_env["PYTHONPYCACHEPREFIX"]).rglob("*.pickle"))
