"""A published version is checked once: loading it with `checked=True` builds the same
ruleset (same results on random answers) without running the checks, a text that does not
pass them is still refused with the same problems, and a worker serving a published version
marked as checked never runs a check."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.engine import loader as loader_module
from recommender.engine.loader import check_marker, find_questionnaire, read_data_files
from recommender.errors import DefinitionError
from tests.engine.answer_sets import random_answers

ROOT = Path(__file__).resolve().parents[2]


def _texts(name: str) -> tuple[str, dict[str, str]]:
    path = ROOT / "rules" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    return text, read_data_files(text, path)


@pytest.mark.parametrize("name", ["stripe", "prequalification"])
def test_a_checked_load_builds_the_same_ruleset_and_results(name: str) -> None:
    text, files = _texts(name)
    full = load_ruleset_text(text, f"{name} v1", data_files=files)
    fast = load_ruleset_text(text, f"{name} v1", data_files=files, checked=True)
    assert fast.rules == full.rules
    assert fast.tables == full.tables
    assert (fast.products, fast.risks, fast.bundles) == (full.products, full.risks, full.bundles)
    assert (fast.sets, fast.derived, fast.params) == (full.sets, full.derived, full.params)
    assert fast.conditions == full.conditions
    assert fast.data == full.data and fast.data_files == full.data_files
    q = find_questionnaire(ROOT / "forms", full.questionnaire)
    assert q is not None
    a, b = compile_ruleset(full), compile_ruleset(fast)
    try:
        rnd = random.Random(name)
        for _ in range(60):
            answers = q.visible_answers(random_answers(q, rnd))
            assert a.evaluate(answers, q).to_dict() == b.evaluate(answers, q).to_dict()
    finally:
        a.close()
        b.close()


def test_a_text_that_cannot_be_built_is_refused_with_the_checked_problems() -> None:
    """`checked=True` trusts the checks it skips (only a stored marker says so), but a text
    that cannot be built falls back to the checked load and its exact problems."""
    text, files = _texts("prequalification")
    broken = [
        text.replace("    when: ", "    wen: ", 1),  # a rule without a condition
        text.replace("rules:", "rulez:", 1),
        text + "\n  - {{ not yaml\n",
        "name: x\n",
    ]
    for source in broken:
        with pytest.raises(DefinitionError) as full:
            load_ruleset_text(source, "p v1", data_files=files)
        with pytest.raises(DefinitionError) as fast:
            load_ruleset_text(source, "p v1", data_files=files, checked=True)
        assert [str(p) for p in fast.value.problems] == [str(p) for p in full.value.problems]
        assert full.value.problems


def test_the_marker_depends_on_the_texts() -> None:
    assert check_marker("a" * 64) == check_marker("a" * 64)
    assert check_marker("a" * 64) != check_marker("b" * 64)


def test_a_worker_loads_a_published_version_without_checking_it(
    app_config: dict[str, Any],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import update

    from recommender.extensions import db
    from recommender.models import RulesetVersion
    from recommender.services import rulesets
    from recommender.services.questionnaires import load_directory

    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    shutil.copy(ROOT / "rules" / "prequalification.yaml", rules_dir / "prequalification.yaml")
    app_config["RULES_DIR"] = str(rules_dir)
    app = request.getfixturevalue("app")
    with app.app_context():
        load_directory()
        rulesets.import_directory()
        row = rulesets.active_version("prequalification")
        assert row is not None and row.checked == check_marker(row.checksum)
        version_id = row.id
        expected = rulesets.compiled_by_id(version_id)
        assert expected is not None
        answers = {"business_model": "saas", "channels": ["web"]}
        want = expected.evaluate(answers).to_dict()

        checks: list[str] = []
        real_check = loader_module.conditions.check

        def counting_check(*args: Any, **kwargs: Any) -> Any:
            checks.append("condition")
            return real_check(*args, **kwargs)

        monkeypatch.setattr(loader_module.conditions, "check", counting_check)

        def fresh_worker() -> Any:
            rulesets._compiled.clear()
            rulesets._keys_by_id.clear()
            db.session.expire_all()
            return rulesets.compiled_by_id(version_id)

        compiled = fresh_worker()
        assert compiled is not None and compiled.evaluate(answers).to_dict() == want
        assert checks == []
        # Without the marker (a version published before it existed) it is checked.
        db.session.execute(
            update(RulesetVersion).where(RulesetVersion.id == version_id).values(checked=None)
        )
        db.session.commit()
        compiled = fresh_worker()
        assert compiled is not None and compiled.evaluate(answers).to_dict() == want
        assert checks
