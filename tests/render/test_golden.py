"""Golden files for every target, rendered from the storage-proxy fixture."""

from __future__ import annotations

import pytest
from support.golden import assert_golden

from .conftest import Project
from .helpers import GOLDEN

GENERATED = [
    "noxfile.py",
    ".github/workflows/matrix.yml",
    "docs/testing.md",
    "testing/component/profiles/gcs-lww.yml",
    "testing/component/profiles/redis-cas.yml",
    "testing/integration/profiles/sqs-gcs.yml",  # the override with a compose overlay
    "testing/integration/profiles/sqs-gcs.env",  # the override's env
    "testing/integration/profiles/pubsub-s3.yml",
    "testing/e2e/profiles/rabbitmq-redis.yml",  # the include
]


@pytest.mark.parametrize("path", GENERATED)
def test_target_matches_golden(storage_proxy: Project, path: str) -> None:
    assert storage_proxy.render() == 0
    assert_golden(GOLDEN / "storage-proxy" / path, storage_proxy.read(path))


def test_profiles_exist_exactly_for_cells_with_services(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    profiles = sorted(p for p in storage_proxy.files() if "/profiles/" in p and p.endswith(".yml"))
    expected = sorted(
        f"testing/{cell.level}/profiles/{cell.name}.yml"
        for cell in storage_proxy.matrix().cells
        if cell.services
    )
    assert profiles == expected
    assert not any(p.startswith("testing/unit/") for p in profiles)  # unit cells use mocks
    assert len(profiles) == 17


def test_second_render_is_byte_identical(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    first = storage_proxy.files()
    assert set(storage_proxy.actions().values()) == {"created"}
    assert storage_proxy.render() == 0
    assert storage_proxy.files() == first
    assert set(storage_proxy.actions().values()) == {"unchanged"}
    assert len(storage_proxy.actions()) == 37  # 17 profiles and their env files, and 3 more
    assert storage_proxy.render(check=True) == 0
