"""Payment-method and market data: loading, checks at their location, computed facts, plans."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import load_ruleset, load_ruleset_text
from recommender.engine.loader import check_ruleset_paths, load_questionnaires
from recommender.engine.reference import ReferenceEvaluator, evaluate
from recommender.errors import DefinitionError
from tests.engine.answer_sets import random_answers

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"


@pytest.fixture(scope="module")
def form() -> Any:
    return load_questionnaires(ROOT / "forms")["sa_discovery"]


@pytest.fixture(scope="module")
def ruleset(form: Any) -> Any:
    return load_ruleset(RULES / "stripe.yaml", form)


def files(**changes: str) -> dict[str, str]:
    """The default data files, with some texts replaced."""
    names = ("payment_methods.yaml", "markets.yaml", "solution_design.yaml")
    out = {name: (RULES / name).read_text("utf-8") for name in names}
    out.update({k.replace("__", "."): v for k, v in changes.items()})
    return out


def problems_of(form: Any, data_files: dict[str, str]) -> list[str]:
    source = (RULES / "stripe.yaml").read_text("utf-8")
    with pytest.raises(DefinitionError) as info:
        load_ruleset_text(source, str(RULES / "stripe.yaml"), form, data_files)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_default_data_files_load_with_the_ruleset(ruleset: Any) -> None:
    assert set(ruleset.data) == {"payment_methods", "markets", "solution_design"}
    assert len(ruleset.market_data.methods) == 21
    assert len(ruleset.market_data.markets) == 30
    assert set(ruleset.data_files) == {
        "payment_methods.yaml",
        "markets.yaml",
        "solution_design.yaml",
    }


def test_unknown_country_in_a_method_row_is_refused_at_its_line(form: Any) -> None:
    text = files()["payment_methods.yaml"].replace(
        "account_countries: [BR]", "account_countries: [BX]", 1
    )
    problems = problems_of(form, files(payment_methods__yaml=text))
    line = line_of(text, "account_countries: [BX]")
    assert any(
        p.startswith(f"{RULES / 'payment_methods.yaml'}:{line}:")
        and "unknown country code 'BX'" in p
        for p in problems
    ), problems


def test_unknown_currency_and_unknown_method_in_markets_are_refused(form: Any) -> None:
    text = files()["markets.yaml"]
    text = text.replace("currency: JPY", "currency: JPX", 1)
    text = text.replace(
        "[wallets, klarna, afterpay_clearpay, affirm, cashapp]", "[wallets, klarnaa]", 1
    )
    problems = problems_of(form, files(markets__yaml=text))
    joined = "\n".join(problems)
    assert f"markets.yaml:{line_of(text, 'currency: JPX')}:" in joined
    assert "unknown currency code 'JPX'" in joined
    assert "unknown method 'klarnaa'" in joined and "did you mean 'klarna'" in joined


def test_a_malformed_row_and_a_missing_file_are_located(form: Any) -> None:
    text = files()["payment_methods.yaml"].replace(
        "    domestic_only: false\n", "    domestic_only: maybe\n", 1
    )
    problems = problems_of(form, files(payment_methods__yaml=text))
    assert any("payment_methods.yaml" in p and "domestic_only" in p for p in problems), problems
    kept = files()
    del kept["payment_methods.yaml"]
    missing = problems_of(form, kept)
    assert any("stripe.yaml:" in p and "'payment_methods.yaml' not found" in p for p in missing)


def test_a_method_that_is_not_a_catalogue_product_is_refused(form: Any) -> None:
    text = files()["payment_methods.yaml"].replace("  - id: boleto\n", "  - id: boletto\n", 1)
    problems = "\n".join(problems_of(form, files(payment_methods__yaml=text)))
    assert "unknown product 'boletto'" in problems and "did you mean 'boleto'" in problems


def test_rules_check_skips_data_files_and_checks_them_through_the_ruleset() -> None:
    problems = check_ruleset_paths(
        sorted(RULES.glob("*.yaml")), load_questionnaires(ROOT / "forms")
    )
    assert problems == []


def test_account_countries_follow_local_entities(ruleset: Any) -> None:
    data = ruleset.market_data
    base = {"hq_country": "US", "entity_countries": ["BR", "US"]}
    assert data.account_countries(base) == ["US"]
    assert data.account_countries({**base, "local_entity_per_market": True}) == ["US", "BR"]


def test_us_seller_to_brazil_and_mexico_gets_pix_and_oxxo_not_boleto(ruleset: Any) -> None:
    answers = {
        "hq_country": "US",
        "customer_countries": ["BR", "MX"],
        "customer_type": ["consumers"],
        "priced_currencies": ["USD"],
    }
    facts = ruleset.market_data.compute(answers)
    assert {"pix", "oxxo"} <= set(facts["eligible_methods"])
    assert "boleto" not in facts["eligible_methods"]
    assert "boleto" in facts["account_blocked_methods"]
    assert {"pix", "oxxo"} <= set(facts["currency_gap_methods"])
    # With a Brazilian entity that has its own account, Boleto becomes possible.
    local = {**answers, "entity_countries": ["BR"], "local_entity_per_market": True}
    assert "boleto" in ruleset.market_data.compute(local)["eligible_methods"]
    # Priced in BRL and MXN: no currency gap.
    priced = {**answers, "priced_currencies": ["USD", "BRL", "MXN"]}
    assert ruleset.market_data.compute(priced)["currency_gap_methods"] == []


def test_bnpl_limits_recurring_and_categories_exclude(ruleset: Any) -> None:
    data = ruleset.market_data
    base = {"hq_country": "US", "customer_countries": ["US"], "customer_type": ["consumers"]}
    assert "afterpay_clearpay" in data.compute(base)["eligible_methods"]
    for extra in (
        {"pricing_models": ["fixed_recurring"]},
        {"avg_transaction_usd": 5_000},
        {"offering_types": ["donations"]},
        {"customer_type": ["businesses"]},
    ):
        assert "afterpay_clearpay" not in data.compute({**base, **extra})["eligible_methods"], extra
    # Mixed pricing still allows a one-time method; mixed offerings too.
    mixed = {
        **base,
        "pricing_models": ["one_time", "fixed_recurring"],
        "offering_types": ["donations", "physical_goods"],
    }
    assert "afterpay_clearpay" in data.compute(mixed)["eligible_methods"]
    # Domestic only: a GB account cannot take Afterpay from US buyers.
    assert "afterpay_clearpay" not in data.compute({**base, "hq_country": "GB"})["eligible_methods"]


def test_auth_regimes_need_both_legs_in_the_sca_area(ruleset: Any) -> None:
    data = ruleset.market_data
    us = data.compute({"hq_country": "US", "customer_countries": ["DE", "US", "JP", "IN"]})
    assert us["auth_regimes"] == ["in_afa"]
    de = data.compute({"hq_country": "DE", "customer_countries": ["DE", "US"]})
    assert de["auth_regimes"] == ["sca"]
    jp = data.compute({"hq_country": "JP", "customer_countries": ["JP"]})
    assert jp["auth_regimes"] == ["jp_3ds"]


def test_market_plan_names_the_fix_for_each_exclusion(ruleset: Any) -> None:
    answers = {
        "hq_country": "US",
        "customer_countries": ["BR", "DE"],
        "customer_type": ["consumers"],
        "channels": ["web"],
        "priced_currencies": ["USD"],
    }
    result = evaluate(ruleset, answers).to_dict()
    plans = {m["country"]: m for m in result["markets"]}
    assert set(plans) == {"BR", "DE"}
    br = plans["BR"]
    assert br["currency"] == "BRL" and br["account_country"] == "US" and br["cross_border"]
    boleto = next(x for x in br["excluded"] if x["id"] == "boleto")
    assert "Brazil" in boleto["reason"] and "Offer Pix instead" in boleto["reason"]
    assert br["methods"][0]["id"] == "cards"
    # Germany from a US account: one leg outside the SCA area, so no mandate.
    assert plans["DE"]["auth_regime"] == "none"
    assert json.loads(json.dumps(result))["markets"] == result["markets"]


def test_no_customer_countries_no_plan(ruleset: Any) -> None:
    assert evaluate(ruleset, {"hq_country": "US"}).to_dict()["markets"] == []


def test_durable_and_reference_agree_on_the_default_ruleset_with_data() -> None:
    """Differential run of the default ruleset (with its computed facts) in a child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("default_ruleset_child.py"))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["compared"] >= 300


def test_a_broken_table_causes_no_knock_on_errors_in_the_rules(form: Any) -> None:
    text = files()["payment_methods.yaml"].replace(
        "account_countries: [BR]", "account_countries: [BX]", 1
    )
    problems = problems_of(form, files(payment_methods__yaml=text))
    assert len(problems) == 1 and "unknown country code 'BX'" in problems[0], problems


def test_currency_gap_is_the_buyer_markets_currency(ruleset: Any) -> None:
    """Klarna presents in the buyer's currency: a USD price list leaves German buyers short."""
    answers = {
        "hq_country": "US",
        "customer_countries": ["DE"],
        "customer_type": ["consumers"],
        "priced_currencies": ["USD"],
    }
    facts = ruleset.market_data.compute(answers)
    assert "klarna" in facts["currency_gap_methods"]
    priced = ruleset.market_data.compute({**answers, "priced_currencies": ["USD", "EUR"]})
    assert "klarna" not in priced["currency_gap_methods"]


def test_an_account_in_the_same_sca_area_takes_a_market_without_its_own(ruleset: Any) -> None:
    answers = {
        "hq_country": "US",
        "entity_countries": ["IE", "US"],
        "local_entity_per_market": True,
        "customer_countries": ["DE", "GB"],
        "customer_type": ["consumers"],
        "pricing_models": ["fixed_recurring"],
        "channels": ["web"],
    }
    result = evaluate(ruleset, answers).to_dict()
    plans = {m["country"]: m for m in result["markets"]}
    assert plans["DE"]["account_country"] == "IE" and plans["DE"]["auth_regime"] == "sca"
    # A method recommended for euro buyers is not a plan for British buyers (GBP market).
    if "sepa_debit" in [p["id"] for p in result["products"]]:
        assert "sepa_debit" not in [x["id"] for x in plans["GB"]["methods"]]


def test_blocked_countries_are_only_account_refusals(ruleset: Any) -> None:
    def blocked(avg: int) -> list[str]:
        values = ruleset.market_data.template_values(
            {
                "hq_country": "US",
                "customer_countries": ["CA", "US"],
                "customer_type": ["consumers"],
                "avg_transaction_usd": avg,
            }
        )
        return list(values["method_blocked_countries"]["affirm"])

    assert blocked(500) == ["CA"]  # a Canadian account would take Canadian buyers
    # Refused for the amount everywhere: an account in Canada would not help either.
    assert blocked(45_000) == []


def test_pix_for_a_brazilian_account_comes_with_the_invitation_caveat(ruleset: Any) -> None:
    answers = {"hq_country": "BR", "customer_countries": ["BR"], "channels": ["web"]}
    result = evaluate(ruleset, answers).to_dict()
    pix = next(x for x in result["markets"][0]["methods"] if x["id"] == "pix")
    assert "invitation" in pix["caveat"]


def _data_bounds(
    ruleset: Any, facts: dict[str, Any], buyers: list[str], types_change: bool
) -> dict[str, frozenset[str]]:
    """What the computed method lists can hold while the buyer countries stay as they are."""
    data = ruleset.market_data
    served = frozenset(m.id for m in data.methods.values() if m.buyer_countries & set(buyers))
    listed = frozenset(
        m
        for b in buyers
        if b in data.markets
        for m in (*data.markets[b].consumer_methods, *data.markets[b].business_methods)
    )
    expected = listed if types_change else frozenset(facts.get("expected_methods") or ())
    return {
        "eligible_methods": served,
        "expected_methods": expected,
        "account_blocked_methods": served & expected,
        "currency_gap_methods": served & expected,
        "auth_regimes": frozenset({"sca", "jp_3ds", *(["in_afa"] if "IN" in buyers else [])}),
    }


def _brute_open_questions(ruleset: Any, form: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The open-question analysis without any caching or index: every rule and every
    question's show_if, conditions.evaluate3, the outcome rules of docs/engine.md."""
    from recommender.conditions import evaluate3
    from recommender.engine.data import FACT_INPUTS, INPUTS
    from recommender.questionnaire.model import CONDITION_SETS

    evaluator = ReferenceEvaluator(ruleset)
    result = evaluator.evaluate(answers, form)
    facts = dict(evaluator.builder.augment(answers))
    facts.update({d["fact"]: d["value"] for d in result.derived})
    fired = {r.id for r in ruleset.rules if r.id in result.fired}
    recommended = set(result.product_ids)
    flagged = set(result.risk_ids)
    out: dict[str, Any] = {}
    for qid in form.visible_question_ids(answers):
        if qid in answers:
            continue
        hidden: set[str] = set()
        changed = True
        while changed:
            changed = False
            for other, question in form.questions.items():
                if other == qid or other in hidden or other not in answers:
                    continue
                conditions = [form.section(question.section).condition, question.condition]
                if any(
                    evaluate3(c, answers, {qid}, CONDITION_SETS, hidden) is None
                    for c in conditions
                    if c is not None
                ):
                    hidden.add(other)
                    changed = True
        changing = {qid} | hidden
        unknown = {qid} | {f for f, inputs in FACT_INPUTS.items() if changing & set(inputs)}
        buyers = answers.get("customer_countries")
        bounds: dict[str, frozenset[str]] | None = None
        if "customer_countries" not in changing:
            if not buyers:  # the facts about buyers stay absent
                unknown -= {
                    f for f, inputs in FACT_INPUTS.items() if "customer_countries" in inputs
                }
            else:
                bounds = _data_bounds(ruleset, facts, buyers, "customer_type" in changing)
        uncertain: set[str] = set()
        changed = True
        while changed:
            changed = False
            for rule in ruleset.rules:
                if rule.id in uncertain:
                    continue
                value = evaluate3(rule.condition, facts, unknown, ruleset.sets, hidden, bounds)
                if value is None:
                    uncertain.add(rule.id)
                    changed = True
                    for e in rule.effects_of("derive"):
                        unknown.add(e.target)

        status = {r.id: None if r.id in uncertain else r.id in fired for r in ruleset.rules}

        def by(kind: str, target: str, status: dict[str, bool | None] = status) -> list[Any]:
            return [
                status[r.id]
                for r in ruleset.rules
                if any(e.kind == kind and e.target == target for e in r.effects)
            ]

        change: dict[str, set[str]] = {
            "add_products": set(),
            "remove_products": set(),
            "add_risks": set(),
            "remove_risks": set(),
            "change_facts": {d for d in unknown if d in ruleset.derived},
        }
        for pid in ruleset.products:
            rec, exc = by("recommend", pid), by("exclude", pid)
            if pid in recommended:
                if all(s is not True for s in rec) or any(s is not False for s in exc):
                    change["remove_products"].add(pid)
            elif any(s is not False for s in rec) and all(s is not True for s in exc):
                change["add_products"].add(pid)
        for rid in ruleset.risks:
            flags = by("flag", rid)
            if rid in flagged and all(s is not True for s in flags):
                change["remove_risks"].add(rid)
            elif rid not in flagged and any(s is not False for s in flags):
                change["add_risks"].add(rid)
        if changing & set(INPUTS) and (
            "customer_countries" in answers or qid == "customer_countries"
        ):
            change["change_facts"].add("markets")
        if any(change.values()):
            out[qid] = {k: sorted(v) for k, v in change.items()}
    return out


def test_open_questions_agree_with_an_uncached_analysis(ruleset: Any, form: Any) -> None:
    import random

    rnd = random.Random(5)
    evaluator = ReferenceEvaluator(ruleset)
    for _ in range(40):
        answers = random_answers(form, rnd)
        got = {q["id"]: q["could_change"] for q in evaluator.evaluate(answers, form).open_questions}
        assert got == _brute_open_questions(ruleset, form, answers)


def test_a_question_that_only_feeds_the_data_facts_is_asked(ruleset: Any, form: Any) -> None:
    answers = {
        "hq_country": "US",
        "customer_countries": ["BR", "US"],
        "customer_type": ["consumers"],
        "channels": ["web"],
        "checkout_control": "hosted_ok",
    }
    asked = {q["id"] for q in evaluate(ruleset, answers, form).open_questions}
    assert "priced_currencies" in asked


def test_sepa_rationale_says_why_it_fired(ruleset: Any) -> None:
    """A consumer marketplace paid one-off, whose buyers use SEPA Direct Debit today, is not told
    about 'invoiced B2B payments' (QA: the rationale claimed B2B invoicing for consumers)."""

    def sepa_because(**extra: Any) -> str:
        answers = {
            "hq_country": "FR",
            "customer_countries": ["FR", "DE", "NL"],
            "customer_type": ["consumers"],
            "pricing_models": ["one_time"],
            "current_payment_methods": ["cards", "sepa_debit"],
            **extra,
        }
        products = evaluate(ruleset, answers).to_dict()["products"]
        sepa = next(p for p in products if p["id"] == "sepa_debit")
        return " ".join(sepa["rationale"])

    consumers = sepa_because()
    assert "B2B" not in consumers and "Recurring" not in consumers
    assert (
        consumers.startswith("Payments from buyers in") and "they already use it today" in consumers
    )
    b2b = sepa_because(customer_type=["businesses"], payment_terms="net_terms")
    assert b2b.startswith("Invoiced B2B payments from buyers in")
    assert sepa_because(pricing_models=["fixed_recurring"]).startswith("Recurring payments")


def test_research_notes_stay_with_authors_and_listed_accounts_get_no_caveat(ruleset: Any) -> None:
    answers = {
        "hq_country": "FR",
        "customer_countries": ["DE", "FR", "CA"],
        "customer_type": ["consumers"],
        "pricing_models": ["fixed_recurring"],
        "channels": ["web"],
    }
    plans = {m["country"]: m for m in evaluate(ruleset, answers).to_dict()["markets"]}
    # CA's author note ("pre-authorised debit has no product id") is not for the customer.
    assert plans["CA"]["notes"] == ""
    for plan in plans.values():
        for method in plan["methods"]:
            if method["id"] == "sepa_debit":  # FR is a listed SEPA account country
                assert "caveat" not in method


def test_bulk_summaries_see_the_data_facts(ruleset: Any, form: Any) -> None:
    """`summarize_normalised` (impact preview's path) adds the computed facts to the answers
    validated once, and agrees with `summarize` and `evaluate`."""
    import random

    from recommender.engine import compile_ruleset
    from recommender.engine.durable import normalise_facts

    compiled = compile_ruleset(ruleset)
    try:
        rnd = random.Random(3)
        for _ in range(30):
            answers = random_answers(form, rnd)
            bulk = compiled.summarize_normalised(answers, normalise_facts(answers))
            assert bulk == compiled.summarize(answers)
            full = compiled.evaluate(answers, form, open_questions=False)
            assert bulk.products == frozenset(full.product_ids)
    finally:
        compiled.close()
