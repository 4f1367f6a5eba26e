"""Ready probes that could never succeed, refused by validate instead of timing out in `run`.

A probe's placeholders (`${port}`, `${host}`, ...) are filled at run time; here each is
filled with a plausible value of its kind, and the probe is checked as `run` would use it:
a tcp probe is `host:port`, a log probe a regular expression, an http probe an http(s) URL
with a host (`run` GETs it with urllib, which would also open `file:` and `ftp:` URLs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from matrixgen.errors import Problem
from matrixgen.load.document import Document, PathKey
from matrixgen.load.model import MatrixFile

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_PLAUSIBLE = {"port": "8080", "host": "127.0.0.1", "dir": "/tmp/matrixgen/service"}
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def plausible(text: str, name: str) -> str:
    """`text` with each placeholder filled as `run` might fill it; env and unknown names
    (reported elsewhere) become a plain word."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key is None:
            return "${"
        if key == "name":
            return name
        return _PLAUSIBLE.get(key, "value")

    return _TOKEN.sub(fill, text)


def check_ready_probes(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    for name, service in model.services.items():
        ready = service.process.ready if service.process is not None else None
        if ready is None:
            continue
        base: PathKey = ("services", name, "process", "ready")
        if ready.tcp is not None:
            yield from _tcp(doc, (*base, "tcp"), ready.tcp, name)
        if ready.log is not None:
            yield from _log(doc, (*base, "log"), ready.log, name)
        if ready.http is not None:
            yield from _http(doc, (*base, "http"), ready.http, name)


def _tcp(doc: Document, path: PathKey, text: str, name: str) -> Iterator[Problem]:
    host, colon, port = text.rpartition(":")
    example = f'"{host or text or "127.0.0.1"}:${{port}}"'
    if not colon or not port.strip():
        yield doc.problem(
            path,
            f"'{text}' has no port; a tcp probe is host:port, the port a number 1–65535 or "
            f"${{port}} (the port run chose for the service): write {example}",
        )
    elif _PLACEHOLDER.fullmatch(port.strip()):
        return  # ${port}, ${env.PORT}: known at run time
    elif not port.strip().isdigit() or not 1 <= int(port) <= 65535:
        yield doc.problem(
            path,
            f"'{text}': port '{port}' is not a number 1–65535; write the service's port, "
            f"usually ${{port}} (the port run chose for the service): {example}",
        )


def _log(doc: Document, path: PathKey, text: str, name: str) -> Iterator[Problem]:
    try:
        re.compile(plausible(text, name))
    except re.error as error:
        yield doc.problem(
            path,
            f"not a valid regular expression: {error}; escape characters meant literally "
            r"with a backslash: \( \[ \. \*",
        )


def _http(doc: Document, path: PathKey, text: str, name: str) -> Iterator[Problem]:
    url = plausible(text, name).strip()
    example = "write e.g. http://127.0.0.1:${port}/health"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        yield doc.problem(path, f"'{text}' is not a valid URL ({error}); {example}")
        return
    scheme = parts.scheme.lower() if "://" in url else ""
    if scheme not in ("http", "https"):
        what = f"its scheme is '{parts.scheme}'" if scheme else "it has no http:// or https://"
        yield doc.problem(
            path,
            f"'{text}' is not an http or https URL ({what}); an http probe GETs the URL "
            f"and waits for a status below 500: {example}",
        )
    elif not parts.hostname:
        yield doc.problem(path, f"'{text}' names no host; {example}")
    elif port == 0:
        yield doc.problem(path, f"'{text}': port 0 is not a port; {example}")
