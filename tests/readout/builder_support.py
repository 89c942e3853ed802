"""Shared helpers for the readout builder tests: the real questionnaire, ruleset and design
data, evaluation with the reference evaluator, the issue's worked example, and plain
hand-made results for precise scheduling checks."""

from __future__ import annotations

import copy
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from recommender.engine import Ruleset, load_ruleset
from recommender.engine.reference import evaluate
from recommender.questionnaire import Questionnaire, load_questionnaire
from recommender.readout import build_readout, load_design

ROOT = Path(__file__).resolve().parents[2]
REPORT_DATE = date(2026, 3, 2)

# The example: a European marketplace with 200 pop-up stores, NetSuite, Salesforce,
# Snowflake, 2 million saved cards moving from Adyen, 6 months to launch.
MARKETPLACE: dict[str, Any] = {
    "company_name": "Maison Pop SAS",
    "hq_country": "FR",
    "entity_countries": ["FR"],
    "business_model": "marketplace",
    "industry": "retail",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL", "BE", "IT", "ES"],
    "annual_volume_usd": 400_000_000,
    "avg_transaction_usd": 60,
    "channels": ["web", "mobile_app", "in_person"],
    "store_count": 200,
    "store_countries": ["FR", "DE", "NL"],
    "checkout_control": "embedded",
    "dev_capacity": "large",
    "pricing_models": ["one_time"],
    "pays_out_third_parties": True,
    "merchant_of_record": "platform",
    "sellers_per_cart": "many",
    "seller_countries": ["FR", "DE", "NL"],
    "seller_count": 4000,
    "current_processor": "adyen",
    "saved_cards_count": 2_000_000,
    "fraud_concern": "medium",
    "dispute_rate_pct": 0.4,
    "erp": "netsuite",
    "crm": "salesforce",
    "data_warehouse": "snowflake",
    "go_live_months": 6,
    "accrual_accounting": True,
    "current_approval_rate_pct": 91.5,
    "current_processing_cost_pct": 2.4,
}


@lru_cache(maxsize=1)
def questionnaire() -> Questionnaire:
    return load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")


@lru_cache(maxsize=1)
def ruleset() -> Ruleset:
    return load_ruleset(ROOT / "rules" / "stripe.yaml", questionnaire())


@lru_cache(maxsize=1)
def _design() -> dict[str, Any]:
    return load_design()


def design() -> dict[str, Any]:
    """A fresh copy of rules/solution_design.yaml (tests may change it)."""
    return copy.deepcopy(_design())


def evaluated(answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(visible answers, result dict) from the real ruleset."""
    visible = questionnaire().visible_answers(answers)
    # Answers the form does not ask yet (e.g. KPI baselines) are kept for the readout.
    visible.update({k: v for k, v in answers.items() if k not in questionnaire().questions})
    return visible, evaluate(ruleset(), visible, questionnaire()).to_dict()


def real_readout(answers: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The readout of `answers` evaluated with rules/stripe.yaml."""
    visible, result = evaluated(answers)
    kwargs.setdefault("design", design())
    kwargs.setdefault("questionnaire", questionnaire())
    kwargs.setdefault("report_date", REPORT_DATE)
    return build_readout(answers=visible, result=result, **kwargs)


def result_of(*pids: str, risks: list[dict[str, Any]] | None = None, **extra: Any) -> dict:
    """A hand-made engine result recommending `pids` (names from the id)."""
    return {
        "ruleset": {"name": "stripe", "version": 1},
        "products": [
            {"id": p, "name": p.replace("_", " ").title(), "rationale": [f"because {p}"]}
            for p in pids
        ],
        "bundles": [],
        "risks": risks or [],
        "exclusions": [],
        "derived": extra.pop("derived", []),
        "open_questions": [],
        "trace": [],
        "errors": [],
        **extra,
    }


def plain_readout(answers: dict[str, Any], result: dict[str, Any], **kwargs: Any) -> dict:
    """The readout of a hand-made result, without a questionnaire."""
    kwargs.setdefault("design", design())
    kwargs.setdefault("report_date", REPORT_DATE)
    return build_readout(answers=answers, result=result, **kwargs)


def items(readout: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Roadmap items by product id."""
    return {i["product"]: i for p in readout["roadmap"]["phases"] for i in p["items"]}


def weeks_to_months(weeks: float) -> float:
    return weeks / float(_design()["scheduling"]["weeks_per_month"])
