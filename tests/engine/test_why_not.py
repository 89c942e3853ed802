""" "Why not X?": statuses, failed conditions, exclusions, and suggested answers that are
checked by evaluating them (small test ruleset and the default ruleset); the CLI option."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from recommender.commands.rules import evaluate as evaluate_command
from recommender.engine import compile_ruleset, load_ruleset, load_ruleset_text
from recommender.engine.loader import find_questionnaire
from recommender.engine.reference import ReferenceEvaluator
from recommender.questionnaire import load_questionnaire_text
from tests.engine.answer_sets import random_answers
from tests.engine.copilot_support import FORM, RULESET, every_answer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small() -> Iterator[tuple[Any, Any, Any]]:
    form = load_questionnaire_text(FORM, "forms/copilot.yaml")
    ruleset = load_ruleset_text(RULESET, "rules/copilot.yaml", form)
    compiled = compile_ruleset(ruleset)
    yield form, ruleset, compiled
    compiled.close()


@pytest.fixture(scope="module")
def default() -> Iterator[tuple[Any, Any, Any]]:
    form = find_questionnaire(ROOT / "forms", "sa_discovery")
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", form)
    compiled = compile_ruleset(ruleset)
    yield form, ruleset, compiled
    compiled.close()


def explain(setup: tuple[Any, Any, Any], answers: dict[str, Any], pid: str) -> dict[str, Any]:
    """why_not from the durable engine, equal to the reference evaluator's, JSON-ready."""
    form, ruleset, compiled = setup
    got = compiled.why_not(answers, pid, form)
    assert got == ReferenceEvaluator(ruleset).why_not(answers, pid, form)
    assert json.loads(json.dumps(got)) == got
    return got


def assert_suggestions_work(
    setup: tuple[Any, Any, Any], answers: dict[str, Any], explained: dict[str, Any]
) -> None:
    """Every suggested answer, applied alone to the answers, makes the product appear."""
    form, _ruleset, compiled = setup
    for entry in explained["would_appear_if"]:
        assert entry["values"], entry
        assert entry["section_id"] == form.questions[entry["question"]].section
        for value in entry["values"]:
            changed = form.visible_answers({**answers, entry["question"]: value["value"]})
            products = compiled.evaluate(changed, form, open_questions=False).product_ids
            assert explained["product"] in products, (entry["question"], value)


def test_a_recommended_product_says_why(small: Any) -> None:
    got = explain(small, {"model": "saas", "channels": ["web"]}, "billing")
    assert got["status"] == "recommended"
    assert got["name"] == "Billing"
    assert got["summary"].startswith("Billing is recommended")
    assert got["recommending_rules"] == [
        {
            "rule": "saas-billing",
            "description": "",
            "when": "model == saas",
            "fired": True,
            "failed": [],
            "unanswered": [],
        }
    ]
    assert got["exclusions"] == [] and got["would_appear_if"] == []


def test_an_excluded_product_names_the_exclusion_and_the_answer_that_lifts_it(small: Any) -> None:
    answers = {"model": "saas", "b2b": True, "channels": ["web"]}
    got = explain(small, answers, "klarna")
    assert got["status"] == "excluded"
    assert got["exclusions"] == [
        {
            "rule": "b2b-no-klarna",
            "reason": "Klarna is for consumers; they sell to businesses.",
            "when": "b2b",
            "fired": True,
        }
    ]
    assert got["recommending_rules"][0]["fired"] is True
    assert got["summary"].startswith(
        "Klarna is excluded: Klarna is for consumers; they sell to businesses."
    )
    b2b = next(e for e in got["would_appear_if"] if e["question"] == "b2b")
    assert b2b["values"] == [{"value": False, "label": "No"}]
    assert b2b["label"] == "Sells only to businesses" and b2b["note"] == "Now: Yes."
    assert_suggestions_work(small, answers, got)
    # Not fired: the reason is the rule's description (none here), and it is listed.
    got = explain(small, {"model": "saas"}, "klarna")
    assert got["status"] == "recommended"
    assert got["exclusions"][0]["fired"] is False


def test_failed_conditions_show_the_current_answer_and_unanswered_questions(small: Any) -> None:
    got = explain(small, {"channels": ["web"]}, "terminal")
    assert got["status"] == "not_recommended"
    rule = got["recommending_rules"][0]
    assert rule["rule"] == "terminal" and rule["fired"] is False
    assert rule["failed"] == ["channels contains in_person (Sales channels: Web)"]
    assert rule["unanswered"] == [{"question": "stores", "label": "Number of stores"}]
    assert got["exclusions"] == [
        {
            "rule": "terminal-unavailable",
            "reason": "",
            "when": "store_countries contains BR and not (store_countries contains_any [DE, US])",
            "fired": False,
        }
    ]
    # In person alone leaves the stores unanswered: no single answer does it.
    assert got["would_appear_if"] == []
    assert got["summary"] == (
        "Terminal is not recommended: it applies only when “Sales channels” includes In person and "
        "“Number of stores” is more than 2; now the answer to “Sales channels” is Web and "
        "“Number of stores” is not answered. "
        "No single answer would make it appear."
    )


def test_numbers_are_suggested_as_ranges_around_the_thresholds(small: Any) -> None:
    answers = {"volume": 5_000_000, "countries": ["DE"]}
    got = explain(small, answers, "tax")
    assert got["recommending_rules"][0]["failed"] == [
        "segment == enterprise (Customer segment: smb)"
    ]
    volume = next(e for e in got["would_appear_if"] if e["question"] == "volume")
    assert volume["values"] == [{"value": 10_000_000, "label": "at least $10,000,000"}]
    assert volume["note"] == "Now: $5,000,000."
    assert_suggestions_work(small, answers, got)
    got = explain(small, {"channels": ["in_person", "web"]}, "terminal")
    stores = next(e for e in got["would_appear_if"] if e["question"] == "stores")
    assert stores["values"] == [{"value": 3, "label": "more than 2"}]
    assert_suggestions_work(small, {"channels": ["in_person", "web"]}, got)


def test_an_unknown_product_has_status_unknown_with_a_hint(small: Any) -> None:
    got = explain(small, {}, "termnal")
    assert got["status"] == "unknown"
    assert got["summary"] == "There is no product 'termnal' in copilot v1. Did you mean terminal?"
    assert got["recommending_rules"] == [] and got["would_appear_if"] == []


def test_a_null_answer_is_unanswered(small: Any) -> None:
    assert explain(small, {"model": None, "channels": ["web"]}, "billing") == explain(
        small, {"channels": ["web"]}, "billing"
    )


def test_suggestions_are_sound_and_complete_against_brute_force(small: Any) -> None:
    """Every listed value makes the product appear; every question for which some answer
    (brute force: every option, subset, threshold, country) does it is listed."""
    form, ruleset, compiled = small
    rnd = random.Random(11)
    for _ in range(12):
        full = random_answers(form, rnd)
        answers = form.visible_answers({k: v for k, v in full.items() if rnd.random() < 0.5})
        products = set(compiled.evaluate(answers, form, open_questions=False).product_ids)
        for pid in ruleset.products:
            if pid in products:
                continue
            got = explain(small, answers, pid)
            assert_suggestions_work(small, answers, got)
            listed = {e["question"] for e in got["would_appear_if"]}
            for qid in form.visible_question_ids(answers):
                works = False
                for value in every_answer(form.questions[qid], ruleset):
                    changed = form.visible_answers({**answers, qid: value})
                    if qid not in changed:
                        continue
                    if pid in compiled.summarize(changed).products:
                        works = True
                        break
                assert works == (qid in listed), (pid, qid, answers)
            assert (got["would_appear_if"] == []) == got["summary"].endswith(
                "No single answer would make it appear."
            )


def test_default_ruleset_suggestions_make_the_product_appear(default: Any) -> None:
    form, ruleset, compiled = default
    rnd = random.Random(4)
    checked = 0
    for _ in range(3):
        full = random_answers(form, rnd)
        keys = sorted(full)
        rnd.shuffle(keys)
        answers = form.visible_answers({k: full[k] for k in keys[: len(keys) // 2]})
        result = compiled.evaluate(answers, form, open_questions=False)
        excluded = {e["product"] for e in result.exclusions}
        missing = sorted(p for p in ruleset.products if p not in result.product_ids)
        for pid in [*rnd.sample(missing, 6), *rnd.sample(result.product_ids, 1)]:
            got = compiled.why_not(answers, pid, form)
            json.dumps(got)
            if pid in result.product_ids:
                assert got["status"] == "recommended" and got["would_appear_if"] == []
                continue
            fired_exclusion = any(e["fired"] for e in got["exclusions"])
            assert got["status"] == ("excluded" if fired_exclusion else "not_recommended")
            assert fired_exclusion == (pid in excluded)
            for rule in got["recommending_rules"]:
                assert rule["fired"] == (rule["rule"] in result.fired)
                if not rule["fired"]:
                    assert rule["failed"] or rule["unanswered"], rule
            assert_suggestions_work(default, answers, got)
            checked += len(got["would_appear_if"])
    assert checked > 0


def test_terminal_for_a_web_and_app_seller(default: Any) -> None:
    answers = {
        "business_model": "direct_sales",
        "channels": ["web", "mobile_app"],
        "hq_country": "US",
    }
    got = explain(default, answers, "terminal")
    assert got["status"] == "not_recommended"
    assert got["summary"].startswith(
        "Stripe Terminal is not recommended: it applies only when “Sales channels” includes In person "
        "(stores, events); now the answer to “Sales channels” is Website, Mobile app."
    )
    channels = next(e for e in got["would_appear_if"] if e["question"] == "channels")
    assert channels["values"][0]["value"] == ["web", "mobile_app", "in_person"]
    assert_suggestions_work(default, answers, got)


# ------------------------------------------------------------------------------------ CLI


def _files(tmp_path: Path, rules: str = RULESET) -> tuple[Path, Path]:
    forms = tmp_path / "forms"
    forms.mkdir(exist_ok=True)
    (forms / "copilot.yaml").write_text(FORM)
    ruleset = tmp_path / "copilot.yaml"
    ruleset.write_text(rules)
    return forms, ruleset


def _run(tmp_path: Path, answers: dict[str, Any], *args: str, rules: str = RULESET) -> Any:
    forms, ruleset = _files(tmp_path, rules)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    base = ["--answers", str(path), "--ruleset", str(ruleset), "--forms", str(forms)]
    return CliRunner().invoke(evaluate_command, [*base, *args])


def test_cli_why_not_in_json_and_markdown(tmp_path: Path) -> None:
    answers = {"model": "saas", "b2b": True, "channels": ["web"]}
    out = _run(tmp_path, answers, "--why-not", "klarna")
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["why_not"]["status"] == "excluded"
    assert result["why_not"]["would_appear_if"][0]["question"] == "b2b"
    assert "why_not" not in json.loads(_run(tmp_path, answers).stdout)
    md = _run(tmp_path, answers, "--why-not", "klarna", "--format", "markdown")
    assert md.exit_code == 0
    assert "## Why not Klarna? (excluded)" in md.stdout
    assert "- Sells only to businesses (`b2b`): No. Now: Yes." in md.stdout
    bad = _run(tmp_path, answers, "--why-not", "klarnaa")
    assert bad.exit_code == 2
    assert "There is no product 'klarnaa' in copilot v1. Did you mean klarna?" in bad.stderr
    pdf = _run(tmp_path, answers, "--why-not", "klarna", "--format", "html")
    assert pdf.exit_code == 2 and "--why-not works with --format json or markdown" in pdf.output


def test_cli_exits_non_zero_when_the_result_holds_errors(tmp_path: Path) -> None:
    looping = RULESET.replace(
        "derived:\n",
        "derived:\n  loop: {type: single, options: [a, b]}\n",
    ) + (
        "  - id: to-a\n    when: unanswered(loop) or loop == b\n"
        "    derive: [{fact: loop, value: a}]\n"
        "  - id: to-b\n    when: loop == a\n    priority: 1\n"
        "    derive: [{fact: loop, value: b}]\n"
    )
    out = _run(tmp_path, {"model": "saas"}, rules=looping)
    assert out.exit_code == 1
    assert json.loads(out.stdout)["errors"][0]["kind"] == "chain"
    assert "error: chain: derived facts did not settle within 10 rounds: loop" in out.stderr
    ok = _run(tmp_path, {"model": "saas"})
    assert ok.exit_code == 0 and ok.stderr == ""
