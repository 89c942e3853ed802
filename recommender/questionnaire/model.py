"""The questionnaire model: sections, questions, answer coercion and visibility.

A `Questionnaire` is built from a validated definition (forms/*.yaml, see loader.py) or from
the JSON stored in questionnaire_versions (`from_dict`). It turns raw input into typed
answers (`coerce`) and decides which questions are visible for a set of answers. No Flask.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from recommender.conditions import (
    KINDS,
    LIST_KINDS,
    NUMBER_KINDS,
    Condition,
    FieldSpec,
    evaluate,
    parse,
    referenced_fields,
)
from recommender.errors import InvalidInput
from recommender.questionnaire.countries import COUNTRIES, REGION_SETS

# The question types are the condition language's field kinds, less its "derived" facts.
TYPES = tuple(sorted(KINDS - {"derived"}))
CHOICE_TYPES = frozenset({"single", "multi"})
NUMBER_TYPES = NUMBER_KINDS
TEXT_TYPES = frozenset({"text", "long_text", "email"})
LIST_TYPES = LIST_KINDS

DEFAULT_MAX_LENGTH = {"text": 500, "long_text": 5000, "email": 254}
# Beyond this, numbers lose precision in JSON/float and make no business sense.
NUMBER_LIMIT = 10**15
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_MONEY_SUFFIX = {"k": 10**3, "m": 10**6, "mm": 10**6, "b": 10**9, "bn": 10**9}
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}

#: Sets questionnaire conditions may use (`hq_country in @eea`).
CONDITION_SETS: dict[str, list[str]] = {k: sorted(v) for k, v in REGION_SETS.items()}


class _Missing:
    """The "no answer" sentinel returned by `coerce` for empty input."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class InvalidAnswer(InvalidInput):
    """A raw answer that does not fit its question; `message` is shown next to the field."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(message, {question_id: message})
        self.question_id = question_id


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """One question. `show_if` is the condition's source text; `condition` its parsed form."""

    id: str
    label: str
    type: str
    section: str
    help: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None
    default: Any = None
    placeholder: str = ""
    show_if: str | None = None
    condition: Condition | None = field(default=None, compare=False, repr=False)

    @property
    def option_values(self) -> list[str]:
        return [o.value for o in self.options]

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return COUNTRIES.get(value, value) if self.type in ("country", "country_list") else value

    @property
    def max_length(self) -> int | None:
        if self.type not in TEXT_TYPES:
            return None
        return int(self.max) if self.max is not None else DEFAULT_MAX_LENGTH[self.type]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    description: str = ""
    show_if: str | None = None
    questions: tuple[Question, ...] = ()
    condition: Condition | None = field(default=None, compare=False, repr=False)

    @property
    def question_ids(self) -> list[str]:
        return [q.id for q in self.questions]


def _fmt(number: float) -> str:
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return f"{number:,}"


class Questionnaire:
    """A loaded questionnaire definition (immutable once built)."""

    def __init__(
        self,
        id: str,
        version: int,
        title: str,
        sections: Iterable[Section],
        description: str = "",
    ) -> None:
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.sections: list[Section] = list(sections)
        self.questions: dict[str, Question] = {q.id: q for s in self.sections for q in s.questions}
        self._sections = {s.id: s for s in self.sections}
        self._order = self._dependency_order()

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} v{self.version}>"

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Questionnaire:
        """Build from a definition dict (validated YAML data or what `to_dict` produced)."""
        sections = []
        for s in data.get("sections") or []:
            questions = []
            for q in s.get("questions") or []:
                options = tuple(
                    Option(str(o["value"]), str(o.get("label") or o["value"]))
                    for o in q.get("options") or []
                )
                show_if = q.get("show_if")
                questions.append(
                    Question(
                        id=q["id"],
                        label=q.get("label") or q["id"],
                        type=q["type"],
                        section=s["id"],
                        help=q.get("help") or "",
                        required=bool(q.get("required", False)),
                        options=options,
                        min=q.get("min"),
                        max=q.get("max"),
                        pattern=q.get("pattern"),
                        default=q.get("default"),
                        placeholder=q.get("placeholder") or "",
                        show_if=show_if,
                        condition=parse(show_if) if show_if else None,
                    )
                )
            show_if = s.get("show_if")
            sections.append(
                Section(
                    id=s["id"],
                    title=s.get("title") or s["id"],
                    description=s.get("description") or "",
                    show_if=show_if,
                    questions=tuple(questions),
                    condition=parse(show_if) if show_if else None,
                )
            )
        return cls(
            id=data["id"],
            version=int(data["version"]),
            title=data.get("title") or data["id"],
            sections=sections,
            description=data.get("description") or "",
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready definition; `from_dict(to_dict())` rebuilds an equal questionnaire."""
        sections = []
        for s in self.sections:
            questions = []
            for q in s.questions:
                qd: dict[str, Any] = {"id": q.id, "label": q.label, "type": q.type}
                if q.help:
                    qd["help"] = q.help
                qd["required"] = q.required
                if q.options:
                    qd["options"] = [{"value": o.value, "label": o.label} for o in q.options]
                for key in ("min", "max", "pattern", "default"):
                    if getattr(q, key) is not None:
                        qd[key] = getattr(q, key)
                if q.placeholder:
                    qd["placeholder"] = q.placeholder
                if q.show_if:
                    qd["show_if"] = q.show_if
                questions.append(qd)
            sd: dict[str, Any] = {"id": s.id, "title": s.title}
            if s.description:
                sd["description"] = s.description
            if s.show_if:
                sd["show_if"] = s.show_if
            sd["questions"] = questions
            sections.append(sd)
        out: dict[str, Any] = {"id": self.id, "version": self.version, "title": self.title}
        if self.description:
            out["description"] = self.description
        out["sections"] = sections
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Questionnaire) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- lookups ----------------------------------------------------------------------------
    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if unknown)."""
        return self.questions[question_id]

    def section(self, section_id: str) -> Section:
        """The section with this id (KeyError if unknown)."""
        return self._sections[section_id]

    def section_of(self, question_id: str) -> Section:
        """The section holding a question (KeyError if unknown)."""
        return self._sections[self.questions[question_id].section]

    def field_specs(self) -> dict[str, FieldSpec]:
        """What conditions may assume about each answer id (for `conditions.check`)."""
        return {
            q.id: FieldSpec(q.type, q.option_values if q.type in CHOICE_TYPES else None, q.label)
            for q in self.questions.values()
        }

    # -- visibility -------------------------------------------------------------------------
    def dependencies(self, question_id: str) -> set[str]:
        """Answer ids the visibility of a question depends on (its and its section's show_if)."""
        q = self.questions[question_id]
        deps: set[str] = set()
        for cond in (self._sections[q.section].condition, q.condition):
            if cond is not None:
                deps |= referenced_fields(cond)
        return deps

    def _dependency_order(self) -> list[str]:
        """Question ids so that every question comes after those its visibility depends on.

        Cycles (refused by the loader's checks) are broken in questionnaire order.
        """
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(qid: str) -> None:
            if state.get(qid):
                return
            state[qid] = 1
            for dep in sorted(self.dependencies(qid)):
                if dep in self.questions and not state.get(dep):
                    visit(dep)
            state[qid] = 2
            order.append(qid)

        for qid in self.questions:
            visit(qid)
        return order

    def visible_question_ids(self, answers: Mapping[str, Any]) -> list[str]:
        """Ids of the visible questions, in questionnaire order.

        A question is visible when its section's show_if and its own show_if hold over the
        answers of visible questions only, so hiding A also hides what depends on A.
        """
        facts: dict[str, Any] = {}
        visible: set[str] = set()
        for qid in self._order:
            q = self.questions[qid]
            shown = all(
                evaluate(cond, facts, CONDITION_SETS)
                for cond in (self._sections[q.section].condition, q.condition)
                if cond is not None
            )
            if shown:
                visible.add(qid)
                value = answers.get(qid)
                if value is not None and value is not MISSING:
                    facts[qid] = value
        return [qid for qid in self.questions if qid in visible]

    def visible_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers of visible questions (hidden and unknown ids dropped)."""
        return {
            qid: answers[qid]
            for qid in self.visible_question_ids(answers)
            if qid in answers and answers[qid] is not None and answers[qid] is not MISSING
        }

    def progress(self, answers: Mapping[str, Any]) -> tuple[int, int]:
        """(answered visible questions, visible questions)."""
        visible = self.visible_question_ids(answers)
        answered = sum(
            1 for qid in visible if answers.get(qid) is not None and answers.get(qid) is not MISSING
        )
        return answered, len(visible)

    # -- coercion ---------------------------------------------------------------------------
    def coerce(self, question_id: str, raw: Any) -> Any:
        """The typed value of a raw answer (form string, list of strings or JSON value).

        Returns MISSING for an empty answer; raises InvalidAnswer with a field-level message.
        """
        q = self.questions.get(question_id)
        if q is None:
            raise InvalidAnswer(question_id, "Unknown question")
        return coerce_value(q, raw)


def _is_empty(raw: Any) -> bool:
    if raw is None or raw is MISSING:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple):
        return all(_is_empty(item) for item in raw)
    return False


def _bounds(q: Question, value: float) -> None:
    low = q.min
    high = q.max
    if q.type == "percent":
        low = 0 if low is None else max(low, 0)
        high = 100 if high is None else min(high, 100)
    if q.type == "money":
        low = 0 if low is None else max(low, 0)
    if low is not None and value < low:
        raise InvalidAnswer(q.id, f"Must be at least {_fmt(low)}")
    if high is not None and value > high:
        raise InvalidAnswer(q.id, f"Must be at most {_fmt(high)}")
    if abs(value) > NUMBER_LIMIT:
        raise InvalidAnswer(q.id, f"Must be at most {_fmt(NUMBER_LIMIT)}")


def _plain_decimal(s: str) -> str:
    """A typed number with its separators made plain: `1,200,000`, `1.200.000`,
    `1'200'000` and `1 200 000` are thousands; a decimal comma (`0,4`, `65,50`, `1.234,5`)
    is a decimal point. With both marks the last one is the decimal; a single comma followed
    by exactly three digits (`13,000`) is a thousands separator."""
    s = re.sub(r"[\s_'\u00a0\u202f]", "", s)
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        other = "." if decimal == "," else ","
        return s.replace(other, "").replace(decimal, ".")
    if commas == 1 and not re.search(r",\d{3}(?!\d)", s):
        return s.replace(",", ".")
    if dots > 1:
        return s.replace(".", "")
    return s.replace(",", "")


def _number_from_text(q: Question, text: str) -> float:
    """Parse a typed number: thousands separators and decimal commas as people type them
    (`_plain_decimal`); money may add `$`, `USD`, k/M/B."""
    s = _plain_decimal(text.strip())
    multiplier = 1
    if q.type == "money":
        if s[:1] == "$":
            s = s[1:]
        if s[:3].upper() == "USD":
            s = s[3:]
        m = re.fullmatch(r"(.+?)(k|mm|m|bn|b)", s, re.IGNORECASE)
        if m:
            s, multiplier = m.group(1), _MONEY_SUFFIX[m.group(2).lower()]
    elif q.type == "percent" and s.endswith("%"):
        s = s[:-1]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        raise InvalidAnswer(q.id, _number_message(q))
    return float(Decimal(s) * multiplier)  # Decimal: 1.1M is exactly 1,100,000


def _number_message(q: Question) -> str:
    return {
        "integer": "Enter a whole number",
        "money": "Enter an amount in USD, like 1,200,000",
        "percent": "Enter a percentage between 0 and 100",
    }[q.type]


def _coerce_number(q: Question, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise InvalidAnswer(q.id, _number_message(q))
    if isinstance(raw, int | float):
        number: float = raw
    elif isinstance(raw, str):
        number = _number_from_text(q, raw)
    else:
        raise InvalidAnswer(q.id, _number_message(q))
    if not math.isfinite(number):
        raise InvalidAnswer(q.id, _number_message(q))
    if q.type == "integer":
        if not float(number).is_integer():
            raise InvalidAnswer(q.id, "Enter a whole number")
        number = int(number)
    if q.type == "money" and number < 0:
        raise InvalidAnswer(q.id, "Enter an amount of zero or more")
    if q.type == "percent" and not 0 <= number <= 100:
        raise InvalidAnswer(q.id, "Enter a percentage between 0 and 100")
    _bounds(q, number)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _coerce_text(q: Question, raw: Any) -> str:
    if not isinstance(raw, str):
        if q.type == "email":
            raise InvalidAnswer(q.id, "Enter a valid email address")
        raise InvalidAnswer(q.id, "Enter text")
    text = raw.strip()
    if q.type != "long_text":
        text = " ".join(text.split())
    limit = q.max_length
    if limit is not None and len(text) > limit:
        raise InvalidAnswer(q.id, f"Must be {_fmt(limit)} characters or fewer")
    if q.min is not None and len(text) < q.min:
        raise InvalidAnswer(q.id, f"Must be at least {_fmt(q.min)} characters")
    if q.type == "email" and not EMAIL_RE.fullmatch(text):
        raise InvalidAnswer(q.id, "Enter a valid email address")
    if q.pattern and not re.fullmatch(q.pattern, text):
        raise InvalidAnswer(q.id, "Does not match the expected format")
    return text


def _country(q: Question, raw: Any) -> str:
    if not isinstance(raw, str):
        raise InvalidAnswer(q.id, "Choose a country from the list")
    code = raw.strip().upper()
    if code not in COUNTRIES:
        raise InvalidAnswer(q.id, f"Unknown country code '{raw.strip()}'")
    return code


def coerce_value(q: Question, raw: Any) -> Any:
    """The typed value of `raw` for question `q` (see Questionnaire.coerce)."""
    if _is_empty(raw):
        return MISSING
    kind = q.type
    if kind in LIST_TYPES:
        items = raw if isinstance(raw, list | tuple) else [raw]
        if kind == "country_list" and isinstance(raw, str):
            items = [part for part in re.split(r"[,\s]+", raw) if part]
        items = [item for item in items if not _is_empty(item)]
        if kind == "country_list":
            return sorted({_country(q, item) for item in items})
        chosen = set()
        for item in items:
            if not isinstance(item, str) or item.strip() not in q.option_values:
                raise InvalidAnswer(q.id, "Choose only from the listed options")
            chosen.add(item.strip())
        return [v for v in q.option_values if v in chosen]
    if isinstance(raw, list | tuple):
        non_empty = [item for item in raw if not _is_empty(item)]
        if len(non_empty) != 1:
            raise InvalidAnswer(q.id, "Give a single answer")
        raw = non_empty[0]
    if kind == "single":
        if not isinstance(raw, str) or raw.strip() not in q.option_values:
            raise InvalidAnswer(q.id, "Choose one of the listed options")
        return raw.strip()
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise InvalidAnswer(q.id, "Choose yes or no")
    if kind in NUMBER_TYPES:
        return _coerce_number(q, raw)
    if kind == "country":
        return _country(q, raw)
    return _coerce_text(q, raw)
