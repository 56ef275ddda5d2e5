"""Queries of the workspace: which cases a user sees, inbox filters, search, sorting, pages.

The inbox's filters come from the query string; unknown values are ignored rather than refused,
so a bookmarked URL keeps working. Full-text search is SQL LIKE (with %, _ and \\ escaped) over
the case sheet, the stored transcript, the tags and the notes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import case as sql_case
from sqlalchemy import event, exists, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from lotse.knowledge.loader import load_knowledge
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseNote, CaseStatus, CaseTag, Membership, User
from lotse.workspace import labels
from lotse.workspace.deps import centre_ids

PAGE_SIZE = 25
MAX_QUERY_LENGTH = 200
MAX_TAG_LENGTH = 40
MAX_TAGS_PER_CASE = 20
MAX_NOTE_LENGTH = 5000
#: The status filter's default: every case that is not closed.
OPEN = "open"
ALL = "all"
SORTS = ("newest", "oldest", "status")
ASSIGNEES = ("mine", "unassigned")
REVIEWED = ("yes", "no")
#: The case-folding function registered on SQLite connections for the search.
SQLITE_FOLD = "lotse_fold"
_STATUS_ORDER = {status.value: rank for rank, status in enumerate(CaseStatus)}


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: filters, search text, sort order and page."""

    status: str = OPEN
    language: str = ""
    land: str = ""
    channel: str = ""
    kind: str = ""
    assignee: str = ""
    tag: str = ""
    reviewed: str = ""
    q: str = ""
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> InboxFilter:
        """The filter of a query string; unknown values fall back to "any"."""

        def pick(name: str, allowed: Any, default: str = "") -> str:
            value = (params.get(name) or "").strip()
            return value if value in allowed else default

        try:
            page = max(1, min(10_000, int(params.get("page") or 1)))
        except ValueError:
            page = 1
        return cls(
            status=pick("status", (*labels.STATUS_LABELS, OPEN, ALL), OPEN),
            language=pick("language", labels.LANGUAGE_LABELS),
            land=pick("land", labels.LAND_LABELS),
            channel=pick("channel", labels.CHANNEL_LABELS),
            kind=pick("kind", labels.KIND_LABELS),
            assignee=pick("assignee", ASSIGNEES),
            tag=(params.get("tag") or "").strip()[:MAX_TAG_LENGTH],
            reviewed=pick("reviewed", REVIEWED),
            q=" ".join((params.get("q") or "").split())[:MAX_QUERY_LENGTH],
            sort=pick("sort", SORTS, "newest"),
            page=page,
        )

    def query_string(self, **changes: Any) -> str:
        """This filter (with `changes`) as a query string, without defaults."""
        values = replace(self, **changes)
        defaults = InboxFilter()
        params = {
            name: getattr(values, name)
            for name in self.__dataclass_fields__
            if getattr(values, name) != getattr(defaults, name)
        }
        return urlencode(params)


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern with ESCAPE '\\': %, _ and \\ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible_cases(db: Session, user: User) -> Select:
    """SELECT of the hand-offs `user` may see: their centres' (admins: all)."""
    query = select(Handoff)
    if not user.is_admin:
        query = query.where(Handoff.centre_id.in_(centre_ids(db, user) or {""}))
    return query


@event.listens_for(Engine, "connect")
def _add_sqlite_fold(dbapi_connection: Any, _record: Any) -> None:
    """SQLite's lower() folds only ASCII; searches use Python's casefold (Cyrillic, Polish)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(SQLITE_FOLD, 1, _fold, deterministic=True)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _search(db: Session, query: Select, text: str) -> Select:
    sqlite = db.get_bind().dialect.name == "sqlite"
    fold = getattr(func, SQLITE_FOLD) if sqlite else func.lower
    for word in text.split():
        pattern = f"%{escape_like(word.casefold() if sqlite else word.lower())}%"

        def like(column: Any, pattern: str = pattern) -> Any:
            return fold(column).like(pattern, escape="\\")

        query = query.where(
            or_(
                like(Handoff.ref),
                like(Handoff.occupation_text),
                like(Handoff.occupation_id),
                like(Handoff.authority),
                like(Handoff.contact_value),
                like(Handoff.country),
                like(Handoff.land),
                like(Handoff.transcript),
                exists().where(CaseNote.handoff_id == Handoff.id, like(CaseNote.text)),
                exists().where(CaseTag.handoff_id == Handoff.id, like(CaseTag.tag)),
            )
        )
    return query


def filtered(db: Session, user: User, wanted: InboxFilter) -> Select:
    """The inbox query for `wanted` (not yet sorted or paged)."""
    query = visible_cases(db, user)
    if wanted.status == OPEN:
        query = query.where(Handoff.status != CaseStatus.CLOSED.value)
    elif wanted.status != ALL:
        query = query.where(Handoff.status == wanted.status)
    for column, value in (
        (Handoff.language, wanted.language),
        (Handoff.land, wanted.land),
        (Handoff.channel, wanted.channel),
        (Handoff.kind, wanted.kind),
    ):
        if value:
            query = query.where(column == value)
    if wanted.assignee == "mine":
        query = query.where(Handoff.assignee_id == user.id)
    elif wanted.assignee == "unassigned":
        query = query.where(Handoff.assignee_id.is_(None))
    if wanted.tag:
        query = query.where(
            exists().where(CaseTag.handoff_id == Handoff.id, CaseTag.tag == wanted.tag)
        )
    if wanted.reviewed:
        query = query.where(Handoff.reviewed.is_(wanted.reviewed == "yes"))
    if wanted.q:
        query = _search(db, query, wanted.q)
    return query


def inbox_page(db: Session, user: User, wanted: InboxFilter) -> tuple[list[Handoff], int]:
    """One page of the inbox and the number of matching cases."""
    query = filtered(db, user, wanted)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if wanted.sort == "oldest":
        query = query.order_by(Handoff.created_at.asc(), Handoff.id.asc())
    elif wanted.sort == "status":
        rank = sql_case(_STATUS_ORDER, value=Handoff.status, else_=len(_STATUS_ORDER))
        query = query.order_by(rank, Handoff.created_at.desc(), Handoff.id.desc())
    else:
        query = query.order_by(Handoff.created_at.desc(), Handoff.id.desc())
    offset = (wanted.page - 1) * PAGE_SIZE
    return list(db.scalars(query.offset(offset).limit(PAGE_SIZE))), total


def inbox_version(db: Session, user: User) -> str:
    """Changes whenever a visible case is added or changed (the inbox polls this)."""
    visible = visible_cases(db, user).subquery()
    newest, changed, count = db.execute(
        select(func.max(visible.c.id), func.max(visible.c.updated_at), func.count())
    ).one()
    return f"{newest or 0}:{changed or ''}:{count}"


def tags_of(db: Session, case_ids: list[int]) -> dict[int, list[str]]:
    """The tags of several cases, sorted."""
    found: dict[int, list[str]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        rows = db.execute(
            select(CaseTag.handoff_id, CaseTag.tag)
            .where(CaseTag.handoff_id.in_(case_ids))
            .order_by(CaseTag.tag)
        )
        for case_id, tag in rows:
            found[case_id].append(tag)
    return found


def visible_tags(db: Session, user: User) -> list[str]:
    """Every tag used on a case this user sees (for the tag filter)."""
    visible = visible_cases(db, user).with_only_columns(Handoff.id)
    return list(
        db.scalars(
            select(CaseTag.tag)
            .where(CaseTag.handoff_id.in_(visible))
            .distinct()
            .order_by(CaseTag.tag)
        )
    )


def users_by_id(db: Session, user_ids: set[int]) -> dict[int, User]:
    """Users by id (for assignee and author names)."""
    if not user_ids:
        return {}
    return {user.id: user for user in db.scalars(select(User).where(User.id.in_(user_ids)))}


def centre_counsellors(db: Session, centre_id: str) -> list[User]:
    """The active members of a centre (whom a case of it can be assigned to)."""
    return list(
        db.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.centre_id == centre_id, User.active.is_(True))
            .order_by(User.name)
        )
    )


def occupation_name(occupation_id: str | None) -> str | None:
    """The German title of a reference occupation, None if unknown."""
    if not occupation_id:
        return None
    occupation = load_knowledge().occupation(occupation_id)
    return occupation.title_de if occupation else None


def centre_name(centre_id: str | None) -> str:
    """The name of a centre of knowledge/centres.yaml (its id if unknown)."""
    for centre in load_knowledge().centres:
        if centre.id == centre_id:
            return centre.name
    return centre_id or "–"


def clean_tag(text: str) -> str:
    """A tag as stored: blanks collapsed, at most MAX_TAG_LENGTH characters ("" if empty)."""
    return " ".join(text.split())[:MAX_TAG_LENGTH]


def stored_transcript(case: Handoff) -> list[dict[str, Any]]:
    """The transcript saved with the hand-off (a list of turns; [] if unreadable)."""
    try:
        turns = json.loads(case.transcript or "[]")
    except ValueError:
        return []
    return [turn for turn in turns if isinstance(turn, dict)] if isinstance(turns, list) else []
