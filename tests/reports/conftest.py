"""Fixtures for report tests: a hand-made Result dict and a small stand-in questionnaire
(for rendering tests that need no engine), and a discovery on the real default
questionnaire and ruleset (for end-to-end tests)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

EVIL = '<script>alert("x")</script> [click](https://evil.example) **bold**'

RESULT: dict[str, Any] = {
    "ruleset": {"name": "stripe", "version": 3},
    "products": [
        {
            "id": "billing",
            "name": "Stripe Billing",
            "family": "revenue",
            "description": "Subscriptions and recurring invoices.",
            "docs": "https://docs.stripe.com/billing",
            "rationale": ["Prices by seat for " + EVIL],
            "rules": ["billing-for-recurring"],
            "answers": {
                "pricing_models": ["seat", "usage"],
                "segment": "mid_market",
                "recurring": True,
            },
        },
        {
            "id": "checkout",
            "name": "Stripe Checkout",
            "family": "payments",
            "description": "A prebuilt payment page.",
            "docs": "javascript:alert(1)",
            "rationale": ["Sells on the web."],
            "rules": ["checkout-for-web"],
            "answers": {"channels": ["web"], "customer_countries": ["DE", "NL"]},
        },
    ],
    "bundles": [
        {
            "id": "subscriptions",
            "title": "Subscription revenue stack",
            "products": ["billing", "checkout"],
        }
    ],
    "risks": [
        {
            "id": "tax_registration",
            "title": "Register for tax first",
            "severity": "medium",
            "reason": "Sells into Germany and Netherlands.",
            "mitigation": "Register with each authority.",
            "rules": ["tax"],
        },
        {
            "id": "pci_saq_d",
            "title": "Raw card data puts you in PCI SAQ D scope",
            "severity": "high",
            "reason": "Card data touches " + EVIL,
            "mitigation": "Tokenise with Checkout.",
            "rules": ["pci"],
        },
        {
            "id": "wero_migration",
            "title": "iDEAL becomes Wero",
            "severity": "low",
            "reason": "Buyers in the Netherlands.",
            "mitigation": "Plan the change.",
            "rules": ["ideal"],
        },
    ],
    "exclusions": [
        {
            "product": "klarna",
            "name": "Klarna",
            "reason": "Sells only to businesses.",
            "rules": ["b2b"],
        }
    ],
    "derived": [
        {"fact": "segment", "value": "startup", "reason": "Small volume.", "rules": ["seg"]}
    ],
    "open_questions": [
        {
            "id": "erp",
            "label": "Which ERP?",
            "could_change": {
                "add_products": ["netsuite_connector"],
                "remove_products": [],
                "add_risks": [],
                "remove_risks": [],
                "change_facts": [],
            },
            "score": 1,
            "summary": "could change 1 product",
        },
        {
            "id": "dispute_rate_pct",
            "label": "Dispute rate",
            "could_change": {
                "add_products": ["radar_fraud_teams"],
                "remove_products": [],
                "add_risks": ["high_dispute_rate"],
                "remove_risks": [],
                "change_facts": ["segment"],
            },
            "score": 3,
            "summary": "could change 1 product, 1 risk and the customer segment",
        },
    ],
    "trace": [
        {
            "rule": "billing-for-recurring",
            "description": "Recurring pricing needs Billing.",
            "fired": True,
        },
        {"rule": "atlas", "description": "Founders without a company.", "fired": False},
    ],
    "errors": [{"kind": "template", "rule": "tax", "message": "unknown filter"}],
}


def _question(
    qid: str, type_: str, label: str, options: list[tuple[str, str]] | None = None
) -> Any:
    return SimpleNamespace(
        id=qid,
        type=type_,
        label=label,
        options=[{"value": v, "label": lab} for v, lab in (options or [])],
    )


def fake_questionnaire() -> Any:
    questions = [
        _question("company_name", "text", "Company name"),
        _question("customer_countries", "country_list", "Where are the buyers?"),
        _question(
            "channels", "multi", "Sales channels", [("web", "Website"), ("in_person", "In person")]
        ),
        _question(
            "pricing_models", "multi", "Pricing", [("seat", "Per seat"), ("usage", "Usage-based")]
        ),
        _question("annual_volume_usd", "money", "Annual volume"),
        _question("erp", "single", "ERP", [("none", "None"), ("netsuite", "NetSuite")]),
        _question("dispute_rate_pct", "percent", "Dispute rate"),
    ]
    by_id = {q.id: q for q in questions}
    sections = [
        SimpleNamespace(
            id="company", title="Company", question_ids=["company_name", "customer_countries"]
        ),
        SimpleNamespace(
            id="selling",
            title="Selling",
            question_ids=["channels", "pricing_models", "annual_volume_usd"],
        ),
        SimpleNamespace(id="systems", title="Systems", question_ids=["erp", "dispute_rate_pct"]),
    ]
    return SimpleNamespace(sections=sections, questions=by_id)


@pytest.fixture
def result() -> dict[str, Any]:
    return copy.deepcopy(RESULT)


@pytest.fixture
def fake_q() -> Any:
    return fake_questionnaire()


# ---------------------------------------------------------------------------- end to end


@pytest.fixture
def loaded(app: Flask) -> None:
    """The real forms/ and rules/ loaded, as `recommender setup` does."""
    from recommender.services import questionnaires, rulesets

    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()


@pytest.fixture
def make_discovery(app: Flask, loaded: None, sa_user: Any) -> Callable[..., int]:
    """A discovery for a new account; `answers` are saved through the discoveries service."""
    from recommender.services import accounts, discoveries

    counter = {"n": 0}

    def _make(answers: dict[str, Any] | None = None, name: str | None = None) -> int:
        counter["n"] += 1
        with app.app_context():
            account = accounts.create_account(name or f"Acme {counter['n']}", sa_user)
            discovery = discoveries.start_discovery(account.id, sa_user)
            for qid, value in (answers or {}).items():
                save(app, discovery.id, qid, value, sa_user)
            return discovery.id

    return _make


def save(app: Flask, discovery_id: int, question_id: str, value: Any, user: Any) -> Any:
    """Save one answer based on whatever version is stored now."""
    from sqlalchemy import select

    from recommender.extensions import db
    from recommender.models import Answer
    from recommender.services import discoveries

    with app.app_context():
        version = db.session.scalar(
            select(Answer.version).where(
                Answer.discovery_id == discovery_id, Answer.question_id == question_id
            )
        )
        return discoveries.save_answer(discovery_id, question_id, value, version or 0, user)
