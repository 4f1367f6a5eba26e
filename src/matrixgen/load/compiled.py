"""matrix.yaml's validator, kept beside matrixgen's bytecode.

pydantic builds a model's validator on its first use: it walks every field's type into a
core schema and hands that to pydantic-core (and imports its plugin loader, which imports
`importlib.metadata`). For matrix.yaml's model that is most of an uncached `list` after
the imports (bench/list.py). The validator it builds depends only on matrixgen's code and
the pydantic it runs on, not on any project, so it is compiled code like bytecode, and is
kept where Python keeps matrixgen's bytecode (`__pycache__` of this package, or under
PYTHONPYCACHEPREFIX), as a pickle of pydantic-core's `SchemaValidator`. It is written
only where Python would write bytecode (never with PYTHONDONTWRITEBYTECODE or `-B`), and
its name holds a key over the versions of Python, pydantic and pydantic-core and the
size and mtime of the source files of matrixgen and its `load/` package (where the
models are), so an edit or an upgrade makes a new one
(the old is removed). A file that does not load is built again; a folder that cannot be
written to costs only the build.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pydantic
import pydantic_core
from pydantic_core import SchemaValidator

import matrixgen
from matrixgen import kept

try:  # the C unpickler that `pickle.load` is, without pickle.py (~3 ms of CPU to import,
    # and every uncached load reads the validator); pickle itself only to write one
    from _pickle import load as unpickle
except ImportError:  # pragma: no cover - an interpreter without the accelerator
    from pickle import load as unpickle

M = TypeVar("M", bound=pydantic.BaseModel)
PREFIX = "matrixgen-validator."
SUFFIX = ".pickle"


def validate(model: type[M], data: Any) -> M:
    """`model.model_validate(data)`, with the validator from the cache when there is one."""
    return cast(M, validator(model).validate_python(data))


@functools.cache
def validator(model: type[pydantic.BaseModel]) -> SchemaValidator:
    path = _cache_file(model)
    if path is not None:
        kept = _read(path)
        if kept is not None:
            return kept
    with no_pydantic_plugins():
        model.model_rebuild()
    built = model.__pydantic_validator__
    assert isinstance(built, SchemaValidator)
    if path is not None:
        _write(path, built)
    return built


@contextlib.contextmanager
def no_pydantic_plugins() -> Iterator[None]:
    """Building a validator makes pydantic look for its plugins: the entry points of every
    installed distribution, read file by file (~13 ms in a virtualenv of 130 packages). A
    plugin observes an application's own models; matrix.yaml's are matrixgen's inner
    workings. PYDANTIC_DISABLE_PLUGINS (pydantic's documented switch) is set for that build
    only, and restored, so that no command matrixgen runs inherits it."""
    name = "PYDANTIC_DISABLE_PLUGINS"
    before = os.environ.get(name)
    os.environ[name] = "__all__"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _cache_file(model: type[pydantic.BaseModel]) -> Path | None:
    """Where `model`'s validator is kept; None for a model that pickle cannot name (one
    made at run time, such as matrix.yaml's model with a registered output target)."""
    module = sys.modules.get(model.__module__)
    if module is None or getattr(module, model.__qualname__, None) is not model:
        return None
    return kept.beside(
        __file__, f"{PREFIX}{model.__module__}.{model.__qualname__}.{_key()}{SUFFIX}"
    )


@functools.cache
def _key() -> str:
    """Over the versions, and the size and mtime of each source file the model can be made
    of: the package's own modules and `load/` (not the commands, which no model uses)."""
    digest = hashlib.sha256()
    for part in (sys.version, pydantic.VERSION, pydantic_core.__version__, matrixgen.__version__):
        digest.update(part.encode() + b"\0")
    package = Path(matrixgen.__file__).parent
    folders = [package, package / "load", *sorted((package / "load").glob("*/"))]
    for folder in folders:
        for source in sorted(folder.glob("*.py")):
            stat = source.stat()
            name = source.relative_to(package).as_posix()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def _read(path: Path) -> SchemaValidator | None:
    try:
        with path.open("rb") as file:
            kept = unpickle(file)
    except Exception:
        return None
    return kept if isinstance(kept, SchemaValidator) else None


def _write(path: Path, built: SchemaValidator) -> None:
    """Keep the validator (`kept.write`: atomically, where Python writes bytecode) and remove
    the model's older ones; nothing is said when the folder is read-only or the pickle fails."""
    import pickle  # only here: most runs read the validator and write nothing

    try:
        data = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return
    stem = path.name.rsplit(".", 2)[0]  # PREFIX + the model's name, without key and suffix
    kept.write(path, data, f"{stem}.*{SUFFIX}")
