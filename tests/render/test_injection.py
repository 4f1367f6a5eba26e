"""Free text (labels, titles, reasons, env values, package specs) with quotes, newlines,
`${{ }}`, YAML specials and Markdown pipes still gives files that parse and lint clean,
and never reaches a `run:` line or a GitHub expression."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import yaml
from support import yamls

from .conftest import Project
from .helpers import actionlint, check_schema, compose_config, nox_sessions

HOSTILE = [
    'it\'s "quoted"',
    "two\nlines",
    "${{ github.token }}",
    "key: # not a comment",
    "*a",
    "&anchor [x] {y}",
    "| pipe | <b>html</b> `code`",
    "{{ jinja }} {% raw %}",
    "$HOME $(id) ${PATH}",
    "\u2028line separator\x85next line\ttab",
]
ALLOWED_EXPRESSIONS = re.compile(
    r"\$\{\{ (matrix\.\w+|github\.(workflow|ref|workspace)|!cancelled\(\)|'\$\{\{'"
    r"|github\.event_name == 'pull_request' && github\.ref \|\| github\.run_id"
    r"|github\.event\.repository\.default_branch \|\| github\.ref_name"
    r"|steps\.matrixgen-python\.outputs\.python-path) \}\}"
)


def literal(text: str) -> str:
    """An env value that means `text` literally: `$${` is matrix.yaml's escape for `${`."""
    return text.replace("${", "$${")


def hostile_matrix() -> str:
    values = {f"v{i}": {"label": text, "services": ["svc"]} for i, text in enumerate(HOSTILE)}
    document: dict[str, Any] = {
        "version": 1,
        "name": "hostile",
        "axes": {"backend": {"title": HOSTILE[1], "values": values}},
        "services": {
            "svc": {
                "compose": "shared/svc.yml",
                "install": {"pip": ["pkg-${{ github.token }}", "b'c"], "apt": ["redis-server"]},
                "env": {"SVC": literal(HOSTILE[2])},
            }
        },
        "levels": {
            "unit": {
                "label": HOSTILE[0],
                "axes": ["backend"],
                "run": "true",
                "env": {"E": literal(HOSTILE[0])},
            }
        }
        | {
            "component": {
                "label": HOSTILE[2],
                "axes": ["backend"],
                "run": "true",
                "env": {"X": literal(HOSTILE[8])},
            }
        },
        "exclude": [
            {
                "match": {"level": "component", "backend": "v3"},
                "reason": HOSTILE[6] + "\n" + HOSTILE[2],
            }
        ],
        "overrides": [
            {
                "match": {"backend": "v1"},
                "env": {f"K{i}": literal(t) for i, t in enumerate(HOSTILE)},
            }
        ],
        "outputs": {
            "nox": "noxfile.py",
            "compose": "profiles/${level}-${cell}.yml",
            "github": ".github/workflows/matrix.yml",
            "docs": {"file": "docs/matrix.md", "rows": ["backend"]},
        },
    }
    return yaml.safe_dump(document, allow_unicode=True)


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings(k) + strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def test_hostile_text_gives_clean_files(project: Callable[[str], Project]) -> None:
    proj = project(hostile_matrix())
    proj.write("shared/svc.yml", "services:\n  svc:\n    image: busybox\n")
    assert proj.render() == 0

    workflow_path = proj.root / ".github/workflows/matrix.yml"
    actionlint(workflow_path)
    check_schema("vendor.github-workflows", workflow_path)
    workflow = yamls.load(workflow_path.read_text())
    for text in strings(workflow):
        assert ALLOWED_EXPRESSIONS.sub("", text).count("${{") == 0, text
    runs = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    for text in HOSTILE:
        assert not any(text in run for run in runs)
    pips = {e["pip"] for e in workflow["jobs"]["unit"]["strategy"]["matrix"]["include"]}
    assert pips == {"pkg-${{ '${{' }} github.token }}\nb'c"}

    tree = ast.parse(proj.read("noxfile.py"))
    docstrings = {
        f.name: ast.get_docstring(f, clean=False)
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
    }
    # The level's label, then the axis it varies in by title: on one line, however written.
    assert docstrings["unit"] == f"{HOSTILE[0]} — by two lines"
    assert docstrings["component"] == f"{HOSTILE[2]} — by two lines"
    sessions = {s["session"] for s in nox_sessions(proj.root)}
    assert "unit(v9)" in sessions and "component(v3)" not in sessions

    profiles = sorted(proj.root.glob("profiles/*.yml"))
    assert len(profiles) == 19
    check_schema("vendor.compose-spec", *profiles)
    for profile in profiles:
        compose_config(profile)
    # The env file holds every value as written: compose itself reads it back.
    proj.write(
        "reader.yml", "services:\n  t:\n    image: busybox\n    env_file: [profiles/unit-v1.env]\n"
    )
    env = compose_config(proj.root / "reader.yml")["services"]["t"]["environment"]
    assert {k: v.replace("$$", "$") for k, v in env.items() if not k.startswith("MATRIXGEN_")} == {
        "E": HOSTILE[0],
        **{f"K{i}": t for i, t in enumerate(HOSTILE)},
    }

    page = proj.read("docs/matrix.md")
    table = [line for line in page.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(HOSTILE)
    cells_per_line = {len(re.split(r"(?<!\\)\|", line)) for line in table}
    assert cells_per_line == {5}  # row label, unit, component: three cells on every line
    assert "<b>" not in page and "&lt;b&gt;" in page
    assert "| —¹ |" in page  # the exclude's reason is a numbered note under the table
    assert (
        "- ¹ excluded: \\| pipe \\| &lt;b&gt;html&lt;/b&gt; \\`code\\` ${{ github.token }}\n"
        in page
    )
