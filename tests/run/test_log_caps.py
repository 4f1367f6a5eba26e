"""Logs are capped (head + tail, a line saying what was dropped) and `log:` probes read only
new output: a chatty service neither fills the disk nor the memory of the run."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path

import psutil
import pytest

from matrixgen.run.logs import HEAD, OVERLAP, TAIL, Log
from tests.run.conftest import Project

MiB = 1 << 20


def test_the_file_keeps_the_head_and_the_tail_and_says_what_was_dropped(tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    lines = [f"line {n:06d}\n".encode() for n in range(20000)]  # 12 bytes each
    data = b"".join(lines)
    log = Log(path, head=1200, tail=2400)
    for start in range(0, len(data), 1000):  # chunks cut lines in two
        log.write(data[start : start + 1000])
        assert path.stat().st_size <= 1200 + 2 * 2400 + 256 + 1000 + 80
    log.close()
    text = path.read_bytes()
    head, rest = text[:1200], text[1200:]
    assert head == data[:1200]
    mark = re.match(rb"\n\[matrixgen: (\d+) bytes of output dropped here\]\n", rest)
    assert mark is not None
    kept = rest[mark.end() :]
    assert data.endswith(kept) and kept.startswith(b"line ")  # the tail starts at a line
    assert 2400 - 12 <= len(kept) <= 2400
    assert 1200 + int(mark.group(1)) + len(kept) == len(data)  # every byte accounted for


def test_a_short_log_is_kept_whole_and_a_link_there_is_replaced(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("mine\n")
    path = tmp_path / "out.log"
    path.symlink_to(outside)
    log = Log(path)
    log.write(b"hello\n")
    log.close()
    assert path.read_bytes() == b"hello\n" and not path.is_symlink()
    assert outside.read_text() == "mine\n"


def test_a_watch_sees_matches_across_reads_and_only_new_bytes(tmp_path: Path) -> None:
    log = Log(tmp_path / "out.log")
    split = log.watch(re.compile("Ready to accept"))
    late = log.watch(re.compile("never"))
    log.write(b"x" * 10 * OVERLAP + b"Ready to ")
    assert not split.matched
    log.write(b"accept connections\n")
    assert split.matched and not late.matched
    assert len(late._carry) == OVERLAP  # all it keeps of earlier output
    log.close()


def test_a_full_disk_is_reported_once_and_the_output_still_read(tmp_path: Path) -> None:
    errors: list[OSError] = []

    async def scenario() -> None:
        log = Log(Path("/dev/full"), on_error=errors.append)  # every write: ENOSPC
        write_end, done = await log.pipe()

        def writer() -> None:
            with open(write_end, "wb") as pipe:
                pipe.write(b"x" * 200000)  # more than a pipe holds: it is read on regardless

        await asyncio.wait_for(asyncio.gather(asyncio.to_thread(writer), done), 10)
        log.close()

    with pytest.MonkeyPatch.context() as patch:  # /dev/full cannot be unlinked and made anew
        patch.setattr("matrixgen.run.logs.create_file", lambda path: os.open(path, os.O_WRONLY))
        asyncio.run(scenario())
    assert len(errors) == 1 and errors[0].errno == 28 and errors[0].filename == "/dev/full"


CHATTY = """\
    version: 1
    services:
      chatty:
        process:
          command:
            - sh
            - -c
            - 'yes "chatty service line" | head -c 200000000; echo READY-NOW; exec yes "more"'
          ready: {log: "READY-NOW"}
          timeout: 60s
        env: {CHATTY_LOG: results/services/chatty.log}  # kept there (cwd: the project)
    levels:
      component:
        services: [chatty]
        run: CELL
"""

CELL = """\
import json, os, sys, time
sizes, line, end = [], b"cell output line\\n" * 4, time.monotonic() + 3
while time.monotonic() < end:
    sizes.append(os.path.getsize(os.environ["CHATTY_LOG"]))
    for _ in range(4000):
        sys.stdout.buffer.write(line)
sys.stdout.buffer.write(b"the last line\\n")
json.dump({"max": max(sizes), "samples": len(sizes)}, open("sizes.json", "w"))
open(os.environ["MATRIXGEN_JUNIT"], "w").write(
    "<testsuite tests='1'><testcase classname='c' name='t'/></testsuite>")
"""


@pytest.mark.services
@pytest.mark.slow
def test_a_chatty_service_and_cell_stay_within_bounds(project: Project) -> None:
    (project.root / "cell.py").write_text(CELL)
    project.write(CHATTY.replace("CELL", f"{sys.executable} cell.py"))
    run = project.cli()
    peak = 0
    try:
        matrixgen = psutil.Process(run.pid)
        while run.poll() is None:
            try:
                peak = max(peak, matrixgen.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.05)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, output
    sizes = json.loads((project.root / "sizes.json").read_text())
    log = project.root / "results" / "component" / "component.log"
    text = log.read_bytes()
    dropped = re.search(rb"\[matrixgen: (\d+) bytes of output dropped here\]", text)
    print(
        f"RESULT service-log-max {sizes['max']} cell-log {len(text)} "
        f"cell-dropped {dropped.group(1).decode() if dropped else 0} peak-rss {peak}"
    )
    # 200 MB went by before READY-NOW, and the service went on writing while the cell ran.
    assert sizes["samples"] > 10
    assert sizes["max"] <= HEAD + 2 * TAIL + 512 * 1024
    kept = project.root / "results" / "services" / "chatty.log"
    assert kept.stat().st_size <= HEAD + TAIL + 100  # cut to head + tail when it stopped
    assert len(text) <= HEAD + TAIL + 100
    assert dropped is not None and int(dropped.group(1)) > 10 * MiB
    assert text.startswith(b"+ ") and text.endswith(b"the last line\n")
    assert peak < 150 * MiB  # the log probe never held the 200 MB
    assert "service chatty ready" in output and "service chatty stopped" in output


def test_the_readme_states_the_caps() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("## Running cells locally") :]
    assert f"keeps the first {HEAD // MiB} MiB and the last {TAIL // MiB} MiB" in section
