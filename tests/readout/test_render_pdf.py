"""PDF readouts rendered by WeasyPrint, tested by content: text extracted with `pdftotext`,
pages counted with `pdfinfo` (poppler-utils, installed by scripts/install-system-deps.sh)."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from recommender.readout.errors import RenderError
from recommender.readout.render import pdf, render_one_pager, render_pdf
from tests.readout.render_fixtures import COMPANY, long_readout, readout, sparse_readout


def pdftotext(data: bytes, tmp_path: Path) -> str:
    """The PDF's text, whitespace runs as one space (table cells wrap), pages split by \f."""
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return "\f".join(" ".join(page.split()) for page in text.split("\f"))


def pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.M)
    assert match, info
    return int(match.group(1))


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return render_pdf(readout())


@pytest.mark.slow
def test_pdf_has_company_phases_risks_and_markets(full_pdf: bytes, tmp_path: Path) -> None:
    assert full_pdf.startswith(b"%PDF")
    text = pdftotext(full_pdf, tmp_path)
    for expected in (
        COMPANY,
        "Executive summary",
        "Foundation",
        "Expansion",
        "Optimisation",
        "Double billing during the card migration",
        "The platform is liable for seller losses",
        "One Stripe account per store country",
        "Cancel each Adyen subscription",
        "NetSuite (ERP)",  # the diagram's text is real text in the PDF
        "Snowflake (warehouse)",
        "Migration and cut-over",
        "Netherlands",
        "Adyen contract ends in Q3.",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert "Rule trace" not in text  # the trace is for HTML and JSON only


@pytest.mark.slow
def test_summary_is_page_one_and_the_design_follows_it(full_pdf: bytes, tmp_path: Path) -> None:
    text = pdftotext(full_pdf, tmp_path)
    by_page = text.split("\f")
    assert COMPANY in by_page[0] and "Executive summary" in by_page[0]
    assert "Highest risks" in by_page[0] and "First actions" in by_page[0]
    # The solution design follows the summary where it ends (no page left nearly blank).
    assert "2 Solution design" in by_page[0] + by_page[1]
    assert pages(full_pdf, tmp_path) >= 8


@pytest.mark.slow
def test_shared_pdf(tmp_path: Path) -> None:
    text = pdftotext(render_pdf(readout(), shared=True), tmp_path)
    assert "shared copy" in text.lower() and COMPANY in text


def test_one_pager_is_exactly_one_page(tmp_path: Path) -> None:
    data = render_one_pager(readout())
    assert pages(data, tmp_path) == 1
    text = pdftotext(data, tmp_path)
    for expected in (
        COMPANY,
        "TOP RISKS",
        "NEXT STEPS",
        "Double billing during the card migration",
        "Decide the Connect charge type",
        "Foundation",
        "Target go-live",
    ):
        assert expected in text, expected
    assert "… and" not in text  # everything fitted


@pytest.mark.slow
def test_long_one_pager_is_shortened_until_it_fits(tmp_path: Path) -> None:
    data, limits = pdf.one_pager_document(long_readout())
    assert pages(data, tmp_path) == 1
    assert limits != pdf.ONE_PAGER_LIMITS  # something had to go
    text = pdftotext(data, tmp_path)
    assert COMPANY in text and "NEXT STEPS" in text
    assert re.search(r"… and \d+ more", text)


def test_pdf_failure_is_a_clear_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("cairo exploded")

    monkeypatch.setattr(weasyprint, "HTML", broken)
    with pytest.raises(RenderError) as info:
        render_pdf(readout())
    assert "could not be rendered" in info.value.message
    assert "cairo exploded" in info.value.message
    assert "HTML readout is still available" in info.value.message
    with pytest.raises(RenderError):
        render_one_pager(readout())


def test_missing_weasyprint_libraries_is_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without pango
    with pytest.raises(RenderError, match="not available on this server"):
        render_pdf(readout())


def test_no_network_at_render_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a document that points at a URL never opens it: only data: URLs are fetched."""
    opened: list[Any] = []

    def spy(self: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(url)
        raise OSError("network used")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spy)
    source = (
        '<html><body><p>x</p><img src="http://127.0.0.1:9/logo.png">'
        '<link rel="stylesheet" href="https://127.0.0.1:9/s.css"></body></html>'
    )
    document = pdf._document(source, "test")
    assert len(document.pages) == 1
    assert opened == []


def test_one_pager_of_a_sparse_readout(tmp_path: Path) -> None:
    data = render_one_pager(sparse_readout())
    assert pages(data, tmp_path) == 1
    text = pdftotext(data, tmp_path)
    assert "No risks identified from the answers so far." in text
    assert "Still to answer" in text and "Sales channels" in text


@pytest.mark.slow
def test_a_long_unbroken_word_in_a_note_stays_on_the_page(tmp_path: Path) -> None:
    """A pasted ID or URL without spaces wraps inside the page instead of running off it."""
    word = "A" * 400
    data = readout(
        notes=[{"section_id": "goals", "section_title": "Goals", "text": f"Ref {word} end."}]
    )
    path = tmp_path / "long.pdf"
    path.write_bytes(render_pdf(data))
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))  # type: ignore[union-attr]
    pieces = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(A+)</word>', bbox
    )
    assert sum(len(p[2]) for p in pieces) == len(word), "the word is broken over several lines"
    assert all(float(x_max) <= page_width for _, x_max, _ in pieces)
