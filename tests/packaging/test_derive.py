"""Each kind of PEP 610 record (direct_url.json) and the install line it gives, including
the forms the real installs in test_install_line do not make (other VCSs, a subdirectory,
the older single `hash`, a broken record)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matrixgen.load.installed import derive

SHA = "a" * 64
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def record(**fields: Any) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize(
    ("direct_url", "line"),
    [
        (None, "matrixgen-cli==1.2.3"),
        (
            record(url="https://example.org/m.git", vcs_info={"vcs": "git", "commit_id": COMMIT}),
            f"matrixgen-cli @ git+https://example.org/m.git@{COMMIT}",
        ),
        (
            record(
                url="https://example.org/repo",
                vcs_info={"vcs": "hg", "commit_id": COMMIT, "requested_revision": "default"},
                subdirectory="tools/matrixgen",
            ),
            f"matrixgen-cli @ hg+https://example.org/repo@{COMMIT}#subdirectory=tools/matrixgen",
        ),
        (
            record(url="https://example.org/m.whl", archive_info={"hashes": {"sha256": SHA}}),
            f"matrixgen-cli @ https://example.org/m.whl#sha256={SHA}",
        ),
        (
            record(url="https://example.org/m.tar.gz", archive_info={"hash": f"sha256={SHA}"}),
            f"matrixgen-cli @ https://example.org/m.tar.gz#sha256={SHA}",
        ),
        (
            record(url="https://example.org/m.zip", archive_info={}, subdirectory="sub"),
            "matrixgen-cli @ https://example.org/m.zip#subdirectory=sub",
        ),
        (
            record(
                url="https://example.org/m.zip",
                archive_info={"hashes": {"md5": "b" * 32, "sha512": "c" * 128}},
            ),
            f"matrixgen-cli @ https://example.org/m.zip#md5={'b' * 32}",
        ),
    ],
    ids=["index", "git", "hg-subdirectory", "archive", "archive-old-hash", "no-hash", "no-sha256"],
)
def test_a_record_that_others_can_install_from_gives_its_line(
    direct_url: str | None, line: str
) -> None:
    assert derive("1.2.3", direct_url).line == line


@pytest.mark.parametrize(
    ("direct_url", "source", "folder", "local_line"),
    [
        (
            record(url="file:///home/me/matrixgen", dir_info={"editable": True}),
            "an editable install of the local folder /home/me/matrixgen",
            Path("/home/me/matrixgen"),
            None,
        ),
        (
            record(url="file:///home/me/my%20matrixgen", dir_info={}),
            "an install of the local folder /home/me/my matrixgen",
            Path("/home/me/my matrixgen"),
            None,
        ),
        (
            record(url="file:///tmp/m.whl", archive_info={"hashes": {"sha256": SHA}}),
            "the local file /tmp/m.whl",
            None,
            f"matrixgen-cli @ file:///tmp/m.whl#sha256={SHA}",
        ),
        (
            record(url="file:///src/m", vcs_info={"vcs": "git", "commit_id": COMMIT}),
            "the local repository file:///src/m",
            None,
            f"matrixgen-cli @ git+file:///src/m@{COMMIT}",
        ),
        ("{not json", "matrixgen-cli 1.2.3 with an unreadable direct_url.json", None, None),
        ("[]", "matrixgen-cli 1.2.3 with an unreadable direct_url.json", None, None),
        (
            record(url="https://example.org/x", dir_info={}),
            "matrixgen-cli 1.2.3 from https://example.org/x, an unknown kind of source",
            None,
            None,
        ),
    ],
    ids=["editable", "folder", "local-wheel", "local-git", "broken", "not-an-object", "unknown"],
)
def test_a_record_of_this_machine_only_gives_no_line_and_says_why(
    direct_url: str, source: str, folder: Path | None, local_line: str | None
) -> None:
    installed = derive("1.2.3", direct_url)
    assert installed.line is None
    assert (installed.source, installed.folder, installed.local_line) == (
        source,
        folder,
        local_line,
    )


def test_the_error_suggests_a_folder_relative_to_the_matrix_and_a_local_line_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process, on records of each local kind (the real installs are test_install_line's)."""
    from support.cli import invoke

    import matrixgen.load.outputs

    folder = tmp_path / "work" / "project"
    folder.mkdir(parents=True)
    (folder / "matrix.yaml").write_text(
        "version: 1\nlevels: {unit: {run: pytest}}\noutputs:\n  nox: noxfile.py\n"
    )
    checkout = record(url=(tmp_path / "work" / "matrixgen").as_uri(), dir_info={})
    wheel = record(url="file:///w/m.whl", archive_info={})
    for direct_url, suggested in [
        (checkout, "-e ../matrixgen"),
        (wheel, "matrixgen-cli @ file:///w/m.whl"),
    ]:
        monkeypatch.setattr(
            matrixgen.load.outputs, "installed", lambda d=direct_url: derive("1", d)
        )
        done = invoke("-C", str(folder), "validate")
        assert done.code == 2
        where = f"{folder / 'matrix.yaml'}:3:1: outputs: no install line for matrixgen: "
        assert done.err.startswith(f"{where}outputs.nox installs it in each session or job")
        assert f'`outputs: {{matrixgen: "{suggested}"}}`' in done.err
    # The index's unrelated `matrixgen`, refused with the line that works here.
    (folder / "matrix.yaml").write_text(
        "version: 1\nlevels: {unit: {run: pytest}}\noutputs:\n  matrixgen: matrixgen\n"
    )
    done = invoke("-C", str(folder), "validate")
    assert done.code == 2
    assert done.err.endswith("installs it: write `matrixgen-cli @ file:///w/m.whl` here\n")
