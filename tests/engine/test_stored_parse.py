"""A checked version's parsed data stored as JSON (engine/parsed.py): loading with it builds
the same ruleset without parsing any YAML; a stored form made for other texts, another check
marker or format, or a damaged one is ignored (the YAML is parsed); data JSON cannot give back
exactly is not stored; a worker serving an imported version uses it."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import datafiles, load_ruleset_text
from recommender.engine import loader as loader_module
from recommender.engine.loader import read_data_files, stored_form
from recommender.engine.parsed import dump
from recommender.yamlpos import Located

ROOT = Path(__file__).resolve().parents[2]


def _texts(name: str) -> tuple[str, dict[str, str]]:
    path = ROOT / "rules" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    return text, read_data_files(text, path)


def _count_yaml(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    for module in (loader_module, datafiles):
        real = module.load_yaml

        def counting(text: str, path: str = "<string>", real: Any = real, **kw: Any) -> Any:
            parsed.append(path)
            return real(text, path, **kw)

        monkeypatch.setattr(module, "load_yaml", counting)
    return parsed


@pytest.mark.parametrize("name", ["stripe", "prequalification"])
def test_the_stored_form_builds_the_same_ruleset_without_yaml(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, files = _texts(name)
    stored = stored_form(text, "x", files)
    assert stored is not None
    full = load_ruleset_text(text, f"{name} v1", data_files=files)
    from_yaml = load_ruleset_text(text, f"{name} v1", data_files=files, checked=True)
    parsed = _count_yaml(monkeypatch)
    from_json = load_ruleset_text(text, f"{name} v1", data_files=files, checked=True, stored=stored)
    assert parsed == []
    assert from_json == from_yaml
    assert from_json.rules == full.rules and from_json.tables == full.tables
    assert from_json.params == full.params and from_json.data == full.data
    assert from_json.market_data == full.market_data


def test_a_stored_form_for_anything_else_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    text, files = _texts("stripe")
    stored = stored_form(text, "x", files)
    assert stored is not None
    changed = text.replace("Stripe", "Strype", 1)
    assert changed != text
    want = load_ruleset_text(changed, "s v1", data_files=files, checked=True)
    form = json.loads(stored)
    others = [
        stored,  # made for the unchanged text
        json.dumps({**form, "marker": "0" * 64}),
        json.dumps({**form, "format": 999}),
        stored[: len(stored) // 2],
        "[]",
        "",
    ]
    parsed = _count_yaml(monkeypatch)
    for other in others:
        got = load_ruleset_text(changed, "s v1", data_files=files, checked=True, stored=other)
        assert got == want
    assert len(parsed) == len(others) * (1 + len(files))  # each parsed the YAML


@pytest.mark.parametrize(
    "data",
    [
        {"released": datetime.date(2026, 11, 30)},
        {"rows": [{1: "a"}]},
        {"pair": (1, 2)},
        {"ratio": float("nan")},
    ],
)
def test_data_json_cannot_give_back_exactly_is_not_stored(data: dict[str, Any]) -> None:
    assert dump(Located(data=data, path="x"), {}, "c", "m") is None
    assert dump(Located(data={"ok": [1, 1.5, True, None, "é"]}, path="x"), {}, "c", "m")


def test_a_worker_uses_the_stored_form_of_an_imported_version(
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
    text = (ROOT / "rules" / "stripe.yaml").read_text(encoding="utf-8")
    for name in [*read_data_files(text, ROOT / "rules" / "stripe.yaml"), "stripe.yaml"]:
        shutil.copy(ROOT / "rules" / name, rules_dir / name)
    app_config["RULES_DIR"] = str(rules_dir)
    app = request.getfixturevalue("app")
    with app.app_context():
        load_directory()
        rulesets.import_directory()
        row = rulesets.active_version("stripe")
        assert row is not None and row.parsed
        version_id = row.id
        answers = {"business_model": "saas", "channels": ["web"], "hq_country": "DE"}

        def fresh_worker() -> Any:
            rulesets._compiled.clear()
            rulesets._keys_by_id.clear()
            db.session.expire_all()
            compiled = rulesets.compiled_by_id(version_id)
            assert compiled is not None
            return compiled.evaluate(answers).to_dict()

        try:
            want = fresh_worker()
            parsed = _count_yaml(monkeypatch)
            assert fresh_worker() == want
            assert parsed == []
            # A damaged stored form: the YAML is parsed, the same ruleset served.
            db.session.execute(
                update(RulesetVersion).where(RulesetVersion.id == version_id).values(parsed="{")
            )
            db.session.commit()
            assert fresh_worker() == want
            assert parsed
        finally:
            # The per-process cache is keyed by version id, which the next test's database
            # gives to another version.
            rulesets._compiled.clear()
            rulesets._keys_by_id.clear()
