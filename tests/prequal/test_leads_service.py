"""The leads service: resume tokens, expiry, conversion into a prefilled discovery, funnel."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from recommender.errors import Conflict, InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import Answer, Discovery, Lead, User
from recommender.models.base import utcnow
from recommender.services import leads


def test_tokens_have_256_random_bits_and_only_their_hash_is_stored(loaded: Flask) -> None:
    with loaded.app_context():
        lead, token = leads.start_lead({"utm_source": "ads"})
        other, token2 = leads.start_lead({})
        assert len(token) == 43 and token != token2  # 32 bytes, urlsafe base64
        row = db.session.get(Lead, lead.id)
        assert row is not None
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_hash
        assert timedelta(days=29, hours=23) < row.token_expires_at - utcnow() <= timedelta(days=30)
        assert leads.lead_for_token(token).id == lead.id
        assert leads.lead_for_token(token2).id == other.id


def test_token_checks(loaded: Flask) -> None:
    with loaded.app_context():
        lead, token = leads.start_lead({})
        for bad in ("", None, "x" * 10, token[:-1] + ("A" if token[-1] != "A" else "B"), "é" * 43):
            with pytest.raises(NotFound):
                leads.lead_for_token(bad)
        later = lead.token_expires_at + timedelta(seconds=1)
        with pytest.raises(leads.LinkExpired) as info:
            leads.lead_for_token(token, now=later)
        assert info.value.status == 410
        just_before = lead.token_expires_at - timedelta(seconds=1)
        assert leads.lead_for_token(token, now=just_before).id == lead.id


@pytest.fixture
def submitted_lead(
    client: FlaskClient, journey: Callable[..., Any], all_leads: Callable[[], list[Any]]
) -> Any:
    journey(client)
    (lead,) = all_leads()
    return lead


@pytest.fixture
def sa_discovery_form(loaded: Flask) -> Any:
    """The SA discovery questionnaire from forms/ (conversion copies into it)."""
    from recommender.services import questionnaires

    with loaded.app_context():
        version = questionnaires.latest("sa_discovery")
        if version is None:
            pytest.fail("forms/sa_discovery.yaml is not loaded")
        return questionnaires.questionnaire_for(version)


def test_convert_to_new_account_prefills_every_shared_answer(
    loaded: Flask, submitted_lead: Any, sa_discovery_form: Any, make_user: Callable[..., Any]
) -> None:
    user = make_user("sa")
    with loaded.app_context():
        sa = db.session.get(User, user.id)
        conversion = leads.convert_lead(submitted_lead.id, sa, account_name="Acme Cloud")
        discovery = db.session.get(Discovery, conversion.discovery.id)
        assert discovery is not None and discovery.lead_id == submitted_lead.id
        assert discovery.account.name == "Acme Cloud"
        answers = {
            a.question_id: a.value
            for a in db.session.scalars(select(Answer).where(Answer.discovery_id == discovery.id))
        }
        shared = {qid for qid in submitted_lead.answers if qid in sa_discovery_form.questions}
        assert shared, "the two questionnaires must share answer ids"
        for qid in shared:
            assert answers[qid] == submitted_lead.answers[qid], qid
        assert set(conversion.copied) == shared and conversion.skipped == {}
        lead = db.session.get(Lead, submitted_lead.id)
        assert lead is not None
        assert lead.status == "converted" and lead.discovery_id == discovery.id
        with pytest.raises(Conflict):
            leads.convert_lead(submitted_lead.id, sa, account_name="Another")


def test_convert_into_existing_account(
    loaded: Flask, submitted_lead: Any, sa_discovery_form: Any, make_user: Callable[..., Any]
) -> None:
    from recommender.services import accounts

    user = make_user("sa")
    with loaded.app_context():
        sa = db.session.get(User, user.id)
        account = accounts.create_account("Acme Holdings", sa)
        conversion = leads.convert_lead(submitted_lead.id, sa, account_id=account.id)
        discovery = db.session.get(Discovery, conversion.discovery.id)
        assert discovery is not None and discovery.account_id == account.id
        company = db.session.scalar(
            select(Answer.value).where(
                Answer.discovery_id == discovery.id, Answer.question_id == "company_name"
            )
        )
        assert company == "Acme Holdings"  # the account's name wins over the prospect's
        assert conversion.skipped == {"company_name": "kept the account's value"}


def test_failed_conversion_releases_the_lead(
    loaded: Flask, submitted_lead: Any, sa_discovery_form: Any, make_user: Callable[..., Any]
) -> None:
    from recommender.services import accounts

    user = make_user("sa")
    with loaded.app_context():
        sa = db.session.get(User, user.id)
        accounts.create_account("Taken Name", sa)
        with pytest.raises(InvalidInput):
            leads.convert_lead(submitted_lead.id, sa, account_name="taken name")
        with pytest.raises(InvalidInput):
            leads.convert_lead(submitted_lead.id, sa)
        with pytest.raises(NotFound):
            leads.convert_lead(submitted_lead.id, sa, account_id=999_999)
        lead = db.session.get(Lead, submitted_lead.id)
        assert lead is not None and lead.status == "submitted" and lead.discovery_id is None
        assert db.session.scalar(select(Discovery.id)) is None


def test_a_taken_account_name_leaves_the_lead_as_it_was_and_names_the_account(
    loaded: Flask, submitted_lead: Any, sa_discovery_form: Any, make_user: Callable[..., Any]
) -> None:
    """The lead seen in the same session (what the page renders after the failed POST) is
    not "converted"; the error names the account to convert into instead."""
    from recommender.models import Account
    from recommender.services import accounts

    user = make_user("sa")
    with loaded.app_context():
        sa = db.session.get(User, user.id)
        taken = accounts.create_account("Acme Cloud", sa)
        with pytest.raises(InvalidInput) as info:
            leads.convert_lead(submitted_lead.id, sa, account_name="  acme   CLOUD ")
        lead = leads.get_lead(submitted_lead.id)
        assert (lead.status, lead.discovery_id) == ("submitted", None)
        assert leads.lead_detail(submitted_lead.id).view.lead.status == "submitted"
        assert isinstance(info.value, leads.AccountExists)
        assert info.value.account_id == taken.id and "Acme Cloud" in info.value.message
        assert leads.lead_detail(submitted_lead.id).matching_account == taken  # offered
        assert db.session.scalar(select(Discovery.id)) is None
        assert list(db.session.scalars(select(Account.name))) == ["Acme Cloud"]


def test_a_failure_after_the_claim_releases_it_and_removes_what_it_created(
    loaded: Flask,
    submitted_lead: Any,
    sa_discovery_form: Any,
    make_user: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from recommender.models import Account

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(leads, "_prefill", broken)
    user = make_user("sa")
    with loaded.app_context():
        sa = db.session.get(User, user.id)
        with pytest.raises(RuntimeError):
            leads.convert_lead(submitted_lead.id, sa, account_name="Fresh Co")
        lead = leads.get_lead(submitted_lead.id)
        assert (lead.status, lead.discovery_id) == ("submitted", None)
        assert db.session.scalar(select(Discovery.id)) is None
        assert db.session.scalar(select(Account.id)) is None
    monkeypatch.undo()
    with loaded.app_context():  # and it can be converted afterwards
        sa = db.session.get(User, user.id)
        conversion = leads.convert_lead(submitted_lead.id, sa, account_name="Fresh Co")
        assert leads.get_lead(submitted_lead.id).discovery_id == conversion.discovery.id


def test_an_account_with_a_discovery_from_this_lead_is_not_given_a_second_one(
    loaded: Flask, submitted_lead: Any, sa_discovery_form: Any, make_user: Callable[..., Any]
) -> None:
    """A discovery an earlier, interrupted conversion left in the account (it carries the
    conversion's title but no link) is named instead of starting a second one; once the lead
    is converted, converting again names its discovery."""
    from recommender.services import accounts, discoveries

    user = make_user("sa")
    with loaded.app_context():
        sa = db.session.get(User, user.id)
        account = accounts.create_account("Acme Holdings", sa)
        other = accounts.create_account("Other Co", sa)
        accounts_discovery = discoveries.start_discovery(account.id, sa, "Renewal")
        left = discoveries.start_discovery(
            account.id, sa, leads.conversion_title(submitted_lead.id)
        )
        with pytest.raises(leads.AlreadyConverted) as info:
            leads.convert_lead(submitted_lead.id, sa, account_id=account.id)
        assert info.value.discovery_id == left.id != accounts_discovery.id
        assert f"#{left.id}" in info.value.message and "Acme Holdings" in info.value.message
        assert leads.get_lead(submitted_lead.id).status == "submitted"

        conversion = leads.convert_lead(submitted_lead.id, sa, account_id=other.id)
        with pytest.raises(leads.AlreadyConverted) as again:
            leads.convert_lead(submitted_lead.id, sa, account_id=other.id)
        assert again.value.discovery_id == conversion.discovery.id
        count = db.session.scalar(
            select(func.count(Discovery.id)).where(Discovery.account_id == other.id)
        )
        assert count == 1


def test_converted_lead_cannot_be_changed_by_the_prospect(
    client: FlaskClient,
    loaded: Flask,
    submitted_lead: Any,
    sa_discovery_form: Any,
    make_user: Callable[..., Any],
    prequal_answers: list[dict[str, Any]],
) -> None:
    user = make_user("sa")
    with loaded.app_context():
        leads.convert_lead(submitted_lead.id, db.session.get(User, user.id), account_name="Acme")
    with client.session_transaction() as sess:
        token = str(sess["prequal_token"])
    with loaded.app_context(), pytest.raises(Conflict):
        leads.save_step(token, 1, prequal_answers[0])
    # The web page does not offer the form any more: it leads to the result.
    resp = client.post("/start/step/1", data=prequal_answers[0])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/start/result")
    page = client.get("/start/result").get_data(as_text=True)
    assert "has picked up your answers" in page


def test_funnel_stages_and_window(loaded: Flask) -> None:
    with loaded.app_context():
        for step in (1, 1, 2, 3):
            lead, _ = leads.start_lead({})
            with db.transaction() as session:
                row = session.get(Lead, lead.id)
                assert row is not None
                row.step_reached = step
                if step == 3:
                    row.status = "submitted"
        stages = {s.key: (s.count, s.percent) for s in leads.funnel()}
        assert stages == {
            "step1": (4, 100),
            "step2": (2, 50),
            "step3": (1, 25),
            "submitted": (1, 25),
            "converted": (0, 0),
        }
        future = {s.key: s.count for s in leads.funnel(since=utcnow() + timedelta(days=1))}
        assert set(future.values()) == {0}


def test_leads_are_listed_by_when_they_were_received(
    app: Flask, journey: Callable[..., Any], all_leads: Callable[[], list[Any]]
) -> None:
    """The list shows the submission time as "Received" and says "Newest first": a prospect
    who started long ago but submitted just now belongs at the top."""
    slow, quick = app.test_client(), app.test_client()
    journey(slow, step3={"company_name": "Slow Co"}, stop_after=2)
    journey(quick, step3={"company_name": "Quick Co"})
    slow_lead, quick_lead = all_leads()
    with app.app_context(), db.transaction() as session:
        past = utcnow() - timedelta(days=3)
        session.execute(
            Lead.__table__.update().where(Lead.id == slow_lead.id).values(created_at=past)
        )
        session.execute(
            Lead.__table__.update()
            .where(Lead.id == quick_lead.id)
            .values(created_at=past + timedelta(hours=1), submitted_at=past + timedelta(hours=2))
        )
    resp = slow.post("/start/step/3", data={"company_name": "Slow Co", **_contact()})
    assert resp.status_code == 302
    with app.app_context():
        assert [lead.company for lead in leads.list_leads("open")] == ["Slow Co", "Quick Co"]
        assert [lead.company for lead in leads.list_leads("all")] == ["Slow Co", "Quick Co"]


def _contact() -> dict[str, str]:
    return {"contact_name": "Sam Slow", "contact_email": "sam@slow.example"}
