"""A toy service for the scope and honesty tests: it notices two clients using it at once.

    claim_service.py serve PORT      a server; one line per request, one answer per line:
                                     `claim NAME` -> ok | busy (another claim is held),
                                     `conflict` -> yes | no (a claim was refused meanwhile),
                                     `release NAME` -> ok, `die` -> exits with code 3
    claim_service.py foreign PORT LOG   a stranger listening on PORT: logs each connection
    claim_service.py cell ADDR PEER WAIT   a cell: claims, waits for PEER's marker (up to
                                     WAIT seconds), releases; exit 1 on a conflict
    claim_service.py die ADDR        a cell that tells the service at ADDR to die
    claim_service.py wait-closed PORT   a service ready (`up`) once one was told to die and
                                     PORT is free again

`serve` on a port already in use says so and exits 1 as redis does. With env FOREIGN_LOG it
first has a stranger take its port, outside its own process tree (the stranger's parent
exits at once, so it is re-parented), and after failing to bind lives on until the stranger
answered someone (the ready probe): the race of issue 21, where a stranger took a service's
fixed port and answered its probe, made certain.
Kept as a plain script (no matrixgen import), like a user's service and tests.
"""

from __future__ import annotations

import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path


def serve(port: int) -> None:
    lock = threading.Lock()
    held: list[str] = []
    conflict: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for raw in self.rfile:
                words = raw.decode().split()
                if not words:
                    continue
                answer = "ok"
                with lock:
                    if words[0] == "claim":
                        if held:
                            conflict.append(words[1])
                            answer = "busy"
                        else:
                            held.append(words[1])
                    elif words[0] == "release":
                        held.clear()
                    elif words[0] == "conflict":
                        answer = "yes" if conflict else "no"
                    elif words[0] == "die":
                        print("told to die", flush=True)
                        os._exit(3)
                print(" ".join(words), "->", answer, flush=True)
                self.wfile.write(f"{answer}\n".encode())

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    foreign = os.environ.get("FOREIGN_LOG")
    if foreign:
        spawner = [sys.executable, __file__, "spawn-foreign", str(port), foreign]
        subprocess.run(spawner, check=True)
        while _bindable(port):
            time.sleep(0.05)
    try:
        server = Server(("127.0.0.1", port), Handler)
    except OSError as error:
        print(f"cannot listen on port {port}: {error.strerror}", flush=True)
        # Like a server that retries its bind a while: alive until the probe was answered
        # by the stranger, so that the probe runs while this process lives.
        while foreign and not Path(foreign).is_file():
            time.sleep(0.05)
        sys.exit(1)
    print(f"listening on {port}", flush=True)
    server.serve_forever()


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def foreign(port: int, log: Path) -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    while True:
        connection, _ = listener.accept()
        with log.open("a") as out:
            out.write("answered\n")
        connection.close()


def cell(address: str, peer: str, wait: float) -> int:
    name = os.environ["MATRIXGEN_CELL"].replace("/", "-")
    records = Path(os.environ["CELL_RECORDS"])
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port))) as sock:
        stream = sock.makefile("rw")

        def ask(line: str) -> str:
            stream.write(line + "\n")
            stream.flush()
            return stream.readline().strip()

        claimed = ask(f"claim {name}")
        (records / f"claimed-{name}").write_text(address)
        if claimed != "ok":
            print(f"{address} is busy: another cell uses it", flush=True)
            return 1
        deadline = time.monotonic() + wait
        while not (records / f"claimed-{peer}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if (records / f"claimed-{peer}").exists():
            (records / f"met-{name}").write_text(peer)
        conflict = ask("conflict")
        ask(f"release {name}")
    if conflict != "no":
        print("another cell used the service at the same time", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "serve":
        serve(int(sys.argv[2]))
    elif mode == "foreign":
        foreign(int(sys.argv[2]), Path(sys.argv[3]))
    elif mode == "spawn-foreign":  # its child outlives it, outside the caller's tree
        subprocess.Popen(
            [sys.executable, __file__, "foreign", *sys.argv[2:]], start_new_session=True
        )
    elif mode == "cell":
        sys.exit(cell(sys.argv[2], sys.argv[3], float(sys.argv[4])))
    elif mode == "die":  # a cell that tells the service to die
        host, _, port = sys.argv[2].rpartition(":")
        Path(os.environ["CELL_RECORDS"], "dying").write_text("")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"die\n")
            sock.recv(10)
    elif mode == "wait-closed":  # a service ready once the other one died and left its port
        while not Path(os.environ["CELL_RECORDS"], "dying").exists() or not _bindable(
            int(sys.argv[2])
        ):
            time.sleep(0.05)
        print("up", flush=True)
        time.sleep(600)
    else:
        sys.exit(f"unknown mode {mode}")
