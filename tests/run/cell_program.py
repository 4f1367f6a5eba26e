"""The command that test cells run: behaves as told by its first argument, writes JUnit like pytest.

Kept as a plain script (no matrixgen import) so that it behaves like a user's test runner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def junit(path: Path, failed: bool) -> None:
    failure = '<failure message="assert 1 == 2">assert 1 == 2</failure>' if failed else ""
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="1" '
        f'failures="{int(failed)}"><testcase classname="tests.test_it" name="test_it">{failure}'
        "</testcase></testsuite></testsuites>"
    )


def record(folder: Path) -> None:
    """Write what the cell saw, for the test to check."""
    keys = [k for k in os.environ if k.startswith(("MATRIXGEN_", "REDIS_", "AWS_", "CELL_"))]
    seen = {k: os.environ[k] for k in keys if not k.startswith("MATRIXGEN_RUN_")}
    (
        folder
        / f"{os.environ['MATRIXGEN_LEVEL']}-{os.environ['MATRIXGEN_CELL'].split('/')[1]}.json"
    ).write_text(json.dumps(seen))


def use_redis() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = f"{os.environ['MATRIXGEN_NAMESPACE']}:hello"
    client.set(key, "world")
    assert client.get(key) == b"world"
    client.close()


def use_s3() -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = os.environ["MATRIXGEN_NAMESPACE"]
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def main() -> int:
    mode = sys.argv[1]
    folder = Path(os.environ["CELL_RECORDS"])
    path = Path(os.environ["MATRIXGEN_JUNIT"])
    record(folder)
    (folder / f"started-{os.environ['MATRIXGEN_CELL'].replace('/', '-')}").touch()
    seconds = float(os.environ.get("CELL_SECONDS", "0"))
    if seconds:
        time.sleep(seconds)
    if "REDIS_URL" in os.environ:
        use_redis()
    if "AWS_ENDPOINT_URL" in os.environ:
        use_s3()
    if mode == "pass":
        junit(path, failed=False)
        return 0
    if mode == "fail":
        junit(path, failed=True)
        return 1
    if mode == "crash":
        print("about to crash", flush=True)
        os.abort()
    if mode == "hang":
        # A grandchild in the same group: the timeout must take it down too.
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        print("hanging", flush=True)
        time.sleep(300)
    if mode == "flaky":
        marker = folder / f"flaky-{os.environ['MATRIXGEN_CELL'].replace('/', '-')}"
        first = not marker.exists()
        marker.touch()
        junit(path, failed=first)
        return 1 if first else 0
    if mode == "nojunit":
        print("done, but no JUnit")
        return 0
    if mode.startswith("wait-for="):
        # Wait until another cell has started (file appears), then go on.
        other = folder / mode.split("=", 1)[1]
        deadline = time.monotonic() + 20
        while not other.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(float(os.environ.get("CELL_AFTER", "0")))
        junit(path, failed=False)
        return 0
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main())
