"""rulesets/evaluation services and the `rules check` / `evaluate` commands."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from recommender.cli import main

ROOT = Path(__file__).resolve().parents[2]
PREQUAL = ROOT / "rules" / "prequalification.yaml"


def _rules_dir(tmp_path: Path) -> Path:
    d = tmp_path / "rules"
    d.mkdir()
    shutil.copy(PREQUAL, d / "prequalification.yaml")
    return d


def test_import_directory_is_idempotent_and_activates_new_versions(
    app_config: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from recommender.services import evaluation, rulesets
    from recommender.services.questionnaires import latest, load_directory, questionnaire_for

    rules_dir = _rules_dir(tmp_path)
    app_config["RULES_DIR"] = str(rules_dir)
    app_config["RULESET_REFRESH_SECONDS"] = 0.05
    app = request.getfixturevalue("app")  # built after the config change; emptied after
    with app.app_context():
        load_directory()
        assert rulesets.import_directory() == ["prequalification v1"]
        assert rulesets.import_directory() == []
        row, compiled = rulesets.active_compiled("prequalification")
        assert row.version == 1 and compiled.version == 1
        q = questionnaire_for(latest("prequalification"))
        result = evaluation.evaluate_answers(q, {"business_model": "saas"}, "prequalification")
        assert result.ruleset == {"name": "prequalification", "version": 1}
        # An edited file with the same `version:` becomes v2 and is served after a refresh.
        path = rules_dir / "prequalification.yaml"
        path.write_text(path.read_text() + "\n# edited\n")
        assert rulesets.import_directory() == ["prequalification v2"]
        time.sleep(0.06)
        row, compiled = rulesets.active_compiled("prequalification")
        assert row.version == 2 and compiled.version == 2
        _, old = rulesets.version_compiled("prequalification", 1)
        assert old.version == 1


def test_why_not_service_uses_the_published_version_and_404s_unknown_products(
    app_config: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from recommender.errors import NotFound
    from recommender.services import evaluation, rulesets
    from recommender.services.questionnaires import latest, load_directory, questionnaire_for

    app_config["RULES_DIR"] = str(_rules_dir(tmp_path))
    app = request.getfixturevalue("app")
    with app.app_context():
        load_directory()
        rulesets.import_directory()
        q = questionnaire_for(latest("prequalification"))
        answers = {"channels": ["web"], "dev_capacity": "small", "annual_volume_usd": None}
        got = evaluation.why_not(q, answers, "terminal", "prequalification")
        assert got["status"] == "not_recommended"
        assert "includes In person" in got["summary"]
        channels = next(e for e in got["would_appear_if"] if e["question"] == "channels")
        assert channels["values"][0]["value"] == ["web", "in_person"]
        same = evaluation.why_not(q, answers, "terminal", "prequalification", version=1)
        assert same == got
        recommended = evaluation.why_not(q, answers, "checkout", "prequalification")
        assert recommended["status"] == "recommended"
        with pytest.raises(NotFound, match="no product 'terminl'.*Did you mean terminal"):
            evaluation.why_not(q, answers, "terminl", "prequalification")
        with pytest.raises(NotFound, match="has no version 9"):
            evaluation.why_not(q, answers, "terminal", "prequalification", version=9)


def test_rules_check_reports_locations_and_exit_codes(tmp_path: Path, app: Any) -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    rules_dir = _rules_dir(tmp_path)
    ok = runner.invoke(
        main, ["rules", "check", str(rules_dir / "prequalification.yaml")], obj={"app": app}
    )
    assert ok.exit_code == 0 and ok.output.strip() == "ok: 1 rulesets"
    bad = rules_dir / "bad.yaml"
    bad.write_text(
        PREQUAL.read_text().replace("name: prequalification", "name: bad", 1)
        + "  - id: x\n    when: business_model == nope\n    recommend: [{product: checkout}]\n"
    )
    out = runner.invoke(main, ["rules", "check", str(bad)], obj={"app": app})
    assert out.exit_code == 1
    n = len(bad.read_text().splitlines())
    assert (
        out.output.strip()
        == f"{bad}:{n - 1}:29: 'nope' is not an option of 'business_model' (options: direct_sales, saas, marketplace, platform, on_demand, crowdfunding, fintech)"
        or (out.output.startswith(f"{bad}:{n - 1}:29: 'nope' is not an option of 'business_model'"))
    )


def test_evaluate_command_json_markdown_and_bad_answers(tmp_path: Path, app: Any) -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps({"business_model": "saas", "annual_volume_usd": "250000", "channels": ["web"]})
    )
    args = ["evaluate", "--answers", str(answers), "--ruleset", str(PREQUAL)]
    out = runner.invoke(main, args, obj={"app": app})
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["ruleset"]["name"] == "prequalification" and len(result["trace"]) > 0
    md = runner.invoke(main, [*args, "--format", "markdown"], obj={"app": app})
    assert md.exit_code == 0 and md.output.startswith("# Recommendations (prequalification v1)")
    answers.write_text(json.dumps({"nosuch": 1, "annual_volume_usd": "lots"}))
    bad = runner.invoke(main, args, obj={"app": app})
    assert bad.exit_code == 2
    assert "nosuch: unknown answer id" in bad.output and "annual_volume_usd:" in bad.output


def test_evaluate_markdown_has_the_per_market_plan(app: Any) -> None:
    from click.testing import CliRunner

    example = ROOT / "docs" / "examples" / "us_latam_ecommerce.json"
    out = CliRunner().invoke(
        main, ["evaluate", "--answers", str(example), "--format", "markdown"], obj={"app": app}
    )
    assert out.exit_code == 0, out.output
    plan = out.output.split("## Per-market plan", 1)[1]
    assert "**Brazil** (BRL), account US (cross-border)" in plan
    assert "Not offered: Boleto: Boleto needs a Stripe account in Brazil" in plan
    assert "Offer Pix instead." in plan
