"""The template check without Jinja's compiler says what the compiler-based check says.

`templates.undeclared_names` answers for simple templates (expressions, output, `{% if %}`)
what `jinja2.meta.find_undeclared_variables` answers; `templates.walk` visits what
`find_all` visits, in the same order. Checked on every `because:` text under rules/ and on
random templates that mix simple parts with ones left to Jinja (loops, `set`, `self`,
`loop`, unknown tests).
"""

from __future__ import annotations

import random
from pathlib import Path

import jinja2
import pytest
from jinja2 import meta, nodes

from recommender.engine import templates
from recommender.engine.templates import CHECK_ENV, template_problems, undeclared_names, walk
from recommender.yamlpos import load_yaml

ROOT = Path(__file__).resolve().parents[2]


def _rule_texts() -> list[str]:
    texts: set[str] = set()
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"), str(path)).data
        if not isinstance(data, dict):
            continue
        for rule in data.get("rules") or []:
            for kind in ("recommend", "exclude", "flag", "derive"):
                for effect in rule.get(kind) or []:
                    if isinstance(effect, dict) and "{" in str(effect.get("because", "")):
                        texts.add(effect["because"])
    return sorted(texts)


NAMES = ["a", "b", "channels", "params", "range", "dict", "self", "loop", "caller", "x"]
FILTERS = ["money", "list", "length", "option('x')", "within('eurozone')", "default(0)"]
TESTS = ["defined", "none", "number", "string", "sameas(1)", "nosuchtest"]


def _expr(rng: random.Random, depth: int = 0) -> str:
    pick = rng.randrange(11 if depth < 3 else 3)
    if pick == 0:
        return rng.choice(NAMES)
    if pick == 1:
        return rng.choice(["1", "'t'", "[1, 2]", "none", "true", "(1, a)", "{'k': b}"])
    if pick == 2:
        return f"{rng.choice(NAMES)}.{rng.choice(['y', 'z'])}"
    if pick == 3:
        return f"{_expr(rng, depth + 1)} | {rng.choice(FILTERS)}"
    if pick == 4:
        return f"{_expr(rng, depth + 1)} is {rng.choice(TESTS)}"
    if pick == 5:
        op = rng.choice(["and", "or", "+", "-", "*", "~", "==", "in", "<", "%", "//"])
        return f"({_expr(rng, depth + 1)} {op} {_expr(rng, depth + 1)})"
    if pick == 6:
        return f"not {_expr(rng, depth + 1)}"
    if pick == 7:
        return f"({_expr(rng, depth + 1)} if {_expr(rng, depth + 1)} else {_expr(rng, depth + 1)})"
    if pick == 8:
        return f"{rng.choice(NAMES)}[{_expr(rng, depth + 1)}]"
    if pick == 9:
        return f"{rng.choice(NAMES)}[1:{rng.choice(['2', 'a'])}]"
    return f"range({_expr(rng, depth + 1)})"


def _template(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randrange(1, 4)):
        pick = rng.randrange(8 if depth < 2 else 2)
        if pick == 0:
            parts.append("text ")
        elif pick == 1:
            parts.append("{{ " + _expr(rng) + " }}")
        elif pick in (2, 3):
            body = _template(rng, depth + 1)
            other = "{% elif " + _expr(rng) + " %}" + _template(rng, depth + 1) if pick == 3 else ""
            parts.append("{% if " + _expr(rng) + " %}" + body + other + "{% endif %}")
        elif pick == 4:
            parts.append("{% else %}".join(["{% if " + _expr(rng) + " %}x", "y{% endif %}"]))
        elif pick == 5:
            target = rng.choice(["m", "a", "m, n"])
            test = " if " + _expr(rng) if rng.random() < 0.3 else ""
            body = _template(rng, depth + 1)
            parts.append(f"{{% for {target} in {_expr(rng)}{test} %}}{body}{{% endfor %}}")
        elif pick == 6:
            parts.append("{% set " + rng.choice(["a", "g"]) + " = " + _expr(rng) + " %}")
        else:
            parts.append("{% with w = " + _expr(rng) + " %}{{ w }}{% endwith %}")
    return "".join(parts)


def _same_as_jinja(text: str) -> bool:
    """Asserts the fast answers match Jinja's; True when the fast path answered."""
    tree = CHECK_ENV.parse(text)
    walked = walk(tree)
    assert walked == list(tree.find_all(nodes.Node)), text
    fast = undeclared_names(tree, walked)
    if fast is None:
        return False
    assert fast == meta.find_undeclared_variables(tree), text
    return True


def test_every_rule_text_gets_jinjas_answer() -> None:
    texts = _rule_texts()
    assert len(texts) > 100
    fast = sum(_same_as_jinja(text) for text in texts)
    assert fast > len(texts) * 3 // 4  # the fast path is the common one


def test_random_templates_get_jinjas_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    scoped: list[str] = []
    follow = templates._scoped_undeclared

    def counted(tree: nodes.Template, loops: list[nodes.For]) -> set[str] | None:
        scoped.append("")
        return follow(tree, loops)

    monkeypatch.setattr(templates, "_scoped_undeclared", counted)
    rng = random.Random(12)
    fast = slow = 0
    for _ in range(3000):
        text = _template(rng)
        try:
            CHECK_ENV.parse(text)
        except jinja2.TemplateSyntaxError:
            continue
        if _same_as_jinja(text):
            fast += 1
        else:
            slow += 1
    # Each path taken often: plain texts, loops and `set` (Jinja's symbol tables), and the
    # texts left to Jinja's compiler.
    assert fast > 300 and slow > 300 and len(scoped) > 200, (fast, slow, len(scoped))


@pytest.mark.parametrize(
    "text",
    [
        "{{ c }}",
        "{{ a | money }} and {{ c.d }}{% if e is defined %}{{ a if f else range(3) }}{% endif %}",
        "{{ self }}",
        "{{ loop.index }}",
        "{% if a is nosuchtest %}x{% endif %}",
        "{{ a is nosuchtest }}",
        "{% for m in a %}{{ m }}{{ loop.last }}{% endfor %}{{ m }}",
        "{% set g = a %}{{ g }}",
        "{{ g }}{% set g = a %}",
        "{% if a %}{% set g = 1 %}{% endif %}{{ g }}",
    ],
)
def test_problems_with_and_without_the_fast_path(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole messages (unknown names, Jinja's own errors) are the same either way."""
    known = ["a", "b"]
    with_fast = template_problems(text, known)
    templates._PROBLEMS.clear()
    monkeypatch.setattr(templates, "undeclared_names", lambda tree, walked: None)
    assert template_problems(text, known) == with_fast
    templates._PROBLEMS.clear()
