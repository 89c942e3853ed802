"""The workbench's Parameters form: every `params:` entry of the author's draft with its
label, description, unit, value and validation, grouped as in the file; saving rewrites only
the `value:` scalars of the parameters that changed (a text edit at each value's place, so
comments and layout stay) and stores the draft like a save in the editor.

Posted values are read by type (amounts may carry `$`, `,`, `_` and spaces; a percentage a
`%`); a value that is not a number, outside min/max or not an option is refused at its field
and nothing is saved. So is a value that makes a rule's condition impossible (a lower bound
above an upper bound, such as "Dispute rate worth watching" above "High dispute rate"): the
draft is checked with the new values first and such a save is refused with both parameters
named at the changed field, since a rule that can never apply is never what an author means.
Other problems the check finds are saved (work in progress) and listed on the form.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from recommender.engine.model import NUMBER_PARAM_TYPES, Param
from recommender.engine.params import param_groups, value_problem
from recommender.errors import Conflict, InvalidInput
from recommender.models import RulesetVersion, User
from recommender.services.authoring.drafts import SaveResult, get_or_create_draft, save_draft
from recommender.services.authoring.sources import check_source, checksum, rules_of
from recommender.yamlpos import YamlError, load_yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_ .\-/]*\Z")
_YAML_WORDS = frozenset(
    ["y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"]
)  # plain words YAML would not read as text
MAX_VALUE_TEXT = 200


@dataclass
class ParamField:
    """One parameter on the form: its declaration, the value shown (the posted text when
    the form was refused) and the problem at the field."""

    param: Param
    line: int  # where its value is in the file
    text: str
    error: str = ""
    changed: bool = False

    @property
    def id(self) -> str:
        return self.param.id

    @property
    def min_text(self) -> str:
        return "" if self.param.min is None else _shown(self.param, self.param.min)

    @property
    def max_text(self) -> str:
        return "" if self.param.max is None else _shown(self.param, self.param.max)


@dataclass
class ParamGroup:
    title: str
    fields: list[ParamField] = field(default_factory=list)


@dataclass
class ParamForm:
    """The Parameters form of one draft. `error` is a message for the whole form (a value
    that could not be written, a conflict), `checksum` the source it was built from."""

    draft: RulesetVersion
    groups: list[ParamGroup]
    checksum: str
    error: str = ""
    saved: SaveResult | None = None
    # The check's problems in the draft, in an author's words (shown on the form).
    problems: list[str] = field(default_factory=list)

    @property
    def fields(self) -> list[ParamField]:
        return [f for g in self.groups for f in g.fields]

    @property
    def errors(self) -> dict[str, str]:
        return {f.id: f.error for f in self.fields if f.error}


def value_text(param: Param, value: Any) -> str:
    """How the form shows a value: amounts and counts with thousands separators
    (25,000,000), booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and param.type != "percent":
        value = int(value)
    if isinstance(value, int) and param.type in ("money", "integer", "number"):
        return f"{value:,}"
    return str(value)


def _params_of(source: str) -> list[tuple[Param, int]]:
    """(parameter, line of its value) for each well-formed `params:` entry of a source."""
    try:
        located = load_yaml(source, "params")
    except YamlError:
        return []
    data = located.data
    items = data.get("params") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    groups = param_groups(source, located, len(items))
    out: list[tuple[Param, int]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or "value" not in item:
            continue
        kind = str(item["type"]) if isinstance(item.get("type"), str) else "text"
        options = item.get("options")
        param = Param(
            id=item["id"],
            type=kind,
            value=item["value"],
            label=str(item.get("label") or item["id"]),
            unit=str(item.get("unit") or ""),
            description=str(item.get("description") or ""),
            min=item.get("min") if _is_number(item.get("min")) else None,
            max=item.get("max") if _is_number(item.get("max")) else None,
            options=tuple(str(o) for o in options) if isinstance(options, list) else None,
            group=groups[i],
        )
        out.append((param, located.pos(("params", i, "value"))[0]))
    return out


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _grouped(fields: list[ParamField]) -> list[ParamGroup]:
    groups: list[ParamGroup] = []
    for f in fields:
        if not groups or groups[-1].title != f.param.group:
            groups.append(ParamGroup(f.param.group))
        groups[-1].fields.append(f)
    return groups


def param_form(name: str, user: User | None) -> ParamForm:
    """The form for the user's draft of `name` (created from the active version if needed)."""
    draft = get_or_create_draft(name, user)
    fields = [
        ParamField(p, line, value_text(p, p.value), value_problem(p, p.value) or "")
        for p, line in _params_of(draft.source)
    ]
    return ParamForm(draft, _grouped(fields), checksum(draft.source))


def parse_value(param: Param, raw: str) -> tuple[Any, str]:
    """(value, "") for a posted text, or (None, why it is refused) in the author's words."""
    text = raw.strip()
    if len(text) > MAX_VALUE_TEXT:
        return None, f"At most {MAX_VALUE_TEXT} characters."
    kind = param.type
    if kind in NUMBER_PARAM_TYPES:
        cleaned = re.sub(r"[\s,_]", "", text)
        if kind == "money":
            cleaned = cleaned.removeprefix("$").removeprefix("USD")
        if kind == "percent":
            cleaned = cleaned.removesuffix("%")
        if not cleaned:
            return None, "Enter a number."
        if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", cleaned):
            example = "25000000" if kind == "money" else "0.75" if kind == "percent" else "20"
            return None, f"'{text}' is not a number: type digits only, like {example}."
        if kind == "integer":
            if "." in cleaned and not float(cleaned).is_integer():
                return None, f"'{text}' is not a whole number."
            return int(float(cleaned)) if "." in cleaned else int(cleaned), ""
        number = float(cleaned)
        if not math.isfinite(number) or abs(number) >= 2**53:
            return None, f"'{text}' is too large."
        if "." not in cleaned:
            return int(cleaned), ""
        return (int(number) if number.is_integer() and kind != "percent" else number), ""
    if kind == "boolean":
        if text.lower() in ("true", "yes"):
            return True, ""
        if text.lower() in ("false", "no"):
            return False, ""
        return None, "Choose yes or no."
    if kind == "option":
        if param.options is not None and text not in param.options:
            return None, f"Choose one of: {', '.join(param.options)}."
        return text, ""
    if not text:
        return None, "Enter a text."
    return text, ""


def _field_problem(param: Param, value: Any) -> str:
    """`value_problem` in the form's words (the field already names the parameter)."""
    problem = value_problem(param, value)
    if problem is None:
        return ""
    if param.min is not None and _is_number(value) and value < param.min:
        return f"{_shown(param, value)} is below the minimum, {_shown(param, param.min)}."
    if param.max is not None and _is_number(value) and value > param.max:
        return f"{_shown(param, value)} is above the maximum, {_shown(param, param.max)}."
    return problem[0].upper() + problem[1:] + "."


def _shown(param: Param, number: float) -> str:
    if param.type == "money":
        sign, number = ("-", -number) if number < 0 else ("", number)
        return sign + (f"${number:,.0f}" if float(number).is_integer() else f"${number:,.2f}")
    if param.type == "percent":
        return f"{number:g}%"
    return f"{number:,}" if isinstance(number, int) else f"{number:g}"


def save_params(
    name: str,
    user: User | None,
    posted: Mapping[str, str],
    expected_checksum: str | None = None,
) -> ParamForm:
    """Check the posted values (parameter id -> text) and, when every one is valid, save
    the draft with the changed `value:` scalars rewritten. InvalidInput (nothing saved) with
    the form's problems at their fields in `form.errors` when one is not."""
    form = param_form(name, user)
    if expected_checksum is not None and expected_checksum != form.checksum:
        raise Conflict(
            "The draft changed since you opened this form (saved from the editor or another "
            "window); nothing was saved. Reload the form to see the values now."
        )
    changes: dict[str, Any] = {}
    for f in form.fields:
        if f.id not in posted:
            continue
        f.text = str(posted[f.id])
        value, error = parse_value(f.param, f.text)
        if not error:
            error = _field_problem(f.param, value)
        f.error = error
        if not error and not _same(value, f.param.value):
            changes[f.id] = value
            f.changed = True
    if form.errors:
        raise ParamsRefused(form)
    if not changes:
        form.error = ""
        return form
    source = rewrite_values(form.draft.source, changes)
    data_files = dict(form.draft.data_files or {})
    before = {p.message for p in check_source(form.draft.source, name, data_files=data_files)}
    problems = check_source(source, name, data_files=data_files)
    params = {f.id: f.param for f in form.fields}
    values = {**{pid: p.value for pid, p in params.items()}, **changes}
    impossible = [
        (p, named)
        for p in problems
        if p.message not in before and (named := _impossible(p.message, source, p.line, params, values, set(changes)))
    ]
    if impossible:
        for f in form.fields:
            f.error = " ".join(message for target, message in (n for _, n in impossible) if target == f.id)
            f.changed = False  # nothing was saved
        form.problems = [message for _, (_, message) in impossible]
        raise ParamsRefused(form, impossible=True)
    result = save_draft(name, user, source=source, expected_checksum=form.checksum)
    saved = param_form(name, user)
    saved.saved = result
    saved.problems = [str(p) for p in result.problems]
    for f in saved.fields:
        f.changed = f.id in changes
    return saved


_BOUNDS = re.compile(
    r"this condition can never hold: .*the lower bound (?P<lo>\$\w+ \([^)]*\)|\S+) is (?:above|the same as) "
    r"the upper bound (?P<hi>\$\w+ \([^)]*\)|\S+)"
)
_PARAM = re.compile(r"\$(\w+)")


def _rule_at(source: str, line: int) -> str:
    """The id of the rule whose text holds `line` ("" when none does)."""
    found = ""
    for rule, start in sorted(rules_of(source), key=lambda r: r[1]):
        if start <= line:
            found = str(rule["id"])
    return found


def _impossible(
    message: str,
    source: str,
    line: int,
    params: Mapping[str, Param],
    values: Mapping[str, Any],
    changed: set[str],
) -> tuple[str, str] | None:
    """(the changed parameter's id, the problem in an author's words) for a check problem
    "this condition can never hold" whose conflicting bounds come from a changed parameter;
    None for any other problem."""
    m = _BOUNDS.search(message)
    if m is None:
        return None
    lo, hi = _PARAM.match(m["lo"]), _PARAM.match(m["hi"])
    lo_id, hi_id = (lo.group(1) if lo else ""), (hi.group(1) if hi else "")
    if not ({lo_id, hi_id} & changed):
        return None

    def plain(pid: str, text: str) -> str:
        param = params.get(pid)
        if param is None:
            return text
        value: Any = values.get(pid)
        return _shown(param, value) if _is_number(value) else value_text(param, value)

    def side(pid: str, text: str) -> str:
        param = params.get(pid)
        return f"“{param.label}” ({plain(pid, text)})" if param is not None else text

    rule = _rule_at(source, line)
    where = f"the rule {rule}" if rule else f"the condition at line {line}"
    target = lo_id if lo_id in changed else hi_id
    if target == lo_id:
        fix = f"make it lower than {plain(hi_id, m['hi'])}"
    else:
        fix = f"make it higher than {plain(lo_id, m['lo'])}"
    relation = "the same as" if " is the same as " in message else "above"
    return target, (
        f"{side(lo_id, m['lo'])} is {relation} {side(hi_id, m['hi'])}: {where} can never apply; {fix}."
    )


class ParamsRefused(InvalidInput):
    """Some posted value does not fit its parameter: the form with the problems at their
    fields (nothing was saved)."""

    def __init__(self, form: ParamForm, impossible: bool = False) -> None:
        count = len(form.errors)
        super().__init__(
            f"Nothing was saved: {count} value{'s' if count != 1 else ''} need"
            f"{'s' if count == 1 else ''} fixing (marked below)"
            + (": with the new values a rule could never apply." if impossible else "."),
            form.errors,
        )
        self.form = form


# --------------------------------------------------------------------------- the text edit


def _value_nodes(source: str) -> dict[str, yaml.Node]:
    """The YAML node of each parameter's `value:` (with start and end marks)."""
    root = yaml.compose(source, Loader=_LOADER)
    out: dict[str, yaml.Node] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        if key.value != "params" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            entries = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
            pid, node = entries.get("id"), entries.get("value")
            if isinstance(pid, yaml.ScalarNode) and isinstance(node, yaml.ScalarNode):
                out.setdefault(str(pid.value), node)
    return out


def yaml_scalar(value: Any, old: str = "") -> str:
    """A value written as YAML: numbers with `_` between thousands when the old value had
    them (50_000_000 -> 25_000_000), text plain when YAML reads it back as the same text,
    else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if "_" in old else str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if (
        _PLAIN_WORD.match(text)
        and text.lower() not in _YAML_WORDS
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
    ):
        return text
    return json.dumps(text)


def rewrite_values(source: str, changes: Mapping[str, Any]) -> str:
    """`source` with the `value:` scalar of each parameter in `changes` replaced by the new
    value, nothing else touched (checked by reading the result back)."""
    nodes = _value_nodes(source)
    edits: list[tuple[int, int, str]] = []
    for pid, value in changes.items():
        node = nodes.get(pid)
        if node is None:
            raise InvalidInput(f"Parameter '{pid}' has no value in the draft to change.")
        start, end = node.start_mark.index, node.end_mark.index
        old = source[start:end]
        new = yaml_scalar(value, old)
        if getattr(node, "style", None) in ("|", ">"):  # a block of text: one quoted line
            new = json.dumps(str(value)) + ("\n" if old.endswith("\n") else "")
        edits.append((start, end, new))
    out = source
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    _same_but_values(source, out, changes)
    return out


def _same_but_values(before: str, after: str, changes: Mapping[str, Any]) -> None:
    """Refuse an edit that changed anything but the intended values (never expected)."""
    old = yaml.load(before, Loader=_LOADER)
    new = yaml.load(after, Loader=_LOADER)
    for item in old.get("params", []):
        if item.get("id") in changes:
            item["value"] = changes[item["id"]]
    if old != new:
        raise InvalidInput("The new values could not be written into the draft; nothing was saved.")


def with_posted(form: ParamForm, posted: Mapping[str, str]) -> ParamForm:
    """The form showing the posted texts (after a conflict: nothing lost)."""
    for f in form.fields:
        if f.id in posted:
            f.text = str(posted[f.id])
    return replace(form)
