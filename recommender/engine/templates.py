"""`because:` texts: Jinja templates rendered in a sandbox with answers and derived facts.

Rule authors are trusted less than code: templates run in `SandboxedEnvironment`, names
starting with `_` are refused at check time, and a render failure never breaks an
evaluation (the raw text is shown and the error recorded). Autoescape is off because the
output is plain text; the web layer escapes it when it renders HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.compiler import CodeGenerator, Frame, find_undeclared
from jinja2.exceptions import SecurityError
from jinja2.idtracking import VAR_LOAD_RESOLVE, Symbols
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from recommender.questionnaire.countries import country_name
from recommender.suggest import did_you_mean

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
        return _bounded_join(separator, value) if value else "none"
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


#: Limits that keep an author's template from hanging a worker or filling its memory.
MAX_TEXT = 20_000  # characters (or items) any string/list operation may produce
MAX_RANGE = 1_000  # items `range()` may produce
MAX_POWER_BITS = 4_096  # size of the result of `**`
MAX_FORMAT_WIDTH = 200  # width/precision in `%` and `.format()` specs

#: Jinja's built-in filters that rule texts may use; the others (`center`, `format`,
#: `indent`, `wordwrap`, `urlize`, `pprint`, `random`, ...) can pad to any width, produce
#: unbounded text or are of no use in a sentence.
SAFE_BUILTIN_FILTERS = frozenset(
    [
        "abs",
        "attr",
        "capitalize",
        "count",
        "d",
        "default",
        "dictsort",
        "first",
        "float",
        "int",
        "join",
        "last",
        "length",
        "lower",
        "map",
        "max",
        "min",
        "reject",
        "rejectattr",
        "replace",
        "reverse",
        "round",
        "select",
        "selectattr",
        "sort",
        "string",
        "title",
        "trim",
        "truncate",
        "unique",
        "upper",
        "wordcount",
    ]
)
#: Statements a rule text may not contain: they allow unbounded work (recursion through
#: macros, loops over loops) or reach outside the text.
FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.Macro: "macros ({% macro %})",
    nodes.CallBlock: "call blocks ({% call %})",
    nodes.Include: "includes",
    nodes.Import: "imports",
    nodes.FromImport: "imports",
    nodes.Extends: "extends",
}
_WIDTH = re.compile(r"%[-#0 +]*(\d+)?(?:\.(\d+))?|\{[^{}]*?:[^{}]*?(\d+)[^{}]*?\}")


class TemplateLimit(SecurityError):
    """A template went past one of the limits above."""


def _sized(value: Any, budget: int = MAX_TEXT + 1) -> int | None:
    """How much text a string or (nested) list holds, counting up to `budget` only;
    None for anything else."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, list | tuple):
        return None
    total = len(value)
    stack = list(value)
    while stack and total < budget:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list | tuple):
            total += len(item)
            stack.extend(item)
    return total


def check_binop(operator: str, left: Any, right: Any) -> None:
    """TemplateLimit when `left <operator> right` would make something too big."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = _sized(seq)
            if size is not None and isinstance(times, int) and size * times > MAX_TEXT:
                raise TemplateLimit(
                    f"repeating a text or list {times} times would make more than "
                    f"{MAX_TEXT} characters"
                )
    elif operator == "+":
        a, b = _sized(left), _sized(right)
        if a is not None and b is not None and a + b > MAX_TEXT:
            raise TemplateLimit(
                f"joining texts or lists would make more than {MAX_TEXT} characters"
            )
    elif operator == "**":
        if isinstance(left, int | float) and isinstance(right, int | float):
            base = abs(float(left))
            if base > 1 and abs(float(right)) * math.log2(base) > MAX_POWER_BITS:
                raise TemplateLimit("a power that large is not allowed")
    elif operator == "%" and isinstance(left, str):
        _check_widths(left)


def _check_widths(fmt: str) -> None:
    for match in _WIDTH.finditer(fmt):
        for group in match.groups():
            if group and int(group) > MAX_FORMAT_WIDTH:
                raise TemplateLimit(f"a format width of {group} is more than {MAX_FORMAT_WIDTH}")


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles `a ~ b` to a join that stops at MAX_TEXT characters."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


#: str methods that take a width or count that sizes their result.
_PADDING_METHODS = frozenset(["ljust", "rjust", "center", "zfill", "expandtabs"])


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (no `list.append` and the like) with size limits on what
    operators, `~`, methods, `range` and formatting produce."""

    code_generator_class = _BoundedCodeGenerator

    def bounded_concat(self, items: Iterable[Any]) -> str:
        return _bounded_join("", items)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name in _PADDING_METHODS and any(
                isinstance(a, int) and a > MAX_TEXT for a in (*args, *kwargs.values())
            ):
                raise TemplateLimit(f"{name}() would make more than {MAX_TEXT} characters")
            if name == "join" and args:
                return _bounded_join(owner, args[0])
            if name == "replace" and len(args) >= 2:
                return _bounded_replace(owner, *args)
        return super().call(__context, __obj, *args, **kwargs)

    intercepted_binops = frozenset(["*", "**", "+", "%", "//"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`"…".format(…)` / `format_map` with the widths in the text checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_widths(str(value.__self__))
        return wrapped


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimit(f"range() may produce at most {MAX_RANGE} numbers")
    return rng


def _bounded_join(separator: Any, items: Iterable[Any]) -> str:
    sep = str(separator)
    parts: list[str] = []
    total = 0
    for item in items:
        text = str(item)
        total += len(text) + (len(sep) if parts else 0)
        if total > MAX_TEXT:
            raise TemplateLimit(f"joining would make more than {MAX_TEXT} characters")
        parts.append(text)
    return sep.join(parts)


def _join_filter(value: Any, d: Any = "", attribute: Any = None) -> str:
    if attribute is not None:
        raise TemplateLimit("join(attribute=…) is not available in rule texts")
    return _bounded_join(d, value)


def _bounded_replace(value: Any, old: Any, new: Any, count: Any = None) -> str:
    text, old_s, new_s = str(value), str(old), str(new)
    hits = text.count(old_s) if old_s else len(text) + 1
    if len(text) + hits * max(0, len(new_s) - len(old_s)) > MAX_TEXT:
        raise TemplateLimit(f"replace() would make more than {MAX_TEXT} characters")
    return text.replace(old_s, new_s, -1 if count is None else int(count))


def make_environment(
    labels: OptionLabels | None = None,
    sets: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> SandboxedEnvironment:
    """The sandbox every `because:` text is parsed and rendered with; the ruleset's
    parameters are the global `params` (`{{ params.enterprise_volume | money }}`)."""
    env = BoundedSandbox(autoescape=False, undefined=NotAnswered, keep_trailing_newline=False)
    env.filters = {name: f for name, f in env.filters.items() if name in SAFE_BUILTIN_FILTERS}
    env.filters["replace"] = _bounded_replace
    env.filters["join"] = _join_filter
    env.globals = {"range": _bounded_range, "dict": dict, "params": dict(params or {})}
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


def template_problems(
    text: str, known: Iterable[str] | None, params: Mapping[str, Any] | None = None
) -> list[tuple[str, int]]:
    """Problems of one template as (message, line within the text).

    Syntax errors, unknown filters, private (`_name`) attribute access and, when `known` is
    given, variables that are neither answers nor derived facts; `params.x` for a parameter
    not in `params` (did-you-mean among them).

    Remembered per process: a ruleset is checked again on every save in the workbench, and
    most of its texts have not changed (the answer is the same for the same text, names and
    parameters).
    """
    if "{" not in text:
        return []
    known_key = None if known is None else frozenset(known)
    params_key = None if params is None else tuple(sorted(params))
    key = (text, known_key, params_key)
    found = _PROBLEMS.get(key)
    if found is None:
        found = tuple(_template_problems(text, known_key, params))
        if len(_PROBLEMS) >= 8192:
            _PROBLEMS.clear()
        _PROBLEMS[key] = found
    return list(found)


_PROBLEMS: dict[tuple[str, frozenset[str] | None, tuple[str, ...] | None], tuple[Any, ...]] = {}


def _template_problems(
    text: str, known: Iterable[str] | None, params: Mapping[str, Any] | None = None
) -> list[tuple[str, int]]:
    try:
        tree = CHECK_ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return [(f"template syntax error: {exc.message}", exc.lineno or 1)]
    walked = walk(tree)
    problems = structure_problems(tree, walked)
    names: list[nodes.Name] = []
    lookups: list[nodes.Getattr | nodes.Getitem] = []
    for node in walked:
        if isinstance(node, nodes.Name):
            names.append(node)
        elif isinstance(node, nodes.Getattr):
            lookups.append(node)
            if node.attr.startswith("_"):
                problems.append((f"template uses a private attribute '{node.attr}'", node.lineno))
        elif isinstance(node, nodes.Getitem):
            lookups.append(node)
            if (
                isinstance(node.arg, nodes.Const)
                and isinstance(node.arg.value, str)
                and node.arg.value.startswith("_")
            ):
                problems.append(
                    (f"template uses a private attribute '{node.arg.value}'", node.lineno)
                )
        elif isinstance(node, nodes.Filter) and node.name not in CHECK_ENV.filters:
            if node.name in _JINJA_FILTERS:
                problems.append(
                    (
                        f"template uses the filter '{node.name}', which rule texts may not use "
                        "(it can make text of any size); use one of: "
                        + ", ".join(sorted(CHECK_ENV.filters)),
                        node.lineno,
                    )
                )
            else:
                problems.append((f"template uses an unknown filter '{node.name}'", node.lineno))
    for found in lookups:
        owner = found.node
        if not (isinstance(owner, nodes.Name) and owner.name == "params"):
            continue
        name: Any = None
        if isinstance(found, nodes.Getattr):
            name = found.attr
        elif isinstance(found.arg, nodes.Const):
            name = found.arg.value
        if isinstance(name, str) and name not in (params or {}):
            hint = did_you_mean(name, params or {})
            if not hint:
                hint = (
                    " (parameters: " + ", ".join(sorted(params)[:12]) + ")"
                    if params
                    else ": declare it under `params:` at the top of the ruleset"
                )
            problems.append(
                (f"template uses an unknown parameter 'params.{name}'{hint}", found.lineno)
            )
    if known is not None and not problems:
        allowed = set(known) | {"params"}
        undeclared = undeclared_names(tree, walked)
        if undeclared is None:  # Jinja's own analysis (it compiles the template)
            try:
                undeclared = meta.find_undeclared_variables(tree)
            except jinja2.TemplateError as exc:
                return [(f"template error: {exc}", getattr(exc, "lineno", 1) or 1)]
        for name in sorted(undeclared - allowed):
            line = next((n.lineno for n in names if n.name == name and n.ctx == "load"), 1)
            problems.append((f"template names unknown answer '{name}'", line))
    return problems


def walk(tree: nodes.Node) -> list[nodes.Node]:
    """Every node below `tree` in the order `tree.find_all` yields them (one walk serves every
    check of a text; find_all would walk the tree once per check)."""
    out: list[nodes.Node] = []
    node_type = nodes.Node
    stack: list[nodes.Node] = [tree]
    while stack:
        node = stack.pop()
        if node is not tree:
            out.append(node)
        children: list[nodes.Node] = []
        for field in node.fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                children.extend(v for v in value if isinstance(v, node_type))
            elif isinstance(value, node_type):
                children.append(value)
        children.reverse()
        stack.extend(children)
    return out


#: Nodes whose names `undeclared_names` reads straight from the tree: expressions, output
#: and `{% if %}` (no statement that stores a name or opens a scope; `{% for %}` and
#: `{% set %}` go through `_scoped_undeclared`, anything else to Jinja's compiler).
_SIMPLE_NODES = frozenset(
    [
        nodes.Output,
        nodes.TemplateData,
        nodes.Const,
        nodes.Name,
        nodes.Getattr,
        nodes.Getitem,
        nodes.Slice,
        nodes.Filter,
        nodes.Test,
        nodes.If,
        nodes.CondExpr,
        nodes.Compare,
        nodes.Operand,
        nodes.And,
        nodes.Or,
        nodes.Not,
        nodes.Neg,
        nodes.Pos,
        nodes.Add,
        nodes.Sub,
        nodes.Mul,
        nodes.Div,
        nodes.FloorDiv,
        nodes.Mod,
        nodes.Pow,
        nodes.Concat,
        nodes.List,
        nodes.Tuple,
        nodes.Dict,
        nodes.Pair,
        nodes.Call,
        nodes.Keyword,
    ]
)
#: Names Jinja's compiler treats specially in some scope: left to it (but `loop` read in a
#: `{% for %}`, which `_scoped_undeclared` follows).
_SPECIAL_NAMES = frozenset(["self", "loop", "caller", "varargs", "kwargs"])


def undeclared_names(tree: nodes.Template, walked: Iterable[nodes.Node]) -> set[str] | None:
    """What `jinja2.meta.find_undeclared_variables(tree)` answers, without compiling the
    template, for a text of expressions, output, `{% if %}`, `{% for %}` and `{% set %}`
    (`walked` is `walk(tree)`); None for any other text (and for an unknown test, where
    Jinja's compiler raises), which is left to Jinja."""
    found: set[str] = set()
    simple = _SIMPLE_NODES
    scoped = False
    for node in walked:
        kind = type(node)
        if kind not in simple:
            if kind is nodes.For or kind is nodes.Assign:
                scoped = True
                continue
            return None
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                if node.name in _SPECIAL_NAMES:
                    if node.name != "loop":
                        return None
                    scoped = True
                found.add(node.name)
            elif node.ctx == "store" and node.name not in _SPECIAL_NAMES:
                scoped = True
            else:
                return None
        elif isinstance(node, nodes.Test):
            if node.name not in CHECK_ENV.tests:
                return None
        elif isinstance(node, nodes.Filter) and (
            node.node is None or node.name not in CHECK_ENV.filters
        ):
            return None
    if scoped:
        return _scoped_undeclared(tree, [n for n in walked if isinstance(n, nodes.For)])
    return found - set(CHECK_ENV.globals)


def _scoped_undeclared(tree: nodes.Template, loops: list[nodes.For]) -> set[str] | None:
    """The names Jinja's compiler would look up in the context, from Jinja's own symbol
    tables built frame by frame as `CodeGenerator.visit_Template` and `visit_For` build them
    (the root frame, then for each loop its body, `else` and `if` frames under it), without
    generating code. Loops inside loops and recursive loops are refused before this runs."""
    if any(loop.recursive for loop in loops):
        return None
    root = Symbols()
    root.analyze_node(tree)
    frames = [root]
    for loop in loops:
        body = Symbols(parent=root)
        if "loop" in find_undeclared(loop.iter_child_nodes(only=("body",)), ("loop",)):
            body.declare_parameter("loop")
        body.analyze_node(loop, for_branch="body")
        frames.append(body)
        if loop.else_:
            other = Symbols(parent=root)
            other.analyze_node(loop, for_branch="else")
            frames.append(other)
        if loop.test is not None:
            test = Symbols(parent=root)
            test.analyze_node(loop, for_branch="test")
            frames.append(test)
    return {
        param
        for frame in frames
        for action, param in frame.loads.values()
        if action == VAR_LOAD_RESOLVE and param not in CHECK_ENV.globals
    }


_JINJA_FILTERS = frozenset(SandboxedEnvironment().filters)


def structure_problems(
    tree: nodes.Template, walked: list[nodes.Node] | None = None
) -> list[tuple[str, int]]:
    """Statements a rule text may not use, and loops inside loops (each loop is bounded,
    but loops over loops multiply). `walked`: `walk(tree)` when the caller has it."""
    if walked is None:
        walked = walk(tree)
    problems: list[tuple[str, int]] = []
    loops: list[nodes.For] = []
    kinds: tuple[type[nodes.Node], ...] = (*FORBIDDEN_NODES, nodes.For)
    limited = False
    for node in walked:
        if isinstance(node, kinds):
            what = FORBIDDEN_NODES.get(type(node))
            if what is not None:
                problems.append(
                    (f"template uses {what}, which rule texts may not use", node.lineno)
                )
            elif isinstance(node, nodes.For):
                loops.append(node)
        elif isinstance(node, (nodes.BinExpr, nodes.Call)):
            limited = True
    if limited:
        problems.extend(_constant_limit_problems(walked))
    for loop in loops:
        if loop.recursive:
            problems.append(
                ("template uses a recursive loop, which rule texts may not use", loop.lineno)
            )
        for inner in loop.find_all(nodes.For):
            problems.append(
                ("template has a loop inside a loop, which rule texts may not use", inner.lineno)
            )
    return sorted(set(problems), key=lambda p: p[1])


_BINOPS = {nodes.Mul: "*", nodes.Add: "+", nodes.Pow: "**", nodes.Mod: "%"}


def _constant_limit_problems(walked: list[nodes.Node]) -> list[tuple[str, int]]:
    """The limits, checked where the values are written in the text itself."""
    problems: list[tuple[str, int]] = []

    def const(node: nodes.Node) -> Any:
        if isinstance(node, nodes.Const):
            return node.value
        if isinstance(node, nodes.BinExpr) and type(node) in _BINOPS:
            left, right = const(node.left), const(node.right)
            if left is None or right is None:
                return None
            try:
                check_binop(_BINOPS[type(node)], left, right)
            except TemplateLimit:
                return None  # reported where it is found
            if isinstance(left, int | float) and isinstance(right, int | float):
                try:
                    return node.as_const()
                except Exception:
                    return None
        return None

    for node in walked:
        if not isinstance(node, nodes.BinExpr) or type(node) not in _BINOPS:
            continue
        left, right = const(node.left), const(node.right)
        if left is None or right is None:
            continue
        try:
            check_binop(_BINOPS[type(node)], left, right)
        except TemplateLimit as exc:
            problems.append((f"template: {exc}", node.lineno))
    for call in walked:
        if not isinstance(call, nodes.Call):
            continue
        args = [const(a) for a in call.args]
        numbers = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
        if isinstance(call.node, nodes.Name) and call.node.name == "range" and numbers:
            if len(range(*numbers[:3])) > MAX_RANGE:
                problems.append(
                    (f"template: range() may produce at most {MAX_RANGE} numbers", call.lineno)
                )
        elif (
            isinstance(call.node, nodes.Getattr)
            and call.node.attr in ("format", "format_map")
            and isinstance(call.node.node, nodes.Const)
            and isinstance(call.node.node.value, str)
        ):
            try:
                _check_widths(call.node.node.value)
            except TemplateLimit as exc:
                problems.append((f"template: {exc}", call.lineno))
        elif (
            isinstance(call.node, nodes.Getattr)
            and call.node.attr in _PADDING_METHODS
            and any(n > MAX_TEXT for n in numbers)
        ):
            problems.append(
                (
                    f"template: {call.node.attr}() would make more than {MAX_TEXT} characters",
                    call.lineno,
                )
            )
    return problems


class TemplateRenderer:
    """Compiles each distinct template text once and renders it without ever raising."""

    def __init__(
        self,
        labels: OptionLabels | None = None,
        sets: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.env = make_environment(labels, sets, params)
        self._compiled: dict[str, jinja2.Template | Exception] = {}

    def template(self, text: str) -> jinja2.Template | Exception:
        """The compiled template of `text` (compiled on first use), or why it does not compile."""
        template = self._compiled.get(text)
        if template is None:
            try:
                problems = structure_problems(self.env.parse(text))
                if problems:  # a template the checker did not see: never run it
                    raise TemplateLimit(problems[0][0])
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
                out = concat(_bounded(template.root_render_func(context)))
                return out, None
            except Exception as exc:  # SecurityError, TypeError from a filter, ...
                return text, f"template error: {type(exc).__name__}: {exc}"

        return render


def _bounded(chunks: Iterable[str]) -> Iterator[str]:
    """The rendered pieces, stopping once the text passes MAX_TEXT characters."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_TEXT:
            raise TemplateLimit(f"the text would be longer than {MAX_TEXT} characters")
        yield chunk
