"""`recommender rules import|export|publish|history|rollback|test`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask

import recommender.cli

from .conftest import DEMO_RULES


def run(app: Flask, *args: str) -> Any:
    return CliRunner().invoke(recommender.cli.main, list(args), obj={"app": app})


def test_rules_lifecycle_from_the_command_line(app: Flask, tmp_path: Path) -> None:
    result = run(app, "rules", "import", str(DEMO_RULES))
    assert result.exit_code == 0, result.output
    assert "new ruleset, draft saved" in result.output
    result = run(app, "rules", "publish", "demo", "--note", "first")
    assert result.exit_code == 0, result.output
    assert "published version 1" in result.output

    changed = tmp_path / "demo.yaml"
    changed.write_text(DEMO_RULES.read_text().replace("annual_volume_usd >= 10_000_000", "annual_volume_usd >= 5_000_000"))
    result = run(app, "rules", "import", str(changed), "--publish")
    assert result.exit_code == 0 and "published version 2" in result.output

    result = run(app, "rules", "history", "demo")
    lines = result.output.splitlines()
    assert lines[0].startswith("* v2") and lines[1].startswith("  v1") and "first" in lines[1]

    assert "5_000_000" in run(app, "rules", "export", "demo").output
    exported = run(app, "rules", "export", "demo", "--version", "1").output
    assert "10_000_000" in exported and "\nversion: 1\n" in exported

    result = run(app, "rules", "rollback", "demo", "--to", "1")
    assert result.exit_code == 0 and "published again as version 3" in result.output
    assert "10_000_000" in run(app, "rules", "export", "demo").output

    result = run(app, "rules", "test", "demo")
    assert result.exit_code == 0, result.output
    assert "2 passed, 0 failed" in result.output


def test_import_of_an_invalid_file_prints_positions_and_exits_1(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO_RULES.read_text().replace("product: billing\n", "product: bilIing\n"))
    result = run(app, "rules", "import", str(bad))
    assert result.exit_code == 1
    line = bad.read_text().splitlines().index("      - product: bilIing") + 1
    assert f"{bad}:{line}:" in result.output and "bilIing" in result.output
    result = run(app, "rules", "history", "demo")
    assert result.exit_code == 1 and "no ruleset named 'demo'" in result.output


def test_rules_test_fails_on_a_failing_scenario(app: Flask, demo: Any) -> None:
    from recommender.services import authoring

    with app.app_context():
        draft = authoring.get_or_create_draft("demo", None)
        authoring.save_draft("demo", None, scenarios=draft.scenarios.replace("include checkout", "include billing"))
    result = run(app, "rules", "test", "demo", "--draft")
    assert result.exit_code == 1
    assert "FAIL" in result.output and "expected products to include billing" in result.output
    result = run(app, "rules", "publish", "demo")
    assert result.exit_code == 1 and "scenarios fail" in result.output


def test_setup_import_stores_scenarios_and_rules_test_runs_them(app: Flask, tmp_path: Path) -> None:
    """`recommender setup` imports rules/*.yaml with their scenarios, so `rules test` has
    something to run; a version without scenarios fails the command instead of passing."""
    from recommender.services import questionnaires, rulesets

    with app.app_context():
        questionnaires.load_directory()
        assert rulesets.import_directory() == ["demo v1"]
        assert "Scenario" in (rulesets.active_version("demo").scenarios or "")
    result = run(app, "rules", "test", "demo")
    assert result.exit_code == 0, result.output
    assert "2 passed, 0 failed" in result.output

    lonely = tmp_path / "rules"
    lonely.mkdir()
    (lonely / "demo.yaml").write_text(
        DEMO_RULES.read_text().replace("annual_volume_usd >= 10_000_000", "annual_volume_usd >= 9_000_000")
    )
    app.config["RULESET_FEATURES_DIR"] = str(tmp_path / "no-features")
    with app.app_context():
        assert rulesets.import_directory(lonely) == ["demo v2"]
    result = run(app, "rules", "test", "demo")
    assert result.exit_code == 1
    assert "no scenarios are stored" in result.output


def test_import_and_export_carry_the_data_files(app: Flask, tmp_path: Path) -> None:
    from .conftest import SHOP_RULES

    source_dir = tmp_path / "in"
    source_dir.mkdir()
    for name in ("shop.yaml", "payment_methods.yaml", "markets.yaml"):
        (source_dir / name).write_text((SHOP_RULES.parent / name).read_text())
    result = run(app, "rules", "import", str(source_dir / "shop.yaml"), "--publish")
    assert result.exit_code == 0, result.output
    assert "with data files markets.yaml, payment_methods.yaml" in result.output
    assert "published version 1" in result.output

    # A data file with an unknown country: refused with the data file's path:line:col.
    pm = source_dir / "payment_methods.yaml"
    pm.write_text(pm.read_text().replace("account_countries: [BR, US]", "account_countries: [BR, UX]"))
    result = run(app, "rules", "import", str(source_dir / "shop.yaml"), "--publish")
    assert result.exit_code == 1
    line = pm.read_text().splitlines().index("    account_countries: [BR, UX]") + 1
    assert f"{pm}:{line}:29: unknown country code 'UX'" in result.output

    printed = run(app, "rules", "export", "shop", "--file", "markets.yaml")
    assert printed.exit_code == 0 and printed.output.startswith("kind: markets")
    assert "names data files markets.yaml, payment_methods.yaml" in run(app, "rules", "export", "shop").output
    out = tmp_path / "out" / "shop.yaml"
    out.parent.mkdir()
    result = run(app, "rules", "export", "shop", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["markets.yaml", "payment_methods.yaml", "shop.yaml"]
    assert (out.parent / "markets.yaml").read_text() == (SHOP_RULES.parent / "markets.yaml").read_text()
    # What export wrote imports again as is (nothing new to publish but a new version).
    result = run(app, "rules", "import", str(out), "--publish")
    assert result.exit_code == 0 and "published version 2" in result.output
    assert run(app, "rules", "test", "shop").exit_code == 0


def test_rules_check_counts_rulesets_not_data_files(app: Flask) -> None:
    from .conftest import DATA, SHOP_RULES

    files = [str(p) for p in sorted(SHOP_RULES.parent.glob("*.yaml"))]
    result = run(app, "rules", "check", *files, "--forms", str(DATA / "forms"))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok: 1 rulesets"
