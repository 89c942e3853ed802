"""Customer accounts: create, find by name, list with their discoveries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from recommender.errors import InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import Account, Discovery, User

NAME_MAX = 200


@dataclass(frozen=True)
class AccountRow:
    account: Account
    discovery_count: int


def normalise_name(name: str) -> str:
    """Whitespace collapsed; NUL characters (which PostgreSQL cannot store) dropped."""
    return " ".join(name.replace("\x00", "").split())


def create_account(name: str, user: User | None) -> Account:
    """A new account; names are unique case-insensitively, so a duplicate is refused."""
    name = normalise_name(name)
    if not name:
        raise InvalidInput("Enter the company name.", {"name": "Enter the company name."})
    if len(name) > NAME_MAX:
        message = f"The company name is too long (at most {NAME_MAX} characters)."
        raise InvalidInput(message, {"name": message})
    with db.transaction() as session:
        existing = session.scalar(select(Account).where(func.lower(Account.name) == name.lower()))
        if existing is not None:
            message = f"An account named '{existing.name}' already exists."
            raise InvalidInput(message, {"name": message})
        account = Account(name=name, created_by_id=user.id if user else None)
        session.add(account)
    return account


def get_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.")
    return account


def search_accounts(query: str = "", limit: int = 200) -> list[AccountRow]:
    """Accounts whose name contains `query` (case-insensitive), by name."""
    counts = (
        select(Discovery.account_id, func.count(Discovery.id).label("n"))
        .group_by(Discovery.account_id)
        .subquery()
    )
    stmt = (
        select(Account, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.account_id == Account.id)
        .order_by(func.lower(Account.name), Account.id)
        .limit(limit)
    )
    query = normalise_name(query)
    if query:
        stmt = stmt.where(func.lower(Account.name).contains(query.lower(), autoescape=True))
    return [AccountRow(account, int(n)) for account, n in db.session.execute(stmt)]
