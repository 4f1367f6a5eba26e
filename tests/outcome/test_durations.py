"""The one durations store: one policy for bad files, NaN and infinity refused, merges kept."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from matrixgen.errors import UsageError
from matrixgen.outcome import durations


def test_absent_file_is_no_history_unless_named(tmp_path: Path) -> None:
    assert durations.read(tmp_path / "absent.json") == {}
    with pytest.raises(UsageError, match=r"no file .*absent\.json; run `matrixgen run`"):
        durations.read(tmp_path / "absent.json", required=True)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "Expecting property name"),
        ("[1, 2]", 'expected an object {"level/cell": seconds, ...}'),
        ('{"unit/a": "ten"}', "'unit/a': expected seconds, got \"ten\""),
        ('{"unit/a": true}', "'unit/a': expected seconds, got true"),
        ('{"unit/a": -1}', "'unit/a': expected a finite number of seconds >= 0, got -1"),
        ('{"unit/a": NaN}', "NaN is not a number of seconds"),
        ('{"unit/a": Infinity}', "Infinity is not a number of seconds"),
        ('{"unit/a": -Infinity}', "-Infinity is not a number of seconds"),
        ('{"unit/a": 1e999}', "'unit/a': expected a finite number of seconds >= 0, got inf"),
    ],
)
def test_a_bad_file_is_an_error_when_named_and_a_warning_otherwise(
    tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "durations.json"
    path.write_text(text)
    with pytest.raises(UsageError) as error:
        durations.read(path, required=True)
    assert str(error.value) == (
        f"{path}: cannot use these durations: {why}; expected {durations.SHAPE}"
    ) or why in str(error.value)
    warnings: list[str] = []
    assert durations.read(path, warn=warnings.append) == {}
    assert len(warnings) == 1 and why in warnings[0] and "ignoring it" in warnings[0]


def test_record_merges_rounds_and_refuses_non_finite(tmp_path: Path) -> None:
    path = tmp_path / "results" / "durations.json"
    assert durations.record(path, {}) == {}
    assert not path.exists()  # nothing measured: nothing written
    durations.record(path, {"unit/b": 2.00049, "unit/a": 1.0})
    merged = durations.record(
        path, {"unit/b": 3.0, "unit/c": float("nan"), "unit/d": float("inf"), "unit/e": -1.0}
    )
    assert merged == {"unit/a": 1.0, "unit/b": 3.0}
    text = path.read_text()
    assert json.loads(text) == {"unit/a": 1.0, "unit/b": 3.0}
    assert list(json.loads(text)) == ["unit/a", "unit/b"]  # sorted: diffable, deterministic
    assert "NaN" not in text and "Infinity" not in text


def test_record_starts_afresh_over_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    path.write_text('{"unit/a": NaN}')
    assert durations.record(path, {"unit/b": 1.5}) == {"unit/b": 1.5}
    assert durations.read(path, required=True) == {"unit/b": 1.5}


def test_record_gives_a_new_file_the_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    old = os.umask(0o022)
    try:
        durations.record(path, {"unit/a": 1.0})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["durations.json"]  # no temporary left
