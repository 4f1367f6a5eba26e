"""`python -m state_proxy serve`: run the pipeline until SIGTERM or Ctrl-C.

    python -m state_proxy serve --transport sqs --queue orders --backend s3 --bucket state

Endpoints come from the environment (see `state_proxy.config`).
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

from state_proxy.config import BACKENDS, connect
from state_proxy.pipeline import Pipeline
from state_proxy.transports import TRANSPORTS, Transport, open_transport

IDLE_PAUSE = 0.2  # seconds between polls of an empty queue
T = TypeVar("T")
CONNECT_WITHIN = 60.0  # seconds: a broker started beside the proxy may still be booting


def _started(start: Callable[[], T]) -> T:
    """What `start` returns, retried while a broker or store does not answer yet."""
    deadline = time.monotonic() + CONNECT_WITHIN
    while True:
        try:
            return start()
        except Exception as error:  # each client library raises its own kind
            if time.monotonic() > deadline:
                raise
            print(f"state-proxy: not reachable yet ({type(error).__name__}: {error})", flush=True)
            time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="state_proxy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="consume envelopes and persist them")
    serve.add_argument("--transport", choices=TRANSPORTS, required=True)
    serve.add_argument("--queue", required=True, help="queue, or topic and subscription")
    serve.add_argument("--backend", choices=BACKENDS, required=True)
    serve.add_argument("--mode", choices=["lww", "cas", "passthrough"], default="lww")
    serve.add_argument("--bucket", required=True, help="bucket, or key prefix on Redis")
    args = parser.parse_args(argv)

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True  # finish the batch in hand: it is acked only after its writes

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    env = dict(os.environ)

    def start() -> tuple[Transport, Pipeline]:
        transport = open_transport(args.transport, args.queue, env)
        try:
            transport.declare()
            return transport, Pipeline(
                transport, connect(args.backend, args.mode, args.bucket, env)
            )
        except BaseException:
            transport.close()
            raise

    transport, pipeline = _started(start)
    print(f"state-proxy: {args.transport}:{args.queue} -> {args.backend}:{args.bucket}", flush=True)
    try:
        while not stopping:
            outcome = pipeline.poll()
            if not outcome.stored and not outcome.dead_lettered:
                time.sleep(IDLE_PAUSE)
    finally:
        transport.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
