"""The readout's drawings, tested by content: the architecture diagram's nodes, edge labels
and columns (Graphviz `dot` runs for real), and the roadmap timeline's bars and marker."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from recommender.readout.errors import RenderError
from recommender.readout.render import svg
from recommender.readout.render.svg import architecture_source, architecture_svg, roadmap_svg
from tests.readout.render_fixtures import long_readout, readout

SVG = "{http://www.w3.org/2000/svg}"


def _texts(element: ET.Element) -> str:
    return " ".join(t.text or "" for t in element.iter(f"{SVG}text"))


def _groups(root: ET.Element, cls: str) -> dict[str, ET.Element]:
    """Graphviz's <g class="node"> groups by their <title> (n0, n1, ...)."""
    return {
        (g.find(f"{SVG}title").text or ""): g  # type: ignore[union-attr]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == cls
    }


def _edges(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


def test_architecture_has_every_system_product_and_flow_label() -> None:
    data = readout()
    text = architecture_svg(data)
    assert text.startswith("<svg ") and "<?xml" not in text and "<!--" not in text
    root = ET.fromstring(text)
    nodes, edges = _groups(root, "node"), _edges(root)
    assert len(nodes) == len(data["architecture"]["nodes"])
    # Flows both ways between two systems share one drawn edge.
    pairs = {frozenset((e["source"], e["target"])) for e in data["architecture"]["edges"]}
    assert len(edges) == len(pairs) == 8
    words = " ".join(_texts(g) for g in nodes.values())
    for label in (
        "NetSuite (ERP)",
        "Salesforce (CRM)",
        "Snowflake (warehouse)",
        "Web store",
        "Payment Element",
        "Stripe Terminal",
        "Stripe Connect",
        "Adyen (current",
    ):
        assert label in words
    edge_words = " ".join(_texts(g) for g in edges)
    for label in ("payouts", "card-present payments", "onboarding (KYC)", "payment events"):
        assert label in edge_words
    cluster_titles = _texts(root)
    assert "Maison Pop SAS systems" in cluster_titles and "Third parties" in cluster_titles


def test_architecture_columns_customer_then_stripe_then_third_parties() -> None:
    data = readout()
    root = ET.fromstring(architecture_svg(data))
    nodes = _groups(root, "node")
    kinds = [n["kind"] for n in data["architecture"]["nodes"]]

    def x(g: ET.Element) -> float:
        return float(next(g.iter(f"{SVG}text")).get("x") or 0)

    xs: dict[str, list[float]] = {"customer": [], "stripe": [], "third_party": []}
    for i, kind in enumerate(kinds):
        xs[kind].append(x(nodes[f"n{i}"]))
    assert max(xs["customer"]) < min(xs["stripe"])
    assert max(xs["stripe"]) < min(xs["third_party"])


def test_flow_directions_are_kept_when_drawn_right_to_left() -> None:
    """Stripe -> NetSuite is drawn from the NetSuite side (to keep the columns) with the
    arrowhead on NetSuite: dir=back."""
    source = architecture_source(readout())
    ids = {n["id"]: f"n{i}" for i, n in enumerate(readout()["architecture"]["nodes"])}
    erp, connector = ids["erp"], ids["netsuite_connector"]
    assert re.search(rf"{erp} -> {connector} \[[^\]]*dir=back", source)
    web, element = ids["web"], ids["payment_element"]
    both = re.search(rf"{web} -> {element} \[label=\"([^\"]*)\" dir=both\]", source)
    assert both, source
    # Each flow keeps its direction (columns run left to right) and its table number.
    assert both.group(1) == "→ 1 payment request\\l← 2 payment result (webhooks)\\l"
    pos, terminal = ids["pos"], ids["terminal"]
    assert re.search(
        rf"{pos} -> {terminal} \[label=\"4 card-present payments\\l\" dir=forward\]", source
    )


def test_labels_are_escaped_and_never_html_like() -> None:
    data = readout()
    data["meta"]["company"] = 'Evil "Co" <b>&</b>'
    data["architecture"]["nodes"][0]["label"] = "<script>alert(1)</script>"
    data["architecture"]["nodes"][1]["label"] = 'C:\\shop "app"'
    data["architecture"]["edges"][0]["label"] = "<i>flow</i> & more"
    text = architecture_svg(data)
    assert "<script" not in text and "<i>" not in text and "<b>" not in text
    root = ET.fromstring(text)  # still well-formed XML
    words = _texts(root)
    assert "<script>alert(1)</script>" in "".join(words.split())  # wrapped, but all there
    assert 'C:\\shop "app"' in words
    assert "<i>flow</i> & more" in words
    assert 'Evil "Co" <b>&</b> systems' in words


def test_long_labels_wrap_onto_several_lines() -> None:
    data = readout()
    data["architecture"]["nodes"][0]["label"] = "A very long storefront name that cannot fit"
    root = ET.fromstring(architecture_svg(data))
    lines = [t.text for t in _groups(root, "node")["n0"].iter(f"{SVG}text")]
    assert len(lines) >= 2 and all(len(line or "") <= 22 for line in lines)


def test_thumbnail_has_nodes_but_no_edge_labels() -> None:
    root = ET.fromstring(architecture_svg(readout(), thumbnail=True))
    assert len(_groups(root, "node")) == len(readout()["architecture"]["nodes"])
    assert all(not _texts(g).strip() for g in _edges(root))


def test_empty_architecture_still_draws() -> None:
    data = readout(architecture={"nodes": [], "edges": []})
    assert ET.fromstring(architecture_svg(data)).tag == f"{SVG}svg"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (FileNotFoundError("dot"), "not installed"),
        (subprocess.TimeoutExpired("dot", 15), "more than 15 s"),
    ],
)
def test_dot_missing_or_slow_is_a_render_error(
    monkeypatch: pytest.MonkeyPatch, error: Exception, words: str
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(svg.subprocess, "run", fail)
    with pytest.raises(RenderError) as info:
        architecture_svg(readout())
    assert words in info.value.message and "diagram" in info.value.message


def test_dot_failure_reports_graphviz_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, 1, b"", b"Error: syntax error in line 3")

    monkeypatch.setattr(svg.subprocess, "run", broken)
    with pytest.raises(RenderError, match="syntax error in line 3"):
        architecture_svg(readout())


# ---------------------------------------------------------------------------- roadmap


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for p in data["roadmap"]["phases"] for i in p["items"]]


@pytest.mark.parametrize("make", [readout, long_readout])
def test_roadmap_has_one_bar_per_item(make: Any) -> None:
    data = make()
    root = ET.fromstring(roadmap_svg(data))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "roadmap-bar"]
    assert [b.get("data-product") for b in bars] == [i["product"] for i in _items(data)]
    words = _texts(root)
    for phase in ("Foundation", "Expansion", "Optimisation"):
        assert phase in words
    assert "Stripe Connect" in words and "8–16 wk" in words


def test_roadmap_bars_sit_at_their_months_and_the_go_live_marker_at_the_target() -> None:
    data = readout()
    root = ET.fromstring(roadmap_svg(data))
    bars = {
        r.get("data-product"): r for r in root.iter(f"{SVG}rect") if r.get("class") == "roadmap-bar"
    }
    connect, migration = bars["connect"], bars["card_migration"]
    assert float(connect.get("x") or 0) < float(migration.get("x") or 0)
    (marker,) = [line for line in root.iter(f"{SVG}line") if line.get("class") == "go-live-marker"]
    # The target (6 months) is where the card migration (3.5 -> 6 months) ends.
    end = float(migration.get("x") or 0) + float(migration.get("width") or 0)
    assert abs(float(marker.get("x1") or 0) - end) < 0.2
    assert marker.get("stroke") == "#b42318"  # the plan misses the target
    assert "Target go-live Sep 2025" in _texts(root)
    assert "Mar" in _texts(root) and "2025" in _texts(root) and "Oct" in _texts(root)


def test_roadmap_text_is_escaped() -> None:
    data = readout()
    data["roadmap"]["phases"][0]["title"] = "<script>x</script>"
    data["roadmap"]["phases"][0]["items"][0]["name"] = "A & B <c>"
    text = roadmap_svg(data)
    assert "<script" not in text and "<c>" not in text
    words = _texts(ET.fromstring(text))
    assert "<script>x</script>" in words and "A & B <c>" in words


def test_compact_roadmap_has_one_bar_per_phase() -> None:
    root = ET.fromstring(roadmap_svg(readout(), compact=True))
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("class") == "roadmap-bar"]
    phase_bars = [r for r in root.iter(f"{SVG}rect") if r.get("rx") == "3"]
    assert len(phase_bars) == 3


def test_roadmap_without_phases_or_go_live() -> None:
    data = readout(
        roadmap={
            "start_date": "2025-03-14",
            "phases": [],
            "total_months": 0,
            "meets_go_live": None,
            "advice": [],
        }
    )
    data["summary"]["go_live"] = {"target_months": None, "target_date": None}
    root = ET.fromstring(roadmap_svg(data))
    assert not [line for line in root.iter(f"{SVG}line") if line.get("class") == "go-live-marker"]
