"""The quick start touches only what it started (README, "Security notes"): its scripts stop,
kill and disable nothing that was running (a user's redis, RabbitMQ or epmd keeps running),
keep Debian's packages from starting their daemons instead, and install Python packages into
the checkout's .venv, never into the machine's Python. apt itself is not run here: a stand-in
apt-get records what scripts/apt-install.sh left in place while it ran."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(
    [*ROOT.glob("scripts/*.sh"), ROOT / ".ci" / "run", *ROOT.glob("examples/*/run-example.sh")]
)
# Ways to stop or disable what someone else started: by name, or a service of the machine's.
STOPS = re.compile(
    r"\b(pkill|killall|invoke-rc\.d)\b|\bservice\s+\S+\s+(stop|restart)\b"
    r"|\bsystemctl\b.*\b(stop|restart|kill|mask)\b|\bsystemctl\b.*--now\b"
)


def code_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_quick_starts_scripts_stop_nothing_by_name(script: Path) -> None:
    assert [line for line in code_lines(script) if STOPS.search(line)] == []


def test_install_sh_installs_python_packages_into_the_checkouts_venv_only() -> None:
    lines = code_lines(ROOT / "scripts" / "install.sh")
    pips = [line for line in lines if re.search(r"\bpip\b", line) and "echo" not in line]
    assert pips, "install.sh installs no Python package"
    assert all('"$venv/bin/python" -m pip' in line for line in pips), pips
    assert any('-m venv --clear "$venv"' in line for line in lines)
    assert "venv=$PWD/.venv" in lines
    for script in (ROOT / "scripts" / "test.sh", ROOT / "examples/state-proxy/run-example.sh"):
        assert any(line.startswith('export PATH="') and '/.venv/bin:$PATH"' in line
                   for line in code_lines(script)), script  # fmt: skip


def run_apt_install(tmp_path: Path, policy: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """scripts/apt-install.sh with a stand-in apt-get (and sudo) that records the policy-rc.d
    it finds in place and what running that policy answers."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    seen = tmp_path / "seen"
    (bin_dir / "apt-get").write_text(
        "#!/bin/sh\n"
        f'[ "$1" = update ] && exit 0\n'
        f'if [ -x "{policy}" ]; then "{policy}" redis-server start; echo "policy $?"; '
        f'cat "{policy}"; else echo "no policy"; fi >"{seen}"\n'
    )
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    for tool in ("apt-get", "sudo"):
        (bin_dir / tool).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "MATRIXGEN_POLICY_RC_D": str(policy),
    }
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "apt-install.sh"), "redis-server", "rabbitmq-server"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return done, seen.read_text() if seen.exists() else "apt-get did not run"


def test_apt_install_forbids_every_start_while_apt_runs_then_removes_its_policy(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy-rc.d"
    done, seen = run_apt_install(tmp_path, policy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert seen.startswith("policy 101\n"), seen  # invoke-rc.d's "action forbidden"
    assert "+ apt-get install redis-server rabbitmq-server" in done.stdout
    assert not policy.exists() and not policy.is_symlink()  # its own, removed after


def test_apt_install_leaves_a_policy_the_machine_has_as_it_was(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    text = "#!/bin/sh\n# the machine's own: starts everything\nexit 0\n"
    policy.write_text(text)
    policy.chmod(0o750)
    done, seen = run_apt_install(tmp_path, policy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert seen == "policy 0\n" + text
    assert policy.read_text() == text and policy.stat().st_mode & 0o777 == 0o750


def test_apt_install_with_nothing_to_install_runs_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "apt-install.sh")],
        env={**os.environ, "MATRIXGEN_POLICY_RC_D": str(tmp_path / "policy-rc.d")},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (tmp_path / "policy-rc.d").exists()
