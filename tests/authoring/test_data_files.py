"""Data files travel with their ruleset through authoring: drafts, checks, impact, publish,
rollback (the `shop` ruleset names payment_methods.yaml and markets.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from recommender.engine.model import bundle_checksum
from recommender.errors import Conflict, DefinitionError, InvalidInput
from recommender.services import authoring

from .conftest import SHOP_RULES

PM = "payment_methods.yaml"
MARKETS = "markets.yaml"
BOLETO_ACCOUNTS = "    account_countries: [BR]\n"


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _line_col(text: str, line_text: str, token: str) -> tuple[int, int]:
    lines = text.splitlines()
    index = lines.index(line_text)
    return index + 1, lines[index].index(token) + 1


def test_import_stores_the_data_files_and_drafts_start_with_them(app: Flask, shop: Any, author: Any) -> None:
    with app.app_context():
        active = authoring.active_version("shop")
        assert sorted(active.data_files) == [MARKETS, PM]
        assert active.data_files[PM] == (SHOP_RULES.parent / PM).read_text()
        assert active.checksum == bundle_checksum(active.source, active.data_files)
        draft = authoring.get_or_create_draft("shop", author)
        assert draft.data_files == active.data_files
        assert draft.checksum == bundle_checksum(draft.source, draft.data_files)
        assert [(f.name, f.kind, f.stored) for f in authoring.version_files(draft)] == [
            (PM, "payment_methods", True),
            (MARKETS, "markets", True),
        ]
        assert authoring.export_file("shop", PM) == active.data_files[PM]
        # A source alone is checked with the data in force.
        assert authoring.check_source(active.source, "shop") == []


def test_a_data_file_with_an_unknown_country_is_refused_with_its_location(
    app: Flask, shop: Any, author: Any
) -> None:
    with app.app_context():
        assert authoring.draft_for("shop", author) is None
        text = authoring.export_file("shop", PM)
        broken = _edit(text, BOLETO_ACCOUNTS, "    account_countries: [BR, XX]\n")
        result = authoring.save_draft_file("shop", author, PM, broken)
        line, col = _line_col(broken, "    account_countries: [BR, XX]", "XX")
        assert [str(p) for p in result.problems if p.path == PM] == [
            f"{PM}:{line}:{col}: unknown country code 'XX': use the two-letter ISO code in capitals, "
            "like DE"
        ]
        assert {p.path for p in result.problems} <= {PM, "shop.yaml"}
        # Saving a data file made a draft that keeps the work in progress.
        draft = authoring.draft_for("shop", author)
        assert draft is not None and draft.data_files[PM] == broken
        assert draft.data_files[MARKETS] == authoring.export_file("shop", MARKETS)
        assert draft.source == authoring.active_version("shop").source
        assert draft.checksum == bundle_checksum(draft.source, draft.data_files)
        with pytest.raises(DefinitionError) as exc:
            authoring.publish("shop", author)
        assert (PM, line) in [(p.path, p.line) for p in exc.value.problems]
        assert authoring.active_version("shop").version == 1


def test_unknown_method_and_currency_are_located_in_their_files(app: Flask, shop: Any, author: Any) -> None:
    with app.app_context():
        markets = _edit(
            authoring.export_file("shop", MARKETS),
            "    consumer_methods: [pix, boleto]\n",
            "    consumer_methods: [pix, boletto]\n",
        )
        authoring.save_draft_file("shop", author, MARKETS, markets)
        pm = authoring.export_file("shop", PM).replace("    currencies: [BRL]\n", "    currencies: [ZZZ]\n", 1)
        result = authoring.save_draft_file("shop", author, PM, pm)
        by_file = {p.path: p for p in result.problems if p.path != "shop.yaml"}
        assert sorted(by_file) == [MARKETS, PM]
        line, col = _line_col(markets, "    consumer_methods: [pix, boletto]", "boletto")
        assert (by_file[MARKETS].line, by_file[MARKETS].col) == (line, col)
        assert "did you mean 'boleto'" in by_file[MARKETS].message
        line, col = _line_col(pm, "    currencies: [ZZZ]", "ZZZ")
        assert (by_file[PM].line, by_file[PM].col) == (line, col)
        assert "unknown currency code 'ZZZ'" in by_file[PM].message


def test_a_malformed_row_is_refused_with_its_location(app: Flask, shop: Any, author: Any) -> None:
    with app.app_context():
        pm = _edit(authoring.export_file("shop", PM), "    async: true\n    refunds: \"no\"\n", "    async: maybe\n    refunds: \"no\"\n")
        (problem,) = [p for p in authoring.save_draft_file("shop", author, PM, pm).problems if p.path == PM]
        line, col = _line_col(pm, "    async: maybe", "maybe")
        assert (problem.path, problem.line, problem.col) == (PM, line, col)


def test_only_files_the_ruleset_names_can_be_saved_and_stale_saves_conflict(
    app: Flask, shop: Any, author: Any
) -> None:
    with app.app_context():
        with pytest.raises(InvalidInput, match="not a data file of this ruleset"):
            authoring.save_draft_file("shop", author, "other.yaml", "kind: markets\n")
        with pytest.raises(InvalidInput):
            authoring.save_draft_file("shop", author, "../payment_methods.yaml", "x")
        text = authoring.export_file("shop", PM)
        opened = authoring.checksum(text)
        authoring.save_draft_file("shop", author, PM, text + "# one\n", expected_checksum=opened)
        with pytest.raises(Conflict, match=PM):
            authoring.save_draft_file("shop", author, PM, text + "# two\n", expected_checksum=opened)
        assert authoring.draft_for("shop", author).data_files[PM] == text + "# one\n"
        # Another file is not affected by that save.
        markets = authoring.export_file("shop", MARKETS)
        authoring.save_draft_file(
            "shop", author, MARKETS, markets + "# m\n", expected_checksum=authoring.checksum(markets)
        )
        # A data file the source starts to name is created by saving it.
        draft = authoring.draft_for("shop", author)
        source = draft.source.replace("  markets: markets.yaml\n", "  markets: markets2.yaml\n")
        assert [p.message for p in authoring.save_draft("shop", author, source=source).problems] == [
            "data file 'markets2.yaml' not found (add it to this ruleset version's data files)"
        ]
        names = [(f.name, f.stored) for f in authoring.version_files(authoring.draft_for("shop", author))]
        assert names == [(PM, True), ("markets2.yaml", False), (MARKETS, True)]
        result = authoring.save_draft_file("shop", author, "markets2.yaml", markets, expected_checksum=authoring.checksum(""))
        assert result.problems == []


def test_publish_carries_the_data_files_and_rollback_restores_them(app: Flask, shop: Any, author: Any) -> None:
    from recommender.services import rulesets

    with app.app_context():
        v1 = authoring.active_version("shop")
        v1_files = dict(v1.data_files)
        pm = _edit(v1_files[PM], "    docs: payments/boleto\n", "    docs: payments/boleto\n    notes: \"Voucher paid within 3 days.\"\n")
        authoring.save_draft_file("shop", author, PM, pm)
        row = authoring.publish("shop", author, note="boleto note")
        assert row.version == 2
        assert row.data_files == {PM: pm, MARKETS: v1_files[MARKETS]}
        assert row.checksum == bundle_checksum(row.source, row.data_files)
        entry = authoring.audit_log("shop")[0]
        assert "data files payment_methods.yaml changed" in entry.summary
        assert f"+++ shop v2 {PM}" in entry.diff and '+    notes: "Voucher paid within 3 days."' in entry.diff
        assert MARKETS not in entry.diff  # unchanged files are not diffed
        _, compiled = rulesets.active_compiled("shop")
        assert compiled.version == 2
        assert compiled.ruleset.data_files[PM] == pm
        assert authoring.data_changes(authoring.history("shop")) == {
            row.id: [(PM, "changed")],
            v1.id: [(MARKETS, "added"), (PM, "added")],
        }

        back = authoring.rollback("shop", 1, author)
        assert back.version == 3 and back.data_files == v1_files
        entry = authoring.audit_log("shop")[0]
        assert entry.action == "rollback" and f"--- shop v2 {PM}" in entry.diff
        assert '-    notes: "Voucher paid within 3 days."' in entry.diff
        _, compiled = rulesets.active_compiled("shop")
        assert compiled.version == 3 and compiled.ruleset.data_files[PM] == v1_files[PM]


def test_a_draft_whose_data_breaks_a_scenario_cannot_be_published(app: Flask, shop: Any, author: Any) -> None:
    with app.app_context():
        # A valid table that stops Boleto for Brazilian accounts: the seeded scenario
        # "A Brazilian seller gets Boleto" fails.
        pm = _edit(authoring.export_file("shop", PM), BOLETO_ACCOUNTS, "    account_countries: [MX]\n")
        assert authoring.save_draft_file("shop", author, PM, pm).problems == []
        with pytest.raises(authoring.ScenariosFailed) as exc:
            authoring.publish("shop", author)
        assert "A Brazilian seller gets Boleto" in exc.value.message
        assert authoring.active_version("shop").version == 1
        assert authoring.draft_for("shop", author).data_files[PM] == pm


def test_impact_preview_compiles_the_draft_with_its_data(
    app: Flask, shop: Any, author: Any, make_shop_discovery: Callable[..., int]
) -> None:
    us = make_shop_discovery({"hq_country": "US", "customer_countries": ["BR"]}, "US seller")
    make_shop_discovery({"hq_country": "BR", "customer_countries": ["BR"]}, "BR seller")
    with app.app_context():
        draft = authoring.get_or_create_draft("shop", author)
        report = authoring.impact("shop", draft.source, data_files=draft.data_files)
        assert report.items == [] and report.unchanged_sources
        # A US account can now enable Boleto: the US seller gains it.
        pm = _edit(draft.data_files[PM], BOLETO_ACCOUNTS, "    account_countries: [BR, US]\n")
        authoring.save_draft_file("shop", author, PM, pm)
        draft = authoring.draft_for("shop", author)
        report = authoring.impact("shop", draft.source, data_files=draft.data_files)
        assert report.edits.data == [PM] and not report.unchanged_sources
        assert [(i.id, i.products_added, i.products_removed, i.rules) for i in report.items] == [
            (us, ["boleto"], [], [f"boleto-when-eligible (via {PM})"])
        ]
        # Without data files the preview uses the active version's (the source is the same).
        assert authoring.impact("shop", draft.source).items == []
        # Sandbox and lint see the draft's data too.
        result, _, _ = authoring.sandbox(
            "shop", draft.source, kind="discovery", subject_id=us, data_files=draft.data_files
        )
        assert "boleto" in [p["id"] for p in result["products"]]
        findings = authoring.lint("shop", draft.source, data_files=draft.data_files)
        assert not [f for f in findings if f.kind == "never_fired"]


def test_import_reads_the_data_files_beside_the_ruleset(app: Flask, shop: Any, tmp_path: Any) -> None:
    for name in (SHOP_RULES.name, PM, MARKETS):
        (tmp_path / name).write_text((SHOP_RULES.parent / name).read_text())
    pm = tmp_path / PM
    pm.write_text(pm.read_text().replace("  - id: pix\n", "  - id: pix\n    name: Pix (instant)\n"))
    with app.app_context():
        row, created = authoring.import_file(tmp_path / SHOP_RULES.name, None, publish_now=True)
        assert (row.version, created) == (2, False)
        assert row.data_files[PM] == pm.read_text()
        (tmp_path / MARKETS).unlink()
        with pytest.raises(DefinitionError) as exc:
            authoring.import_file(tmp_path / SHOP_RULES.name, None)
        assert "data file 'markets.yaml' not found" in exc.value.problems[0].message
        with pytest.raises(InvalidInput, match="is a data file"):
            authoring.import_file(pm, None)
