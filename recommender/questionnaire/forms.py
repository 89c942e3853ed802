"""WTForms classes for questionnaire sections, and the conversions around them.

`build_section_form(q, section_id, answers)` builds one plain `wtforms.Form` class per
section (the web layer adds CSRF). Validation is not WTForms' job here: raw field values go
through `Questionnaire.coerce`, so every message a user sees comes from the questionnaire.
No Flask imports.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from wtforms import Form, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget, Select

from recommender.questionnaire.countries import COUNTRIES as _COUNTRY_NAMES
from recommender.questionnaire.model import LIST_TYPES, NUMBER_TYPES

#: Radio buttons for single choices with at most this many options, a drop-down above.
RADIO_MAX_OPTIONS = 6
BOOLEAN_CHOICES = [("true", "Yes"), ("false", "No")]
EMPTY_CHOICE = ("", "— choose —")


def _choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class FormData(Protocol):
    """What `raw_value` needs from request form data (a werkzeug MultiDict fits)."""

    def getlist(self, key: str) -> list[Any]: ...

    def get(self, key: str, default: Any = None) -> Any: ...

    def __contains__(self, key: object) -> bool: ...


def section_question_ids(q: Any, section_id: str) -> list[str]:
    """The ids of a section's questions, in questionnaire order; KeyError if no such section."""
    section = find_section(q, section_id)
    for attr in ("question_ids", "questions"):
        items = getattr(section, attr, None)
        if items is not None:
            return [item if isinstance(item, str) else item.id for item in items]
    return [
        qid
        for qid, question in q.questions.items()
        if getattr(question, "section", None) == section_id
    ]


def find_section(q: Any, section_id: str) -> Any:
    for section in q.sections:
        if section.id == section_id:
            return section
    raise KeyError(section_id)


def option_pairs(question: Any) -> list[tuple[str, str]]:
    """(value, label) of a question's options; countries for country questions."""
    if question.type in ("country", "country_list"):
        return list(COUNTRIES)
    pairs: list[tuple[str, str]] = []
    for option in getattr(question, "options", None) or []:
        if isinstance(option, str):
            pairs.append((option, option))
        elif isinstance(option, Mapping):
            value = str(option["value"])
            pairs.append((value, str(option.get("label") or value)))
        elif isinstance(option, tuple | list):
            pairs.append((str(option[0]), str(option[1])))
        else:
            value = str(option.value)
            pairs.append((value, str(getattr(option, "label", "") or value)))
    return pairs


def form_value(question: Any, value: Any) -> Any:
    """A stored typed answer as the data its form field shows."""
    if value is None:
        return [] if question.type in LIST_TYPES else ""
    if question.type in LIST_TYPES:
        return [str(v) for v in value]
    if question.type == "boolean":
        return "true" if value else "false"
    if question.type in NUMBER_TYPES:
        return format_number(value)
    return str(value)


def form_data(q: Any, section_id: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Form data for one section from typed answers (unanswered -> empty)."""
    return {
        qid: form_value(q.questions[qid], answers.get(qid))
        for qid in section_question_ids(q, section_id)
    }


def raw_value(question: Any, formdata: FormData | Any) -> Any:
    """The raw value a browser posted for `question`, ready for `Questionnaire.coerce`.

    A missing key means "nothing chosen" (unchecked boxes and radios are not posted), which
    clears the answer: lists become `[]`, everything else `""`.
    """
    if question.type in LIST_TYPES:
        return [v for v in formdata.getlist(question.id) if v != ""]
    value = formdata.get(question.id, "")
    return value if isinstance(value, str) else str(value)


def format_number(value: int | float) -> str:
    """Numbers without a spurious `.0` or exponent: 2000000, 0.4."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return f"{value:f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)
    return str(value)


def display_value(question: Any, value: Any) -> str:
    """A typed answer as people read it: $2,000,000 · 0.4% · Yes · Marketplace, SaaS."""
    if value is None:
        return "(empty)"
    labels = (
        dict(option_pairs(question))
        if question.type in ("single", "multi", "country", "country_list")
        else {}
    )
    if question.type in LIST_TYPES:
        return ", ".join(labels.get(str(v), str(v)) for v in value) or "(none)"
    if question.type == "boolean":
        return "Yes" if value else "No"
    if question.type == "money":
        return f"${value:,.2f}".replace(".00", "") if isinstance(value, float) else f"${value:,}"
    if question.type == "percent":
        return f"{format_number(value)}%"
    if question.type == "integer":
        return f"{value:,}"
    return labels.get(str(value), str(value))


def build_section_form(q: Any, section_id: str, answers: Mapping[str, Any]) -> type[Form]:
    """A `wtforms.Form` class with one field per question of the section.

    Field names are the question ids; stored `answers` are the field defaults, so
    `cls()` shows them and `cls(formdata)` shows what was posted. Choice fields skip WTForms'
    own choice check (`validate_choice=False`): `Questionnaire.coerce` validates.
    """
    attrs: dict[str, Any] = {}
    for qid in section_question_ids(q, section_id):
        question = q.questions[qid]
        attrs[f"q__{qid}"] = _field(question, form_value(question, answers.get(qid)))

    return type(f"SectionForm_{section_id}", (Form,), attrs)


def _field(question: Any, default: Any) -> Any:
    label = getattr(question, "label", "") or question.id
    common: dict[str, Any] = {
        "name": question.id,
        "id": question.id,
        "default": default,
        "description": getattr(question, "help", "") or "",
    }
    placeholder = getattr(question, "placeholder", "") or ""
    kind = question.type
    if kind == "boolean":
        return RadioField(label, choices=_choices(BOOLEAN_CHOICES), validate_choice=False, **common)
    if kind == "single":
        choices = option_pairs(question)
        if len(choices) <= RADIO_MAX_OPTIONS:
            return RadioField(label, choices=_choices(choices), validate_choice=False, **common)
        return SelectField(
            label, choices=_choices([EMPTY_CHOICE, *choices]), validate_choice=False, **common
        )
    if kind == "multi":
        return SelectMultipleField(
            label,
            choices=_choices(option_pairs(question)),
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            **common,
        )
    if kind == "country":
        return SelectField(
            label, choices=_choices([EMPTY_CHOICE, *COUNTRIES]), validate_choice=False, **common
        )
    if kind == "country_list":
        return SelectMultipleField(
            label,
            choices=_choices(COUNTRIES),
            validate_choice=False,
            widget=Select(multiple=True),
            render_kw={"size": 8, "data-typeahead": "countries"},
            **common,
        )
    if kind in NUMBER_TYPES:
        return StringField(
            label,
            render_kw={
                "inputmode": "numeric" if kind == "integer" else "decimal",
                "autocomplete": "off",
                "data-number": kind,
                **_placeholder(placeholder),
            },
            **common,
        )
    if kind == "long_text":
        return TextAreaField(label, render_kw={"rows": 4, **_placeholder(placeholder)}, **common)
    render_kw = (
        {"inputmode": "email", "autocomplete": "email"}
        if kind == "email"
        else {"autocomplete": "off"}
    )
    return StringField(label, render_kw={**render_kw, **_placeholder(placeholder)}, **common)


def _placeholder(text: str) -> dict[str, str]:
    return {"placeholder": text} if text else {}


def field_by_question(form: Form, question_ids: Iterable[str]) -> dict[str, Any]:
    """The bound fields of a form by question id."""
    return {qid: form[f"q__{qid}"] for qid in question_ids}


#: ISO 3166-1 alpha-2 countries as (code, name), in name order for pick lists.
def _sort_key(name: str) -> str:
    """Alphabetical as people read it: accents ignored (Côte d'Ivoire after Costa Rica, not
    after Czechia; Türkiye among the Tu…)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


COUNTRIES: tuple[tuple[str, str], ...] = tuple(
    sorted(_COUNTRY_NAMES.items(), key=lambda item: _sort_key(item[1]))
)
