"""`recommender evaluate --format html|pdf|one-pager [--output FILE]`: the readout from the
command line. Most tests replace the builder by the hand-made fixture readout (they are about
the command and the renderers, and check it is called as the contract says); the last ones
run the real builder on the issue's example with the default ruleset."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import recommender.readout
from recommender.cli import main
from recommender.config import PROJECT_ROOT
from recommender.readout.errors import RenderError
from tests.readout.render_fixtures import COMPANY, readout

PREQUAL = PROJECT_ROOT / "rules" / "prequalification.yaml"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """build_readout replaced by the fixture readout; its keyword arguments recorded."""
    seen: list[dict[str, Any]] = []

    def fake_build(**kwargs: Any) -> dict[str, Any]:
        seen.append(kwargs)
        return readout()

    monkeypatch.setattr(recommender.readout, "build_readout", fake_build, raising=False)
    return seen


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"business_model": "saas", "channels": ["web"]}))
    return path


def _args(answers: Path, *more: str) -> list[str]:
    return ["evaluate", "--answers", str(answers), "--ruleset", str(PREQUAL), *more]


def test_html_to_stdout_and_to_a_file(
    calls: list[dict[str, Any]], answers: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = runner.invoke(main, _args(answers, "--format", "html"))
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("<!doctype html>") and COMPANY in out.stdout
    (call,) = calls
    assert call["answers"] == {"business_model": "saas", "channels": ["web"]}
    assert call["result"]["ruleset"]["name"] == "prequalification"
    assert call["design"]["kind"] == "solution_design"  # rules/solution_design.yaml
    assert call["report_date"] == dt.date.today() and list(call["notes"]) == []
    target = tmp_path / "readout.html"
    out = runner.invoke(main, _args(answers, "--format", "html", "--output", str(target)))
    assert out.exit_code == 0, out.output
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


@pytest.mark.parametrize("fmt", ["pdf", "one-pager"])
def test_pdf_formats_need_output(calls: list[dict[str, Any]], answers: Path, fmt: str) -> None:
    out = CliRunner().invoke(main, _args(answers, "--format", fmt))
    assert out.exit_code == 2
    assert f"--format {fmt} writes a PDF file: give it with --output FILE" in out.output
    assert calls == []  # refused before any work


@pytest.mark.slow
def test_pdf_and_one_pager_files(
    calls: list[dict[str, Any]], answers: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    for fmt, pages in (("pdf", None), ("one-pager", 1)):
        target = tmp_path / f"{fmt}.pdf"
        out = runner.invoke(main, _args(answers, "--format", fmt, "--output", str(target)))
        assert out.exit_code == 0, out.output
        assert target.read_bytes().startswith(b"%PDF")
        info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True)
        if pages is not None:
            assert re.search(rf"^Pages:\s+{pages}$", info.stdout, re.M), info.stdout


def test_render_error_is_a_clear_message(
    calls: list[dict[str, Any]], answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.readout import render

    def broken(readout: dict[str, Any]) -> bytes:
        raise RenderError("The readout PDF could not be rendered (boom).")

    monkeypatch.setattr(render, "render_pdf", broken)
    target = tmp_path / "x.pdf"
    out = CliRunner().invoke(main, _args(answers, "--format", "pdf", "--output", str(target)))
    assert out.exit_code == 1
    assert "error: The readout PDF could not be rendered (boom)." in out.output
    assert not target.exists()


def test_json_and_markdown_keep_printing_the_engine_result(answers: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, _args(answers))
    assert json.loads(out.output)["ruleset"]["name"] == "prequalification"
    target = tmp_path / "result.md"
    out = runner.invoke(main, _args(answers, "--format", "markdown", "--output", str(target)))
    assert out.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# Recommendations (prequalification v1)")


#: The issue's example: a European marketplace with 200 pop-up stores, NetSuite, Salesforce,
#: Snowflake, 2 million saved cards at Adyen, 6 months to launch.
MARKETPLACE = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "docs"
        / "examples"
        / "eu_marketplace_popup_stores.json"
    ).read_text("utf-8")
)


@pytest.mark.slow
def test_the_issue_example_end_to_end(tmp_path: Path) -> None:
    answers = tmp_path / "marketplace.json"
    answers.write_text(json.dumps(MARKETPLACE))
    runner = CliRunner()
    out = runner.invoke(main, ["evaluate", "--answers", str(answers), "--format", "html"])
    assert out.exit_code == 0, out.output
    html = out.stdout
    for expected in (
        "Maison Pop SAS",
        "NetSuite",
        "Salesforce",
        "Snowflake",
        "Adyen",
        '<svg class="architecture-diagram"',
        '<svg class="roadmap-timeline"',
        "Migration and cut-over",
        "Germany",
    ):
        assert expected in html, expected
    target = tmp_path / "one.pdf"
    args = ["evaluate", "--answers", str(answers), "--format", "one-pager", "--output", str(target)]
    out = runner.invoke(main, args)
    assert out.exit_code == 0, out.output
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
