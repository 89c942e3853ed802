"""Rule texts cannot hang a worker or fill its memory: each bomb from the penetration test is
refused by the checker where it can see it, and cut off with a reported error at evaluation
where it cannot (values that come from answers)."""

from __future__ import annotations

import pytest

from recommender.engine.templates import MAX_TEXT, TemplateRenderer, template_problems

SEEN_BY_THE_CHECKER = {
    "{{ 'x' * 200000000 }}": "repeating a text",
    "{{ 'a'|center(10**9) }}": "filter 'center', which rule texts may not use",
    "{{ '%0999999999d'|format(1) }}": "filter 'format', which rule texts may not use",
    "{{ '%0999999999d' % 1 }}": "format width of 999999999",
    "{{ '{:>999999999}'.format(1) }}": "format width of 999999999",
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}": (
        "loop inside a loop"
    ),
    "{% for i in range(100000) %}x{% endfor %}": "range() may produce at most",
    "{% macro f() %}{{ f() }}{{ f() }}{% endmacro %}{{ f() }}": "macros",
    "{{ 'a'.ljust(1000000000) }}": "ljust() would make more than",
    "{{ 'x'|wordwrap(1) }}": "filter 'wordwrap'",
}

ONLY_AT_EVALUATION = {
    # The sizes come from answers, which the checker cannot know.
    "{{ name * times }}": "repeating a text",
    "{{ name.zfill(times) }}": "zfill() would make more than",
    "{% for i in range(times) %}x{% endfor %}": "range() may produce at most",
    "{% set a = name * 1000 %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a }}": "more than",
    "{{ ([name * 1000] * 1000) | join }}": "more than",
    "{% set l = [1] %}{% for i in range(900) %}{{ l.extend(l) }}{% endfor %}": "unsafe",
    "{{ name.replace('', name * 1000) }}": "replace() would make more than",
}


@pytest.mark.parametrize("text,message", list(SEEN_BY_THE_CHECKER.items()))
def test_the_checker_refuses_bombs_it_can_see(text: str, message: str) -> None:
    problems = [m for m, _line in template_problems(text, None)]
    assert any(message in m for m in problems), problems


@pytest.mark.parametrize(
    "text,message", [(t, "") for t in SEEN_BY_THE_CHECKER] + list(ONLY_AT_EVALUATION.items())
)
def test_evaluation_cuts_them_off_with_an_error(text: str, message: str) -> None:
    """Also the ones the checker refuses: a published ruleset predating the limits, or a
    template the checker never saw, must not run either."""
    out, error = TemplateRenderer().render(text, {"name": "abcdefghijklmnopqrst", "times": 10**8})
    assert out == text  # the raw text is shown, the error reported
    assert error is not None and message in error, error


def test_ordinary_texts_still_render() -> None:
    render = TemplateRenderer({"channels": {"web": "Web"}}).render
    assert render("Sells on {{ channels | option }}.", {"channels": ["web"]}) == (
        "Sells on Web.",
        None,
    )
    assert render("{{ items | join(', ') }} ({{ items | length }})", {"items": ["a", "b"]}) == (
        "a, b (2)",
        None,
    )
    assert render("{% for c in cs %}{{ c }};{% endfor %}", {"cs": ["DE", "FR"]})[0] == "DE;FR;"
    assert render("{{ 'x' * 10 ~ '!' }}", {})[0] == "xxxxxxxxxx!"
    assert render("{{ '%5.1f' % 3.14159 }}", {})[0] == "  3.1"
    long_ok = "y" * (MAX_TEXT - 10)
    assert render("{{ t }}", {"t": long_ok}) == (long_ok, None)
