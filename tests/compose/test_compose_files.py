"""What matrixgen reads of a compose file (`load.compose_files`): the services and whether
each has a healthcheck, from hostile input too, without expanding aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from matrixgen.load import compose_files
from matrixgen.load.compose_files import ComposeFileError, read_compose_file


def read(tmp_path: Path, text: str | bytes) -> dict[str, bool]:
    path = tmp_path / "c.yml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read_compose_file(tmp_path, "c.yml").services


def test_services_and_their_healthchecks(tmp_path: Path) -> None:
    text = """
x-check: &check {healthcheck: {test: [CMD, "true"]}}
services:
  plain: {image: a}
  checked: {image: a, healthcheck: {test: [CMD, "true"], interval: 1s}}
  merged: {<<: *check, image: a}
  disabled: {image: a, healthcheck: {disable: true}}
  none: {image: a, healthcheck: {test: [NONE]}}
  odd: null
"""
    assert read(tmp_path, text) == {
        "plain": False,
        "checked": True,
        "merged": True,
        "disabled": False,
        "none": False,
        "odd": False,
    }


@pytest.mark.parametrize("text", ["", "services:\n", "volumes: {v: {}}\n"])
def test_a_file_without_services_has_none(tmp_path: Path, text: str) -> None:
    assert read(tmp_path, text) == {}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("- a\n", "not a compose file: expected a mapping at the top"),
        ("services: [a]\n", "`services:` is not a mapping of service names"),
        ("services: {a: [\n", "not valid YAML at line 2"),
        (b"services: {\xff: 1}\n", "not UTF-8 text"),
        ("a: " + "[" * 80 + "]" * 80 + "\n", "nested deeper than 64 levels"),
    ],
)
def test_what_is_not_a_compose_file_says_why(tmp_path: Path, text: str | bytes, why: str) -> None:
    with pytest.raises(ComposeFileError, match=why.replace("[", r"\[")):
        read(tmp_path, text)


def test_a_missing_or_huge_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ComposeFileError, match="No such file"):
        read_compose_file(tmp_path, "missing.yml")
    monkeypatch.setattr(compose_files, "MAX_BYTES", 10)
    with pytest.raises(ComposeFileError, match="the file is 26 bytes, over the 10 bytes limit"):
        read(tmp_path, "services: {a: {image: b}}\n")
