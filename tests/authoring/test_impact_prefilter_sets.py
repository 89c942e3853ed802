"""The impact preview's filter and set edits: removing the first country of every list in the
default ruleset's `sets:` gives the same rows as evaluating everything. Sets reach results
through rules, and also through the data files' country lists ("@eu" in payment_methods.yaml)
and the market data (`sca_area`), which no rule names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from recommender.services import authoring
from tests.authoring.test_impact_prefilter import (  # noqa: F401 (fixtures)
    _rows,
    _section,
    app_config,
    discoveries,
)


@pytest.mark.slow
@pytest.mark.usefixtures("discoveries")
def test_every_set_edit_gives_the_rows_of_evaluating_everything(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    author = make_user("author")
    with app.app_context():
        source = authoring.get_or_create_draft("stripe", author).source
        files = dict(authoring.active_version("stripe").data_files or {})
        subjects = authoring.saved_subjects()
        start, end = _section(source, "sets")
        edits = list(re.finditer(r"^  (\w+):\s*\n?\s*\[([A-Z]{2}), ", source[start:end], re.M))
        assert len(edits) > 10
        differing, changed = [], 0
        for m in edits:
            at = start + m.start(2)
            draft = source[:at] + source[at + 4 :]  # drop "XX, "
            fast = authoring.impact("stripe", draft, data_files=files, processes=1)
            full = authoring.impact(
                "stripe", draft, subjects=subjects, data_files=files, processes=1, prefilter=False
            )
            changed += len(full.items)
            if _rows(fast) != _rows(full):
                differing.append(f"@{m.group(1)} without {m.group(2)}")
        assert not differing, differing
        assert changed > 0  # some edits change rows: the comparison is not vacuous
