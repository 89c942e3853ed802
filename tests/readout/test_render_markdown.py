"""The Markdown readout: the HTML's sections in the same order, user text escaped."""

from __future__ import annotations

import re

from recommender.readout.render import render_markdown
from recommender.readout.render.markdown import md_escape
from tests.readout.render_fixtures import readout

TITLES = [
    "Executive summary",
    "Solution design",
    "Architecture",
    "Roadmap",
    "Migration and cut-over",
    "Markets",
    "KPIs to track",
    "Risks",
    "Call notes",
    "Appendix",
]


def test_sections_in_order() -> None:
    text = render_markdown(readout())
    assert text.startswith("# Maison Pop SAS: Stripe solution design\n")
    assert re.findall(r"^## \d+\. (.+)$", text, re.M) == TITLES
    assert re.findall(r"^## (\d+)\.", text, re.M) == [str(i) for i in range(1, 11)]
    without = render_markdown(readout(migration=None))
    assert re.findall(r"^## \d+\. (.+)$", without, re.M) == [
        t for t in TITLES if "Migration" not in t
    ]


def test_content_of_each_section() -> None:
    text = render_markdown(readout())
    for expected in (
        "**Target go-live:** September 2025",
        "**Double billing during the card migration** (high)",
        "1. Decide the Connect charge type and merchant of record (owner: customer)",
        "| Web store | Payment Element | Stripe Checkout |",
        "| Stripe Connector for NetSuite | NetSuite (ERP) | charges, payouts, refunds, disputes |",
        "| Card data migration | Jun 2025 | Sep 2025 | 6–12 weeks | Payment Element, Stripe Connect |",
        "**Import lead time:** 4–8 weeks",
        "| Netherlands | EUR | FR |",
        "| Authorisation rate | Approved / attempted card payments | 91.5% |",
        "**Current set-up:** Adyen contract ends in Q3.",
        "| Current processor | Adyen |",
    ):
        assert expected in text, expected
    assert "recommend_terminal" not in text  # no trace in Markdown


def test_user_text_cannot_become_markup() -> None:
    data = readout()
    data["meta"]["company"] = "*Bold* [link](https://evil.example) <script>"
    data["notes"][0]["text"] = "line one\n# not a heading | not a cell"
    text = render_markdown(data)
    assert text.startswith("# \\*Bold\\* \\[link\\](https://evil.example) \\<script\\>: ")
    assert "Adyen contract" not in text
    assert "line one \\# not a heading \\| not a cell" in text
    assert "\n# not a heading" not in text


def test_md_escape() -> None:
    assert md_escape("a_b*c`d") == "a\\_b\\*c\\`d"
    assert md_escape(None) == ""
    assert md_escape("two\n\nlines") == "two lines"
