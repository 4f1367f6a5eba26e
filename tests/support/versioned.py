"""Images of one server in several versions, built on the engine without a registry: the
private engine pulls nothing, so a service whose image comes from the cell (issue 22,
item 3) is shown with tags made here. Each answers `GET /version` on port 8000 with its
version, and has a health check (GitHub starts a job's steps once it is healthy)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPOSITORY = "matrixgen-test/versioned"
BASE = "matrixgen/debian-services:bookworm"  # tests/conftest.py makes sure it is there

DOCKERFILE = f"""\
FROM {BASE}
ARG VERSION
RUN mkdir -p /srv/www && printf '%s' "$VERSION" > /srv/www/version
HEALTHCHECK --interval=1s --retries=30 CMD ["python3", "-c", "import urllib.request; \\
urllib.request.urlopen('http://127.0.0.1:8000/version')"]
CMD ["python3", "-m", "http.server", "8000", "--bind", "0.0.0.0", "--directory", "/srv/www"]
"""


def tag(version: str) -> str:
    return f"{REPOSITORY}:{version}"


@contextmanager
def versioned_images(env: dict[str, str], versions: Sequence[str]) -> Iterator[list[str]]:
    """The images `REPOSITORY:<version>`, built with `docker build --network=none`, removed
    at the end."""
    tags = [tag(version) for version in versions]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "Dockerfile").write_text(DOCKERFILE)
        for version, name in zip(versions, tags, strict=True):
            done = subprocess.run(
                ["docker", "build", "--network=none", "-q", "--build-arg", f"VERSION={version}",
                 "-t", name, folder],
                env=env, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield tags
    finally:
        subprocess.run(["docker", "rmi", *tags], env=env, capture_output=True, timeout=120,
                       check=False)  # fmt: skip
