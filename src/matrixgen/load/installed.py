"""How the running matrixgen was installed, and the line that installs it again elsewhere:
the default of `outputs.matrixgen`, which the generated nox sessions and CI jobs install.

The default used to be `matrixgen-cli==<version>`, a line on no package index while
matrixgen-cli is unreleased, so every generated session and job failed at install. It is
now read from the distribution's PEP 610 record, `direct_url.json`
(https://packaging.python.org/en/latest/specifications/direct-url-data-structure/):

- no record: installed from an index -> `matrixgen-cli==<its version>`;
- a VCS URL -> `matrixgen-cli @ git+URL@<commit_id>` (the commit, never a moving branch);
- an archive URL -> `matrixgen-cli @ URL#<hash>` (the hash when the record has one);
- a file:// URL (a folder, editable or not, a local wheel or sdist, a local repository):
  no line. It names a path on this machine, which a CI runner does not have: the
  rendered job would fail at install, as the old default did. Validate says so and how
  to set the line (`load.outputs.check_install_lines`).

So the default depends on the installation that renders, as the old one depended on its
version: the same matrix.yaml renders the same files wherever the same matrixgen is
installed the same way. A matrix that must render alike everywhere sets the line.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from matrixgen import DISTRIBUTION

_VCS = {"git", "hg", "bzr", "svn"}  # the VCS names of PEP 610 and pip's `vcs+URL` prefixes


@dataclass(frozen=True)
class Installed:
    """The running matrixgen's install line, or why there is none."""

    line: str | None
    source: str  # how it was installed, as a message says it
    folder: Path | None = None  # a local folder it was installed from (for `-e PATH`)
    local_line: str | None = None  # a line that installs it again on this machine only


def derive(version: str, direct_url: str | None) -> Installed:
    """The install line of `DISTRIBUTION` `version`, from its direct_url.json text (or None)."""
    if direct_url is None:
        return Installed(f"{DISTRIBUTION}=={version}", f"{DISTRIBUTION} {version} from an index")
    try:
        record = json.loads(direct_url)
        url = record["url"]
    except (ValueError, KeyError, TypeError):
        return Installed(None, f"{DISTRIBUTION} {version} with an unreadable direct_url.json")
    if not isinstance(record, dict) or not isinstance(url, str):
        return Installed(None, f"{DISTRIBUTION} {version} with an unreadable direct_url.json")
    local = urlsplit(url).scheme == "file"
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") in _VCS and vcs.get("commit_id"):
        line = f"{DISTRIBUTION} @ {vcs['vcs']}+{url}@{vcs['commit_id']}{_subdirectory(record)}"
        if local:
            return Installed(None, f"the local repository {url}", local_line=line)
        return Installed(line, f"{vcs['vcs']} {url}")
    if isinstance(record.get("archive_info"), dict):
        fragment = _fragment(_archive_hash(record["archive_info"]), record)
        line = f"{DISTRIBUTION} @ {url}{fragment}"
        if local:
            return Installed(None, f"the local file {unquote(urlsplit(url).path)}", local_line=line)
        return Installed(line, f"the archive {url}")
    if local:
        folder = Path(unquote(urlsplit(url).path))
        info = record.get("dir_info")
        editable = isinstance(info, dict) and info.get("editable") is True
        kind = "an editable install of" if editable else "an install of"
        return Installed(None, f"{kind} the local folder {folder}", folder=folder)
    return Installed(None, f"{DISTRIBUTION} {version} from {url}, an unknown kind of source")


def _archive_hash(info: dict[str, Any]) -> str | None:
    hashes = info.get("hashes")
    if isinstance(hashes, dict) and hashes:
        name = "sha256" if "sha256" in hashes else sorted(hashes)[0]
        return f"{name}={hashes[name]}"
    single = info.get("hash")  # the older single-hash form, `sha256=<hex>`
    return single if isinstance(single, str) and "=" in single else None


def _subdirectory(record: dict[str, Any]) -> str:
    sub = record.get("subdirectory")
    return f"#subdirectory={sub}" if isinstance(sub, str) and sub else ""


def _fragment(hash_: str | None, record: dict[str, Any]) -> str:
    parts = [p for p in (hash_, _subdirectory(record).lstrip("#")) if p]
    return "#" + "&".join(parts) if parts else ""


@functools.cache
def installed() -> Installed:
    """How the matrixgen that runs was installed (read once per process)."""
    from importlib import metadata  # only when a line is needed: it parses email headers

    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return Installed(None, f"a matrixgen that is not installed as {DISTRIBUTION}")
    return derive(distribution.version, distribution.read_text("direct_url.json"))
