"""The architecture stays easy to see: layers import only downward, commands are siblings
that never import each other (but for one declared exception), and no module cycle.

    base (errors, files, kept, marks, probe, terminal, ci) < load < outcome
    < render, run, results, plan, listing, explain (the commands) < cli < __main__

Every `import` counts, also the lazy ones inside functions (they are cycles all the same).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

SOURCE = Path(__file__).parents[1] / "src" / "matrixgen"
LAYERS = [
    {
        "",
        "errors",
        "files",
        "kept",
        "marks",
        "probe",
        "terminal",
        "ci",
        "pythons",
    },  # "": the package itself (version, name)
    {"load"},
    {"outcome"},
    {"render", "run", "results", "plan", "listing", "explain"},  # the commands
    {"cli"},
    {"__main__"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """matrixgen modules `path` imports (a `from package import module` names the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "matrixgen")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "matrixgen":
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                known = SOURCE.parent / Path(*candidate.split("."))
                is_module = known.with_suffix(".py").exists() or known.is_dir()
                found.add(candidate if is_module else node.module)
    return found


@functools.cache  # each test reads it; parsing every module is most of their time
def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(SOURCE.rglob("*.py"))}


def layer(module: str) -> int:
    parts = module.split(".")
    component = parts[1] if len(parts) > 1 else ""
    for index, members in enumerate(LAYERS):
        if component in members:
            return index
    raise AssertionError(f"{module}: in no layer; add its component to LAYERS")


# The one sideways import: the docs target writes the support table's region as `report`
# fills it (one region format, one table builder, both in results/docs.py), so a table
# filled with results survives a later render of the same layout.
DECLARED_SIDEWAYS = {("matrixgen.render.docs", "matrixgen.results.docs")}


def test_every_import_goes_down_or_stays_in_its_component() -> None:
    upward = []
    for module, targets in graph().items():
        for target in targets:
            same_component = module.split(".")[:2] == target.split(".")[:2]
            if (module, target) in DECLARED_SIDEWAYS:
                continue
            if not same_component and layer(target) >= layer(module) and layer(module) > 0:
                upward.append(f"{module} imports {target}")
            if layer(module) == 0 and layer(target) > 0:
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_the_declared_exception_is_still_needed() -> None:
    edges = graph()
    assert len(DECLARED_SIDEWAYS) <= 1
    for module, target in DECLARED_SIDEWAYS:
        assert target in edges[module], f"{module} no longer imports {target}: drop it"


def test_no_import_cycle() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            # Importing a package runs its __init__ only: the edge is to that module.
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target in edges and target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []
