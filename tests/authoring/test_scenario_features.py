"""Scenarios feature by feature: splitting the stored text into features and joining it back
byte for byte, saving one feature (only its block changes), adding one, running one, and the
workbench pages (list, editor, save, 409, run, roles, CSRF, refused-publish links)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.errors import Conflict
from recommender.services import authoring
from recommender.services import scenarios as sc
from recommender.services.authoring import scenario_features as features

ROOT = Path(__file__).resolve().parents[2]

SECOND = """@payouts
Feature: Payouts and platforms
  Sellers paid out to third parties.

  Scenario: A marketplace gets Connect
    Given the answers:
      | answer                 | value |
      | pays_out_third_parties | true  |
    When the recommendation is evaluated
    Then the products include connect
    And the risk connect_platform_liability is flagged
"""


def _default_scenarios(app: Flask) -> str:
    from recommender.services.rulesets import seed_scenarios

    app.config["RULESET_FEATURES_DIR"] = str(ROOT / "features" / "ruleset")
    app.config["RULES_DIR"] = str(ROOT / "rules")
    with app.app_context():
        return seed_scenarios("stripe")


# --------------------------------------------------------------------------- split and join


def test_default_scenarios_split_into_their_features_and_join_back_byte_for_byte(app: Flask) -> None:
    text = _default_scenarios(app)
    blocks = sc.split_features(text)
    files = sorted(p.name for p in (ROOT / "features" / "ruleset").glob("*.feature"))
    files.remove("prequalification.feature")  # the prequalification ruleset's own
    assert len(blocks) == len(files) >= 7
    assert [b.body.splitlines()[0] for b in blocks] == [f"# from features/ruleset/{f}" for f in files]
    assert [b.title for b in blocks] == [
        next(ln for ln in (ROOT / "features" / "ruleset" / f).read_text().splitlines() if ln.startswith("Feature:"))
        .removeprefix("Feature:").strip()
        for f in files
    ]
    assert len({b.slug for b in blocks}) == len(blocks)
    assert sc.join_features(blocks) == text
    for block in blocks:
        assert sc.replace_feature(text, block.index, block.body) == text
        # As a browser sends it back: CRLF line ends, no newline at the end.
        assert sc.replace_feature(text, block.index, block.body.replace("\n", "\r\n").rstrip("\r\n")) == text


def test_every_scenario_of_the_whole_text_is_found_in_its_feature_at_its_own_line(app: Flask) -> None:
    text = _default_scenarios(app)
    blocks = sc.split_features(text)
    whole, problems = sc.parse_scenarios(text)
    assert problems == []
    per_feature = {b.slug: sc.parse_scenarios(b.body)[0] for b in blocks}
    assert sum(len(v) for v in per_feature.values()) == len(whole) > 50
    for scenario in whole:
        located = sc.locate_line(blocks, scenario.line)
        assert located is not None
        block, local = located
        (same,) = [s for s in per_feature[block.slug] if s.line == local]
        assert same.name == scenario.name
        assert [s.line for s in same.steps] == [s.line - block.start + 1 for s in scenario.steps]


def test_saving_one_feature_changes_only_its_block(app: Flask) -> None:
    text = _default_scenarios(app)
    blocks = sc.split_features(text)
    third = blocks[2]
    edited = third.body.replace("When the recommendation is evaluated", "When  the recommendation is evaluated", 1)
    assert edited != third.body
    out = sc.replace_feature(text, 3, edited)
    again = sc.split_features(out)
    assert again[2].body == edited and again[2].tail == third.tail
    assert [b.text for b in again if b.index != 3] == [b.text for b in blocks if b.index != 3]
    # The changed line is the only one, at the feature's start + its line within the feature.
    changed = [n for n, (a, b) in enumerate(zip(text.splitlines(), out.splitlines(), strict=True), 1) if a != b]
    local = next(n for n, ln in enumerate(edited.splitlines(), 1) if "When  the" in ln)
    assert changed == [third.start + local - 1]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("  Scenario: no feature line\n", 1, "starts with a 'Feature:' line"),
        ("Feature: a\n  Scenario: s\nFeature: b\n", 3, "holds 2 'Feature:' lines"),
        ("Some words\nFeature: a\n", 1, "Only tags (@...) and comments (#...)"),
        ("\nFeature: a\n", 1, "Only tags (@...) and comments (#...)"),
    ],
)
def test_text_that_is_not_one_feature_is_refused_with_its_line(text: str, line: int, words: str) -> None:
    stored = "Feature: one\n  Scenario: x\n\nFeature: two\n  Scenario: y\n"
    with pytest.raises(sc.FeatureTextError) as exc:
        sc.replace_feature(stored, 2, text)
    assert words in exc.value.message and exc.value.line == line


def test_a_new_feature_goes_after_the_others_after_a_blank_line() -> None:
    stored = "Feature: one\n  Scenario: x"
    out, index = sc.append_feature(stored, "Feature: two\n  Scenario: y\n\n\n")
    assert out == "Feature: one\n  Scenario: x\n\nFeature: two\n  Scenario: y\n"
    assert index == 2 and [b.slug for b in sc.split_features(out)] == ["one", "two"]
    assert sc.append_feature("", "Feature: first\n") == ("Feature: first\n", 1)


def test_slugs_are_unique_and_never_a_page_of_the_workbench() -> None:
    text = "Feature: All\n\nFeature: All\n\nFeature: new\n\nFeature: 2024\n\nFeature:\n"
    assert [b.slug for b in sc.split_features(text)] == ["all-2", "all-3", "new-2", "2024-2", "feature-5"]
    blocks = sc.split_features(text)
    assert sc.find_feature(blocks, "all-3") is blocks[1] and sc.find_feature(blocks, "5") is blocks[4]
    assert sc.find_feature(blocks, "all") is None


# --------------------------------------------------------------------------- service


@pytest.fixture
def two_features(app: Flask, demo: Any, author: Any) -> str:
    """The author's draft of demo with a second feature after the seeded one."""
    with app.app_context():
        draft = authoring.get_or_create_draft("demo", author)
        features.add_feature("demo", author, SECOND, features.text_checksum(draft))
        return str(authoring.draft_for("demo", author).scenarios)  # type: ignore[union-attr]


def test_save_feature_replaces_only_its_block_and_conflicts_when_the_text_changed(
    app: Flask, two_features: str, author: Any
) -> None:
    text = two_features
    first, second = sc.split_features(text)
    assert (first.slug, second.slug) == ("demo-ruleset", "payouts-and-platforms")
    with app.app_context():
        draft = authoring.draft_for("demo", author)
        stamp = features.text_checksum(draft)  # type: ignore[arg-type]
        edited = second.body.replace("Then the products include connect", "Then the products include connect, checkout")
        _, block = features.save_feature("demo", author, "payouts-and-platforms", edited, stamp)
        stored = authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
        assert stored == first.text + edited and block.body == edited
        # The same stamp again: the scenarios changed since, nothing is saved.
        with pytest.raises(Conflict):
            features.save_feature("demo", author, "payouts-and-platforms", second.body, stamp)
        assert authoring.draft_for("demo", author).scenarios == stored  # type: ignore[union-attr]


def test_run_one_feature_runs_only_its_scenarios_with_lines_within_it(
    app: Flask, two_features: str, author: Any
) -> None:
    with app.app_context():
        draft = authoring.draft_for("demo", author)
        second = features.find(draft.scenarios, "payouts-and-platforms")  # type: ignore[union-attr]
        broken = second.body.replace("include connect", "include terminal")
        draft, second = features.save_feature("demo", author, "2", broken, None)
        (run,) = features.run_features("demo", draft, [second])
    assert [r.name for r in run.report.results] == ["A marketplace gets Connect"]
    (failing,) = run.failing
    step_line = next(n for n, ln in enumerate(broken.splitlines(), 1) if "include terminal" in ln)
    assert failing.line == 5 and [f.line for f in failing.failures] == [step_line]
    assert "expected products to include terminal" in failing.failures[0].message


# --------------------------------------------------------------------------- web


def _page(resp: Any) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _textarea(body: str) -> str:
    match = re.search(r'<textarea id="scenarios-text"[^>]*>\n(.*?)</textarea>', body, re.S)
    assert match, body[-2000:]
    return match.group(1)


def _checksum(body: str) -> str:
    match = re.search(r'name="checksum" value="([0-9a-f]+)"', body)
    assert match
    return match.group(1)


def test_the_scenarios_tab_lists_features_and_runs_one_or_all(
    app: Flask, two_features: str, author_client: FlaskClient
) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios"))
    assert "2 features, 3 scenarios" in body
    rows = re.findall(r'<tr id="feature-([a-z0-9-]+)".*?</tr>', body, re.S)
    assert rows == ["demo-ruleset", "payouts-and-platforms"]
    assert '<a href="/rulesets/demo/scenarios/payouts-and-platforms">Payouts and platforms</a>' in body
    assert body.count("not run since its last change") == 2
    assert "Edit all scenarios as one file" in body and "Add a feature" in body and "Run all" in body

    ran = _page(author_client.post("/rulesets/demo/scenarios", data={"feature": "payouts-and-platforms"}))
    assert "Ran the feature 'Payouts and platforms': all 1 scenarios pass." in ran
    row = re.search(r'<tr id="feature-payouts-and-platforms".*?</tr>', ran, re.S).group(0)  # type: ignore[union-attr]
    assert "1 passed, 0 failed" in row
    assert ran.count("not run since its last change") == 1  # the other one did not run

    # Break the first feature through the whole-text editor; Run all lists the failure with
    # a link to its line in that feature's editor.
    text = two_features.replace("Then the products include checkout", "Then the products include terminal")
    author_client.post("/rulesets/demo/scenarios/all", data={"scenarios": text, "action": "save"})
    ran = _page(author_client.post("/rulesets/demo/scenarios", data={"action": "run_all"}))
    assert "Ran 2 features: 1 of 3 scenarios fail." in ran
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "include terminal" in ln)
    assert f'<a href="/rulesets/demo/scenarios/demo-ruleset#L{line}C1">line {line}</a>: expected products to include terminal' in ran
    row = re.search(r'<tr id="feature-demo-ruleset".*?</tr>', ran, re.S).group(0)  # type: ignore[union-attr]
    assert "1 passed, 1 failed" in row


def test_a_feature_opens_alone_and_saving_changes_only_it(
    app: Flask, two_features: str, author_client: FlaskClient, author: Any
) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios/payouts-and-platforms"))
    text = _textarea(body)
    first, second = sc.split_features(two_features)
    assert text == second.body
    assert "A web seller gets Checkout" not in text
    assert re.search(r'aria-current="page"[^>]*>Payouts and platforms', body) and "Feature 2 of 2" in body
    edited = text.replace("Sellers paid out", "Sellers who are paid out").replace("\n", "\r\n")
    resp = author_client.post(
        "/rulesets/demo/scenarios/payouts-and-platforms",
        data={"text": edited, "checksum": _checksum(body), "action": "save"},
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/rulesets/demo/scenarios/payouts-and-platforms")
    with app.app_context():
        stored = authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
    assert stored == first.text + second.body.replace("Sellers paid out", "Sellers who are paid out")
    # The position works as an address too; an unknown feature is a 404 naming the features.
    assert "Sellers who are paid out" in _textarea(_page(author_client.get("/rulesets/demo/scenarios/2")))
    missing = author_client.get("/rulesets/demo/scenarios/nope")
    assert missing.status_code == 404 and "demo-ruleset, payouts-and-platforms" in _page(missing)


def test_a_save_after_the_scenarios_changed_is_a_409_that_keeps_the_text(
    app: Flask, two_features: str, author_client: FlaskClient, author: Any
) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios/demo-ruleset"))
    stamp = _checksum(body)
    # Meanwhile, another window changes the other feature.
    other = _page(author_client.get("/rulesets/demo/scenarios/payouts-and-platforms"))
    author_client.post(
        "/rulesets/demo/scenarios/payouts-and-platforms",
        data={"text": _textarea(other) + "  # checked\n", "checksum": _checksum(other)},
    )
    with app.app_context():
        before = authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
    mine = _textarea(body).replace("A web seller", "A web-only seller")
    resp = author_client.post("/rulesets/demo/scenarios/demo-ruleset", data={"text": mine, "checksum": stamp})
    assert resp.status_code == 409
    page = _page(resp)
    assert "changed since you opened this feature" in page and "nothing was saved" in page
    assert _textarea(page) == mine
    with app.app_context():
        assert authoring.draft_for("demo", author).scenarios == before  # type: ignore[union-attr]
    # Saving again (the page now carries the current stamp) keeps the other window's change.
    resp = author_client.post(
        "/rulesets/demo/scenarios/demo-ruleset", data={"text": mine, "checksum": _checksum(page)}
    )
    assert resp.status_code == 303
    with app.app_context():
        stored = authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
    assert "A web-only seller" in stored and "  # checked\n" in stored


def test_text_that_is_not_one_feature_is_a_400_with_its_line(
    app: Flask, two_features: str, author_client: FlaskClient, author: Any
) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios/payouts-and-platforms"))
    posted = _textarea(body) + "\nFeature: another one\n"
    resp = author_client.post(
        "/rulesets/demo/scenarios/payouts-and-platforms", data={"text": posted, "checksum": _checksum(body)}
    )
    assert resp.status_code == 400
    page = _page(resp)
    line = len(posted.splitlines())
    assert f'data-line="{line}" data-col="1">line {line}, column 1</a>: This text holds 2 \'Feature:\' lines' in page
    assert _textarea(page) == posted
    with app.app_context():
        assert authoring.draft_for("demo", author).scenarios == two_features  # type: ignore[union-attr]


def test_save_and_run_runs_only_this_feature_with_its_own_line_numbers(
    two_features: str, author_client: FlaskClient
) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios/payouts-and-platforms"))
    broken = _textarea(body).replace("include connect", "include terminal")
    page = _page(
        author_client.post(
            "/rulesets/demo/scenarios/payouts-and-platforms",
            data={"text": broken, "checksum": _checksum(body), "action": "run"},
        )
    )
    assert "0 passed, 1 failed" in page and "A web seller gets Checkout" not in page.split('id="scenario-results"')[1]
    line = next(n for n, ln in enumerate(broken.splitlines(), 1) if "include terminal" in ln)
    assert f'data-line="{line}" data-col="1">line {line}</a>: expected products to include terminal' in page
    assert _textarea(page) == broken  # saved, and shown as saved
    # A parse error is reported at its line and column within the feature.
    typo = broken.replace("When the recommendation", "Whenn the recommendation")
    page = _page(
        author_client.post(
            "/rulesets/demo/scenarios/payouts-and-platforms",
            data={"text": typo, "checksum": _checksum(page), "action": "run"},
        )
    )
    line = next(n for n, ln in enumerate(typo.splitlines(), 1) if "Whenn" in ln)
    assert re.search(rf'data-line="{line}" data-col="5">line {line}, column 5</a>: Gherkin: \'Whenn', page)


def test_add_a_feature(app: Flask, demo: Any, author_client: FlaskClient, author: Any) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios/new"))
    assert "Feature: New area" in _textarea(body) and "Add the feature" in body
    resp = author_client.post("/rulesets/demo/scenarios/new", data={"text": SECOND, "checksum": _checksum(body)})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/scenarios/payouts-and-platforms")
    with app.app_context():
        stored = authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
    assert stored.endswith("\n\n" + SECOND)
    refused = author_client.post("/rulesets/demo/scenarios/new", data={"text": "  Scenario: x\n"})
    assert refused.status_code == 400 and "starts with a 'Feature:' line" in _page(refused)


def test_a_refused_publish_links_to_the_feature_and_its_line(
    app: Flask, two_features: str, author_client: FlaskClient
) -> None:
    body = _page(author_client.get("/rulesets/demo/scenarios/payouts-and-platforms"))
    broken = _textarea(body).replace("include connect", "include terminal")
    author_client.post(
        "/rulesets/demo/scenarios/payouts-and-platforms", data={"text": broken, "checksum": _checksum(body)}
    )
    resp = author_client.post("/rulesets/demo/publish", data={"note": "x"})
    assert resp.status_code == 422
    page = _page(resp)
    line = next(n for n, ln in enumerate(broken.splitlines(), 1) if "include terminal" in ln)
    editor = "/rulesets/demo/scenarios/payouts-and-platforms"
    assert f'<a href="{editor}#L5C1">A marketplace gets Connect</a> <small class="muted">line 5</small>' in page
    assert f'<a href="{editor}#L{line}C1">line {line}</a>: expected products to include terminal' in page


def test_sa_cannot_open_or_change_scenarios(
    app: Flask, demo: Any, make_user: Callable[..., Any], client: FlaskClient, login: Callable[..., Any]
) -> None:
    login(make_user("sa"))
    for url in ("/rulesets/demo/scenarios", "/rulesets/demo/scenarios/demo-ruleset", "/rulesets/demo/scenarios/new", "/rulesets/demo/scenarios/all"):
        assert client.get(url).status_code == 403
    assert client.post("/rulesets/demo/scenarios/demo-ruleset", data={"text": "Feature: x\n"}).status_code == 403
    assert client.post("/rulesets/demo/scenarios", data={"action": "run_all"}).status_code == 403
    client.get("/logout")


def test_anonymous_users_are_sent_to_log_in(demo: Any, client: FlaskClient) -> None:
    resp = client.get("/rulesets/demo/scenarios/demo-ruleset")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.fixture
def csrf_on(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_saving_a_feature_needs_the_csrf_token(
    csrf_on: dict[str, Any], app: Flask, demo: Any, client: FlaskClient, author: Any
) -> None:
    def token(body: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert match
        return match.group(1)

    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login", data={"email": author.email, "password": "correct-horse-battery", "csrf_token": token(login)}
    )
    body = _page(client.get("/rulesets/demo/scenarios/demo-ruleset"))
    text = _textarea(body).replace("A web seller", "A web-only seller")
    refused = client.post("/rulesets/demo/scenarios/demo-ruleset", data={"text": text, "checksum": _checksum(body)})
    assert refused.status_code == 400
    assert client.post("/rulesets/demo/scenarios", data={"action": "run_all"}).status_code == 400
    with app.app_context():
        assert "A web-only seller" not in authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
    ok = client.post(
        "/rulesets/demo/scenarios/demo-ruleset",
        data={"text": text, "checksum": _checksum(body), "csrf_token": token(body)},
    )
    assert ok.status_code == 303
    with app.app_context():
        assert "A web-only seller" in authoring.draft_for("demo", author).scenarios  # type: ignore[union-attr]
