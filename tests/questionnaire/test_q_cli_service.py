"""`recommender forms check/load` and services.questionnaires (idempotent, version bumps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from recommender.cli import main
from recommender.errors import DefinitionError, RecommenderError
from recommender.services import questionnaires

FORM = """\
id: tiny
version: 1
title: Tiny
sections:
  - id: s
    title: S
    questions:
      - {id: a, label: A, type: boolean}
"""


def test_forms_check_default_is_clean() -> None:
    result = CliRunner().invoke(main, ["forms", "check"])
    assert result.exit_code == 0, result.output
    count = len(list((Path(__file__).resolve().parents[2] / "forms").glob("*.yaml")))
    assert result.output.strip() == f"ok: {count} questionnaires"


def test_forms_check_reports_problems(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(FORM)
    bad = tmp_path / "bad.yaml"
    bad.write_text(FORM.replace("type: boolean}", "type: boolean, show_if: b}"))
    result = CliRunner().invoke(main, ["forms", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:8:51: show_if: unknown answer id 'b'" in result.output
    assert str(good) not in result.output
    ok = CliRunner().invoke(main, ["forms", "check", str(good)])
    assert (ok.exit_code, ok.output.strip()) == (0, "ok: 1 questionnaires")
    missing = CliRunner().invoke(main, ["forms", "check", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 1 and "cannot read file" in missing.output


def test_load_directory_is_idempotent_and_refuses_changes(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(FORM)
    with app.app_context():
        assert questionnaires.load_directory(tmp_path) == ["tiny v1"]
        assert questionnaires.load_directory(tmp_path) == []
        row = questionnaires.latest("tiny")
        assert row is not None and row.version == 1 and row.source == FORM
        q = questionnaires.questionnaire_for(row)
        assert q is questionnaires.questionnaire_for(row)
        assert list(q.questions) == ["a"]
        assert questionnaires.get_version(row.id) is not None

        (tmp_path / "tiny.yaml").write_text(FORM.replace("label: A", "label: A2"))
        with pytest.raises(RecommenderError, match="bump `version`"):
            questionnaires.load_directory(tmp_path)

        (tmp_path / "tiny.yaml").write_text(
            FORM.replace("label: A", "label: A2").replace("version: 1", "version: 2")
        )
        assert questionnaires.load_directory(tmp_path) == ["tiny v2"]
        latest = questionnaires.latest("tiny")
        assert latest is not None and latest.version == 2
        assert questionnaires.questionnaire_for(latest).question("a").label == "A2"
        assert questionnaires.latest("other") is None

        (tmp_path / "broken.yaml").write_text("id: [\n")
        with pytest.raises(DefinitionError):
            questionnaires.load_directory(tmp_path)


def test_forms_load_command_uses_forms_dir(app: Flask, runner: Any) -> None:
    from recommender.questionnaire import load_questionnaire

    current = load_questionnaire(Path(app.config["FORMS_DIR"]) / "sa_discovery.yaml").version
    result = runner.invoke(main, ["forms", "load"], obj={"app": app})
    assert result.exit_code == 0, result.output
    assert f"sa_discovery v{current}" in result.output
    again = runner.invoke(main, ["forms", "load"], obj={"app": app})
    assert again.output.strip() == "questionnaires: up to date"
    with app.app_context():
        row = questionnaires.latest("sa_discovery")
        assert row is not None
        assert "business_model" in questionnaires.questionnaire_for(row).questions
