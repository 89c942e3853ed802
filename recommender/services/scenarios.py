"""Gherkin scenario tests stored with a ruleset version, run without pytest.

Rule authors keep scenarios next to their rules (`RulesetVersion.scenarios`, seeded from
`features/ruleset/*.feature`). This module parses that text with the official Gherkin parser,
understands the ruleset step vocabulary below, runs each scenario through an `evaluate`
callable and reports pass/fail per scenario with the failing step's line, plus the rules each
scenario fired (for the coverage view). It imports nothing from Flask.

Step vocabulary (Given/When/Then/And/But are interchangeable):
    the answers:                              (table | answer | value |)
    the recommendation is evaluated
    the products include a, b
    the products exclude a, b
    the risk X is flagged                     (optionally: with severity high)
    the risk X is not flagged
    the product X is excluded
    the product X is not excluded
    the derived fact F is V
    the market plan for XX includes a, b      (methods listed for buyer country XX)
    the market plan for XX excludes a, b      (left out for XX, with a reason)
    the market plan for XX does not list a, b
    the market plan for XX has the auth regime R
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from gherkin.errors import CompositeParserException, ParserError, ParserException
from gherkin.parser import Parser

from recommender.errors import Problem
from recommender.suggest import close_match

Evaluate = Callable[[dict[str, Any]], dict[str, Any]]

LIST_TYPES = {"multi", "country_list"}
NUMBER_TYPES = {"integer", "money", "percent"}

_FEATURE_LINE = re.compile(r"^\s*Feature:")


@dataclass
class Step:
    keyword: str
    text: str
    line: int
    table: list[list[str]] | None = None


@dataclass
class Scenario:
    name: str
    line: int
    steps: list[Step]
    feature: str = ""


@dataclass
class StepFailure:
    line: int
    message: str


@dataclass
class ScenarioResult:
    name: str
    line: int
    feature: str
    passed: bool
    failures: list[StepFailure] = field(default_factory=list)
    fired_rules: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "line": self.line,
            "feature": self.feature,
            "passed": self.passed,
            "failures": [{"line": f.line, "message": f.message} for f in self.failures],
            "fired_rules": list(self.fired_rules),
        }


@dataclass
class RunReport:
    results: list[ScenarioResult]
    problems: list[Problem]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)

    @property
    def ok(self) -> bool:
        return not self.problems and self.failed == 0

    def fired_rules(self) -> set[str]:
        return {rule for r in self.results for rule in r.fired_rules}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "passed": self.passed,
            "failed": self.failed,
            "problems": [str(p) for p in self.problems],
            "scenarios": [r.to_dict() for r in self.results],
        }


# --------------------------------------------------------------------------- parsing


def _chunks(text: str) -> list[tuple[int, str]]:
    """Split text holding several `Feature:` documents into (line offset, text) chunks."""
    lines = text.splitlines(keepends=True)
    starts: list[int] = []
    for i, line in enumerate(lines):
        if _FEATURE_LINE.match(line):
            start = i
            # Tags and comments right above a Feature line belong to it.
            while start > 0 and lines[start - 1].strip().startswith(("@", "#")):
                start -= 1
            if not starts or start > starts[-1]:
                starts.append(start)
    if not starts:
        return [(0, text)] if text.strip() else []
    starts[0] = 0
    bounds = starts + [len(lines)]
    return [(bounds[k], "".join(lines[bounds[k] : bounds[k + 1]])) for k in range(len(starts))]


def _steps(raw_steps: Iterable[dict[str, Any]], offset: int) -> list[Step]:
    steps = []
    for s in raw_steps:
        table = None
        if s.get("dataTable"):
            table = [[c["value"] for c in row["cells"]] for row in s["dataTable"]["rows"]]
        steps.append(
            Step(s["keyword"].strip(), s["text"].strip(), s["location"]["line"] + offset, table)
        )
    return steps


def _substitute(step: Step, values: dict[str, str]) -> Step:
    def sub(s: str) -> str:
        for k, v in values.items():
            s = s.replace(f"<{k}>", v)
        return s

    table = [[sub(c) for c in row] for row in step.table] if step.table else None
    return Step(step.keyword, sub(step.text), step.line, table)


def _scenarios_of(
    children: list[dict[str, Any]], background: list[Step], offset: int, feature: str
) -> list[Scenario]:
    out: list[Scenario] = []
    bg = list(background)
    for child in children:
        if "background" in child:
            bg = bg + _steps(child["background"]["steps"], offset)
        elif "rule" in child:
            out.extend(_scenarios_of(child["rule"]["children"], bg, offset, feature))
        elif "scenario" in child:
            sc = child["scenario"]
            steps = _steps(sc["steps"], offset)
            line = sc["location"]["line"] + offset
            examples = sc.get("examples") or []
            if not examples:
                out.append(Scenario(sc["name"], line, bg + steps, feature))
                continue
            for ex in examples:
                header = [c["value"] for c in (ex.get("tableHeader") or {}).get("cells", [])]
                for row in ex.get("tableBody") or []:
                    values = dict(zip(header, [c["value"] for c in row["cells"]], strict=False))
                    name = sc["name"]
                    for k, v in values.items():
                        name = name.replace(f"<{k}>", v)
                    label = ", ".join(f"{k}={v}" for k, v in values.items())
                    out.append(
                        Scenario(
                            f"{name} ({label})",
                            row["location"]["line"] + offset,
                            [_substitute(s, values) for s in bg + steps],
                            feature,
                        )
                    )
    return out


_UNEXPECTED = re.compile(r"^expected: (?P<expected>.*), got '(?P<got>.*)'$", re.S)
_UNEXPECTED_EOF = re.compile(r"^unexpected end of file, expected: (?P<expected>.*)$", re.S)


def _gherkin_message(msg: str) -> str:
    """The parser's token list (`expected: #EOF, #TableRow, ... got 'x'`) in an author's words."""
    m = _UNEXPECTED.match(msg)
    if m:
        got = m["got"].strip()
        if "#FeatureLine" in m["expected"] and "#StepLine" not in m["expected"]:
            return f"Gherkin: expected a 'Feature:' line before '{got}'"
        return (
            f"Gherkin: '{got}' is not a step, table row or heading here; a step starts with "
            "Given, When, Then, And or But, a table row with |, and a heading with "
            "Feature:, Background:, Scenario:, Scenario Outline: or Examples:"
        )
    m = _UNEXPECTED_EOF.match(msg)
    if m:
        if "#DocStringSeparator" in m["expected"]:
            return 'Gherkin: the text ends inside a """ block; close it with another """'
        return "Gherkin: the text ends too early; a tag needs a Feature: or Scenario: line after it"
    return f"Gherkin: {msg}"


def parse_scenarios(
    text: str,
    path: str = "scenarios.feature",
    known: Catalogue | None = None,
    question_types: Mapping[str, str] | None = None,
) -> tuple[list[Scenario], list[Problem]]:
    """Parse stored scenario text (one or more Feature documents) into scenarios + problems.

    With `known` (the ruleset's ids) every product, risk and derived fact a step names is
    checked too, and with `question_types` every answer id of an answers table, each with a
    did-you-mean: a Save reports a typo that a run would otherwise report first."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for offset, chunk in _chunks(text):
        try:
            doc = Parser().parse(chunk)
        except CompositeParserException as exc:
            for err in exc.errors:
                loc = err.location if isinstance(err, ParserException) else {"line": 1}
                msg = str(err).split(": ", 1)[-1] if str(err).startswith("(") else str(err)
                problems.append(
                    Problem(path, loc["line"] + offset, loc.get("column") or 1, _gherkin_message(msg))
                )
            continue
        except ParserException as exc:
            msg = str(exc).split(": ", 1)[-1]
            problems.append(
                Problem(
                    path,
                    exc.location["line"] + offset,
                    exc.location.get("column") or 1,
                    _gherkin_message(msg),
                )
            )
            continue
        except ParserError as exc:
            problems.append(Problem(path, 1 + offset, 1, f"Gherkin: {exc}"))
            continue
        feature = doc.get("feature")
        if not feature:
            continue
        children = cast(list[dict[str, Any]], feature["children"])
        scenarios.extend(_scenarios_of(children, [], offset, feature["name"]))
    for sc in scenarios:
        for step in sc.steps:
            matched = _match(step)
            if matched is None:
                problems.append(
                    Problem(path, step.line, 1, f"unknown step '{step.keyword} {step.text}'")
                )
                continue
            problems.extend(
                Problem(path, line, 1, message)
                for line, message in step_id_problems(step, matched, known, question_types)
            )
    return scenarios, sorted(set(problems))


def step_id_problems(
    step: Step,
    matched: tuple[str, re.Match[str]],
    known: Catalogue | None,
    question_types: Mapping[str, str] | None,
) -> list[tuple[int, str]]:
    """(line, message) for each unknown id one step names (products, risks, derived facts;
    answer ids of its table, at their row), and for a yes/no fact expected to be anything
    but true or false."""
    kind, m = matched
    out: list[tuple[int, str]] = []
    if kind == "answers" and question_types:
        for i, row in enumerate(step.table or []):
            qid = row[0].strip() if row else ""
            if i == 0 and [c.strip().lower() for c in row[:2]] == ["answer", "value"]:
                continue
            if qid and qid not in question_types:
                guess = close_match(qid, question_types)
                hint = f"; did you mean '{guess}'?" if guess else ""
                out.append((step.line + 1 + i, f"unknown answer id '{qid}' (not a question of the questionnaire){hint}"))
    if known is not None:
        unknown = _unknown_ids(kind, m, known)
        if unknown is not None:
            out.append((step.line, unknown))
        elif kind == "derived" and m["id"] in known.booleans and m["value"].strip().lower() not in ("true", "false"):
            out.append((step.line, _yes_no(m["id"], m["value"])))
    return out


def _yes_no(fact: str, value: str) -> str:
    return f"the derived fact {fact} is yes or no: write true or false, not '{value.strip()}'"


def _shown(value: Any) -> str:
    """A value as a scenario writes it (true/false, not Python's True/False)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "nothing"
    return str(value)


# --------------------------------------------------------------------------- features

# Addresses of the workbench's own scenario pages: a feature's slug never takes them.
RESERVED_SLUGS = frozenset({"all", "new"})
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_FEATURE_TITLE = re.compile(r"^\s*Feature:(?P<title>.*)$", re.M)


@dataclass(frozen=True)
class FeatureBlock:
    """One `Feature:` document of the stored scenario text, as its own editor shows it.

    `body` is the feature (with the tags and comments above its Feature line); `tail` the
    blank lines after it, kept as they are when the body is replaced. The stored text is
    the blocks' `body + tail` in order (`join_features`), byte for byte."""

    index: int  # 1-based position among the features
    slug: str  # the feature's address: its title in lower case with dashes, unique
    title: str
    start: int  # 1-based line of the body's first line in the stored text
    body: str
    tail: str

    @property
    def text(self) -> str:
        return self.body + self.tail

    @property
    def line_count(self) -> int:
        return len(self.body.splitlines())

    def holds(self, line: int) -> bool:
        """Whether a line of the stored text (1-based) is in this block."""
        return self.start <= line < self.start + len((self.body + self.tail).splitlines())


def _body_and_tail(chunk: str) -> tuple[str, str]:
    lines = chunk.splitlines(keepends=True)
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return "".join(lines[:end]), "".join(lines[end:])


def feature_title(body: str) -> str:
    m = _FEATURE_TITLE.search(body)
    return m["title"].strip() if m else ""


def _slug(title: str, index: int, taken: set[str]) -> str:
    base = _SLUG_CHARS.sub("-", title.lower()).strip("-")[:60].strip("-") or f"feature-{index}"
    slug, n = base, 2
    while slug in taken or slug in RESERVED_SLUGS or slug.isdigit():
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def split_features(text: str) -> list[FeatureBlock]:
    """The features of stored scenario text, in order; `join_features` gives the text back."""
    blocks: list[FeatureBlock] = []
    taken: set[str] = set()
    chunks = _chunks(text)
    if not chunks and text:
        chunks = [(0, text)]  # blank lines only: one untitled block keeps them
    for k, (offset, chunk) in enumerate(chunks, 1):
        body, tail = _body_and_tail(chunk)
        title = feature_title(body)
        blocks.append(FeatureBlock(k, _slug(title, k, taken), title, offset + 1, body, tail))
    return blocks


def join_features(blocks: Iterable[FeatureBlock]) -> str:
    return "".join(b.text for b in blocks)


def find_feature(blocks: list[FeatureBlock], key: str) -> FeatureBlock | None:
    """A feature by its slug, else by its 1-based position."""
    for block in blocks:
        if block.slug == key:
            return block
    if key.isdigit() and 1 <= int(key) <= len(blocks):
        return blocks[int(key) - 1]
    return None


def locate_line(blocks: list[FeatureBlock], line: int) -> tuple[FeatureBlock, int] | None:
    """The feature holding a line of the stored text, and the line within that feature."""
    for block in blocks:
        if block.holds(line):
            return block, line - block.start + 1
    return None


class FeatureTextError(ValueError):
    """Text for one feature's editor that is not exactly one feature (message, line)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _one_feature(body: str) -> None:
    lines = body.splitlines()
    feature_lines = [i for i, line in enumerate(lines, 1) if _FEATURE_LINE.match(line)]
    if not feature_lines:
        raise FeatureTextError(
            "A feature starts with a 'Feature:' line (for example 'Feature: Payouts'); "
            "add one above the scenarios."
        )
    if len(feature_lines) > 1:
        raise FeatureTextError(
            f"This text holds {len(feature_lines)} 'Feature:' lines (lines "
            f"{', '.join(map(str, feature_lines))}); one feature per editor: use "
            "'Add a feature' for another one.",
            feature_lines[1],
        )
    for i, line in enumerate(lines[: feature_lines[0] - 1], 1):
        if not line.strip().startswith(("@", "#")):
            raise FeatureTextError(
                "Only tags (@...) and comments (#...) may come before the 'Feature:' line.", i
            )


def _normalized_body(text: str, keep_newline: bool) -> str:
    body, _ = _body_and_tail(text.replace("\r\n", "\n"))
    if keep_newline and body and not body.endswith("\n"):
        body += "\n"
    return body


def replace_feature(text: str, index: int, new_text: str) -> str:
    """The stored text with feature `index` (1-based) replaced by `new_text`; every other
    feature, and the blank lines after this one, stay byte for byte. FeatureTextError
    when `new_text` is not exactly one feature."""
    blocks = split_features(text)
    old = blocks[index - 1]
    body = _normalized_body(new_text, old.body.endswith("\n") or bool(old.tail) or index < len(blocks))
    if index > 1 or len([ln for ln in body.splitlines() if _FEATURE_LINE.match(ln)]) != 1:
        _one_feature(body)  # (text before the first feature's Feature: line is free)
    out = join_features([replace(b, body=body) if b.index == index else b for b in blocks])
    _same_blocks(out, len(blocks), index, body)
    return out


def append_feature(text: str, new_text: str) -> tuple[str, int]:
    """The stored text with a new feature at the end (after a blank line), and its index."""
    body = _normalized_body(new_text, True)
    _one_feature(body)
    if not text.strip():
        return body, 1
    joined = text if text.endswith("\n") else text + "\n"
    if not joined.endswith("\n\n"):
        joined += "\n"
    count = len(split_features(text)) + 1
    _same_blocks(joined + body, count, count, body)
    return joined + body, count


def _same_blocks(text: str, count: int, index: int, body: str) -> None:
    """The edited feature must come back as the same block when the text is split again."""
    again = split_features(text)
    if len(again) != count or again[index - 1].body != body:
        raise FeatureTextError(
            "This text would not stay one feature of its own; start it with its tags, "
            "comments and 'Feature:' line, and end it with its last step."
        )


# --------------------------------------------------------------------------- steps

_STEP_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("answers", re.compile(r"^the answers:?$")),
    ("evaluate", re.compile(r"^the recommendation is evaluated$")),
    ("include", re.compile(r"^the products include (?P<ids>.+)$")),
    ("exclude_products", re.compile(r"^the products exclude (?P<ids>.+)$")),
    ("risk_not", re.compile(r"^the risk (?P<id>\S+) is not flagged$")),
    ("risk", re.compile(r"^the risk (?P<id>\S+) is flagged(?: with severity (?P<sev>\S+))?$")),
    ("excluded_not", re.compile(r"^the product (?P<id>\S+) is not excluded$")),
    ("excluded", re.compile(r"^the product (?P<id>\S+) is excluded$")),
    ("derived", re.compile(r"^the derived fact (?P<id>\S+) is (?P<value>.+)$")),
    ("plan_include", re.compile(r"^the market plan for (?P<country>[A-Z]{2}) includes (?P<ids>.+)$")),
    ("plan_exclude", re.compile(r"^the market plan for (?P<country>[A-Z]{2}) excludes (?P<ids>.+)$")),
    (
        "plan_not_listed",
        re.compile(r"^the market plan for (?P<country>[A-Z]{2}) does not list (?P<ids>.+)$"),
    ),
    (
        "plan_regime",
        re.compile(r"^the market plan for (?P<country>[A-Z]{2}) has the auth regime (?P<value>\S+)$"),
    ),
]

# Method ids of a market plan that are not catalogue products.
PLAN_PSEUDO_METHODS = frozenset({"cards", "wallets"})


def _match(step: Step) -> tuple[str, re.Match[str]] | None:
    for kind, pattern in _STEP_PATTERNS:
        m = pattern.match(step.text)
        if m:
            if kind == "answers" and not step.table:
                return None
            return kind, m
    return None


def _ids(text: str) -> list[str]:
    return [s.strip().strip("\"'") for s in text.split(",") if s.strip()]


def _number(raw: str) -> int | float:
    cleaned = raw.replace("_", "").replace(",", "").replace("$", "").strip()
    try:
        return int(cleaned)
    except ValueError:
        value = float(cleaned)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(raw) from None
        return int(value) if value.is_integer() and "." not in cleaned else value


def typed_value(question_type: str | None, raw: str) -> Any:
    """Turn a table cell into the typed answer value (docs/architecture.md, typed answers)."""
    raw = raw.strip()
    if question_type in LIST_TYPES:
        items = _ids(raw)
        return sorted(set(items)) if question_type == "country_list" else items
    if question_type == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ValueError(f"'{raw}' is not true or false")
        return raw.lower() == "true"
    if question_type in NUMBER_TYPES:
        try:
            value = _number(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a number (write 12000000, 12_000_000 or 0.75)") from None
        if question_type == "integer" and not isinstance(value, int):
            raise ValueError(f"'{raw}' is not a whole number")
        return value
    if question_type is None:
        # Unknown to the questionnaire: guess from the text (the check reports the id).
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        try:
            return _number(raw)
        except ValueError:
            return _ids(raw) if "," in raw else raw
    return raw


def answers_from_table(
    table: list[list[str]], question_types: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Answers from `| answer | value |` rows; returns (answers, error messages)."""
    answers: dict[str, Any] = {}
    errors: list[str] = []
    rows = table
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["answer", "value"]:
        rows = rows[1:]
    for row in rows:
        if len(row) < 2:
            errors.append("each answers row needs an answer id and a value")
            continue
        qid, raw = row[0].strip(), row[1]
        if question_types and qid not in question_types:
            errors.append(f"unknown answer id '{qid}'")
            continue
        try:
            answers[qid] = typed_value(question_types.get(qid), raw)
        except ValueError as exc:
            errors.append(f"answer '{qid}': {exc}")
    return answers, errors


def _product_ids(result: dict[str, Any]) -> list[str]:
    return [p["id"] for p in result.get("products", [])]


def _risk(result: dict[str, Any], risk_id: str) -> dict[str, Any] | None:
    return next((r for r in result.get("risks", []) if r.get("id") == risk_id), None)


def _excluded_ids(result: dict[str, Any]) -> list[str]:
    return [e.get("product") or e.get("id") for e in result.get("exclusions", [])]


def _derived(result: dict[str, Any]) -> dict[str, Any]:
    derived = result.get("derived", [])
    if isinstance(derived, dict):
        return dict(derived)
    return {d.get("fact") or d.get("id"): d.get("value") for d in derived}


def fired_rules(result: dict[str, Any]) -> list[str]:
    """Rule ids that fired, from a result's trace."""
    return [t["rule"] for t in result.get("trace", []) if t.get("fired")]


def _same(expected: str, actual: Any) -> bool:
    if isinstance(actual, bool):
        return expected.lower() == str(actual).lower()
    if isinstance(actual, int | float):
        try:
            return float(_number(expected)) == float(actual)
        except ValueError:
            return False
    if isinstance(actual, list):
        return sorted(_ids(expected)) == sorted(str(a) for a in actual)
    return expected.strip().strip("\"'") == str(actual)


def _check_plan(kind: str, m: re.Match[str], result: dict[str, Any]) -> str | None:
    plans = {p.get("country"): p for p in result.get("markets", [])}
    country = m["country"]
    plan = plans.get(country)
    if plan is None:
        return f"no market plan for {country}; plans for: {', '.join(plans) or 'none'}"
    listed = [x.get("id") for x in plan.get("methods", [])]
    excluded = {x.get("id"): x for x in plan.get("excluded", [])}
    if kind == "plan_include":
        missing = [i for i in _ids(m["ids"]) if i not in listed]
        if missing:
            return (
                f"expected the market plan for {country} to include {', '.join(missing)}; "
                f"it lists {', '.join(listed) or 'none'}"
            )
    elif kind == "plan_exclude":
        for pid in _ids(m["ids"]):
            if pid not in excluded or not str(excluded[pid].get("reason", "")).strip():
                return (
                    f"expected the market plan for {country} to exclude {pid} with a reason; "
                    f"it excludes {', '.join(excluded) or 'nothing'}"
                )
            if pid in listed:
                return f"{pid} is both listed and excluded in the market plan for {country}"
    elif kind == "plan_not_listed":
        found = [i for i in _ids(m["ids"]) if i in listed or i in excluded]
        if found:
            return f"expected the market plan for {country} not to mention {', '.join(found)}"
    elif kind == "plan_regime" and plan.get("auth_regime") != m["value"]:
        return (
            f"expected the market plan for {country} to have the auth regime {m['value']}; "
            f"got {plan.get('auth_regime')}"
        )
    return None


def _check(kind: str, m: re.Match[str], result: dict[str, Any]) -> str | None:
    """None when the expectation holds, else a message saying what was found."""
    if kind.startswith("plan_"):
        return _check_plan(kind, m, result)
    products = _product_ids(result)
    if kind == "include":
        missing = [p for p in _ids(m["ids"]) if p not in products]
        if missing:
            return f"expected products to include {', '.join(missing)}; got {', '.join(products) or 'none'}"
    elif kind == "exclude_products":
        present = [p for p in _ids(m["ids"]) if p in products]
        if present:
            return f"expected products to exclude {', '.join(present)}; they are recommended"
    elif kind == "risk":
        risk = _risk(result, m["id"])
        if risk is None:
            flagged = ", ".join(r["id"] for r in result.get("risks", [])) or "none"
            return f"expected risk {m['id']} to be flagged; flagged: {flagged}"
        if m["sev"] and risk.get("severity") != m["sev"]:
            return f"expected risk {m['id']} with severity {m['sev']}; got {risk.get('severity')}"
    elif kind == "risk_not":
        if _risk(result, m["id"]) is not None:
            return f"expected risk {m['id']} not to be flagged; it is"
    elif kind == "excluded":
        if m["id"] not in _excluded_ids(result):
            return f"expected product {m['id']} to be excluded; excluded: {', '.join(_excluded_ids(result)) or 'none'}"
    elif kind == "excluded_not":
        if m["id"] in _excluded_ids(result):
            return f"expected product {m['id']} not to be excluded; it is"
    elif kind == "derived":
        derived = _derived(result)
        if m["id"] not in derived:
            return f"expected derived fact {m['id']} = {m['value']}; it was not derived"
        actual = derived[m["id"]]
        if isinstance(actual, bool) and m["value"].strip().lower() not in ("true", "false"):
            return f"{_yes_no(m['id'], m['value'])} (it is {_shown(actual)} here)"
        if not _same(m["value"], actual):
            return f"expected derived fact {m['id']} = {m['value']}; got {_shown(actual)}"
    return None


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Catalogue:
    """The ids a ruleset knows: a step naming any other id is a typo, never a pass."""

    products: frozenset[str]
    risks: frozenset[str]
    facts: frozenset[str]
    booleans: frozenset[str] = frozenset()  # the yes/no derived facts (true or false)


def _unknown_ids(kind: str, m: re.Match[str], known: Catalogue) -> str | None:
    def close(name: str, pool: frozenset[str]) -> str:
        guess = close_match(name, pool)
        return f"; did you mean '{guess}'?" if guess else ""

    if kind in ("include", "exclude_products"):
        for pid in _ids(m["ids"]):
            if pid not in known.products:
                return f"unknown product '{pid}' (not in the ruleset's catalogue){close(pid, known.products)}"
    elif kind in ("excluded", "excluded_not"):
        if m["id"] not in known.products:
            return f"unknown product '{m['id']}' (not in the ruleset's catalogue){close(m['id'], known.products)}"
    elif kind in ("risk", "risk_not"):
        if m["id"] not in known.risks:
            return f"unknown risk '{m['id']}' (not in the ruleset's risk register){close(m['id'], known.risks)}"
        if kind == "risk" and m["sev"] and m["sev"] not in ("high", "medium", "low"):
            return f"unknown severity '{m['sev']}'; use high, medium or low"
    elif kind in ("plan_include", "plan_exclude", "plan_not_listed"):
        for pid in _ids(m["ids"]):
            if pid not in known.products and pid not in PLAN_PSEUDO_METHODS:
                return f"unknown product '{pid}' (not in the ruleset's catalogue){close(pid, known.products)}"
    elif kind == "plan_regime" and m["value"] not in ("sca", "jp_3ds", "in_afa", "none", "unconfirmed"):
        return f"unknown auth regime '{m['value']}'; use sca, jp_3ds, in_afa, none or unconfirmed"
    elif kind == "derived" and m["id"] not in known.facts:
        return f"unknown derived fact '{m['id']}' (not declared under derived:){close(m['id'], known.facts)}"
    return None


def run_scenario(
    scenario: Scenario,
    evaluate: Evaluate,
    question_types: dict[str, str],
    visible: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    known: Catalogue | None = None,
) -> ScenarioResult:
    """Run one scenario; a step that fails does not stop the later checks from reporting."""
    res = ScenarioResult(scenario.name, scenario.line, scenario.feature, passed=True)
    answers: dict[str, Any] = {}
    result: dict[str, Any] | None = None
    for step in scenario.steps:
        matched = _match(step)
        if matched is None:
            res.failures.append(
                StepFailure(step.line, f"unknown step '{step.keyword} {step.text}'")
            )
            continue
        kind, m = matched
        if kind == "answers":
            new, errors = answers_from_table(step.table or [], question_types)
            answers.update(new)
            res.failures.extend(StepFailure(step.line, e) for e in errors)
            result = None
            continue
        if kind == "evaluate" or result is None:
            try:
                facts = visible(answers) if visible else answers
                result = evaluate(facts)
            except Exception as exc:  # noqa: BLE001 - reported to the author as a failure
                res.failures.append(StepFailure(step.line, f"evaluation failed: {exc}"))
                break
            res.fired_rules = fired_rules(result)
            if kind == "evaluate":
                continue
        message = (_unknown_ids(kind, m, known) if known else None) or _check(kind, m, result)
        if message:
            res.failures.append(StepFailure(step.line, message))
    res.answers = answers
    res.passed = not res.failures
    return res


def run_scenarios(
    text: str,
    evaluate: Evaluate,
    question_types: dict[str, str],
    visible: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    path: str = "scenarios.feature",
    known: Catalogue | None = None,
) -> RunReport:
    scenarios, problems = parse_scenarios(text, path)
    results = [run_scenario(sc, evaluate, question_types, visible, known) for sc in scenarios]
    return RunReport(results, problems)
