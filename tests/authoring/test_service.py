"""The authoring service: drafts, checks, publish/rollback, impact, lint, sandbox."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from recommender.errors import Conflict, DefinitionError, InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import AuditEntry, RulesetVersion
from recommender.services import authoring

from .conftest import DEMO_RULES, edit_source

THRESHOLD = "annual_volume_usd >= 10_000_000"


def test_import_publishes_version_one_with_its_own_scenarios(app: Flask, demo: Any) -> None:
    with app.app_context():
        active = authoring.active_version("demo")
        assert (active.version, active.status) == (1, "published")
        assert "Feature: Demo ruleset" in active.scenarios
        assert "Not for demo" not in active.scenarios  # other.feature is not named after demo
        assert [row.version for row in authoring.history("demo")] == [1]
        (entry,) = authoring.audit_log("demo")
        assert entry.action == "publish" and "+name: demo" in entry.diff
        assert authoring.export("demo") == active.source


def test_with_version_rewrites_only_the_top_level_version() -> None:
    src = "name: x\nversion: 1   # bumped\nrules:\n  - version: 7\n"
    assert authoring.with_version(src, 12) == "name: x\nversion: 12   # bumped\nrules:\n  - version: 7\n"
    assert authoring.with_version("name: x\nrules: []\n", 3) == "name: x\nversion: 3\nrules: []\n"


def test_draft_save_reports_problems_at_their_line_and_publish_is_refused(
    app: Flask, demo: Any, author: Any
) -> None:
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        broken = edit_source(draft.source, "when: business_model == saas\n", "when: business_model == sass\n")
        result = authoring.save_draft("demo", author, source=broken)
        line = broken.splitlines().index("    when: business_model == sass") + 1
        assert [p.line for p in result.problems] == [line]
        assert "sass" in result.problems[0].message
        assert authoring.draft_for("demo", author).source == broken  # work in progress is kept
        with pytest.raises(DefinitionError) as exc:
            authoring.publish("demo", author)
        assert exc.value.problems[0].line == line
        assert authoring.active_version("demo").version == 1
        assert [r.version for r in authoring.history("demo")] == [1]


def test_failing_scenario_refuses_publish(app: Flask, demo: Any, author: Any) -> None:
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        # Valid rules, but the seeded scenario expects checkout for web sellers.
        changed = edit_source(draft.source, "when: channels contains web\n", "when: channels contains no_code\n")
        assert authoring.save_draft("demo", author, source=changed).problems == []
        with pytest.raises(authoring.ScenariosFailed) as exc:
            authoring.publish("demo", author)
        assert "A web seller gets Checkout" in exc.value.message
        assert authoring.active_version("demo").version == 1


def test_publish_makes_the_next_version_active_with_an_audit_diff(app: Flask, demo: Any, author: Any) -> None:
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        authoring.save_draft("demo", author, source=edit_source(draft.source, THRESHOLD, "annual_volume_usd >= 5_000_000"))
        row = authoring.publish("demo", author, note="lower the enterprise bar")
        assert row.version == 2 and row.status == "published"
        assert "\nversion: 2\n" in row.source and "5_000_000" in row.source
        assert authoring.active_version("demo").id == row.id
        assert authoring.draft_for("demo", author) is None
        entry = authoring.audit_log("demo")[0]
        assert entry.actor_id == author.id and entry.action == "publish"
        assert "lower the enterprise bar" in entry.summary
        assert "-    when: annual_volume_usd >= 10_000_000" in entry.diff
        assert "+    when: annual_volume_usd >= 5_000_000" in entry.diff
        with pytest.raises(NotFound):
            authoring.publish("demo", author)  # nothing left to publish


def test_rollback_publishes_a_copy_of_the_old_version(app: Flask, demo: Any, author: Any) -> None:
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        authoring.save_draft("demo", author, source=edit_source(draft.source, THRESHOLD, "annual_volume_usd >= 5_000_000"))
        authoring.publish("demo", author)
        row = authoring.rollback("demo", 1, author)
        assert row.version == 3
        v1 = authoring.get_version("demo", 1)
        assert row.source == authoring.with_version(v1.source, 3)
        assert row.scenarios == v1.scenarios
        assert authoring.active_version("demo").version == 3
        assert [r.version for r in authoring.history("demo")] == [3, 2, 1]
        entry = authoring.audit_log("demo")[0]
        assert entry.action == "rollback" and "rolled back to version 1 as version 3" in entry.summary
        assert "+    when: annual_volume_usd >= 10_000_000" in entry.diff
        with pytest.raises(NotFound):
            authoring.rollback("demo", 9, author)


def test_published_versions_are_never_rewritten(app: Flask, demo: Any, author: Any) -> None:
    with app.app_context():
        before = {r.version: (r.source, r.checksum) for r in authoring.history("demo")}
        draft = authoring.get_or_create_draft("demo", author)
        authoring.save_draft("demo", author, source=draft.source + "\n# comment\n")
        authoring.publish("demo", author)
        after = {r.version: (r.source, r.checksum) for r in authoring.history("demo")}
        assert after[1] == before[1]
        assert after[2][1] == authoring.checksum(after[2][0])


def test_publish_refuses_a_draft_changed_underneath(app: Flask, demo: Any, author: Any) -> None:
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        with pytest.raises(Conflict):
            authoring._publish_source(
                draft.ruleset_id, draft.source, draft.scenarios, author,
                action="publish", note="", summary="x", draft_id=draft.id, draft_checksum="stale",
            )
        assert authoring.active_version("demo").version == 1


def test_impact_lists_exactly_the_discoveries_that_change(
    app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int], make_lead: Callable[..., int]
) -> None:
    mid = make_discovery({"annual_volume_usd": 7_000_000, "channels": ["web"]}, "Mid Co")
    make_discovery({"annual_volume_usd": 20_000_000}, "Big Co")
    make_discovery({"annual_volume_usd": 1_000_000}, "Small Co")
    lead = make_lead({"annual_volume_usd": 6_000_000}, "Lead Mid")
    make_lead({"annual_volume_usd": 100}, "Lead Tiny")
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        source = edit_source(draft.source, THRESHOLD, "annual_volume_usd >= 5_000_000")
        report = authoring.impact("demo", source)
        assert report.evaluated == 5 and report.errors == []
        assert report.edits.changed == ["enterprise-volume"]
        assert [(i.kind, i.id) for i in report.items] == [("discovery", mid), ("lead", lead)]
        item = report.items[0]
        assert item.label == "Mid Co"
        assert (item.products_added, item.products_removed) == (["radar_fraud_teams"], [])
        assert (item.risks_added, item.risks_removed) == (["high_volume_review"], [])
        assert item.rules == ["enterprise-volume"]


def test_impact_uses_visible_answers_only(
    app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int]
) -> None:
    # store_count is asked only for in-person sellers; this stale answer is hidden.
    make_discovery({"channels": ["web"], "store_count": 3})
    shown = make_discovery({"channels": ["in_person"], "store_count": 3})
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        source = edit_source(draft.source, "when: channels contains in_person and store_count >= 1", "when: store_count >= 1")
        report = authoring.impact("demo", source)
        assert report.items == []  # same for both: hidden store_count never counts
        source = edit_source(draft.source, "when: channels contains in_person and store_count >= 1", "when: store_count >= 5")
        report = authoring.impact("demo", source)
        assert [(i.id, i.products_removed, i.rules) for i in report.items] == [(shown, ["terminal"], ["terminal-in-person"])]


def test_impact_of_an_added_and_a_removed_rule(app: Flask, demo: Any, author: Any, make_discovery: Callable[..., int]) -> None:
    saas = make_discovery({"business_model": "saas", "channels": ["web"]})
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        source = edit_source(draft.source, "  - id: billing-for-saas\n", "  - id: billing-for-subscriptions\n")
        report = authoring.impact("demo", source)
        assert report.edits.added == ["billing-for-subscriptions"] and report.edits.removed == ["billing-for-saas"]
        assert report.items == []  # renamed, same effect
        source = edit_source(source, "        because: \"Sells subscriptions.\"\n", "")
        source = edit_source(source, "product: billing\n", "product: terminal\n")
        (item,) = authoring.impact("demo", source).items
        assert (item.id, item.products_added, item.products_removed) == (saas, ["terminal"], ["billing"])
        assert item.rules == ["billing-for-saas", "billing-for-subscriptions"]


def test_impact_summary_matches_full_evaluation(app: Flask) -> None:
    """The impact preview's fast path gives the same sets as CompiledRuleset.evaluate."""
    from recommender.config import PROJECT_ROOT
    from recommender.engine import compile_ruleset, load_ruleset_text

    rng = random.Random(7)
    for path in (DEMO_RULES, PROJECT_ROOT / "rules" / "stripe.yaml"):
        compiled = compile_ruleset(load_ruleset_text(path.read_text(), str(path)))
        try:
            for _ in range(150):
                answers = {
                    "annual_volume_usd": rng.choice([0, 900_000, 5_000_000, 30_000_000]),
                    "channels": rng.sample(["web", "in_person", "mobile_app", "invoice"], rng.randint(0, 2)),
                    "business_model": rng.choice(["saas", "marketplace", "direct_sales", "platform"]),
                    "pays_out_third_parties": rng.random() < 0.4,
                    "customer_countries": sorted(rng.sample(["US", "DE", "NL", "GB", "BR"], 2)),
                    "pricing_models": rng.sample(["one_time", "fixed_recurring", "usage"], 1),
                }
                full = compiled.evaluate(answers, open_questions=False)
                summary = compiled.summarize(answers)
                assert summary.products == set(full.product_ids)
                assert summary.risks == set(full.risk_ids)
                assert summary.fired == set(full.fired)
                assert summary.chain_error is None and not full.errors
                assert authoring._summary(compiled, answers) == (
                    summary.products,
                    summary.risks,
                    summary.fired,
                )
        finally:
            compiled.close()


def test_bulk_summaries_over_processes_equal_the_serial_ones() -> None:
    """The impact preview's split over spawned processes gives the same outcomes, in order,
    as evaluating everything in this process (bad answer sets included)."""
    from recommender.config import PROJECT_ROOT
    from recommender.engine import bulk, load_ruleset_text

    path = PROJECT_ROOT / "rules" / "stripe.yaml"
    text = path.read_text()
    rulesets = [
        load_ruleset_text(text, str(path)),
        load_ruleset_text(text.replace("value: 50_000_000", "value: 20_000_000", 1), str(path)),
    ]
    rng = random.Random(3)
    answer_sets: list[dict[str, Any]] = [
        {
            "annual_volume_usd": rng.choice([0, 900_000, 30_000_000, 60_000_000]),
            "channels": rng.sample(["web", "in_person", "mobile_app", "invoice"], rng.randint(0, 2)),
            "business_model": rng.choice(["saas", "marketplace", "direct_sales", "platform"]),
            "customer_countries": sorted(rng.sample(["US", "DE", "NL", "GB", "BR"], 2)),
        }
        for _ in range(60)
    ]
    answer_sets[7] = {"annual_volume_usd": float("nan")}  # not a value the engine takes
    serial = bulk.summarize_serial(rulesets, answer_sets)
    assert isinstance(serial[7][0], str) and isinstance(serial[7][1], str)
    assert any(old != new for old, new in serial)  # the threshold edit changes something
    original = bulk.MIN_PER_PROCESS
    bulk.MIN_PER_PROCESS = 10
    try:
        assert bulk.summarize_all(rulesets, answer_sets, processes=2) == serial
    finally:
        bulk.MIN_PER_PROCESS = original


def test_lint_findings(app: Flask, demo: Any, make_discovery: Callable[..., int]) -> None:
    make_discovery({"business_model": "saas", "channels": ["web"]})
    make_discovery({"annual_volume_usd": 50_000_000})
    with app.app_context():
        source = authoring.active_version("demo").source
        findings = authoring.lint("demo", source)
        by_kind: dict[str, list[str]] = {}
        for f in findings:
            by_kind.setdefault(f.kind, []).append(f.message)
        never = " ".join(by_kind["never_fired"])
        assert "connect-for-marketplaces" in never and "terminal-in-person" in never
        assert "checkout-for-web" not in never and "enterprise-volume" not in never
        (overlap,) = by_kind["overlap"]
        assert "checkout-for-web and checkout-for-saas" in overlap and "checkout" in overlap
        assert by_kind["unused_product"] == ["product payment_links is recommended or excluded by no rule"]
        assert by_kind["unused_question"] == ["question go_live_months is used by no rule's condition"]
        lines = {f.message.split()[1]: f.line for f in findings if f.kind == "never_fired"}
        assert source.splitlines()[lines["terminal-in-person"] - 1].strip() == "- id: terminal-in-person"


def test_coverage_lists_rules_no_scenario_fires(app: Flask, demo: Any) -> None:
    with app.app_context():
        active = authoring.active_version("demo")
        cov = authoring.coverage("demo", active.source, active.scenarios)
        assert [rid for rid, _ in cov.unfired] == [
            "billing-for-saas", "connect-for-marketplaces", "terminal-in-person", "checkout-for-saas",
        ]
        assert cov.fired["checkout-for-web"] == ["A web seller gets Checkout"]


def test_sandbox_with_typed_answers_and_saved_records(
    app: Flask, demo: Any, make_discovery: Callable[..., int], make_lead: Callable[..., int]
) -> None:
    did = make_discovery({"business_model": "marketplace"}, "Market Co")
    lid = make_lead({"channels": ["web"]})
    with app.app_context():
        source = authoring.active_version("demo").source
        result, answers, _ = authoring.sandbox("demo", source, answers_text="business_model: saas\nchannels: [web]\nannual_volume_usd: 12000000\n")
        assert answers == {"business_model": "saas", "channels": ["web"], "annual_volume_usd": 12000000}
        assert [p["id"] for p in result["products"]] == ["checkout", "billing", "radar_fraud_teams"]
        assert {t["rule"] for t in result["trace"] if t["fired"]} >= {"checkout-for-saas", "fraud-team-for-enterprise"}
        result, _, label = authoring.sandbox("demo", source, kind="discovery", subject_id=did)
        assert "Market Co" in label and [r["id"] for r in result["risks"]] == ["connect_platform_liability"]
        result, _, _ = authoring.sandbox("demo", source, kind="lead", subject_id=lid)
        assert [p["id"] for p in result["products"]] == ["checkout"]
        with pytest.raises(InvalidInput) as exc:
            authoring.sandbox("demo", source, answers_text="business_model: nope\nmystery: 1\n")
        assert set(exc.value.errors) == {"business_model", "mystery"}
        with pytest.raises(NotFound):
            authoring.sandbox("demo", source, kind="discovery", subject_id=999)


def test_import_of_an_invalid_file_is_refused_with_positions(app: Flask, tmp_path: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO_RULES.read_text().replace("when: channels contains web", "when: channels contains webb"))
    with app.app_context():
        with pytest.raises(DefinitionError) as exc:
            authoring.import_file(bad)
        (problem,) = exc.value.problems
        line = bad.read_text().splitlines().index("    when: channels contains webb") + 1
        assert (problem.path, problem.line, problem.col) == (str(bad), line, 29)
        assert "webb" in problem.message
        assert db.session.scalars(select(RulesetVersion)).all() == []
        assert db.session.scalars(select(AuditEntry)).all() == []


def test_scenarios_naming_unknown_ids_fail_instead_of_passing(app: Flask, demo: Any) -> None:
    """`the products exclude klarnaa` would pass vacuously; a typo must fail with a hint."""
    text = (
        "Feature: typos\n"
        "  Scenario: misspelled ids\n"
        "    Given the answers:\n"
        "      | answer   | value |\n"
        "      | channels | web   |\n"
        "    When the recommendation is evaluated\n"
        "    Then the products exclude checkuot\n"
        "    And the risk connect_platform_liabilty is not flagged\n"
        "    And the product termnal is not excluded\n"
        "    And the derived fact segmnet is enterprise\n"
    )
    with app.app_context():
        row = authoring.active_version("demo")
        report = authoring.run_scenarios("demo", row.source, text)
    assert not report.ok
    messages = {f.line: f.message for f in report.results[0].failures}
    assert "unknown product 'checkuot'" in messages[7] and "did you mean 'checkout'" in messages[7]
    assert "unknown risk 'connect_platform_liabilty'" in messages[8]
    assert "unknown product 'termnal'" in messages[9]
    assert "unknown derived fact 'segmnet'" in messages[10]
