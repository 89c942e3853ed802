"""Readout PDFs rendered in a child process with a time limit, so a slow or stuck render
(WeasyPrint, Graphviz) never holds a web worker longer than `READOUT_PDF_TIMEOUT` seconds.

The parent sends `{"kind", "shared", "readout"}` as JSON on the child's standard input and
reads the PDF from its standard output; a RenderError's message comes back on standard
error with exit status 2. On timeout the child's whole process group (its `dot` included)
is killed. Readouts of snapshots never change, so finished PDFs are kept in a small
per-process cache keyed by the content they were made from.

Run as `python -m recommender.services.readout_pdf` (the child side).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from recommender.readout.errors import RenderError

KINDS = ("readout", "one-pager")
DEFAULT_TIMEOUT = 60.0
CACHE_SIZE = 16
#: The directory that holds the `recommender` package: the child imports the same code.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def render(
    readout: dict[str, Any], *, kind: str = "readout", shared: bool = False, timeout: float
) -> bytes:
    """The readout (`kind` "readout") or its executive one-pager as PDF bytes.

    Raises RenderError with a message that says what failed (including a timeout)."""
    if kind not in KINDS:
        raise RenderError(f"Unknown PDF kind '{kind}'; use one of: {', '.join(KINDS)}.")
    payload = json.dumps(
        {"kind": kind, "shared": shared, "readout": readout}, sort_keys=True, ensure_ascii=False
    ).encode("utf-8")
    key = hashlib.sha256(payload).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    pdf = _run(payload, kind, timeout)
    with _lock:
        _cache[key] = pdf
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return pdf


def configured_timeout() -> float:
    """The app's `READOUT_PDF_TIMEOUT` (seconds), DEFAULT_TIMEOUT outside an app."""
    if not has_app_context():
        return DEFAULT_TIMEOUT
    return float(current_app.config.get("READOUT_PDF_TIMEOUT", DEFAULT_TIMEOUT))


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _command() -> list[str]:
    return [sys.executable, "-m", "recommender.services.readout_pdf"]


def _what(kind: str) -> str:
    return "one-page summary" if kind == "one-pager" else "readout"


def _run(payload: bytes, kind: str, timeout: float) -> bytes:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
    )
    try:
        proc = subprocess.Popen(
            _command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills `dot` too
        )
    except OSError as exc:
        raise RenderError(
            f"The {_what(kind)} PDF could not be started ({exc}); the HTML readout is still "
            "available."
        ) from exc
    try:
        out, err = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise RenderError(
            f"The {_what(kind)} PDF took longer than {timeout:g} seconds to render and was "
            "stopped; the HTML readout is still available (print it from the browser, or "
            "try the PDF again later)."
        ) from None
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit status {proc.returncode}"
        if proc.returncode == 2 and message:
            raise RenderError(detail)  # the renderer's own RenderError message
        raise RenderError(
            f"The {_what(kind)} PDF renderer failed ({detail}); the HTML readout is still "
            "available."
        )
    if not out.startswith(b"%PDF"):
        raise RenderError(
            f"The {_what(kind)} PDF came out empty; the HTML readout is still available."
        )
    return out


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


def main() -> int:
    """The child: JSON request on stdin, PDF on stdout; exit 2 with a RenderError's message."""
    from recommender.readout.render import render_one_pager, render_pdf

    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        readout = request["readout"]
        if request.get("kind") == "one-pager":
            pdf = render_one_pager(readout)
        else:
            pdf = render_pdf(readout, shared=bool(request.get("shared")))
    except RenderError as exc:
        sys.stderr.write(" ".join(exc.message.split()) + "\n")
        return 2
    except Exception as exc:  # anything else: reported by the parent as a renderer failure
        sys.stderr.write(f"{type(exc).__name__}: {' '.join(str(exc).split())}\n")
        return 3
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
