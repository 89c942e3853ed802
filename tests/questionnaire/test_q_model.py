"""Questionnaire model: coercion table, visibility cascade, progress, dict round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recommender.questionnaire import (
    MISSING,
    InvalidAnswer,
    Questionnaire,
    load_questionnaire,
    load_questionnaire_text,
)

ROOT = Path(__file__).resolve().parents[2]

FORM = """\
id: demo
version: 3
title: Demo
sections:
  - id: basics
    title: Basics
    questions:
      - {id: model, label: Model, type: single, options: [{value: saas, label: SaaS}, {value: marketplace, label: Marketplace}]}
      - {id: channels, label: Channels, type: multi, options: [{value: web, label: Web}, {value: in_person, label: In person}, {value: phone, label: Phone}]}
      - {id: flag, label: Flag, type: boolean}
      - {id: count, label: Count, type: integer, min: 0, max: 1000000000}
      - {id: volume, label: Volume, type: money}
      - {id: rate, label: Rate, type: percent}
      - {id: hq, label: HQ, type: country}
      - {id: countries, label: Countries, type: country_list}
      - {id: name, label: Name, type: text, max: 2000}
      - {id: short, label: Short, type: text}
      - {id: notes, label: Notes, type: long_text}
      - {id: mail, label: Mail, type: email}
      - {id: code, label: Code, type: text, pattern: "[A-Z]{3}", min: 3}
  - id: payouts
    title: Payouts
    show_if: model == marketplace
    questions:
      - {id: sellers, label: Sellers, type: integer}
      - {id: seller_countries, label: Where, type: country_list, show_if: sellers > 10}
      - {id: cross_border, label: Cross-border, type: boolean, show_if: seller_countries contains_any @eea}
  - id: stores
    title: Stores
    questions:
      - {id: stores, label: Stores, type: integer, show_if: channels contains in_person}
"""


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_questionnaire_text(FORM, "demo.yaml")


@pytest.mark.parametrize(
    ("qid", "raw", "expected"),
    [
        ("model", "saas", "saas"),
        ("model", " marketplace ", "marketplace"),
        ("model", "", MISSING),
        ("model", None, MISSING),
        ("model", ["saas"], "saas"),
        ("channels", ["phone", "web", "web"], ["web", "phone"]),
        ("channels", "in_person", ["in_person"]),
        ("channels", [], MISSING),
        ("channels", [""], MISSING),
        ("flag", "true", True),
        ("flag", "No", False),
        ("flag", False, False),
        ("count", "1,200", 1200),
        ("count", 7, 7),
        ("count", 7.0, 7),
        ("count", "  ", MISSING),
        ("volume", "1,200,000", 1200000),
        ("volume", "$1.2M", 1200000),
        ("volume", "$1.1m", 1100000),
        ("volume", "250k", 250000),
        ("volume", "99.5", 99.5),
        ("volume", 0, 0),
        ("rate", "0.4", 0.4),
        ("rate", "0.4%", 0.4),
        ("rate", 100, 100),
        # Decimal commas and other thousands separators, as a European SA types them.
        ("rate", "0,4", 0.4),
        ("rate", "88,5 %", 88.5),
        ("volume", "65,50", 65.5),
        ("volume", "1.200.000", 1200000),
        ("volume", "1.234,5", 1234.5),
        ("volume", "1 200 000", 1200000),
        ("volume", "1'200'000", 1200000),
        ("count", "13,000", 13000),
        ("hq", "de", "DE"),
        ("countries", ["us", "DE", "US"], ["DE", "US"]),
        ("countries", "fr, nl", ["FR", "NL"]),
        ("name", "  Acme   Inc ", "Acme Inc"),
        ("notes", "line 1\nline 2\n", "line 1\nline 2"),
        ("mail", " a@b.co ", "a@b.co"),
        ("code", "ABC", "ABC"),
    ],
)
def test_coerce_valid(q: Questionnaire, qid: str, raw: Any, expected: Any) -> None:
    value = q.coerce(qid, raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("qid", "raw", "message"),
    [
        ("model", "platform", "Choose one of the listed options"),
        ("model", 3, "Choose one of the listed options"),
        ("model", ["saas", "marketplace"], "Give a single answer"),
        ("channels", ["web", "fax"], "Choose only from the listed options"),
        ("flag", "maybe", "Choose yes or no"),
        ("flag", 1, "Choose yes or no"),
        ("count", "1.5", "Enter a whole number"),
        ("count", "ten", "Enter a whole number"),
        ("count", True, "Enter a whole number"),
        ("count", -1, "Must be at least 0"),
        ("count", "2,000,000,000", "Must be at most 1,000,000,000"),
        ("volume", "-5", "Enter an amount of zero or more"),
        ("volume", "lots", "Enter an amount in USD, like 1,200,000"),
        ("volume", float("inf"), "Enter an amount in USD, like 1,200,000"),
        ("volume", 10**16, "Must be at most 1,000,000,000,000,000"),
        ("rate", "101", "Enter a percentage between 0 and 100"),
        ("rate", "-1", "Enter a percentage between 0 and 100"),
        ("hq", "XX", "Unknown country code 'XX'"),
        ("countries", ["DE", "ZZ"], "Unknown country code 'ZZ'"),
        ("name", "x" * 2001, "Must be 2,000 characters or fewer"),
        ("short", "x" * 501, "Must be 500 characters or fewer"),
        ("notes", "x" * 5001, "Must be 5,000 characters or fewer"),
        ("name", 5, "Enter text"),
        ("mail", "not-an-email", "Enter a valid email address"),
        ("code", "AB", "Must be at least 3 characters"),
        ("code", "abc", "Does not match the expected format"),
        ("nope", "x", "Unknown question"),
    ],
)
def test_coerce_invalid(q: Questionnaire, qid: str, raw: Any, message: str) -> None:
    with pytest.raises(InvalidAnswer) as info:
        q.coerce(qid, raw)
    assert (info.value.question_id, info.value.message) == (qid, message)
    assert info.value.errors == {qid: message}


def test_visibility_cascade(q: Questionnaire) -> None:
    answers = {
        "model": "marketplace",
        "sellers": 50,
        "seller_countries": ["DE"],
        "cross_border": True,
        "channels": ["web"],
    }
    visible = q.visible_question_ids(answers)
    assert {"sellers", "seller_countries", "cross_border"} <= set(visible)
    assert "stores" not in visible
    assert visible == [qid for qid in q.questions if qid in visible]  # questionnaire order
    # Hiding the section hides everything below it, even with answers stored.
    answers["model"] = "saas"
    hidden = q.visible_question_ids(answers)
    assert {"sellers", "seller_countries", "cross_border"}.isdisjoint(hidden)
    assert q.visible_answers(answers) == {"model": "saas", "channels": ["web"]}
    # A middle link: sellers <= 10 hides seller_countries and thus cross_border.
    answers.update(model="marketplace", sellers=5)
    assert q.visible_answers(answers) == {"model": "marketplace", "sellers": 5, "channels": ["web"]}


def test_progress(q: Questionnaire) -> None:
    assert q.progress({}) == (0, 13)
    assert q.progress({"model": "marketplace", "channels": ["in_person"], "zzz": 1}) == (2, 15)


def test_lookups(q: Questionnaire) -> None:
    assert q.section_of("stores").id == "stores"
    assert q.section("payouts").question_ids == ["sellers", "seller_countries", "cross_border"]
    assert q.question("model").option_label("saas") == "SaaS"
    specs = q.field_specs()
    assert specs["model"].kind == "single" and list(specs["model"].options or []) == [
        "saas",
        "marketplace",
    ]
    assert specs["countries"].options is None
    with pytest.raises(KeyError):
        q.question("nope")


@pytest.mark.parametrize("path", [ROOT / "forms" / "sa_discovery.yaml", None])
def test_round_trip(q: Questionnaire, path: Path | None) -> None:
    original = load_questionnaire(path) if path else q
    stored = json.loads(json.dumps(original.to_dict()))
    again = Questionnaire.from_dict(stored)
    assert again == original
    assert again.to_dict() == original.to_dict()
    answers = {"model": "marketplace", "sellers": 50, "seller_countries": ["FR"]}
    assert again.visible_question_ids(answers) == original.visible_question_ids(answers)
    assert again.questions[next(iter(again.questions))].label
