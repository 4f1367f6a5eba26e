"""`matrixgen render` through the real console script: exit codes and messages, no traceback."""

from __future__ import annotations

from .conftest import Project
from .helpers import run, tool


def test_render_check_and_refusal_exit_codes(storage_proxy: Project) -> None:
    matrixgen = tool("matrixgen")
    stale = run([matrixgen, "render", "--check"], storage_proxy.root)
    assert stale.returncode == 1
    assert "would create noxfile.py\n" in stale.stdout
    assert "+++ b/.github/workflows/matrix.yml" in stale.stdout
    assert stale.stdout.rstrip().endswith("run `matrixgen render` to update them")
    assert not (storage_proxy.root / "noxfile.py").exists()

    done = run([matrixgen, "render"], storage_proxy.root)
    assert done.returncode == 0, done.stderr
    assert run([matrixgen, "render", "--check"], storage_proxy.root).returncode == 0

    storage_proxy.write("docs/testing.md", "# Testing\n\nNo markers here.\n")
    refused = run([matrixgen, "render"], storage_proxy.root)
    assert refused.returncode == 2
    assert refused.stdout == ""  # no file reported as created or updated: none was
    assert refused.stderr.startswith("refused 1 file; nothing written:\n  docs/testing.md has no")
    assert "Traceback" not in refused.stderr
    elsewhere = run(
        [matrixgen, "-C", "storage-proxy", "render", "--check"], storage_proxy.root.parent
    )
    assert elsewhere.returncode == 1
    assert "run `matrixgen render -f storage-proxy/matrix.yaml --force`" in elsewhere.stdout
