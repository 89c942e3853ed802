"""The broken-file suite: every message `rules check`, the workbench and the questionnaire
checks print tells a rule author who is not a programmer what to type instead, at the exact
line and column, without parser jargon, JSON pointers or regular expressions.

YAML cases run with both PyYAML parsers (pure Python and libyaml, whose wording differs).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from recommender import yamlpos
from recommender.engine import check_ruleset_paths, load_ruleset_text
from recommender.engine.loader import structure_problems
from recommender.errors import DefinitionError, Problem
from recommender.questionnaire import load_questionnaire_text

ROOT = Path(__file__).resolve().parents[2]

# Words that must never reach an author: parser states, JSON pointers, jsonschema's phrasing,
# regular expressions.
JARGON = re.compile(
    r"block end|block mapping|mapping start|sequence start|block collection|scanner|scanning|"
    r"while parsing|<stream|<document|<scalar|expected <|flow node|node content|"
    r"/rules/\d|/sections/\d|/markets/\d|/methods/\d|is a required property|does not match|"
    r"Additional properties|is not of type|is not valid under|\^\[|\]\*\$|\\\.|"
    r"end of print statement|statement block|Jinja was looking",
    re.IGNORECASE,
)

FORM = textwrap.dedent(
    """\
    id: testform
    version: 1
    title: Test form
    sections:
      - id: main
        title: Main
        questions:
          - id: volume
            label: Annual volume
            type: money
          - id: channels
            label: Channels
            type: multi
            options: [{value: web, label: Web}, {value: in_person, label: In person}]
          - id: countries
            label: Customer countries
            type: country_list
    """
)

# Line numbers below are the ones the tests point at.
BASE = textwrap.dedent(
    """\
    name: demo
    version: 1
    questionnaire: testform
    sets:
      eu: [DE, NL, BE, FR]
    derived:
      segment: {type: single, options: [enterprise, smb]}
    products:
      - {id: checkout, name: Checkout, family: payments}
      - {id: billing, name: Billing, family: revenue}
    risks:
      - {id: sca, title: SCA, severity: medium, mitigation: Use 3DS.}
    bundles:
      - {id: subs, title: Subscriptions, core: [billing], products: [billing, checkout]}
    rules:
      - id: enterprise
        when: volume >= 10_000_000
        priority: 10
        derive:
          - fact: segment
            value: enterprise
      - id: checkout-web
        when: channels contains web and segment == enterprise
        recommend:
          - product: checkout
            because: "Sells on {{ channels | option }}."
        flag: [{risk: sca}]
    """
)


@pytest.fixture(scope="module")
def form() -> Any:
    return load_questionnaire_text(FORM, "forms/testform.yaml")


@pytest.fixture(params=["pure", "libyaml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run a YAML case with PyYAML's pure-Python parser and with libyaml's."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML was built without libyaml")
        monkeypatch.setattr(yamlpos, "_LOADER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(yamlpos, "_LOADER", yaml.SafeLoader)
    yield request.param


def edit(text: str, line: int, new: str | None) -> str:
    """`text` with line `line` (1-based) replaced by `new` (None removes it; a "\\n" inside
    `new` adds lines)."""
    lines = text.splitlines()
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new
    return "\n".join(lines) + "\n"


def ruleset_problems(text: str, form: Any = None, **kwargs: Any) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        load_ruleset_text(text, "rules/demo.yaml", form, **kwargs)
    return info.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def assert_plain(message: str) -> None:
    found = JARGON.search(message)
    assert found is None, f"jargon {found.group()!r} in: {message}"


def test_the_base_ruleset_loads(form: Any) -> None:
    ruleset = load_ruleset_text(BASE, "rules/demo.yaml", form)
    assert [r.id for r in ruleset.rules] == ["enterprise", "checkout-web"]
    assert structure_problems(ruleset) == []


# -- YAML syntax -------------------------------------------------------------------------------
YAML_CASES = [
    # (name, line, new text, expected line, col, words that must be in the message)
    (
        "indented further",
        18,
        "     priority: 10",
        (18, 6),
        ["indented further than the one above it", "line 17", "'when:'", "column 5"],
    ),
    (
        "indented less",
        18,
        "   priority: 10",
        (18, 4),
        ["indented less than the one above it", "line 17", "'when:'", "column 5"],
    ),
    (
        "list item indented less",
        22,
        " - id: checkout-web",
        (22, 2),
        ["indented less than the one above it", "'-' on line 16 (column 3)"],
    ),
    ("tab as indentation", 18, "\tpriority: 10", (18, 1), ["use spaces, not tabs"]),
    ("tab inside the indentation", 18, "  \t  priority: 10", (18, 3), ["use spaces, not tabs"]),
    (
        "unclosed double quote",
        26,
        '        because: "Sells on {{ channels | option }}.',
        (26, 18),
        ['quote " is never closed', 'add a closing "'],
    ),
    (
        "unclosed single quote",
        17,
        "    when: 'volume >= 10_000_000",
        (17, 11),
        ["quote ' is never closed"],
    ),
    (
        "unclosed bracket",
        27,
        "    flag: [{risk: sca}",
        (27, 11),
        ["'[' is never closed", "add a ']'"],
    ),
    (
        "unclosed bracket before the next rule",
        14,
        "  - {id: subs, title: Subscriptions, core: [billing, products: [billing, checkout]}",
        (14, 83),
        ["this '}' comes before the '[' at column 44 is closed", "add a ']' before it"],
    ),
    (
        "missing comma in a list",
        27,
        "    flag: [{risk: sca} {risk: sca}]",
        (27, 24),
        ["a ',' is missing", "column 11"],
    ),
    ("missing colon", 18, "    priority 10", (18, 5), ["a colon is missing", "'priority: 10'"]),
    (
        "missing colon after a list dash",
        16,
        "  - id enterprise",
        (16, 5),
        ["a colon is missing", "'- id: enterprise'"],
    ),
    (
        "colon inside a value",
        26,
        "        because: Note: it sells on the web.",
        (26, 18),
        ["contains ': '", "in quotes", "because: 'Note: it sells on the web.'"],
    ),
    (
        "text after the closing quote",
        26,
        '        because: "Sells" on the web',
        (26, 26),
        ["text after the closing quote", "inside the quotes"],
    ),
    ("no space after the dash", 22, "  -id: checkout-web", (22, 3), ["put a space after '-'"]),
    (
        "duplicate key",
        18,
        "    priority: 10\n    priority: 5",
        (19, 5),
        ["duplicate key 'priority'", "the first is on line 18"],
    ),
    (
        "value starting with @",
        5,
        "  eu: @eea",
        (5, 7),
        ["cannot start with '@'", "in quotes", "'@eea'"],
    ),
    (
        "invalid date",
        2,
        "version: 2024-02-30",
        (2, 10),
        ["'2024-02-30' looks like a date but is not a valid one", "quotes"],
    ),
    ("unknown tag", 2, "version: !big 1", (2, 10), ["unknown tag '!big'", "remove it"]),
    ("control character", 2, "version: 1\x07", (2, 11), ["control character", "delete it"]),
    ("second document", 3, "---", (3, 1), ["'---'", "remove this line"]),
]


@pytest.mark.parametrize(
    ("line", "new", "where", "words"),
    [case[1:] for case in YAML_CASES],
    ids=[case[0] for case in YAML_CASES],
)
def test_yaml_errors_in_plain_words(
    parser: str, line: int, new: str, where: tuple[int, int], words: list[str]
) -> None:
    problem = only(ruleset_problems(edit(BASE, line, new)))
    assert (problem.line, problem.col) == where, str(problem)
    for word in words:
        assert word in problem.message, (word, problem.message)
    assert_plain(problem.message)


def test_a_tab_is_reported_where_it_is(parser: str) -> None:
    text = edit(BASE, 21, "\t    value: enterprise")
    problem = only(ruleset_problems(text))
    assert (problem.line, problem.col, problem.message[:27]) == (
        21,
        1,
        "use spaces, not tabs: there",
    )


def test_unclosed_flow_at_the_end_of_a_form(parser: str) -> None:
    with pytest.raises(DefinitionError) as info:
        load_questionnaire_text("id: demo\nversion: 1\ntitle: [Demo\n", "f.yaml")
    problem = only(info.value.problems)
    assert (problem.line, problem.col) == (3, 8)
    assert "'[' is never closed" in problem.message


# -- shape (JSON Schema) in words -----------------------------------------------------------------
SCHEMA_CASES = [
    ("when missing", 17, None, (16, 5), "rule 1 (`enterprise`): `when` is missing"),
    (
        "priority not a number",
        18,
        "    priority: high",
        (18, 15),
        "rule 1 (`enterprise`): `priority` must be a whole number, got 'high'",
    ),
    (
        "id with a space and capitals",
        16,
        "  - id: Big Rule",
        (16, 9),
        "rule 1 (`Big Rule`): id 'Big Rule' may only use lowercase letters, digits, '-' and '_'",
    ),
    (
        "unknown key",
        18,
        "    priorty: 10",
        (18, 5),
        "rule 1 (`enterprise`): unknown key `priorty` (did you mean `priority`?)",
    ),
    (
        "family not a choice",
        9,
        "  - {id: checkout, name: Checkout, family: paymnts}",
        (9, 44),
        "product 1 (`checkout`): `family` must be one of payments, payment_methods, revenue, "
        "finance, platforms, fraud, embedded_finance, other; got 'paymnts' (did you mean "
        "'payments'?)",
    ),
    (
        "no effect",
        27,
        None,
        (22, 5),
        "rule 2 (`checkout-web`): needs at least one of `recommend`, `flag`, `derive` or `exclude`",
    ),
    (
        "set name in capitals",
        5,
        "  EU: [DE, NL]",
        (5, 3),
        "the name 'EU' under `sets` may only use lowercase letters, digits and underscores",
    ),
    (
        "empty condition",
        17,
        "    when: ''",
        (17, 11),
        "rule 1 (`enterprise`): `when` must not be empty",
    ),
    (
        "version zero",
        2,
        "version: 0",
        (2, 10),
        "`version` must be 1 or more, got 0",
    ),
    (
        "a group where text is expected",
        17,
        "    when: {volume: 1}",
        (17, 11),
        "rule 1 (`enterprise`): `when` must be text, got a group of 'key: value' lines",
    ),
    (
        "a list where a number is expected",
        18,
        "    priority: [10]",
        (18, 15),
        "rule 1 (`enterprise`): `priority` must be a whole number, got a list",
    ),
]


@pytest.mark.parametrize(
    ("line", "new", "where", "expected"),
    [case[1:] for case in SCHEMA_CASES],
    ids=[case[0] for case in SCHEMA_CASES],
)
def test_schema_errors_in_words(
    line: int, new: str | None, where: tuple[int, int], expected: str
) -> None:
    text = edit(BASE, line, new)
    if new is None and line == 27:  # drop the recommendation too: the rule has no effect left
        text = edit(edit(edit(text, 26, None), 25, None), 24, None)
    problems = ruleset_problems(text)
    found = [p for p in problems if p.message.startswith(expected)]
    assert found, [str(p) for p in problems]
    assert (found[0].line, found[0].col) == where, str(found[0])
    for p in problems:
        assert_plain(p.message)


# -- unknown ids: did you mean ------------------------------------------------------------------
UNKNOWN_CASES = [
    (
        "product",
        25,
        "      - product: chekout",
        (25, 18),
        ["unknown product 'chekout'", "did you mean 'checkout'?"],
    ),
    (
        "product nowhere near",
        25,
        "      - product: radar",
        (25, 18),
        ["unknown product 'radar'", "declare it under `products:`"],
    ),
    ("risk", 27, "    flag: [{risk: scaa}]", (27, 19), ["unknown risk 'scaa'", "'sca'"]),
    (
        "bundle product",
        14,
        "  - {id: subs, title: Subscriptions, core: [biling], products: [billing, checkout]}",
        (14, 45),
        ["unknown product 'biling'", "did you mean 'billing'?"],
    ),
    (
        "derived fact",
        20,
        "      - fact: segmnt",
        (20, 15),
        ["unknown derived fact 'segmnt'", "did you mean 'segment'?", "`derived:`"],
    ),
    (
        "answer id",
        17,
        "    when: volme >= 10_000_000",
        (17, 11),
        ["unknown answer id 'volme'", "did you mean 'volume'?"],
    ),
    (
        "option value",
        23,
        "    when: channels contains web and segment == entreprise",
        (23, 48),
        ["'entreprise' is not an option of 'segment'", "did you mean 'enterprise'?"],
    ),
    (
        "value set without a near name",
        23,
        "    when: channels contains web and countries contains_any @eea",
        (23, 60),
        ["unknown value set '@eea'", "`sets:`"],
    ),
    (
        "value set typo",
        23,
        "    when: channels contains web and countries contains_any @euu",
        (23, 60),
        ["unknown value set '@euu'", "did you mean '@eu'?", "`sets:`"],
    ),
    (
        "template variable",
        26,
        '        because: "Sells on {{ chanels | option }}."',
        (26, 18),
        ["template names unknown answer 'chanels'", "did you mean 'channels'?"],
    ),
    (
        "template filter",
        26,
        '        because: "Sells on {{ channels | opton }}."',
        (26, 18),
        ["unknown filter 'opton'", "did you mean 'option'?"],
    ),
    (
        "template left open",
        26,
        '        because: "Sells on {{ channels | option."',
        (26, 18),
        ["template syntax error: a '{{' or '{%' is not closed", "end it with '}}'"],
    ),
    (
        "duplicate rule id",
        22,
        "  - id: enterprise",
        (22, 9),
        ["duplicate rule id 'enterprise'", "the first is on line 16"],
    ),
    (
        "duplicate product id",
        10,
        "  - {id: billing, name: Billing, family: revenue}\n"
        "  - {id: checkout, name: Again, family: payments}",
        (11, 10),
        ["duplicate product id 'checkout'", "the first is on line 9"],
    ),
    (
        "duplicate risk id",
        12,
        "  - {id: sca, title: SCA, severity: medium, mitigation: Use 3DS.}\n"
        "  - {id: sca, title: Again, severity: low, mitigation: None.}",
        (13, 10),
        ["duplicate risk id 'sca'", "the first is on line 12"],
    ),
    (
        "duplicate bundle id",
        14,
        "  - {id: subs, title: Subscriptions, core: [billing], products: [billing]}\n"
        "  - {id: subs, title: Again, core: [checkout], products: [checkout]}",
        (15, 10),
        ["duplicate bundle id 'subs'", "the first is on line 14"],
    ),
]


@pytest.mark.parametrize(
    ("line", "new", "where", "words"),
    [case[1:] for case in UNKNOWN_CASES],
    ids=[case[0] for case in UNKNOWN_CASES],
)
def test_unknown_ids_and_duplicates(
    form: Any, line: int, new: str, where: tuple[int, int], words: list[str]
) -> None:
    problem = only(ruleset_problems(edit(BASE, line, new), form))
    assert (problem.line, problem.col) == where, str(problem)
    for word in words:
        assert word in problem.message, (word, problem.message)
    assert_plain(problem.message)


def test_a_condition_on_an_undeclared_set_names_the_sets_section_without_a_questionnaire() -> None:
    text = edit(BASE, 23, "    when: channels contains web and countries contains_any @eea")
    problem = only(ruleset_problems(text))
    assert problem.message.startswith("unknown value set '@eea': declare it under `sets:`")


# -- how rules fit together: loops, facts read but never derived ------------------------------------
LOOPS = textwrap.dedent(
    """\
    name: loops
    version: 1
    questionnaire: testform
    derived:
      flip: {type: boolean}
      a: {type: boolean}
      b: {type: boolean}
      c: {type: boolean}
      ghost: {type: single, options: [high, low]}
      tier: {type: single, options: [high, low]}
    products:
      - {id: checkout, name: Checkout, family: payments}
    rules:
      - id: flipper
        when: not flip
        derive: [{fact: flip, value: true}]
      - id: a-from-b
        when: volume > 1 and b
        derive: [{fact: a, value: true}]
      - id: b-from-c
        when: c
        derive: [{fact: b, value: true}]
      - id: c-from-a
        when: a or channels contains web
        derive: [{fact: c, value: true}]
      - id: reads-ghost
        when: channels contains web and ghost == high
        recommend: [{product: checkout}]
      - id: sets-tier
        when: volume > 5
        derive: [{fact: tier, value: high}]
    """
)


def test_loops_and_facts_never_derived_load_but_are_reported(form: Any) -> None:
    ruleset = load_ruleset_text(LOOPS, "rules/loops.yaml", form)  # the engine can still run it
    got = [(p.line, p.col, p.message) for p in structure_problems(ruleset)]
    assert len(got) == 3, got
    flip, cycle, ghost = got
    assert flip[:2] == (15, 15)
    assert "rule 'flipper' reads 'flip' and derives 'flip' itself" in flip[2]
    assert cycle[:2] == (18, 26)  # `b` in the first rule of the loop
    assert "loop" in cycle[2]
    for step in (
        "rule 'a-from-b' derives 'a' from 'b'",
        "rule 'b-from-c' derives 'b' from 'c'",
        "rule 'c-from-a' derives 'c' from 'a'",
    ):
        assert step in cycle[2], cycle[2]
    assert ghost[:2] == (27, 37)
    assert "rule 'reads-ghost' reads the derived fact 'ghost', but no rule derives it" in ghost[2]
    for message in (flip[2], cycle[2], ghost[2]):
        assert_plain(message)


def test_a_fact_read_but_never_derived_suggests_a_derived_one(form: Any) -> None:
    text = LOOPS.replace("ghost == high", "tie == high").replace(
        "ghost: {type: single", "tie: {type: single"
    )
    ruleset = load_ruleset_text(text, "rules/loops.yaml", form)
    messages = [p.message for p in structure_problems(ruleset)]
    assert any("'tie'" in m and "did you mean 'tier'?" in m for m in messages), messages


def test_rules_check_reports_loops_and_never_derived_facts(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "testform.yaml").write_text(FORM)
    path = tmp_path / "loops.yaml"
    path.write_text(LOOPS)
    from recommender.engine.loader import load_questionnaires

    problems = check_ruleset_paths([path], load_questionnaires(forms))
    assert [(p.path, p.line, p.col) for p in problems] == [
        (str(path), 15, 15),
        (str(path), 18, 26),
        (str(path), 27, 37),
    ]
    fine = tmp_path / "fine.yaml"
    fine.write_text(BASE)
    assert check_ruleset_paths([fine], load_questionnaires(forms)) == []


# -- data files -------------------------------------------------------------------------------
DATA = ROOT / "tests" / "authoring" / "data" / "markets"


def _shop(markets: str | None = None, methods: str | None = None) -> list[Problem]:
    files = {
        "markets.yaml": markets or (DATA / "markets.yaml").read_text(),
        "payment_methods.yaml": methods or (DATA / "payment_methods.yaml").read_text(),
    }
    with pytest.raises(DefinitionError) as info:
        load_ruleset_text((DATA / "shop.yaml").read_text(), "rules/shop.yaml", None, files)
    return info.value.problems


def test_data_file_shape_errors_in_words() -> None:
    markets = (DATA / "markets.yaml").read_text()
    problem = only(_shop(markets=markets.replace("currency: BRL", "currency: brl")))
    assert (problem.path, problem.line, problem.col) == ("rules/markets.yaml", 5, 15)
    assert problem.message == (
        "market 1 (`BR`): currency 'brl' (did you mean 'BRL'?) must be a three-letter currency "
        "code in capitals (like EUR)"
    )
    problem = only(_shop(markets=markets.replace("    currency: BRL", "    curency: BRL")))
    assert (problem.line, problem.col) == (5, 5)  # one problem: not also "currency is missing"
    assert problem.message == "market 1 (`BR`): unknown key `curency` (did you mean `currency`?)"
    methods = (DATA / "payment_methods.yaml").read_text()
    problem = only(_shop(methods=methods.replace("recurring: true", "recurring: sometimes", 1)))
    assert problem.message == (
        "method 1 (`boleto`): `recurring` must be one of true, false, invoice; got 'sometimes'"
    )
    assert_plain(problem.message)


def test_data_file_yaml_errors_are_in_plain_words_too() -> None:
    markets = (DATA / "markets.yaml").read_text()
    problem = only(_shop(markets=markets.replace("    currency: BRL", "     currency: BRL")))
    assert (problem.path, problem.line, problem.col) == ("rules/markets.yaml", 5, 6)
    assert "indented further than the one above it" in problem.message


# -- questionnaires -----------------------------------------------------------------------------
def form_problems(text: str) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        load_questionnaire_text(text, "forms/testform.yaml")
    return info.value.problems


def test_questionnaire_messages_in_words(parser: str) -> None:
    problem = only(form_problems(edit(FORM, 9, "        lable: Annual volume")))
    assert (problem.line, problem.col) == (9, 9)
    assert "unknown key `lable` (did you mean `label`?)" in problem.message
    assert problem.message.startswith("section 1 (`main`), question 1 (`volume`): ")
    problem = only(form_problems(edit(FORM, 10, "        type: mony")))
    assert (problem.line, problem.col) == (10, 15)
    assert "got 'mony' (did you mean 'money'?)" in problem.message
    problem = only(form_problems(edit(FORM, 10, "\ttype: money")))
    assert (problem.line, problem.col) == (10, 1) and "use spaces, not tabs" in problem.message
    problem = only(form_problems(edit(FORM, 4, "sections:\n  - id: main\n    title: Again")))
    assert "duplicate key" not in problem.message
    assert problem.message.startswith("section 1 (`main`): `questions` is missing")
    problem = only(
        form_problems(FORM.replace("show_if", "x") + "        show_if: chanels contains web\n")
    )
    assert (problem.line, problem.col) == (18, 18)
    assert "unknown answer id 'chanels', did you mean 'channels'?" in problem.message


# -- what is accepted does not change -----------------------------------------------------------
def test_the_default_rulesets_and_forms_check_clean_with_both_parsers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from recommender.engine.loader import load_questionnaires
    from recommender.questionnaire import check_paths

    loaded: list[Any] = []
    for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        monkeypatch.setattr(yamlpos, "_LOADER", loader)
        forms = load_questionnaires(ROOT / "forms")
        assert check_paths(sorted((ROOT / "forms").glob("*.yaml"))) == []
        assert check_ruleset_paths(sorted((ROOT / "rules").glob("*.yaml")), forms) == []
        stripe = (ROOT / "rules" / "stripe.yaml").read_text()
        loaded.append(yamlpos.load_yaml(stripe).data)
    assert loaded[0] == loaded[1]


def test_whole_file_and_value_type_messages(tmp_path: Path, form: Any) -> None:
    problem = only(ruleset_problems("- just a list\n"))
    assert (problem.line, problem.col) == (1, 1)
    assert "'key: value' lines, starting with name:, version:" in problem.message
    problem = only(ruleset_problems(edit(BASE, 21, "        value: 12"), form))
    assert (
        problem.message
        == "'12' is not an option of derived fact 'segment' (options: enterprise, smb)"
    )
    text = edit(BASE, 7, "  segment: {type: boolean}").replace("value: enterprise", "value: 'yes'")
    text = text.replace("segment == enterprise", "segment")
    problem = only(ruleset_problems(text, form))
    assert problem.message == "derived fact 'segment' takes true or false: 'yes' does not fit"
    # A questionnaire named with a typo: the one meant is suggested.
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "testform.yaml").write_text(FORM)
    path = tmp_path / "demo.yaml"
    path.write_text(BASE.replace("questionnaire: testform", "questionnaire: tesform"))
    from recommender.engine.loader import load_questionnaires

    problems = check_ruleset_paths([path], load_questionnaires(forms))
    assert [(p.line, p.col, p.message) for p in problems][0] == (
        3,
        16,
        "unknown questionnaire 'tesform' (did you mean 'testform'?)",
    )


def test_a_lower_case_country_in_a_data_file_suggests_the_code() -> None:
    methods = (DATA / "payment_methods.yaml").read_text()
    problem = only(
        _shop(methods=methods.replace("buyer_countries: [BR]", "buyer_countries: [br]", 1))
    )
    assert (problem.line, problem.col) == (8, 23)
    assert problem.message == (
        "method 1 (`boleto`), `buyer_countries` item 1: value 'br' (did you mean 'BR'?) must be "
        "a two-letter country code in capitals (like DE) or a set of the ruleset (like @eea)"
    )


def test_an_unclosed_quote_is_reported_where_it_opens_not_where_yaml_stops(parser: str) -> None:
    text = BASE + textwrap.indent(
        textwrap.dedent(
            """\
            - id: billing-saas
              when: channels contains web
              recommend:
                - product: billing
                  because: "Sells subscriptions."
            """
        ),
        "  ",
    )
    broken = edit(text, 26, '        because: "Sells on {{ channels | option }}.')
    problem = only(ruleset_problems(broken))
    assert (problem.line, problem.col) == (26, 18), str(problem)
    assert 'this quote " is never closed on its line' in problem.message
    assert "runs on to line 32" in problem.message


# -- messages that say what to type (rule author QA, issue 11) ---------------------------------
BILLING_AND_SIGMA = (
    "  - {id: billing, name: Billing, family: revenue}\n"
    "  - {id: sigma, name: Stripe Sigma, family: finance}"
)


def test_a_product_written_as_its_name_names_the_id_to_write(form: Any) -> None:
    text = edit(edit(BASE, 25, "      - product: Stripe Sigma"), 10, BILLING_AND_SIGMA)
    problem = only(ruleset_problems(text, form))
    assert (problem.line, problem.col) == (26, 18)
    assert problem.message.endswith("product 'Stripe Sigma' is not a product id: write `sigma` (Stripe Sigma)")
    assert_plain(problem.message)
    # Nothing like it: the example is a real product id, not a rule id.
    problem = only(ruleset_problems(edit(BASE, 25, "      - product: Big Thing"), form))
    assert "(like checkout)" in problem.message and "(like checkout-web)" not in problem.message
    assert "write the id of an entry under `products:`" in problem.message


def test_a_product_id_with_a_common_prefix_finds_the_id(form: Any) -> None:
    text = edit(edit(BASE, 25, "      - product: stripe_sigma"), 10, BILLING_AND_SIGMA)
    problem = only(ruleset_problems(text, form))
    assert problem.message == "unknown product 'stripe_sigma' (did you mean 'sigma'?)"


def test_a_set_name_the_unknown_one_starts_with_is_preferred(form: Any) -> None:
    text = edit(BASE, 23, "    when: channels contains web and countries contains_any @eea_countries")
    text = edit(text, 5, "  eu: [DE, NL, BE, FR]\n  treasury_countries: [US, GB]\n  eea: [DE, NO]")
    problem = only(ruleset_problems(text, form))
    assert "unknown value set '@eea_countries'" in problem.message
    assert "did you mean '@eea'?" in problem.message, problem.message


def test_a_rule_without_its_dash_is_told_to_start_with_one(parser: str) -> None:
    problem = only(ruleset_problems(edit(BASE, 22, "  id: checkout-web")))
    assert (problem.line, problem.col) == (22, 3)
    assert problem.message.startswith(
        "this line is missing its '- ': start this rule with '- ' like the rules above it"
    ), problem.message
    assert "write '- id: checkout-web'" in problem.message
    assert "line it up" not in problem.message
    assert_plain(problem.message)


def test_a_missing_when_says_what_line_to_add() -> None:
    problems = ruleset_problems(edit(BASE, 17, None))
    found = [p for p in problems if "`when` is missing" in p.message]
    assert found, [str(p) for p in problems]
    assert found[0].message.endswith(
        "add a line `when: <condition>` (for example `when: channels contains web and segment == enterprise`)"
    )
