"""The readout in the web app: the report page and its downloads (PDF text checked with
pdftotext), a failed PDF explained on the page, customer links (roles, CSRF, the public
page and its headers, 410 for expired or revoked links, 404 for unknown ones, rate limit),
and the comparison of two readouts."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from recommender.extensions import db
from recommender.models import AuditEntry, ShareLink
from recommender.models.base import utcnow
from recommender.readout.errors import RenderError
from recommender.services import discoveries, readout_pdf
from tests.reports.conftest import save

pytestmark = pytest.mark.usefixtures("loaded")

ANSWERS: dict[str, Any] = {
    "company_name": "Maison Pop SAS",
    "hq_country": "FR",
    "business_model": "marketplace",
    "customer_type": ["consumers"],
    "customer_countries": ["FR", "DE", "NL"],
    "channels": ["web", "in_person"],
    "store_count": 200,
    "pays_out_third_parties": True,
    "current_processor": "adyen",
    "saved_cards_count": 2_000_000,
    "erp": "netsuite",
    "go_live_months": 6,
}
NOTE = "Adyen contract ends in Q3"
SECRET_NOTE = "Internal: they will push for a discount"
SECTION_IDS = [
    "s-summary",
    "s-design",
    "s-architecture",
    "s-roadmap",
    "s-migration",
    "s-markets",
    "s-kpis",
    "s-risks",
    "s-notes",
    "s-appendix",
]


def pdftotext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
    return " ".join(out.stdout.split())


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M)
    assert match, info.stdout
    return int(match.group(1))


@pytest.fixture
def discovery_id(app: Flask, sa_user: Any, make_discovery: Callable[..., int]) -> int:
    did = make_discovery(ANSWERS, name="Maison Pop")
    with app.app_context():
        discoveries.save_note(did, "company", NOTE, 0, sa_user, include=True)
        discoveries.save_note(did, "channels", SECRET_NOTE, 0, sa_user)
    return did


@pytest.fixture
def snapshot_id(sa_client: FlaskClient, discovery_id: int) -> int:
    created = sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
    assert created.status_code == 303
    return int(created.headers["Location"].rsplit("/", 1)[1])


def share(client: FlaskClient, snapshot_id: int, days: str = "7") -> tuple[int, str]:
    """Create a link through the page; returns (link id, public path) as shown once."""
    resp = client.post(f"/reports/{snapshot_id}/share", data={"days": days})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    assert resp.headers["Location"] == f"/reports/{snapshot_id}#share"
    html = client.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    match = re.search(r'value="http://localhost(/r/[A-Za-z0-9_-]{43})" id="share-url"', html)
    assert match, "the new link is shown on the report page"
    link_id = re.search(r"Link #(\d+) is ready", html)
    assert link_id
    # Shown once: the next visit has only the list.
    assert match.group(1) not in client.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    return int(link_id.group(1)), match.group(1)


# ---------------------------------------------------------------------------- the SA's page


def test_the_report_page_is_the_readout_with_its_toolbar(
    sa_client: FlaskClient, discovery_id: int, snapshot_id: int
) -> None:
    html = sa_client.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    for href, label in (
        (f"/discoveries/{discovery_id}", "← Back to the discovery"),
        (f"/reports/{snapshot_id}/readout.pdf", "PDF"),
        (f"/reports/{snapshot_id}/one-pager.pdf", "One-page summary (PDF)"),
        (f"/reports/{snapshot_id}/readout.md", "Markdown"),
        (f"/reports/{snapshot_id}/readout.json", "JSON"),
        ("#share", "Share"),
    ):
        assert re.search(rf'href="{re.escape(href)}"[^>]*>{re.escape(label)}', html), label
    assert "Compare" in html and "Create another readout later" in html  # nothing to compare yet
    assert f'src="/reports/{snapshot_id}/readout.html"' in html

    doc = sa_client.get(f"/reports/{snapshot_id}/readout.html")
    assert doc.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in doc.headers["Content-Security-Policy"]
    text = doc.get_data(as_text=True)
    positions = [text.index(f'id="{sid}"') for sid in SECTION_IDS]
    assert positions == sorted(positions), "sections in the issue's order"
    assert "Maison Pop SAS" in text and "Adyen" in text
    assert NOTE in text and SECRET_NOTE not in text
    assert "Rule trace" in text


def test_pdf_downloads_have_the_readouts_text(
    sa_client: FlaskClient, snapshot_id: int, tmp_path: Path
) -> None:
    resp = sa_client.get(f"/reports/{snapshot_id}/readout.pdf")
    assert resp.status_code == 200, resp.headers.get("Location")
    assert resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="readout-{snapshot_id}-maison-pop.pdf"'
    )
    text = pdftotext(resp.get_data(), tmp_path)
    for expected in ("Maison Pop SAS", "Executive summary", "Roadmap", "Foundation", NOTE):
        assert expected in text, expected
    assert "Strong Customer Authentication" in text  # a risk
    assert "Rule trace" not in text and SECRET_NOTE not in text

    one = sa_client.get(f"/reports/{snapshot_id}/one-pager.pdf")
    assert one.status_code == 200 and one.mimetype == "application/pdf"
    assert pdf_pages(one.get_data(), tmp_path) == 1
    assert "Maison Pop SAS" in pdftotext(one.get_data(), tmp_path)


def test_a_failed_pdf_is_explained_on_the_page_which_still_works(
    sa_client: FlaskClient, snapshot_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RenderError("Graphviz's dot is not installed; run `make setup`.")

    monkeypatch.setattr(readout_pdf, "render", broken)
    for name in ("readout.pdf", "one-pager.pdf"):
        resp = sa_client.get(f"/reports/{snapshot_id}/{name}")
        assert resp.status_code == 303
        assert resp.headers["Location"] == f"/reports/{snapshot_id}"
        page = sa_client.get(resp.headers["Location"])
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "The PDF could not be made: Graphviz&#39;s dot is not installed" in html
        assert 'class="flash flash-error"' in html
        assert f'src="/reports/{snapshot_id}/readout.html"' in html  # the HTML is still there


def test_a_pdf_that_takes_too_long_is_stopped(
    app: Flask, sa_client: FlaskClient, snapshot_id: int
) -> None:
    readout_pdf.clear_cache()
    app.config["READOUT_PDF_TIMEOUT"] = 0.05
    resp = sa_client.get(f"/reports/{snapshot_id}/readout.pdf")
    assert resp.status_code == 303
    html = sa_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "took longer than 0.05 seconds to render and was stopped" in html


def test_a_crashing_renderer_is_a_message_not_a_500(
    app: Flask, sa_client: FlaskClient, snapshot_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    readout_pdf.clear_cache()
    monkeypatch.setattr(
        readout_pdf,
        "_command",
        lambda: [
            "python3",
            "-c",
            "import sys; sys.stderr.write('MemoryError: out of memory'); sys.exit(3)",
        ],
    )
    resp = sa_client.get(f"/reports/{snapshot_id}/one-pager.pdf")
    assert resp.status_code == 303
    html = sa_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "one-page summary PDF renderer failed (MemoryError: out of memory)" in html


# ---------------------------------------------------------------------------- sharing


def test_share_the_readout_and_open_it_logged_out(
    app: Flask, sa_client: FlaskClient, snapshot_id: int, tmp_path: Path
) -> None:
    link_id, path = share(sa_client, snapshot_id, days="30")
    public = app.test_client()  # no login, no cookies
    resp = public.get(path)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in resp.headers["X-Robots-Tag"]
    assert "script-src" not in resp.headers["Content-Security-Policy"]
    html = resp.get_data(as_text=True)
    assert "Maison Pop SAS" in html and "shared copy" in html
    assert NOTE in html
    assert SECRET_NOTE not in html
    assert "Rule trace" not in html and "derive-platform-from-payouts" not in html
    assert "ruleset stripe" not in html
    assert f'href="{path}/readout.pdf"' in html and f'href="{path}/one-pager.pdf"' in html
    positions = [html.index(f'id="{sid}"') for sid in SECTION_IDS]
    assert positions == sorted(positions)

    # The opening is recorded: count and time on the SA's list, and the audit log.
    listed = sa_client.get(f"/reports/{snapshot_id}").get_data(as_text=True)
    row = re.search(rf'<tr data-link="{link_id}" data-status="active">.*?</tr>', listed, re.S)
    assert row and "1 time" in row.group(0) and "last " in row.group(0)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target_id == str(link_id), AuditEntry.action.like("share_link.%")
            )
        ).all()
        assert sorted(actions) == ["share_link.created", "share_link.opened"]

    pdf = public.get(f"{path}/readout.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    text = pdftotext(pdf.get_data(), tmp_path)
    assert "Maison Pop SAS" in text and NOTE in text
    assert SECRET_NOTE not in text and "Rule trace" not in text and "ruleset stripe" not in text


def test_expired_revoked_and_unknown_links_show_no_content(
    app: Flask, sa_client: FlaskClient, snapshot_id: int
) -> None:
    expired_id, expired = share(sa_client, snapshot_id, days="1")
    revoked_id, revoked = share(sa_client, snapshot_id, days="90")
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(ShareLink)
            .where(ShareLink.id == expired_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    resp = sa_client.post(f"/reports/{snapshot_id}/share/{revoked_id}/revoke")
    assert resp.status_code == 303
    listed = sa_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"Link #{revoked_id} is revoked" in listed
    assert f'data-link="{revoked_id}" data-status="revoked"' in listed
    assert f'data-link="{expired_id}" data-status="expired"' in listed

    public = app.test_client()
    for path, words in ((expired, "has expired"), (revoked, "has been revoked")):
        for url in (path, f"{path}/readout.pdf", f"{path}/one-pager.pdf"):
            gone = public.get(url)
            assert gone.status_code == 410, url
            assert gone.mimetype == "text/html"
            assert gone.headers["Cache-Control"] == "no-store"
            page = gone.get_data(as_text=True)
            assert f"This link {words}; ask your Stripe contact for a new one." in page
            assert "Maison Pop" not in page and NOTE not in page
    for url in ("/r/" + "A" * 43, "/r/nonsense", "/r/" + "A" * 43 + "/readout.pdf"):
        missing = public.get(url)
        assert missing.status_code == 404
        assert "ask your Stripe contact" in missing.get_data(as_text=True)
        assert missing.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("role", ["sa", "admin"])
def test_sas_and_admins_share_and_revoke(
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    snapshot_id: int,
    role: str,
) -> None:
    client.post("/logout")
    login(make_user(role))
    link_id, _ = share(client, snapshot_id)
    assert client.post(f"/reports/{snapshot_id}/share/{link_id}/revoke").status_code == 303


def test_authors_read_readouts_but_do_not_share_them(
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    snapshot_id: int,
) -> None:
    link_id, _ = share(client, snapshot_id)  # the fixtures' SA
    client.post("/logout")
    login(make_user("author"))
    page = client.get(f"/reports/{snapshot_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Only SAs and admins create and revoke links." in html
    assert f"/reports/{snapshot_id}/share/{link_id}/revoke" not in html
    assert client.post(f"/reports/{snapshot_id}/share", data={"days": "7"}).status_code == 403
    assert client.post(f"/reports/{snapshot_id}/share/{link_id}/revoke").status_code == 403


def test_a_bad_expiry_is_refused(sa_client: FlaskClient, snapshot_id: int) -> None:
    resp = sa_client.post(f"/reports/{snapshot_id}/share", data={"days": "365"})
    assert resp.status_code == 400
    assert "1, 7, 30, 90 days" in resp.get_data(as_text=True)
    assert sa_client.post(f"/reports/{snapshot_id}/share/999/revoke").status_code == 404


def test_user_text_is_escaped_on_the_shared_page(
    app: Flask, sa_client: FlaskClient, sa_user: Any, make_discovery: Callable[..., int]
) -> None:
    evil = '<img src=x onerror="alert(1)">'
    did = make_discovery({"channels": ["web"], "company_name": f"Evil {evil}"})
    with app.app_context():
        discoveries.save_note(did, "company", f"Note {evil}", 0, sa_user, include=True)
    snapshot_id = int(
        sa_client.post(f"/discoveries/{did}/reports", data={"confirm": "1"})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    _, path = share(sa_client, snapshot_id)
    html = app.test_client().get(path).get_data(as_text=True)
    assert "<img" not in html
    assert "Note &lt;img src=x onerror=" in html


# ---------------------------------------------------------------------------- compare


def test_compare_the_latest_readout_with_the_previous_one(
    app: Flask, sa_client: FlaskClient, sa_user: Any, discovery_id: int, snapshot_id: int
) -> None:
    save(app, discovery_id, "customer_countries", ["FR", "DE", "NL", "IT"], sa_user)
    save(app, discovery_id, "channels", ["web"], sa_user)
    second = int(
        sa_client.post(f"/discoveries/{discovery_id}/reports", data={"confirm": "1"})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )

    page = sa_client.get(f"/reports/{second}").get_data(as_text=True)
    compare_url = f"/discoveries/{discovery_id}/reports/compare?a={snapshot_id}&amp;b={second}"
    assert f'href="{compare_url}"' in page
    listing = sa_client.get(f"/discoveries/{discovery_id}/reports").get_data(as_text=True)
    assert f'href="/discoveries/{discovery_id}/reports/compare"' in listing
    assert f'href="{compare_url}"' in listing

    resp = sa_client.get(f"/discoveries/{discovery_id}/reports/compare")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f"readout #{snapshot_id}" in html and f"readout #{second}" in html
    assert re.search(r'data-change="removed" data-item="terminal"', html)
    assert re.search(r'data-change="added" data-item="IT"', html)

    data = sa_client.get(
        f"/discoveries/{discovery_id}/reports/compare.json?a={second}&b={snapshot_id}"
    ).get_json()
    assert data["before"]["id"] == snapshot_id and data["after"]["id"] == second
    assert "terminal" in [p["id"] for p in data["products"]["removed"]]
    assert "IT" in [m["id"] for m in data["markets"]["added"]]
    assert data["unchanged"] is False

    bad = sa_client.get(f"/discoveries/{discovery_id}/reports/compare.json?a=x&b={second}")
    assert bad.status_code == 400


def test_compare_needs_two_readouts(
    sa_client: FlaskClient, discovery_id: int, snapshot_id: int
) -> None:
    resp = sa_client.get(f"/discoveries/{discovery_id}/reports/compare")
    assert resp.status_code == 400
    assert "needs two readouts" in resp.get_data(as_text=True)


def test_a_discovery_with_few_answers_still_gets_a_readout(
    sa_client: FlaskClient, make_discovery: Callable[..., int]
) -> None:
    did = make_discovery({}, name="Barely Started")
    created = sa_client.post(f"/discoveries/{did}/reports", data={"confirm": "1"})
    assert created.status_code == 303
    snapshot_id = created.headers["Location"].rsplit("/", 1)[1]
    assert sa_client.get(f"/reports/{snapshot_id}").status_code == 200
    doc = sa_client.get(f"/reports/{snapshot_id}/readout.html").get_data(as_text=True)
    assert "Barely Started" in doc and "Still to answer" in doc
    assert 'id="s-migration"' not in doc  # no current processor: no migration section
    md = sa_client.get(f"/reports/{snapshot_id}/readout.md")
    assert md.status_code == 200 and "Barely Started" in md.get_data(as_text=True)


def test_comparison_values_read_as_text() -> None:
    from recommender.web.reports import shown

    assert shown("2027-05") == "May 2027"
    assert shown(None) == "—" and shown([]) == "—"
    assert shown(True) == "yes" and shown(False) == "no"
    assert shown(["Cards", "iDEAL"]) == "Cards, iDEAL"
    assert shown("card_present") == "card present"
