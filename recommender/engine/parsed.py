"""A checked ruleset version's parsed YAML, stored as JSON so a worker loads it without YAML.

A published version whose texts passed the checks stores, beside its check marker, the data
its ruleset text and data files parse to (with the ruleset's value positions, which table
rows and parameter groups read). Reading JSON takes about a millisecond where YAML takes
tens. The stored form names the bundle checksum and the check marker it was made for and
its format; `restore` refuses it (None) on any mismatch or damage, and the loader then parses
the YAML as before. JSON only: nothing in it is executed or unpickled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from recommender.yamlpos import Located

#: Raise when what yamlpos builds from a text changes (the stored data must be what the YAML
#: parses to now).
FORMAT = 1


def dump(located: Located, files: Mapping[str, Any], checksum: str, marker: str) -> str | None:
    """The stored form of a ruleset's parsed text (`located`) and data files (file name ->
    data), or None when JSON would not give back exactly the same data (a YAML date, a
    non-text key, ...)."""
    positions = [[list(where), line, col] for where, (line, col) in located.positions.items()]
    form = {
        "format": FORMAT,
        "checksum": checksum,
        "marker": marker,
        "data": located.data,
        "positions": positions,
        "files": dict(files),
    }
    try:
        text = json.dumps(form, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    back = json.loads(text)
    # Tuples would come back as lists and non-text keys as text: both compare unequal here.
    if back["data"] != located.data or back["files"] != form["files"]:
        return None
    if any(
        tuple(w) != where
        for (w, _l, _c), where in zip(back["positions"], located.positions, strict=True)
    ):
        return None
    return text


def restore(
    text: str | None, path: str, checksum: str, marker: str
) -> tuple[Located, dict[str, Any]] | None:
    """(the ruleset's Located data, file name -> data) from a stored form made for this
    checksum and marker in this format; None for anything else."""
    if not text:
        return None
    try:
        form = json.loads(text)
        if (
            not isinstance(form, dict)
            or form.get("format") != FORMAT
            or form.get("checksum") != checksum
            or form.get("marker") != marker
            or not isinstance(form.get("data"), dict)
            or not isinstance(form.get("files"), dict)
        ):
            return None
        positions = {tuple(where): (int(line), int(col)) for where, line, col in form["positions"]}
    except (ValueError, TypeError, KeyError):
        return None
    return Located(data=form["data"], path=path, positions=positions), form["files"]
