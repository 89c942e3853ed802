"""How "why not" words values, facts and condition parts for the SA: option labels,
country names, money, and the labels of questions, derived and computed facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from recommender.conditions import ast
from recommender.conditions.evaluate import is_number
from recommender.engine import cond
from recommender.engine.cond import Condition
from recommender.engine.data import COMPUTED_FACTS
from recommender.engine.templates import country, money, number, percent
from recommender.questionnaire.countries import country_name

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

COMPUTED_LABELS = {
    "account_countries": "Countries of the Stripe accounts",
    "eligible_methods": "Payment methods the accounts can offer",
    "expected_methods": "Payment methods buyers expect",
    "account_blocked_methods": "Payment methods no account can offer",
    "currency_gap_methods": "Payment methods missing a price currency",
    "auth_regimes": "Card authentication regimes",
}


def number_text(kind: str, value: float) -> str:
    """A number as its question shows it: money, percent or plain."""
    if kind == "money":
        return money(value)
    if kind == "percent":
        return percent(value)
    return number(value)


class Words:
    """Labels and value texts for one answer set (`facts`: answers, computed and derived)."""

    def __init__(
        self,
        builder: ResultBuilder,
        questionnaire: Questionnaire | None,
        facts: Mapping[str, Any],
    ) -> None:
        self.builder = builder
        self.rs = builder.ruleset
        self.q = questionnaire
        self.facts = facts

    def label(self, name: str) -> str:
        """A question's label, a derived fact's label, or a computed fact's description."""
        if self.q is not None and name in self.q.questions:
            return str(self.q.questions[name].label)
        fact = self.rs.derived.get(name)
        if fact is not None and fact.label:
            return fact.label
        return COMPUTED_LABELS.get(name, name)

    def option_label(self, name: str, value: str) -> str:
        if self.q is not None and name in self.q.questions:
            return str(self.q.questions[name].option_label(value))
        data = self.builder.market_data
        if data is not None and name in COMPUTED_FACTS:
            method = data.methods.get(value)
            if method is not None:
                return method.name
            if value in data.regime_labels:
                return data.regime_labels[value]
            if COMPUTED_FACTS[name] == "country_list":
                return country_name(value)
        return value.replace("_", " ")

    def value_text(self, name: str, value: Any) -> str:
        """An answer or fact value as the SA reads it (option labels, country names, money)."""
        if value is None:
            return "not answered"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        kind = (
            self.q.questions[name].type if self.q is not None and name in self.q.questions else ""
        )
        if isinstance(value, list):
            if not value:
                return "none"
            return ", ".join(self.value_text_item(name, kind, v) for v in value)
        return self.value_text_item(name, kind, value)

    def value_text_item(self, name: str, kind: str, value: Any) -> str:
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if kind in ("country", "country_list"):
            return country(value)
        if kind in ("money", "percent", "integer") and is_number(value):
            return number_text(kind, value)
        if is_number(value):
            return number(value)
        return self.option_label(name, str(value))

    def in_words(self, node: Condition) -> str:
        """A condition as a sentence part an SA can say: "“Sales channels” includes In
        person (stores, events)" for `channels contains in_person`. Constructs without a
        wording keep their rule syntax."""
        if isinstance(node, ast.And):
            return " and ".join(self.in_words(o) for o in node.operands)
        if isinstance(node, ast.Or):
            return " or ".join(self.in_words(o) for o in node.operands)
        if isinstance(node, ast.Not):
            inner = node.operand
            if isinstance(inner, ast.In | ast.Answered):
                return self.in_words(replace(inner, negated=not inner.negated))
            if isinstance(inner, ast.Contains) and inner.mode == "any":
                return self.in_words(replace(inner, mode="none"))
            if isinstance(inner, ast.Truthy):
                return f"“{self.label(inner.name)}” is not Yes"
            return f"not ({self.in_words(inner)})"
        if isinstance(node, ast.Answered):
            return f"“{self.label(node.name)}” is {'not ' if node.negated else ''}answered"
        if isinstance(node, ast.Truthy):
            return f"“{self.label(node.name)}” is Yes"
        subject = getattr(node, "subject", None)
        if not isinstance(subject, ast.Field):
            return str(node)
        name, label = subject.name, f"“{self.label(subject.name)}”"
        if isinstance(node, ast.Compare) and isinstance(node.value, ast.Literal):
            verb = _COMPARE_WORDS.get(node.op)
            if verb is None or node.value.value is None:
                return str(node)
            return f"{label} {verb} {self.value_text(name, node.value.value)}"
        if isinstance(node, ast.In):
            values = self._values_words(name, node.values, "or")
            return f"{label} is {'not ' if node.negated else ''}{values}"
        if isinstance(node, ast.Contains):
            if node.mode == "one":
                return f"{label} includes {self._values_words(name, node.values, 'and')}"
            phrase = {"any": "includes", "all": "includes all of", "none": "includes none of"}
            joiner = "or" if node.mode == "any" else "and"
            values = self._values_words(name, node.values, joiner)
            return f"{label} {phrase.get(node.mode, node.mode)} {values}"
        return str(node)

    def _values_words(self, name: str, values: Any, joiner: str) -> str:
        if isinstance(values, ast.SetRef):
            return f"one of the set “{values.name}”"
        items = values.items if isinstance(values, ast.ListLiteral) else (values,)
        texts = [
            self.value_text(name, item.value) for item in items if isinstance(item, ast.Literal)
        ]
        if len(texts) != len(items):
            return str(values)
        if len(texts) <= 1:
            return texts[0] if texts else "nothing"
        return ", ".join(texts[:-1]) + f" {joiner} " + texts[-1]

    def describe(self, part: Condition) -> str:
        """A false condition part with the current value of each id it reads:
        "channels contains in_person (Sales channels: Web, Mobile app)"."""
        values = []
        for name in sorted(cond.referenced_fields(part)):
            value = self.facts.get(name)
            fact = self.rs.derived.get(name)
            if value is None and fact is not None and fact.type == "boolean":
                shown = "No"  # no rule derived it: a yes/no fact reads as no
            elif value is None:
                shown = "not set" if fact is not None or name in COMPUTED_FACTS else "not answered"
            else:
                shown = self.value_text(name, value)
            values.append(f"{self.label(name)}: {shown}")
        return f"{part} ({'; '.join(values)})"


_COMPARE_WORDS = {
    "==": "is",
    "!=": "is not",
    ">=": "is at least",
    ">": "is more than",
    "<=": "is at most",
    "<": "is less than",
}
