"""The default ruleset's explanations read well for every scenario's answers: no rationale,
risk reason, exclusion reason or derived-fact reason shows '(not answered)'."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import recommender_tests_ruleset_steps as steps  # registered by conftest.py

from recommender.engine import compile_ruleset, load_ruleset
from recommender.questionnaire import load_questionnaire

ROOT = Path(__file__).resolve().parents[2]
TABLE = re.compile(r"Given the answers:\n((?:[ \t]*\|.*\n)+)")




def _tables() -> list[tuple[str, list[list[str]]]]:
    out = []
    for path in sorted((ROOT / "features" / "ruleset").glob("*.feature")):
        if path.stem.startswith("prequalification"):
            continue
        for i, block in enumerate(TABLE.findall(path.read_text(encoding="utf-8"))):
            rows = [
                [c.strip() for c in line.strip().strip("|").split("|")]
                for line in block.strip().splitlines()
            ]
            out.append((f"{path.name}#{i + 1}", rows))
    return out


@pytest.fixture(scope="module")
def engine() -> tuple[Any, Any]:
    questionnaire = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    return questionnaire, compile_ruleset(
        load_ruleset(ROOT / "rules" / "stripe.yaml", questionnaire)
    )


@pytest.mark.parametrize(
    ("where", "rows"), _tables(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_explanations_never_show_not_answered(
    engine: tuple[Any, Any], where: str, rows: list[list[str]]
) -> None:
    questionnaire, compiled = engine
    result = steps.evaluate(compiled, questionnaire, steps.answers_from_table(rows, questionnaire))
    texts = [t for p in result["products"] for t in p["rationale"]]
    texts += [r["reason"] for r in result["risks"]]
    texts += [e["reason"] for e in result["exclusions"]]
    texts += [str(d["reason"]) for d in result["derived"]]
    assert texts, f"{where}: nothing was recommended or flagged"
    bad = [t for t in texts if "(not answered)" in t]
    assert bad == [], f"{where}: {bad}"
