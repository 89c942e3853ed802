"""`because:` texts: Jinja templates rendered in a sandbox with answers and derived facts.

Rule authors are trusted less than code: templates run in `SandboxedEnvironment`, names
starting with `_` are refused at check time, and a render failure never breaks an
evaluation (the raw text is shown and the error recorded). Autoescape is off because the
output is plain text; the web layer escapes it when it renders HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from recommender.questionnaire.countries import country_name

NOT_ANSWERED = "(not answered)"


class NotAnswered(jinja2.Undefined):
    """An unanswered (or unknown) variable renders as "(not answered)" wherever it is used."""

    def __str__(self) -> str:
        return NOT_ANSWERED

    def __iter__(self) -> Any:
        return iter(())

    def __bool__(self) -> bool:
        return False


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, jinja2.Undefined)


def _number_text(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Any) -> str:
    """1200000 -> "$1,200,000"; cents are shown only when there are any."""
    if _missing(value):
        return NOT_ANSWERED
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if isinstance(amount, float) and not amount.is_integer():
        return f"{sign}${amount:,.2f}"
    return f"{sign}${int(amount):,}"


def percent(value: Any) -> str:
    """0.4 -> "0.4%" (the answer is already in percent)."""
    if _missing(value):
        return NOT_ANSWERED
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return _number_text(float(value), 2) + "%"


def number(value: Any) -> str:
    """2000000 -> "2,000,000"; decimals only when there are any."""
    if _missing(value):
        return NOT_ANSWERED
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return _number_text(float(value), 2)


def country(value: Any) -> str:
    """ "DE" -> "Germany"."""
    if _missing(value):
        return NOT_ANSWERED
    return country_name(str(value))


def join_list(value: Any, separator: str = ", ") -> str:
    """["a", "b"] -> "a, b"; a scalar is shown as is."""
    if _missing(value):
        return NOT_ANSWERED
    if isinstance(value, list | tuple):
        return separator.join(str(v) for v in value) if value else "none"
    return str(value)


def countries(value: Any) -> str:
    """["DE", "NL"] -> "Germany, Netherlands"."""
    if _missing(value):
        return NOT_ANSWERED
    items = value if isinstance(value, list | tuple) else [value]
    return join_list([country_name(str(v)) for v in items])


OptionLabels = Mapping[str, Mapping[str, str]]  # question/fact id -> option value -> label


def make_option_filter(labels: OptionLabels) -> Callable[..., str]:
    """The `option` filter: an option value (or a list of them) -> its label(s).

    `{{ x | option }}` searches every question's options; `{{ x | option('x') }}` uses one.
    """
    merged: dict[str, str] = {}
    for options in labels.values():
        for value, label in options.items():
            merged.setdefault(value, label)

    def option(value: Any, question: str | None = None) -> str:
        if _missing(value):
            return NOT_ANSWERED
        table = labels.get(question, merged) if question else merged
        if isinstance(value, list | tuple):
            return join_list([table.get(str(v), str(v)) for v in value])
        return table.get(str(value), str(value))

    return option


def make_within_filter(sets: Mapping[str, Any]) -> Callable[..., Any]:
    """The `within` filter: the items of a list that are in a named set or a list, e.g.
    `{{ customer_countries | within('sca_area') | countries }}` names only the buyer
    countries a statement about the SCA area is about."""

    def within(value: Any, *names: Any) -> Any:
        if _missing(value):
            return value
        allowed: set[Any] = set()
        for name in names:
            if isinstance(name, list | tuple):
                allowed.update(name)
            else:
                allowed.update(sets.get(str(name).lstrip("@"), ()))
        items = value if isinstance(value, list | tuple) else [value]
        return [v for v in items if v in allowed]

    return within


def make_environment(
    labels: OptionLabels | None = None, sets: Mapping[str, Any] | None = None
) -> SandboxedEnvironment:
    """The sandbox every `because:` text is parsed and rendered with."""
    env = SandboxedEnvironment(autoescape=False, undefined=NotAnswered, keep_trailing_newline=False)
    env.filters.update(
        within=make_within_filter(sets or {}),
        money=money,
        number=number,
        percent=percent,
        country=country,
        countries=countries,
        list=join_list,
        option=make_option_filter(labels or {}),
    )
    return env


CHECK_ENV = make_environment()


def template_problems(text: str, known: Iterable[str] | None) -> list[tuple[str, int]]:
    """Problems of one template as (message, line within the text).

    Syntax errors, unknown filters, private (`_name`) attribute access and, when `known` is
    given, variables that are neither answers nor derived facts.
    """
    try:
        tree = CHECK_ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return [(f"template syntax error: {exc.message}", exc.lineno or 1)]
    problems: list[tuple[str, int]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Name)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append((f"template uses a private attribute '{node.attr}'", node.lineno))
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and node.arg.value.startswith("_")
        ):
            problems.append((f"template uses a private attribute '{node.arg.value}'", node.lineno))
        elif isinstance(node, nodes.Filter) and node.name not in CHECK_ENV.filters:
            problems.append((f"template uses an unknown filter '{node.name}'", node.lineno))
    if known is not None and not problems:
        allowed = set(known)
        try:
            undeclared = meta.find_undeclared_variables(tree)
        except jinja2.TemplateError as exc:
            return [(f"template error: {exc}", getattr(exc, "lineno", 1) or 1)]
        for name in sorted(undeclared - allowed):
            line = next(
                (n.lineno for n in tree.find_all(nodes.Name) if n.name == name and n.ctx == "load"),
                1,
            )
            problems.append((f"template names unknown answer '{name}'", line))
    return problems


class TemplateRenderer:
    """Compiles each distinct template text once and renders it without ever raising."""

    def __init__(
        self, labels: OptionLabels | None = None, sets: Mapping[str, Any] | None = None
    ) -> None:
        self.env = make_environment(labels, sets)
        self._compiled: dict[str, jinja2.Template | Exception] = {}

    def template(self, text: str) -> jinja2.Template | Exception:
        """The compiled template of `text` (compiled on first use), or why it does not compile."""
        template = self._compiled.get(text)
        if template is None:
            try:
                template = self.env.from_string(text)
            except Exception as exc:  # a template the checker did not see
                template = exc
            self._compiled[text] = template
        return template

    def render(self, text: str, variables: Mapping[str, Any]) -> tuple[str, str | None]:
        """(rendered text, None) or (the raw text, error message) when rendering fails."""
        return self.session(variables)(text)

    def session(self, variables: Mapping[str, Any]) -> Callable[[str], tuple[str, str | None]]:
        """`render` for many texts over the same variables: the template namespace (the
        environment's globals overlaid with `variables`, what `Template.render` builds on
        every call) is built once, on the first text that needs it."""
        env = self.env
        context_class = env.context_class
        concat = env.concat
        parent: dict[str, Any] | None = None

        def render(text: str) -> tuple[str, str | None]:
            nonlocal parent
            if "{" not in text:
                return text, None
            template = self._compiled.get(text)
            if template is None:
                template = self.template(text)
            if isinstance(template, Exception):
                return text, f"template error: {template}"
            if parent is None:
                parent = {**env.globals, **variables}
            try:
                # Template.render without its per-call copies: a fresh Context (so a
                # template's `{% set %}` stays its own) over the shared read-only namespace.
                context = context_class(env, parent, template.name, template.blocks)
                return concat(template.root_render_func(context)), None
            except Exception as exc:  # SecurityError, TypeError from a filter, ...
                return text, f"template error: {type(exc).__name__}: {exc}"

        return render
