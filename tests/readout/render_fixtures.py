"""Hand-built readout dicts (the shape of the readout contract) for the renderer tests.

`readout()` is the issue's example: a European marketplace with 200 pop-up stores, NetSuite,
Salesforce and Snowflake, moving 2 million saved cards from Adyen, 6 months to launch.
`long_readout()` adds many products, risks, markets and notes to test that the one-pager
still fits on one page. Every call returns a fresh deep copy, so tests may change it.
"""

from __future__ import annotations

import copy
from typing import Any

COMPANY = "Maison Pop SAS"


def _product(pid: str, name: str, phase: str, *why: str) -> dict[str, Any]:
    return {"id": pid, "name": name, "phase": phase, "rationale": list(why)}


def _item(
    pid: str,
    name: str,
    phase: str,
    start: float,
    end: float,
    weeks: tuple[float, float],
    depends_on: tuple[str, ...] = (),
    note: str = "",
) -> dict[str, Any]:
    return {
        "product": pid,
        "name": name,
        "phase": phase,
        "start_month": start,
        "end_month": end,
        "weeks_low": weeks[0],
        "weeks_high": weeks[1],
        "depends_on": list(depends_on),
        "note": note,
    }


def _market(
    country: str, name: str, methods: list[tuple[str, str, list[str]]], **extra: Any
) -> dict[str, Any]:
    return {
        "country": country,
        "country_name": name,
        "currency": "EUR",
        "account_country": "FR",
        "auth_regime": "sca",
        "auth_regime_label": "Strong Customer Authentication (3DS on cards issued in the SCA area)",
        "stripe_accounts": "yes",
        "cross_border": country != "FR",
        "methods": [
            {"id": mid, "name": mname, "for": who, "rank": rank, "source": "market"}
            for rank, (mid, mname, who) in enumerate(methods, start=1)
        ],
        "excluded": extra.get("excluded", []),
        "terminal": extra.get("terminal", "yes"),
        "notes": extra.get("notes", ""),
    }


_CONSUMER = ["consumers"]

_READOUT: dict[str, Any] = {
    "meta": {
        "company": COMPANY,
        "report_date": "2025-03-14",
        "ruleset": {"name": "stripe", "version": 7},
        "generated_by": "recommender",
    },
    "summary": {
        "customer": (
            "Maison Pop SAS is an enterprise marketplace in retail selling to consumers in "
            "France, Germany, Italy, Spain and the Netherlands online, in a mobile app and in "
            "200 pop-up stores."
        ),
        "solution": (
            "Take payments with the Payment Element on the web store and in the mobile app and "
            "with Stripe Terminal in the pop-up stores, pay sellers through Stripe Connect with "
            "separate charges and transfers, move the 2 million saved cards from Adyen once the "
            "integration is tested, and connect Stripe to NetSuite, Salesforce and Snowflake "
            "so finance closes the month from Stripe data."
        ),
        "top_risks": [
            {
                "id": "card_migration_double_billing",
                "title": "Double billing during the card migration",
                "severity": "high",
                "mitigation": "Cancel each Adyen subscription as soon as its Stripe one is active.",
            },
            {
                "id": "connect_platform_liability",
                "title": "The platform is liable for seller losses",
                "severity": "high",
                "mitigation": "Set a reserve policy and monitor seller disputes weekly.",
            },
            {
                "id": "tax_registration",
                "title": "Tax registrations needed before Stripe Tax goes live",
                "severity": "medium",
                "mitigation": "Register in FR, DE, IT, ES and NL before the first taxed sale.",
            },
        ],
        "first_actions": [
            {
                "action": "Decide the Connect charge type and merchant of record",
                "owner": "customer",
            },
            {
                "action": "Book the Stripe Data Migrations team for the Adyen import",
                "owner": "stripe",
            },
            {"action": "Engage the NetSuite implementation partner", "owner": "partner"},
        ],
        "go_live": {
            "target_months": 6,
            "target_date": "2025-09",
            "plan_months": 7.5,
            "plan_date": "2025-10",
            "meets": False,
            "message": (
                "The plan needs 7.5 months; the wanted go-live is in 6 months (September 2025)."
            ),
        },
        "missing": [],
    },
    "design": {
        "surfaces": [
            {
                "channel": "web",
                "channel_label": "Web store",
                "product": "payment_element",
                "name": "Payment Element",
                "alternative": "checkout",
                "alternative_name": "Stripe Checkout",
                "why_not_alternative": "The storefront needs a fully embedded, branded checkout.",
            },
            {
                "channel": "mobile_app",
                "channel_label": "Mobile app",
                "product": "payment_element",
                "name": "Payment Element (mobile Payment Sheet)",
                "alternative": None,
                "alternative_name": None,
                "why_not_alternative": None,
            },
            {
                "channel": "in_person",
                "channel_label": "Pop-up stores",
                "product": "terminal",
                "name": "Stripe Terminal",
                "alternative": "tap_to_pay",
                "alternative_name": "Tap to Pay",
                "why_not_alternative": "200 stores need a managed reader fleet.",
            },
        ],
        "groups": [
            {
                "id": "take_payments",
                "title": "Take payments",
                "products": [
                    _product(
                        "payment_element",
                        "Payment Element",
                        "foundation",
                        "Checkout control is fully custom (checkout_control = fully_custom)",
                    ),
                    _product("link", "Link", "foundation", "Faster repeat checkout on the web"),
                    _product(
                        "terminal",
                        "Stripe Terminal",
                        "foundation",
                        "Sells in person in 200 stores (store_count = 200)",
                    ),
                    _product("ideal", "iDEAL", "expansion", "Buyers in the Netherlands"),
                    _product("klarna", "Klarna", "expansion", "Buy now, pay later in DE and NL"),
                ],
            },
            {
                "id": "get_paid_markets",
                "title": "Get paid across markets",
                "products": [
                    _product(
                        "multi_currency_settlement",
                        "Multi-currency settlement",
                        "expansion",
                        "Sellers in several currencies",
                    ),
                ],
            },
            {
                "id": "pay_out",
                "title": "Pay out",
                "products": [
                    _product("connect", "Stripe Connect", "foundation", "Pays out 4,000 sellers"),
                    _product(
                        "connect_separate_charges_transfers",
                        "Connect separate charges and transfers",
                        "foundation",
                        "Several sellers per cart (sellers_per_cart = many)",
                    ),
                    _product(
                        "instant_payouts", "Instant Payouts", "optimisation", "Sellers want it"
                    ),
                ],
            },
            {
                "id": "finance_reporting",
                "title": "Finance and reporting",
                "products": [
                    _product("tax", "Stripe Tax", "foundation", "Sells in 5 EU countries"),
                    _product(
                        "netsuite_connector",
                        "Stripe Connector for NetSuite",
                        "foundation",
                        "ERP is NetSuite (erp = netsuite)",
                    ),
                    _product(
                        "salesforce_connector",
                        "Stripe Connector for Salesforce",
                        "expansion",
                        "CRM is Salesforce (crm = salesforce)",
                    ),
                    _product(
                        "data_pipeline",
                        "Stripe Data Pipeline",
                        "optimisation",
                        "Warehouse is Snowflake (data_warehouse = snowflake)",
                    ),
                ],
            },
            {
                "id": "risk",
                "title": "Risk",
                "products": [
                    _product("radar", "Stripe Radar", "foundation", "Card payments"),
                    _product(
                        "card_migration",
                        "Card data migration",
                        "foundation",
                        "2,000,000 saved cards at Adyen",
                    ),
                ],
            },
        ],
    },
    "architecture": {
        "nodes": [
            {"id": "web", "label": "Web store", "kind": "customer", "group": "channels"},
            {"id": "mobile_app", "label": "Mobile app", "kind": "customer", "group": "channels"},
            {
                "id": "pos",
                "label": "200 pop-up stores (POS)",
                "kind": "customer",
                "group": "channels",
            },
            {"id": "erp", "label": "NetSuite (ERP)", "kind": "customer", "group": "back_office"},
            {"id": "crm", "label": "Salesforce (CRM)", "kind": "customer", "group": "back_office"},
            {
                "id": "warehouse",
                "label": "Snowflake (warehouse)",
                "kind": "customer",
                "group": "back_office",
            },
            {
                "id": "payment_element",
                "label": "Payment Element",
                "kind": "stripe",
                "group": "take_payments",
            },
            {
                "id": "terminal",
                "label": "Stripe Terminal",
                "kind": "stripe",
                "group": "take_payments",
            },
            {"id": "connect", "label": "Stripe Connect", "kind": "stripe", "group": "pay_out"},
            {
                "id": "netsuite_connector",
                "label": "Stripe Connector for NetSuite",
                "kind": "stripe",
                "group": "finance_reporting",
            },
            {
                "id": "salesforce_connector",
                "label": "Stripe Connector for Salesforce",
                "kind": "stripe",
                "group": "finance_reporting",
            },
            {
                "id": "data_pipeline",
                "label": "Stripe Data Pipeline",
                "kind": "stripe",
                "group": "finance_reporting",
            },
            {
                "id": "card_migration",
                "label": "Card data migration",
                "kind": "stripe",
                "group": "risk",
            },
            {
                "id": "adyen",
                "label": "Adyen (current processor)",
                "kind": "third_party",
                "group": "processor",
            },
            {
                "id": "sellers",
                "label": "Sellers (connected accounts)",
                "kind": "third_party",
                "group": "payees",
            },
        ],
        "edges": [
            {
                "source": "web",
                "target": "payment_element",
                "label": "payment request",
                "through": "Payment Intents API",
            },
            {
                "source": "payment_element",
                "target": "web",
                "label": "payment result (webhooks)",
                "through": "payment_intent.succeeded",
            },
            {
                "source": "mobile_app",
                "target": "payment_element",
                "label": "payment sheet",
                "through": "iOS and Android SDKs",
            },
            {
                "source": "pos",
                "target": "terminal",
                "label": "card-present payments",
                "through": "Terminal SDK",
            },
            {
                "source": "netsuite_connector",
                "target": "erp",
                "label": "charges, payouts, refunds, disputes",
                "through": "Stripe Connector for NetSuite (webhook-driven)",
            },
            {
                "source": "crm",
                "target": "salesforce_connector",
                "label": "customers and payment requests",
                "through": "Stripe app for Salesforce Platform",
            },
            {
                "source": "salesforce_connector",
                "target": "crm",
                "label": "payment events",
                "through": "Stripe app for Salesforce Platform",
            },
            {
                "source": "data_pipeline",
                "target": "warehouse",
                "label": "all Stripe data, every 3 h",
                "through": "Data Pipeline data share",
            },
            {
                "source": "adyen",
                "target": "card_migration",
                "label": "2M saved cards (encrypted)",
                "through": "PAN import by the Data Migrations team",
            },
            {
                "source": "connect",
                "target": "sellers",
                "label": "payouts",
                "through": "separate charges and transfers",
            },
            {
                "source": "sellers",
                "target": "connect",
                "label": "onboarding (KYC)",
                "through": "Connect onboarding",
            },
        ],
    },
    "roadmap": {
        "start_date": "2025-03-14",
        "phases": [
            {
                "id": "foundation",
                "title": "Foundation",
                "start_month": 0,
                "end_month": 6,
                "items": [
                    _item(
                        "connect",
                        "Stripe Connect",
                        "foundation",
                        0,
                        3.5,
                        (8, 16),
                        note="Charge type decided first",
                    ),
                    _item("payment_element", "Payment Element", "foundation", 0, 2, (4, 8)),
                    _item(
                        "terminal",
                        "Stripe Terminal",
                        "foundation",
                        1,
                        3.5,
                        (6, 10),
                        ("payment_element",),
                    ),
                    _item(
                        "tax",
                        "Stripe Tax",
                        "foundation",
                        1.5,
                        2.5,
                        (2, 3),
                        note="Registrations first",
                    ),
                    _item(
                        "netsuite_connector",
                        "Stripe Connector for NetSuite",
                        "foundation",
                        2,
                        4,
                        (4, 8),
                    ),
                    _item(
                        "card_migration",
                        "Card data migration",
                        "foundation",
                        3.5,
                        6,
                        (6, 12),
                        ("payment_element", "connect"),
                        "Integration tested first",
                    ),
                ],
            },
            {
                "id": "expansion",
                "title": "Expansion",
                "start_month": 4,
                "end_month": 7.5,
                "items": [
                    _item("ideal", "iDEAL", "expansion", 4, 4.5, (0.5, 0.5), ("payment_element",)),
                    _item(
                        "klarna", "Klarna", "expansion", 4, 4.5, (0.5, 0.5), ("payment_element",)
                    ),
                    _item(
                        "salesforce_connector",
                        "Stripe Connector for Salesforce",
                        "expansion",
                        4.5,
                        7.5,
                        (3, 6),
                    ),
                ],
            },
            {
                "id": "optimisation",
                "title": "Optimisation",
                "start_month": 6,
                "end_month": 7.5,
                "items": [
                    _item("data_pipeline", "Stripe Data Pipeline", "optimisation", 6, 6.5, (1, 1)),
                    _item(
                        "instant_payouts",
                        "Instant Payouts",
                        "optimisation",
                        6.5,
                        7.5,
                        (1, 2),
                        ("connect",),
                    ),
                ],
            },
        ],
        "total_months": 7.5,
        "meets_go_live": False,
        "advice": [
            "Start the Adyen card import request as soon as the integration passes its tests.",
            "Move the Salesforce connector after go-live: it is not needed to take payments.",
        ],
    },
    "migration": {
        "processor": "adyen",
        "processor_label": "Adyen",
        "saved_cards": 2000000,
        "steps": [
            {
                "title": "Build and test the Stripe integration",
                "detail": "New customers go to Stripe; existing ones stay on Adyen.",
                "start_month": 0,
                "end_month": 3.5,
            },
            {
                "title": "Request the card import",
                "detail": "Stripe's Data Migrations team works with Adyen; card data moves encrypted.",
                "start_month": 3.5,
                "end_month": 5,
            },
            {
                "title": "Map IDs and charge migrated cards",
                "detail": "Use the mapping file to update customer records.",
                "start_month": 5,
                "end_month": 5.5,
            },
            {
                "title": "Parallel run",
                "detail": "Both processors for one full billing cycle.",
                "start_month": 5.5,
                "end_month": 6.5,
            },
        ],
        "checks": [
            "Records requested vs imported vs mapped",
            "First-cycle authorisation rate on migrated cards vs Adyen's baseline (91.5%)",
            "No duplicate charges per customer before switching Adyen off",
        ],
        "lead_time_weeks": [4, 8],
    },
    "markets": [
        _market(
            "FR",
            "France",
            [
                ("cards", "Cards", _CONSUMER),
                ("wallets", "Apple Pay / Google Pay", _CONSUMER),
                ("klarna", "Klarna", _CONSUMER),
            ],
        ),
        _market(
            "DE",
            "Germany",
            [
                ("cards", "Cards", _CONSUMER),
                ("klarna", "Klarna", _CONSUMER),
                ("sepa_debit", "SEPA Direct Debit", _CONSUMER),
            ],
        ),
        _market(
            "IT",
            "Italy",
            [("cards", "Cards", _CONSUMER), ("wallets", "Apple Pay / Google Pay", _CONSUMER)],
        ),
        _market(
            "ES",
            "Spain",
            [("cards", "Cards", _CONSUMER), ("wallets", "Apple Pay / Google Pay", _CONSUMER)],
        ),
        _market(
            "NL",
            "Netherlands",
            [
                ("ideal", "iDEAL", _CONSUMER),
                ("cards", "Cards", _CONSUMER),
                ("klarna", "Klarna", _CONSUMER),
            ],
            excluded=[{"id": "bancontact", "name": "Bancontact", "reason": "No buyers in Belgium"}],
            notes="iDEAL becomes iDEAL | Wero over 2026-27.",
        ),
    ],
    "kpis": [
        {
            "id": "auth_rate",
            "name": "Authorisation rate",
            "definition": "Approved / attempted card payments",
            "baseline": "91.5%",
            "moved_by": ["card_migration", "payment_element"],
        },
        {
            "id": "processing_cost",
            "name": "Effective processing cost",
            "definition": "Fees / volume",
            "baseline": "2.4%",
            "moved_by": ["ideal", "klarna"],
        },
        {
            "id": "dispute_rate",
            "name": "Dispute rate",
            "definition": "Disputes / card payments",
            "baseline": None,
            "moved_by": ["radar"],
        },
        {
            "id": "time_to_close",
            "name": "Time to close",
            "definition": "Days to close the month",
            "baseline": None,
            "moved_by": ["netsuite_connector", "data_pipeline"],
        },
    ],
    "risks": [
        {
            "id": "card_migration_double_billing",
            "title": "Double billing during the card migration",
            "severity": "high",
            "reason": "Subscriptions run on Adyen while cards move",
            "mitigation": "Cancel each Adyen subscription as soon as its Stripe one is active.",
        },
        {
            "id": "connect_platform_liability",
            "title": "The platform is liable for seller losses",
            "severity": "high",
            "reason": "Separate charges and transfers make the platform the merchant of record",
            "mitigation": "Set a reserve policy and monitor seller disputes weekly.",
        },
        {
            "id": "tax_registration",
            "title": "Tax registrations needed before Stripe Tax goes live",
            "severity": "medium",
            "reason": "Sells in 5 EU countries",
            "mitigation": "Register in FR, DE, IT, ES and NL before the first taxed sale.",
        },
        {
            "id": "terminal_same_country",
            "title": "One Stripe account per store country",
            "severity": "low",
            "reason": "Stores in 5 countries",
            "mitigation": "Create the accounts before ordering readers.",
        },
    ],
    "notes": [
        {
            "section_id": "current_setup",
            "section_title": "Current set-up",
            "text": "Adyen contract ends in Q3.",
        },
        {
            "section_id": "goals",
            "section_title": "Goals",
            "text": "CFO wants the month closed in 5 days.",
        },
    ],
    "appendix": {
        "answers": [
            {"id": "company_name", "label": "Company name", "value": COMPANY},
            {"id": "business_model", "label": "Business model", "value": "Marketplace"},
            {
                "id": "customer_countries",
                "label": "Where are your buyers?",
                "value": "France, Germany, Italy, Spain, Netherlands",
            },
            {"id": "channels", "label": "Sales channels", "value": "Web, Mobile app, In person"},
            {"id": "store_count", "label": "Number of stores", "value": "200"},
            {"id": "erp", "label": "ERP", "value": "NetSuite"},
            {"id": "crm", "label": "CRM", "value": "Salesforce"},
            {"id": "data_warehouse", "label": "Data warehouse", "value": "Snowflake"},
            {"id": "current_processor", "label": "Current processor", "value": "Adyen"},
            {"id": "saved_cards_count", "label": "Saved cards to move", "value": "2,000,000"},
            {"id": "go_live_months", "label": "Months until launch", "value": "6"},
        ],
        "open_questions": [
            {"id": "dispute_rate_pct", "label": "Dispute rate today"},
            {"id": "current_processing_cost_pct", "label": "All-in processing cost today"},
        ],
        "trace": [
            {"rule": "recommend_terminal", "fired": True, "because": "channels contains in_person"},
            {
                "rule": "recommend_checkout",
                "fired": False,
                "because": "checkout_control = fully_custom",
            },
        ],
    },
}


def readout(**overrides: Any) -> dict[str, Any]:
    """The marketplace readout; keyword arguments replace top-level keys."""
    data = copy.deepcopy(_READOUT)
    data.update(copy.deepcopy(overrides))
    return data


def long_readout() -> dict[str, Any]:
    """The readout with far more of everything than a page holds (one-pager overflow)."""
    data = readout()
    summary = data["summary"]
    summary["solution"] = " ".join([summary["solution"]] * 4)
    summary["top_risks"] = summary["top_risks"] * 3
    summary["first_actions"] = [
        {
            "action": f"Action number {i}: agree the scope of work stream {i} with the owners",
            "owner": "customer",
        }
        for i in range(1, 13)
    ]
    summary["missing"] = [
        {"id": f"q{i}", "label": f"Unanswered question number {i}"} for i in range(12)
    ]
    many = [
        _product(
            f"product_{i}", f"Extra product with a long name number {i}", "expansion", "Because"
        )
        for i in range(30)
    ]
    data["design"]["groups"].append({"id": "more", "title": "More", "products": many})
    data["architecture"]["nodes"] += [
        {"id": f"product_{i}", "label": f"Extra product {i}", "kind": "stripe", "group": "more"}
        for i in range(12)
    ]
    data["architecture"]["edges"] += [
        {"source": "web", "target": f"product_{i}", "label": f"flow {i}", "through": "API"}
        for i in range(12)
    ]
    items = [
        _item(f"product_{i}", f"Extra product {i}", "expansion", 4 + i / 4, 5 + i / 4, (1, 2))
        for i in range(30)
    ]
    data["roadmap"]["phases"][1]["items"] += items
    data["roadmap"]["phases"][1]["end_month"] = 12.5
    data["roadmap"]["total_months"] = 12.5
    data["risks"] = [
        {
            "id": f"risk_{i}",
            "title": f"Risk number {i} with a fairly long title that wraps",
            "severity": ("high", "medium", "low")[i % 3],
            "reason": "Because of several answers",
            "mitigation": "A mitigation sentence that takes up a full line of text in the table.",
        }
        for i in range(40)
    ]
    data["markets"] = data["markets"] * 6
    data["notes"] = data["notes"] * 10
    return data


def sparse_readout() -> dict[str, Any]:
    """A discovery with few answers: empty lists, no go-live target, two key questions open."""
    return {
        "meta": {
            "company": None,
            "report_date": "2025-03-14",
            "ruleset": {"name": "stripe", "version": 1},
            "generated_by": "recommender",
        },
        "summary": {
            "customer": "A company.",
            "solution": "",
            "top_risks": [],
            "first_actions": [],
            "go_live": {
                "target_months": None,
                "target_date": None,
                "plan_months": 0,
                "plan_date": "2025-03",
                "meets": None,
                "message": "No launch date given.",
            },
            "missing": [
                {"id": "channels", "label": "Sales channels"},
                {"id": "customer_countries", "label": "Where are your buyers?"},
            ],
        },
        "design": {"surfaces": [], "groups": []},
        "architecture": {"nodes": [], "edges": []},
        "roadmap": {
            "start_date": "2025-03-14",
            "phases": [],
            "total_months": 0,
            "meets_go_live": None,
            "advice": [],
        },
        "migration": None,
        "markets": [],
        "kpis": [],
        "risks": [],
        "notes": [],
        "appendix": {"answers": [], "open_questions": [], "trace": []},
    }
