"""The impact preview's filter (only the answer sets the draft can change are evaluated,
`impact_filter`) gives the same report as evaluating every saved discovery with both
versions, on many random drafts of the default ruleset: parameter and threshold edits,
rules added and removed, outputs changed, exclusions, decision-table cells, derived facts,
risk severities, sets and a data file."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from recommender.errors import DefinitionError
from recommender.services import authoring


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The product's own forms/ and rules/ (the stripe ruleset and sa_discovery)."""
    from recommender.config import PROJECT_ROOT

    app_config.update(
        {
            "FORMS_DIR": str(PROJECT_ROOT / "forms"),
            "RULES_DIR": str(PROJECT_ROOT / "rules"),
            "RULESET_FEATURES_DIR": str(PROJECT_ROOT / "features" / "ruleset"),
        }
    )
    return app_config


@pytest.fixture
def discoveries(app: Flask, make_user: Callable[..., Any]) -> int:
    """The default ruleset active, and 150 discoveries with random realistic answers
    (volumes and revenues around the segment bars, some unanswered)."""
    from recommender.extensions import db
    from recommender.models import Account, Answer, Discovery
    from recommender.services import questionnaires, rulesets
    from tests.engine.answer_sets import random_answers

    owner = make_user("sa")
    rnd = random.Random(5)
    with app.app_context():
        questionnaires.load_directory()
        rulesets.import_directory()
        row = questionnaires.latest("sa_discovery")
        q = questionnaires.questionnaire_for(row)
        with db.transaction() as session:
            for n in range(150):
                answers = random_answers(q, rnd)
                answers["annual_volume_usd"] = rnd.choice(
                    [None, 500_000, 3_000_000, 15_000_000, 30_000_000, 60_000_000]
                )
                answers["annual_revenue_usd"] = rnd.choice([None, 2_000_000, 8_000_000, 150_000_000])
                account = Account(name=f"Account {n}", created_by_id=owner.id)
                session.add(account)
                session.flush()
                d = Discovery(account_id=account.id, questionnaire_version_id=row.id, owner_id=owner.id)
                session.add(d)
                session.flush()
                for qid, value in answers.items():
                    if value is not None:
                        session.add(Answer(discovery_id=d.id, question_id=qid, value=value))
    return 150


CONDITIONS = [
    "annual_volume_usd >= 20_000_000",
    "annual_revenue_usd < 5_000_000",
    "channels contains in_person",
    "business_model == marketplace",
    "segment == enterprise",
    "segment == mid_market and channels contains web",
    "is_platform",
    "not (customer_type contains consumers)",
    "recurring_billing or segment == startup",
    "account_countries contains_any @eurozone",
    "unanswered annual_volume_usd",
]


def _section(source: str, name: str) -> tuple[int, int]:
    """The character span of a top-level section of the ruleset text."""
    start = source.index(f"\n{name}:\n") + 1
    nxt = re.search(r"^[a-z_]+:", source[start + len(name) + 2 :], re.M)
    end = start + len(name) + 2 + nxt.start() if nxt else len(source)
    return start, end


def _rule_blocks(source: str) -> list[tuple[str, int, int]]:
    """(rule id, start, end) of each rule in the rules section."""
    start, end = _section(source, "rules")
    heads = [(m.group(1), m.start() + start) for m in re.finditer(r"^  - id: (\S+)\n", source[start:end], re.M)]
    return [
        (rid, at, heads[i + 1][1] if i + 1 < len(heads) else end) for i, (rid, at) in enumerate(heads)
    ]


def _replace_in(source: str, span: tuple[int, int], pattern: str, rnd: random.Random, make: Callable[[re.Match[str]], str]) -> str | None:
    """One random match of `pattern` within `span` replaced by `make(match)`."""
    found = list(re.finditer(pattern, source[span[0] : span[1]], re.M))
    if not found:
        return None
    m = rnd.choice(found)
    a, b = span[0] + m.start(), span[0] + m.end()
    return source[:a] + make(m) + source[b:]


KINDS = [
    "param", "threshold", "add", "remove", "output", "exclude", "table",
    "derive-value", "derive-priority", "derive-when", "severity", "set", "data",
]  # fmt: skip


def _edit_markets(text: str, rnd: random.Random) -> str | None:
    """markets.yaml with one market's ranked methods shortened, or its Stripe accounts or
    currency changed."""
    return _replace_in(
        text, (0, len(text)),
        r'^(    consumer_methods: \[)(\w+), |^(    stripe_accounts: )"yes"$|^(    currency: )(EUR|USD)$', rnd,
        lambda m: m.group(1)
        if m.group(1)
        else (m.group(3) + '"no"')
        if m.group(3)
        else m.group(4) + rnd.choice(["GBP", "JPY"]),
    )


def _mutate(
    source: str, kind: str, rnd: random.Random, products: list[str], risks: list[str]
) -> str | None:
    """The source with one random edit of this kind (None when it does not apply)."""
    blocks = _rule_blocks(source)
    if kind == "param":
        span = _section(source, "params")
        return _replace_in(
            source, span, r"^    value: ([0-9_]+)$", rnd,
            lambda m: f"    value: {int(int(m.group(1).replace('_', '')) * rnd.choice([0.2, 0.5, 2, 3])) or 1}",
        )
    if kind == "threshold":
        numeric = [blk for blk in blocks if re.search(r"when: .*\d", source[blk[1] : blk[2]])]
        rid, a, b = rnd.choice(numeric)
        return _replace_in(
            source, (a, b), r"(when: .*?)(\d[\d_]*)", rnd,
            lambda m: m.group(1) + str(rnd.choice([0, 1, 3, 50, 2_000_000, 40_000_000])),
        )
    if kind in ("add", "exclude"):
        when = " and ".join(rnd.sample(CONDITIONS, rnd.randint(1, 2)))
        effect = rnd.choice(
            [
                f"    recommend:\n      - product: {rnd.choice(products)}\n",
                f"    flag:\n      - risk: {rnd.choice(risks)}\n        severity: {rnd.choice(['high', 'low'])}\n",
                f"    derive:\n      - fact: segment\n        value: {rnd.choice(['enterprise', 'startup', 'mid_market'])}\n",
            ]
        )
        if kind == "exclude":
            effect = f"    exclude:\n      - product: {rnd.choice(products)}\n        because: fuzz.\n"
        n = rnd.randint(0, 999)
        return source.rstrip("\n") + f"\n\n  - id: fuzz-{n}\n    when: {when}\n    priority: {rnd.choice([0, 25, 40])}\n{effect}"
    if kind == "remove":
        rid, a, b = rnd.choice(blocks)
        return source[:a] + source[b:]
    if kind == "output":
        rid, a, b = rnd.choice(blocks)
        return _replace_in(
            source, (a, b), r"^      - (product|risk): (\S+)$", rnd,
            lambda m: f"      - {m.group(1)}: {rnd.choice(products if m.group(1) == 'product' else risks)}",
        )
    if kind == "table":
        span = _section(source, "tables")
        return _replace_in(
            source, span, r"^(        (?:eligible|wanted): contains )(\S+)$|^(        priority: )(\d+)$", rnd,
            lambda m: (m.group(1) + rnd.choice(["ideal", "pix", "sepa_debit", "klarna"]))
            if m.group(1)
            else m.group(3) + str(rnd.choice([1, 55, 99])),
        )
    if kind.startswith("derive-"):
        seg = [blk for blk in blocks if blk[0].startswith(("segment-", "derive-"))]
        rid, a, b = rnd.choice(seg)
        if kind == "derive-value":
            return _replace_in(
                source, (a, b), r"^(        value: )(\S+)$", rnd,
                lambda m: m.group(1) + rnd.choice(["enterprise", "startup", "mid_market", "true", "false"]),
            )
        if kind == "derive-priority":  # the segment rules overlap: priority picks the winner
            rid, a, b = rnd.choice([blk for blk in seg if blk[0].startswith("segment-")])
            return _replace_in(
                source, (a, b), r"^(    priority: )(\d+)$", rnd,
                lambda m: m.group(1) + str(rnd.choice([5, 15, 25, 35])),
            )
        return _replace_in(
            source, (a, b), r"^(    when: )(.*)$", rnd,
            lambda m: m.group(1) + rnd.choice(CONDITIONS[:4] + ["(" + m.group(2) + ") and channels contains web"]),
        )
    if kind == "severity":
        span = _section(source, "risks")
        return _replace_in(
            source, span, r"^(    severity: )(\S+)$", rnd,
            lambda m: m.group(1) + rnd.choice(["high", "medium", "low"]),
        )
    span = _section(source, "sets")  # set
    return _replace_in(source, span, r"(\[)([A-Z]{2}), ", rnd, lambda m: m.group(1))


def _rows(report: Any) -> list[Any]:
    return [dataclasses.asdict(item) for item in report.items]


@pytest.mark.slow
def test_the_filtered_preview_equals_evaluating_everything(
    app: Flask, discoveries: int, make_user: Callable[..., Any]
) -> None:
    rnd = random.Random(2026)
    author = make_user("author")
    with app.app_context():
        source = authoring.get_or_create_draft("stripe", author).source
        active = authoring.active_version("stripe")
        from recommender.services.authoring.sources import load_checked

        ruleset, _ = load_checked(active.source, "stripe", dict(active.data_files or {}))
        products, risks = sorted(ruleset.products), sorted(ruleset.risks)
        subjects = authoring.saved_subjects()
        compared: dict[str, int] = {}
        filtered = changed_rows = 0
        files = dict(active.data_files or {})
        for kind in KINDS * 3:
            for _attempt in range(20):
                draft_files = dict(files)
                if kind == "data":
                    draft, markets = source, _edit_markets(files["markets.yaml"], rnd)
                    if markets is None:
                        continue
                    draft_files["markets.yaml"] = markets
                else:
                    draft = _mutate(source, kind, rnd, products, risks)
                    if draft is None or draft == source:
                        continue
                try:
                    # Loading the answers itself: visible answers only where it needs them.
                    fast = authoring.impact("stripe", draft, data_files=draft_files, processes=1)
                except DefinitionError:  # an edit the checks refuse (a value out of range ...)
                    continue
                break
            else:
                raise AssertionError(f"no valid {kind} edit")
            full = authoring.impact(
                "stripe", draft, subjects=subjects, data_files=draft_files, processes=1, prefilter=False
            )
            assert _rows(fast) == _rows(full), kind
            given = authoring.impact("stripe", draft, subjects=subjects, data_files=draft_files, processes=1)
            assert _rows(given) == _rows(full), kind
            assert fast.errors == full.errors, kind
            assert fast.evaluated == full.evaluated == discoveries
            assert full.fully_evaluated == discoveries
            assert fast.fully_evaluated >= len(fast.items)
            if not fast.full_reason:
                filtered += fast.fully_evaluated < discoveries
            changed_rows += len(fast.items)
            compared[kind] = compared.get(kind, 0) + 1
    # Every kind of edit was compared, most drafts were filtered, and rows did change.
    assert len(compared) == len(KINDS), compared
    assert filtered >= 24 and changed_rows >= 100, (filtered, changed_rows)
