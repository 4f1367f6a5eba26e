"""Bytecode for the suite's processes, where PYTHONDONTWRITEBYTECODE would leave none.

Where PYTHONDONTWRITEBYTECODE is set (a developer's shell, a container image), no process
writes bytecode and a checkout has none of its own, so each compiled from source again
what it imported:

- the processes the tests start, several hundred `python -m matrixgen` in the fast loop:
  ~0.1 s of CPU for a `list`, ~0.2 s for a `run` (a fifth of a `run`'s CPU);
- each pytest-xdist worker, which collects the whole suite: pytest rewrites and compiles
  every test module again (collection took 6.3 s of CPU instead of 2.1 s).

The flag stops Python writing bytecode, not reading it. So matrixgen's bytecode is written
once before the tests start (compileall rewrites only what changed since, by the sources'
mtime and size), and the suite's own processes write theirs (pytest's rewritten test
modules included). The processes the tests start keep the environment they had: they read
that bytecode and write none. matrix.yaml's validator and the compiled shipped templates,
which matrixgen keeps beside its bytecode, are built once the same way. It all goes where
Python puts it, each module's `__pycache__` (ignored by git), or under PYTHONPYCACHEPREFIX
when that is set.
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path

import matrixgen
from matrixgen.load import compiled, model
from matrixgen.render.templating import Templates, shipped_templates

SOURCES = Path(matrixgen.__file__).parent


def prepare(*, controller: bool) -> None:
    """This process writes the bytecode of what it imports from now on; the controller
    (the one process without xdist) also writes every matrixgen module's."""
    sys.dont_write_bytecode = False
    if controller:
        compileall.compile_dir(SOURCES, quiet=2)
        # matrix.yaml's validator is compiled code too (`matrixgen.load.compiled`): built
        # once here, read by every process that loads a matrix (~0.1 s of CPU each).
        compiled.validator(model.MatrixFile)
        # So are the shipped templates (`matrixgen.render.templating`): compiled once here,
        # read by every render the tests start (~0.1 s of CPU each).
        templates = Templates(SOURCES)
        for template in sorted(shipped_templates().glob("*.j2")):
            templates.environment.get_template(template.name)
