"""Compose profiles: for each cell with compose files, three files at `outputs.compose`.

- The profile (`gcs-lww.yml`): a project name of its own and one `include:` entry per file
  (the shared file of each service, then the level's and suite's `compose.files`), so
  compose resolves each file's relative paths from that file's own folder; a list in
  `compose.files` is one entry whose files compose merges in order (`-f a.yml -f b.yml`:
  a service of one may use a volume another defines). An overlay of
  a matching override joins the entry of the file whose services it changes (compose's
  override rule: its paths then resolve from that file's folder); one that only adds
  services is an entry of its own. Every entry reads the cell's env file, for `${NAME}`.
- The cell's env file (`gcs-lww.env`): MATRIXGEN_* and the cell's `env:`.
- With a tester, what the profile adds to it (`gcs-lww.tester.yml`, merged into the
  entry of the tester's file): the env file as its environment, the results folder at
  /results, and `depends_on` on the cell's services (healthy where they have a healthcheck).

Compose cannot change an included service from the including file ("conflicts with
imported resource"), hence the tester's overlay rather than `services:` in the profile.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from matrixgen.errors import MatrixgenError
from matrixgen.load.cells import Cell
from matrixgen.load.compose_files import ComposeFile, ComposeFileError, read_compose_file
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import (
    compose_project,
    profile_env_path,
    profile_path,
    tester_overlay_path,
)
from matrixgen.load.service_values import fill_values
from matrixgen.marks import HASH
from matrixgen.render.compose_env import env_lines
from matrixgen.render.target import Output, RenderContext, Rendered

RESULTS = "results"  # `matrixgen run`'s default results folder, relative to the project
RESULTS_IN_CONTAINER = "/results"


def owned_glob(pattern: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "*", pattern)


def project_name(matrix: Matrix, cell: Cell) -> str:
    return compose_project(matrix.model.name or matrix.root.resolve().name, cell)


def default_namespace(cell: Cell) -> str:
    """MATRIXGEN_NAMESPACE of a profile brought up without `matrixgen run` (which sets one
    per run, cell and attempt): lowercase letters and digits, unique per cell."""
    return "mg" + hashlib.sha256(cell.id.encode()).hexdigest()[:10]


def junit_in_container(cell: Cell) -> str:
    return f"{RESULTS_IN_CONTAINER}/{cell.level}/{cell.name}.xml"


@dataclass
class Entry:
    """One `include:` entry: a file, and the overlays merged into it."""

    files: list[str]  # relative to the project; the first one's folder resolves paths
    services: dict[str, bool] = field(default_factory=dict)  # name -> has a healthcheck
    shared: bool = False  # the file of one of the cell's services (not `compose.files`)


class Reader:
    """Compose files read once per render."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, ComposeFile] = {}

    def __call__(self, path: str) -> ComposeFile:
        if path not in self.files:
            try:
                self.files[path] = read_compose_file(self.root, path)
            except ComposeFileError as error:
                raise MatrixgenError(
                    f"{path}: not a compose file matrixgen can read: {error}"
                ) from None
        return self.files[path]


def entries(matrix: Matrix, cell: Cell, read: Reader) -> list[Entry]:
    """The include entries of a cell's profile, in order."""
    services = matrix.model.services
    # `${axis}` in a service's file is the cell's value: `postgres-${pg}.yml`.
    files = [services[s].compose for s in cell.services]
    shared = [fill_values(f, cell) for f in files if f]
    found: list[Entry] = []
    groups = [((f,), True) for f in shared] + [(g, False) for g in cell.harness]
    for group, is_shared in dict.fromkeys(groups):
        # A file already included (a service's file that is also a compose file of the
        # level) takes the rest of the group as its overlays.
        entry = next((e for e in found if group[0] in e.files), None)
        if entry is None:
            entry = Entry([], {}, shared=is_shared)
            found.append(entry)
        for path in group:
            if path not in entry.files:
                entry.files.append(path)
                for name, healthy in read(path).services.items():
                    entry.services[name] = entry.services.get(name, False) or healthy
    for overlay in dict.fromkeys(cell.overlays):
        changes = read(overlay).services
        owners = [entry for entry in found if set(changes) & set(entry.services)]
        if len(owners) > 1:
            raise MatrixgenError(
                f"cell {cell.id}: the overlay {overlay} changes services of "
                f"{owners[0].files[0]} and {owners[1].files[0]}; compose merges an overlay into "
                "one included file: split it into one overlay per file"
            )
        if owners:
            owner = owners[0]
            owner.files.append(overlay)
            for name, healthy in changes.items():
                owner.services[name] = owner.services.get(name, False) or healthy
        else:
            found.append(Entry([overlay], dict(changes)))
    return found


def relative(matrix: Matrix, path: str, folder: str) -> str:
    """`path` (relative to the project) as seen from `folder` (also relative to it)."""
    text = os.path.relpath(matrix.root / path, matrix.root / folder)
    return PurePosixPath(text.replace(os.sep, "/")).as_posix()


def folder_of(path: str) -> str:
    return PurePosixPath(path).parent.as_posix()


def interpolated_default(variable: str, default: str) -> str:
    """`${VARIABLE:-default}` for compose, the default taken literally."""
    if "}" in default:
        raise MatrixgenError(
            f"cannot write '{default}' as the default of ${{{variable}}} in a compose file "
            "(it holds '}'); rename that folder"
        )
    return "${" + variable + ":-" + default.replace("$", "$$") + "}"


class ComposeTarget:
    name = "compose"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.compose is not None

    def render(self, context: RenderContext) -> Rendered:
        matrix = context.matrix
        pattern = matrix.model.outputs.compose or ""
        read = Reader(matrix.root)
        outputs: list[Output] = []
        seen: dict[str, str] = {}
        for cell in matrix.cells:
            path = profile_path(pattern, cell)
            included = entries(matrix, cell, read)
            if not included:
                continue  # no service with a compose file, no compose file, no overlay
            env_path = profile_env_path(path)
            tester_path = tester_overlay_path(path) if cell.tester else None
            for generated in filter(None, (path, env_path, tester_path)):
                if generated in seen:
                    raise MatrixgenError(
                        f"outputs.compose puts files of cells {seen[generated]} and {cell.id} "
                        f"in one file ({generated}); add ${{level}} and ${{cell}} to the pattern"
                    )
                seen[generated] = cell.id
            # Rendered first: the tester's entry then lists the overlay too.
            tester = self._tester(context, cell, included, tester_path, env_path)
            folder = folder_of(path)
            files = [[relative(matrix, f, folder) for f in entry.files] for entry in included]
            body = context.templates.render(
                "compose-profile.yml.j2",
                project=project_name(matrix, cell),
                profile=path if re.fullmatch(r"[\w./@+-]+", path) else "THIS_FILE",
                cell=cell.id,
                tester=cell.tester,
                entries=files,
                includes=[f for paths in files for f in paths],  # the context before `entries`
                env_file=relative(matrix, env_path, folder),
            )
            outputs.append(Output(path, body, HASH))
            env = context.templates.render(
                "compose-env.env.j2",
                cell=cell.id,
                tester=cell.tester,
                lines=env_lines(
                    cell,
                    namespace=default_namespace(cell),
                    junit=junit_in_container(cell) if cell.tester else None,
                ),
            )
            outputs.append(Output(env_path, env, HASH))
            if tester is not None:
                outputs.append(tester)
        owned = [owned_glob(pattern), owned_glob(profile_env_path(pattern))]
        return Rendered(outputs, owned=list(dict.fromkeys(owned)))

    def _tester(
        self,
        context: RenderContext,
        cell: Cell,
        included: list[Entry],
        path: str | None,
        env_path: str,
    ) -> Output | None:
        if path is None or cell.tester is None:
            return None
        matrix = context.matrix
        entry = next((e for e in included if cell.tester in e.services), None)
        if entry is None:
            raise MatrixgenError(
                f"cell {cell.id}: no included compose file defines the tester '{cell.tester}'"
            )
        base = folder_of(entry.files[0])  # compose resolves the whole entry from here
        waits = [
            (name, "service_healthy" if healthy else "service_started")
            for other in included
            if other.shared
            for name, healthy in other.services.items()
            if name != cell.tester
        ]
        body = context.templates.render(
            "compose-tester.yml.j2",
            cell=cell.id,
            tester=cell.tester,
            base=entry.files[0],
            env_file=relative(matrix, env_path, base),
            results=interpolated_default("MATRIXGEN_RESULTS", relative(matrix, RESULTS, base)),
            target=RESULTS_IN_CONTAINER,
            depends_on=list(dict.fromkeys(waits)),
        )
        entry.files.append(path)
        return Output(path, body, HASH)
