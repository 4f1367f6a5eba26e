"""matrixgen as a package index leaves it installed, for the tests that render.

The suite runs an editable install of this checkout, and from a local folder matrixgen
derives no default install line (`matrixgen.load.installed`: no CI runner has this
machine's paths), so every test matrix that renders a noxfile or a workflow without
`outputs.matrixgen` would be refused. What an index install leaves is a dist-info folder
without direct_url.json; one such folder, first on sys.path (this process) and on
PYTHONPATH (every process tests start; `support.cli` adds it to an environment made
anew), is what matrixgen then reads, and its default is `matrixgen-cli==<version>`, the
line the goldens show. It holds no code: `import matrixgen` still imports this checkout.

tests/packaging installs matrixgen for real (index, git, archive, editable) and checks
the line each gives; those processes never see this folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from matrixgen import DISTRIBUTION, __version__
from matrixgen.load.installed import installed

_folders: list[Path] = []
_saved: list[str | None] = []  # PYTHONPATH before each


def as_from_an_index(folder: Path) -> None:
    """Make `folder` the record of an index install of matrixgen, seen first from now on."""
    record = folder / f"{DISTRIBUTION.replace('-', '_')}-{__version__}.dist-info"
    record.mkdir(parents=True)
    (record / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {__version__}\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(folder))
    _saved.append(os.environ.get("PYTHONPATH"))
    os.environ.update(with_record(os.environ, folder))
    _folders.append(folder)
    installed.cache_clear()


def undo() -> None:
    while _folders:
        sys.path.remove(str(_folders.pop()))
        saved = _saved.pop()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    installed.cache_clear()


def with_record(env: Mapping[str, str], folder: Path | None = None) -> dict[str, str]:
    """`env` whose Python sees the record first (on PYTHONPATH), when there is one."""
    folder = folder or (_folders[-1] if _folders else None)
    path = env.get("PYTHONPATH", "")
    if folder is None or str(folder) in path.split(os.pathsep):
        return dict(env)
    return {**env, "PYTHONPATH": str(folder) + (os.pathsep + path if path else "")}


def without_record(env: Mapping[str, str]) -> dict[str, str]:
    """`env` whose Python sees matrixgen as this checkout installs it (editable), as a user's
    script run from the checkout does: no record on PYTHONPATH."""
    records = {str(folder) for folder in _folders}
    kept = [part for part in env.get("PYTHONPATH", "").split(os.pathsep) if part not in records]
    rest = {name: value for name, value in env.items() if name != "PYTHONPATH"}
    return {**rest, "PYTHONPATH": os.pathsep.join(kept)} if any(kept) else rest
