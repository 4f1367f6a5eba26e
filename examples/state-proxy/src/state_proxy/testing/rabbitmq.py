"""Run a private RabbitMQ node: `python -m state_proxy.testing.rabbitmq --port P --dir D`.

RabbitMQ needs two more ports than the AMQP one (Erlang distribution and epmd) and,
left alone, starts a daemonized epmd that outlives it. Here epmd runs in the
foreground as our child on a port we pick, so the broker reuses it and stopping this
launcher stops both.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from state_proxy.testing.launch import free_port, start, supervise

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="AMQP port")
    parser.add_argument("--dir", type=Path, required=True, help="private data directory")
    args = parser.parse_args()
    home: Path = args.dir.resolve()
    home.mkdir(parents=True, exist_ok=True)
    plugins = home / "enabled_plugins"
    plugins.write_text("[].\n")  # no plugins: the management UI would need more ports
    epmd_port, dist_port = free_port(), free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "RABBITMQ_NODENAME": f"state-proxy-{args.port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(args.port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "ERL_EPMD_PORT": str(epmd_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
        "RABBITMQ_LOG_BASE": str(home / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
        "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq"),  # absent: defaults, not /etc
    }
    epmd = start(
        [shutil.which("epmd") or "epmd", "-port", str(epmd_port), "-address", "127.0.0.1"], env
    )
    server = start([SERVER], env)
    code: int = supervise([server, epmd])
    return code


if __name__ == "__main__":
    raise SystemExit(main())
