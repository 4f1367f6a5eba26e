"""What a release publishes: the sdist and the wheel pass `twine check --strict` and hold
what matrixgen needs (its templates), and the release workflow passes actionlint, the
workflow schema and zizmor, publishing through trusted publishing with pinned actions."""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile

import pytest
from render.helpers import actionlint, check_schema, zizmor
from support import yamls

import matrixgen
from tests.packaging.conftest import ROOT, Dist, ok

RELEASE = ROOT / ".github" / "workflows" / "release.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")  # a full commit id, never a tag


@pytest.mark.slow
def test_the_sdist_and_the_wheel_pass_twine_check_and_hold_the_templates(dist: Dist) -> None:
    ok([sys.executable, "-m", "twine", "check", "--strict", dist.sdist, dist.wheel])
    version = matrixgen.__version__
    assert dist.wheel.name == f"matrixgen_cli-{version}-py3-none-any.whl"
    assert dist.sdist.name == f"matrixgen_cli-{version}.tar.gz"
    templates = sorted(p.name for p in (ROOT / "templates").iterdir())
    assert templates
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"matrixgen_cli-{version}.dist-info/METADATA").decode()
        scripts = wheel.read(f"matrixgen_cli-{version}.dist-info/entry_points.txt").decode()
    assert {f"matrixgen/templates/{t}" for t in templates} <= names
    assert {"matrixgen/__init__.py", "matrixgen/py.typed"} <= names
    # The version is matrixgen.__version__ (pyproject reads it: a tag names one version).
    assert f"\nName: matrixgen-cli\nVersion: {version}\n" in metadata
    assert "matrixgen = matrixgen.cli:main" in scripts
    with tarfile.open(dist.sdist) as sdist:
        inside = {name.partition("/")[2] for name in sdist.getnames()}
    assert {f"templates/{t}" for t in templates} <= inside
    assert {"pyproject.toml", "README.md", "src/matrixgen/__init__.py"} <= inside


def test_the_release_workflow_passes_actionlint_the_schema_and_zizmor() -> None:
    actionlint(RELEASE)
    check_schema("vendor.github-workflows", RELEASE)
    assert zizmor(RELEASE) == []


def test_a_pushed_version_tag_publishes_through_trusted_publishing() -> None:
    workflow = yamls.load(RELEASE.read_text(encoding="utf-8"))
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads `on` as true
    assert workflow["permissions"] == {}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}  # no token, no password
    assert publish["steps"][-1] == {
        "uses": "pypa/gh-action-pypi-publish@ed0c53931b1dc9bd32cbe73a98c7f6766f8a527e"
    }
    uses = [s["uses"] for job in (build, publish) for s in job["steps"] if "uses" in s]
    assert uses and all(PINNED.match(u) for u in uses), uses
    text = RELEASE.read_text(encoding="utf-8")
    for used in uses:  # each pin says which release it is
        assert re.search(rf"uses: {re.escape(used)}  # v\d+\.\d+\.\d+\n", text), used
    run = "\n".join(s.get("run", "") for s in build["steps"])
    assert "python -m build" in run and "twine check --strict" in run
