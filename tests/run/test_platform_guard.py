"""Windows has no fcntl, process groups, pread or POSIX-only signals: what only POSIX has
is asked for in one module, matrixgen.run.platform, which has a portable way for each."""

from __future__ import annotations

import ast
from pathlib import Path

from matrixgen.run import platform

SRC = Path(platform.__file__).parents[1]

# What exists only on POSIX, or reads /proc: used in matrixgen.run.platform and nowhere else
# (reaper's prctl is Linux's, asked for through the platform).
POSIX_ONLY = {
    "fcntl", "killpg", "setsid", "getsid", "getpgid", "setpgid", "pread", "pwrite",
    "geteuid", "getuid", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "O_NOFOLLOW",
    "O_CLOEXEC", "O_NONBLOCK", "start_new_session", "pass_fds", "add_signal_handler",
}  # fmt: skip


def test_posix_only_calls_live_in_the_platform_module() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "platform.py" and path.parent.name == "run":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Attribute):
                names.append(node.attr)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names += [alias.name for alias in node.names]
                names.append(getattr(node, "module", None) or "")
            elif isinstance(node, ast.keyword) and node.arg:
                names.append(node.arg)
            elif isinstance(node, ast.Constant) and str(node.value).startswith("/proc/"):
                names.append(str(node.value))
            found += [f"{path.relative_to(SRC)}:{node.lineno}: {name}" for name in names
                      if name in POSIX_ONLY or name.startswith("/proc/")]  # fmt: skip
    assert found == []
